"""``build(corpus_dir, out_dir)`` runs the stages and writes one index directory atomically.

Stages: ingest -> normalize -> metadata -> segment -> extract -> graph -> embed/index. A file that
fails any stage is recorded in the build report with its reason and skipped; every other document
is still built. The index is written to a temporary sibling directory and renamed into place, so
a crash mid-build leaves the previous index untouched. ``Workspace.load`` reads it back and
checks the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson

from . import __version__
from .errors import BuildError, DocumentError, IndexError_, PolicyGraphError
from .gazetteer import Gazetteer
from .ids import document_id, iri
from .ingest import read_file, supported
from .metadata import extract_metadata
from .models import (
    BuildReport,
    Clause,
    ClauseFacts,
    Document,
    NormalizedText,
    SkippedFile,
    clause_from_json,
    meta_from_json,
    to_jsonable,
)
from .normalize import is_cjk, normalize
from .segment import segment
from .settings import Settings

FORMAT_VERSION = 1
Progress = Callable[[str, int, int], None]


def _noop(stage: str, done: int, total: int) -> None:
    return None


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Files of the corpus in a stable order (README files are documentation, not documents)."""
    return sorted(
        p
        for p in corpus_dir.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.stem.upper() != "README"
    )


def build_document(path: Path, settings: Settings, gazetteer: Gazetteer) -> Document:
    """Run ingest, normalisation, metadata and segmentation for one file."""
    source = read_file(path, max_bytes=settings.max_file_bytes)
    normalized = normalize(source.text)
    n_cjk = sum(1 for ch in normalized.text[:20000] if is_cjk(ch))
    if n_cjk < 10:
        raise DocumentError("no Chinese policy text found (fewer than 10 Chinese characters)")
    meta = extract_metadata(normalized, gazetteer)
    doc_id = document_id(meta)
    clauses = segment(doc_id, normalized)
    clauses = [replace(c, id=c.id) for c in clauses]
    return Document(
        id=doc_id,
        iri=iri(settings.iri_base, doc_id),
        file=source.file,
        sha256=source.sha256,
        format=source.format,
        meta=meta,
        normalized=normalized,
        clauses=tuple(clauses),
    )


ProcessResult = tuple[str, Document | None, dict[str, ClauseFacts] | None, str | None]
PARALLEL_MIN_FILES = 200


def process_file(path: Path, corpus_dir: Path, settings: Settings) -> ProcessResult:
    """One file through ingest, normalisation, metadata, segmentation and extraction.

    Never raises: a failure comes back as its reason, so one bad file cannot stop a build.
    """
    from .extract import extract_clause

    rel = str(path.relative_to(corpus_dir))
    if not supported(path):
        return rel, None, None, f"unsupported file type {path.suffix or '(none)'!r}"
    try:
        doc = build_document(path, settings, Gazetteer.default())
        facts = {}
        clauses = []
        for clause in doc.clauses:
            f = extract_clause(clause)
            facts[clause.id] = f
            clauses.append(
                replace(clause, amounts=tuple(a for a in f.amounts if a.kind != "count_limit"))
            )
        return rel, replace(doc, clauses=tuple(clauses)), facts, None
    except PolicyGraphError as exc:
        return rel, None, None, str(exc)
    except Exception as exc:  # a bug in one stage must not lose the other documents
        return rel, None, None, f"internal error: {type(exc).__name__}: {exc}"


def _process_chunk(args: tuple[list[Path], Path, Settings]) -> list[ProcessResult]:
    paths, corpus_dir, settings = args
    return [process_file(p, corpus_dir, settings) for p in paths]


def process_files(
    corpus_dir: Path, files: list[Path], settings: Settings
) -> Iterator[ProcessResult]:
    """``process_file`` for every file, in order; on every core for large corpora."""
    workers = min(os.cpu_count() or 1, 8)
    if len(files) < PARALLEL_MIN_FILES or workers < 2:
        for path in files:
            yield process_file(path, corpus_dir, settings)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    size = max(16, len(files) // (workers * 16))
    chunks = [(files[i : i + size], corpus_dir, settings) for i in range(0, len(files), size)]
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        for results in pool.map(_process_chunk, chunks):
            yield from results


def build(
    corpus_dir: Path,
    out_dir: Path,
    settings: Settings | None = None,
    progress: Progress = _noop,
    strict: bool = False,
) -> BuildReport:
    """Build the index directory ``out_dir`` from the files in ``corpus_dir``.

    Raises:
        BuildError: no document could be built, or ``strict`` and a file was skipped.
    """
    settings = settings or Settings()
    corpus_dir, out_dir = Path(corpus_dir), Path(out_dir)
    if not corpus_dir.is_dir():
        raise BuildError(f"corpus directory not found: {corpus_dir}")
    started = time.perf_counter()
    stages: dict[str, float] = {}
    files = corpus_files(corpus_dir)
    documents: list[Document] = []
    facts: dict[str, ClauseFacts] = {}
    skipped: list[SkippedFile] = []
    by_id: dict[str, str] = {}
    t0 = time.perf_counter()
    for i, (rel, doc, doc_facts, error) in enumerate(process_files(corpus_dir, files, settings)):
        progress("read, segment, extract", i, len(files))
        if error is not None:
            skipped.append(SkippedFile(rel, error))
            continue
        assert doc is not None and doc_facts is not None
        if doc.id in by_id:
            skipped.append(
                SkippedFile(
                    rel,
                    f"duplicate document: {doc.meta.doc_number or doc.meta.title} is already built from {by_id[doc.id]}",
                )
            )
            continue
        by_id[doc.id] = rel
        documents.append(replace(doc, file=rel))
        facts.update(doc_facts)
    progress("read, segment, extract", len(files), len(files))
    stages["read+normalize+segment+extract"] = time.perf_counter() - t0
    if strict and skipped:
        raise BuildError(
            "skipped under --strict: " + "; ".join(f"{s.file}: {s.reason}" for s in skipped)
        )
    if not documents:
        raise BuildError(
            "no document could be built"
            + (
                ": " + "; ".join(f"{s.file}: {s.reason}" for s in skipped)
                if skipped
                else f" (no files in {corpus_dir})"
            )
        )
    from .stages import run_stages

    with atomic_dir(out_dir) as tmp:
        documents = run_stages(documents, facts, tmp, settings, progress, stages)
        n_clauses = sum(len(d.clauses) for d in documents)
        report = BuildReport(
            out_dir=str(out_dir),
            n_documents=len(documents),
            n_clauses=n_clauses,
            skipped=tuple(skipped),
            seconds=round(time.perf_counter() - started, 3),
            stages={k: round(v, 3) for k, v in stages.items()},
        )
        write_documents(tmp, documents)
        (tmp / "report.json").write_text(
            json.dumps(to_jsonable(report), ensure_ascii=False, indent=1), "utf-8"
        )
        manifest = _manifest(documents, settings, report, tmp)
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8"
        )
    return report


def _manifest(
    documents: list[Document], settings: Settings, report: BuildReport, tmp: Path
) -> dict[str, Any]:
    extra_path = tmp / "manifest.extra.json"
    extra = json.loads(extra_path.read_text("utf-8")) if extra_path.exists() else {}
    if extra_path.exists():
        extra_path.unlink()
    # the on-disk Oxigraph store (RocksDB) manages its own files; it is rebuilt from graph.nq
    files = {
        str(p.relative_to(tmp)): _sha256(p)
        for p in sorted(tmp.rglob("*"))
        if p.is_file() and p.relative_to(tmp).parts[0] != "oxigraph"
    }
    return {
        "format_version": FORMAT_VERSION,
        "package_version": __version__,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "iri_base": settings.iri_base,
        "n_documents": report.n_documents,
        "n_clauses": report.n_clauses,
        "corpus": {d.file: d.sha256 for d in documents},
        "files": files,
        **extra,
    }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary directory that replaces ``target`` only if the block succeeds.

    One build at a time per target (an exclusive lock file beside it); temporary directories that
    a killed build left behind are removed first.
    """
    import fcntl

    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    lock = (target.parent / f".{target.name}.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise BuildError(f"another build of {target} is running") from None
    for stale in target.parent.glob(f".{target.name}.building-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in target.parent.glob(f".{target.name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.building-", dir=target.parent))
    try:
        yield tmp
        backup = None
        if target.exists():
            backup = target.with_name(f".{target.name}.old-{os.getpid()}-{time.time_ns()}")
            os.rename(target, backup)
        os.rename(tmp, target)
        if backup is not None:
            shutil.rmtree(backup, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        lock.close()


def write_documents(out: Path, documents: list[Document]) -> None:
    """documents.jsonl (metadata + texts) and clauses.jsonl (one clause per line)."""
    with (out / "documents.jsonl").open("w", encoding="utf-8") as fh:
        for d in documents:
            row = {
                "id": d.id,
                "iri": d.iri,
                "file": d.file,
                "sha256": d.sha256,
                "format": d.format,
                "meta": to_jsonable(d.meta),
                "raw": d.normalized.raw,
                "text": d.normalized.text,
                "offsets": _encode_offsets(d.normalized.offsets),
            }
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    with (out / "clauses.jsonl").open("w", encoding="utf-8") as fh:
        for d in documents:
            for c in d.clauses:
                fh.write(json.dumps(to_jsonable(c), ensure_ascii=False) + "\n")


def _encode_offsets(offsets: Sequence[int]) -> list[list[int]]:
    """Run-length encoding of the offset map: [normalised start, raw start, length] runs."""
    runs: list[list[int]] = []
    for i, raw in enumerate(offsets):
        if runs and raw == runs[-1][1] + runs[-1][2] and i == runs[-1][0] + runs[-1][2]:
            runs[-1][2] += 1
        else:
            runs.append([i, raw, 1])
    return runs


def _decode_offsets(runs: list[list[int]]) -> array[int]:
    out: array[int] = array("l")
    for _start, raw, length in runs:
        out.extend(range(raw, raw + length))
    return out


class LazyOffsets(Sequence[int]):
    """The offset map of a loaded document, decoded on first use (serving rarely needs it:
    clause spans in both texts are stored with the clauses)."""

    def __init__(self, runs: list[list[int]]):
        self._runs: list[list[int]] | None = runs
        self._data: array[int] | None = None

    def _get(self) -> array[int]:
        if self._data is None:
            assert self._runs is not None
            self._data = _decode_offsets(self._runs)
            self._runs = None
        return self._data

    def __getitem__(self, i):  # type: ignore[no-untyped-def,override]
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())


def load_documents(index_dir: Path) -> list[Document]:
    """Documents with their clauses from an index directory."""
    clauses: dict[str, list[Clause]] = {}
    with (index_dir / "clauses.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            c = clause_from_json(orjson.loads(line))
            clauses.setdefault(c.doc_id, []).append(c)
    docs = []
    with (index_dir / "documents.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            d = orjson.loads(line)
            normalized = NormalizedText(d["raw"], d["text"], LazyOffsets(d["offsets"]))
            docs.append(
                Document(
                    id=d["id"],
                    iri=d["iri"],
                    file=d["file"],
                    sha256=d["sha256"],
                    format=d["format"],
                    meta=meta_from_json(d["meta"]),
                    normalized=normalized,
                    clauses=tuple(clauses.get(d["id"], [])),
                )
            )
    return docs


def read_manifest(index_dir: Path) -> dict[str, Any]:
    """The manifest of an index directory, checked for presence, version and file integrity.

    Raises:
        IndexError_: the directory is not a complete index of this format version.
    """
    index_dir = Path(index_dir)
    path = index_dir / "manifest.json"
    if not path.is_file():
        raise IndexError_(f"not an index directory (no manifest.json): {index_dir}")
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexError_(f"corrupt manifest.json in {index_dir}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexError_(
            f"index format {manifest.get('format_version') if isinstance(manifest, dict) else '?'} "
            f"does not match this version ({FORMAT_VERSION}); rebuild with `policygraph build`"
        )
    for name, digest in manifest.get("files", {}).items():
        file = index_dir / name
        if not file.is_file():
            raise IndexError_(f"index file missing: {file}")
        if file.stat().st_size < 50_000_000 and _sha256(file) != digest:
            raise IndexError_(f"index file changed since the build (checksum mismatch): {file}")
    return manifest
