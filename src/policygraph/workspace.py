"""``Workspace``: a built index directory loaded once, the core object behind CLI and API."""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson

from .errors import NotFoundError
from .gazetteer import Gazetteer
from .ids import id_from_iri
from .models import Clause, ClauseFacts, Document, facts_from_json, to_jsonable
from .pipeline import load_documents, read_manifest, segment_paths
from .settings import Settings


class Workspace:
    """Documents, clauses and (once built) graph and search indexes of one index directory."""

    def __init__(
        self,
        index_dir: Path,
        manifest: dict[str, Any],
        documents: list[Document],
        settings: Settings,
    ):
        self.index_dir = Path(index_dir)
        self.manifest = manifest
        self.settings = settings
        self.documents = documents
        self.gazetteer = Gazetteer.default()
        self.docs_by_id = {d.id: d for d in documents}
        links_path = self.index_dir / "links.json"
        self.links: dict[str, Any] = (
            json.loads(links_path.read_text("utf-8"))
            if links_path.exists()
            else {"refers_to": {}, "defers_to": {}, "applies_by_reference": {}}
        )

    @cached_property
    def clauses(self) -> list[Clause]:
        """Every clause, in document order (parses every document's clauses on first use)."""
        with paused_gc():
            return [c for d in self.documents for c in d.clauses]

    @cached_property
    def clauses_by_id(self) -> dict[str, Clause]:
        return {c.id: c for c in self.clauses}

    @cached_property
    def facts(self) -> dict[str, ClauseFacts]:
        """Facts of every clause (read once from the facts files)."""
        facts: dict[str, ClauseFacts] = {}
        with paused_gc():
            for facts_path in segment_paths(
                self.index_dir,
                "facts.jsonl",
                "facts",
                "jsonl",
                self.manifest.get("segments", []),
            ):
                if facts_path.exists():
                    with facts_path.open("rb") as fh:
                        for line in fh:
                            f = facts_from_json(orjson.loads(line))
                            facts[f.clause_id] = f
        return facts

    def facts_of(self, clause_id: str) -> ClauseFacts | None:
        """One clause's facts, reading only its document's if the whole table is not loaded."""
        if "facts" in self.__dict__:
            return self.facts.get(clause_id)
        parts = clause_id.split("/")
        for i in range(len(parts) - 1, 0, -1):
            doc = self.docs_by_id.get("/".join(parts[:i]))
            if doc is not None:
                return getattr(doc, "facts", {}).get(clause_id)  # type: ignore[no-any-return]
        return None

    @cached_property
    def reverse_links(self) -> dict[str, dict[str, list[str]]]:
        """``{relation: {target clause IRI: [source clause ids]}}`` for refers_to and defers_to."""
        out: dict[str, dict[str, list[str]]] = {}
        for relation in ("refers_to", "defers_to"):
            rev: dict[str, list[str]] = {}
            for source, targets in self.links[relation].items():
                for target in targets:
                    rev.setdefault(target, []).append(source)
            out[relation] = rev
        return out

    @cached_property
    def concept_index(self) -> dict[str, list[str]]:
        """Clause ids by extracted topic and measure-type concept key (for graph-steered search),
        each list ordered once: clauses that grant money first, then by id."""
        index: dict[str, list[str]] = {}
        for cid, f in self.facts.items():
            for key in (*f.topics, *f.measure_types):
                index.setdefault(key, []).append(cid)
        for ids in index.values():
            ids.sort(key=lambda c: (not self.facts[c].grants_money, c))
        return index

    @cached_property
    def measure_ids(self) -> set[str]:
        """IDs of measure-level clauses (numbered clauses without numbered children)."""
        from .segment import measure_level

        return {c.id for d in self.documents for c in measure_level(list(d.clauses))}

    @cached_property
    def store(self) -> Any:
        """The SPARQL store of this index (backend from the ``sparql_backend`` setting)."""
        from .sparql import open_store

        return open_store(self.index_dir, self.settings.sparql_backend)

    @cached_property
    def searcher(self) -> Any:
        """The hybrid searcher (index and encoder loaded on first use)."""
        from .search import Searcher

        return Searcher(self)

    def search(self, question: str, **kwargs: Any) -> dict[str, Any]:
        """Answer a question; see ``Searcher.search``."""
        return self.searcher.search(question, **kwargs)

    def sparql(self, query: str) -> Any:
        """Run a read-only SPARQL query with the configured time limit and row cap."""
        return self.store.query(
            query,
            timeout_ms=self.settings.sparql_timeout_ms,
            max_rows=self.settings.sparql_max_rows,
        )

    @classmethod
    def load(cls, index_dir: Path | str, settings: Settings | None = None) -> Workspace:
        """Load and check an index directory.

        Raises:
            IndexError_: missing, corrupt or mismatched index.
        """
        index_dir = Path(index_dir)
        manifest = read_manifest(index_dir)
        settings = (settings or Settings()).with_overrides(iri_base=manifest.get("iri_base"))
        with paused_gc():
            return cls(
                index_dir,
                manifest,
                load_documents(index_dir, manifest.get("segments", [])),
                settings,
            )

    def document(self, ref: str) -> Document:
        """A document by ID, IRI or 文号."""
        key = id_from_iri(self.settings.iri_base, ref)
        if key in self.docs_by_id:
            return self.docs_by_id[key]
        for d in self.documents:
            if d.meta.doc_number == ref or d.meta.title == ref:
                return d
        # A short name of a document without 文号 (前海数据产业若干措施起草说明): its characters
        # appear in order in exactly one title.
        loose = [d for d in self.documents if _subsequence(ref, d.meta.title)]
        if len(loose) == 1:
            return loose[0]
        raise NotFoundError(f"no document {ref!r}")

    def clause(self, ref: str) -> Clause:
        """A clause by ID or IRI."""
        key = id_from_iri(self.settings.iri_base, ref)
        try:
            return self.clauses_by_id[key]
        except KeyError:
            raise NotFoundError(f"no clause {ref!r}") from None

    def clause_row(self, clause: Clause) -> dict[str, Any]:
        """A clause as the flat JSON row of ``policygraph clauses --jsonl``."""
        doc = self.docs_by_id[clause.doc_id]
        row = to_jsonable(clause)
        row.update(
            iri=f"{doc.iri}/{'/'.join(clause.key)}",
            doc_number=doc.meta.doc_number,
            doc_title=doc.meta.title,
            file=doc.file,
            path_label="".join(p for p in clause.path if not p.startswith("¶"))
            or "/".join(clause.path),
        )
        return row

    def document_row(self, doc: Document, as_of: dt.date | None = None) -> dict[str, Any]:
        """A document's metadata with its status on ``as_of`` (default today)."""
        day = as_of or dt.date.today()
        meta = to_jsonable(doc.meta)
        return {
            "id": doc.id,
            "iri": doc.iri,
            "file": doc.file,
            **meta,
            "status": doc.meta.status_on(day),
            "as_of": day.isoformat(),
            "n_clauses": len(doc.clauses),
        }


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while millions of long-lived objects are created: each full
    pass would rescan all of them (loading 100k clauses takes about half as long)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return len(short) >= 4 and all(ch in it for ch in short)
