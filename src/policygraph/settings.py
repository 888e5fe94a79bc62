"""One registry of named settings, with defaults and help text.

Every tunable lives here. A value comes from, in order: an explicit override passed to
``Settings.with_overrides``, the environment variable ``POLICYGRAPH_<NAME>`` (upper case), or the
default below. Code reads ``settings.name``; nothing else reads the environment.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Setting:
    """One named setting: its default and what it does."""

    name: str
    default: Any
    help: str

    def parse(self, raw: str) -> Any:
        """Turn an environment string into the default's type."""
        kind = type(self.default)
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if kind is tuple:
            return tuple(p.strip() for p in raw.split(",") if p.strip())
        return raw


REGISTRY: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting(
            "iri_base", "https://policygraph.example.org", "Base of every document and clause IRI."
        ),
        Setting("index_dir", "indexes/default", "Index directory built by `policygraph build`."),
        Setting("model", "", "Embedding model name or path; empty builds the offline default."),
        Setting("embedding_dim", 256, "Dimension of the offline default embedding model."),
        Setting(
            "ann_threshold", 50_000, "Clause count above which FAISS uses an approximate index."
        ),
        Setting("hnsw_m", 32, "HNSW graph degree for the approximate index."),
        Setting("hnsw_ef_search", 128, "HNSW search breadth (recall/latency trade-off)."),
        Setting("rrf_k", 60, "Reciprocal-rank-fusion constant for dense + lexical fusion."),
        Setting(
            "sparql_backend",
            "oxigraph",
            "SPARQL store: `oxigraph` (fast), `rdflib`, or a remote endpoint URL.",
        ),
        Setting(
            "oxigraph_disk_quads",
            2_000_000,
            "Graphs with more quads get an on-disk Oxigraph store in the index.",
        ),
        Setting("sparql_timeout_ms", 5_000, "Time limit of one SPARQL query."),
        Setting("sparql_max_rows", 10_000, "Row cap of one SPARQL result."),
        Setting(
            "sparql_workers",
            2,
            "SPARQL worker processes of the service (a runaway query is killed).",
        ),
        Setting(
            "workers",
            0,
            "Service worker processes sharing the loaded index (0: one per available core).",
        ),
        Setting(
            "reload_interval_s",
            2.0,
            "How often the service checks its index directory for a rebuild (0: never).",
        ),
        Setting("max_query_chars", 500, "Longest accepted search question."),
        Setting("max_k", 100, "Largest accepted number of search results."),
        Setting("cors_origins", ("*",), "Origins allowed to call the API from a browser."),
        Setting(
            "max_file_bytes",
            20 * 1024 * 1024,
            "Largest corpus file read; larger files are skipped with a reason.",
        ),
    ]
}


class Settings:
    """Resolved values of every setting in ``REGISTRY``."""

    def __init__(self, overrides: dict[str, Any] | None = None) -> None:
        values: dict[str, Any] = {}
        for name, setting in REGISTRY.items():
            env = os.environ.get(f"POLICYGRAPH_{name.upper()}")
            values[name] = setting.parse(env) if env is not None else setting.default
        for name, value in (overrides or {}).items():
            if name not in REGISTRY:
                raise KeyError(f"unknown setting {name!r}")
            if value is not None:
                values[name] = value
        self._values = values

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["_values"][name]
        except KeyError:
            raise AttributeError(name) from None

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with some values replaced (``None`` keeps the current value)."""
        merged = dict(self._values)
        merged.update({k: v for k, v in overrides.items() if v is not None})
        return Settings(merged)

    def as_dict(self) -> dict[str, Any]:
        """All values, for the manifest and `policygraph settings`."""
        return dict(self._values)
