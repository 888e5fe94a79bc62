"""``build(corpus_dir, out_dir)`` runs the stages and writes one index directory atomically.

Stages: ingest -> normalize -> metadata -> segment -> extract -> graph -> embed/index. A file that
fails any stage is recorded in the build report with its reason and skipped; every other document
is still built. The index is written to a temporary sibling directory and renamed into place, so
a crash mid-build leaves the previous index untouched. ``Workspace.load`` reads it back and
checks the manifest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from . import __version__
from .errors import BuildError, DocumentError, IndexError_, PolicyGraphError
from .gazetteer import Gazetteer
from .ids import document_id, iri
from .ingest import read_file, supported
from .metadata import extract_metadata
from .models import (
    BuildReport,
    ClauseFacts,
    Document,
    NormalizedText,
    SkippedFile,
    clause_from_json,
    facts_from_json,
    meta_from_json,
    to_jsonable,
)
from .normalize import is_cjk, normalize
from .segment import segment
from .settings import Settings

FORMAT_VERSION = 2
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


def _append(fh: Any, lines: list[bytes]) -> list[int]:
    """Write ``lines`` (one JSON value each) and return their ``[offset, length]`` in the file."""
    offset = fh.tell()
    block = b"".join(line + b"\n" for line in lines)
    fh.write(block)
    return [offset, len(block)]


def write_documents(
    out: Path, documents: list[Document], facts: dict[str, ClauseFacts], prefix: str = ""
) -> None:
    """``documents.jsonl``: one line of metadata per document with where its text, clauses and
    facts are (``[offset, length]`` in ``texts.jsonl``, ``clauses.jsonl``, ``facts.jsonl``, which
    hold one JSON value a line, in document order). A reader loads a document's clauses without
    parsing the others', and the whole of ``clauses.jsonl``/``facts.jsonl`` still reads line by
    line. ``prefix`` names the files of an added segment (``add-0001.`` -> ``add-0001.texts.jsonl``).
    """
    names = {k: out / f"{prefix}{k}.jsonl" for k in ("documents", "texts", "clauses", "facts")}
    with (
        names["documents"].open("wb") as docs_fh,
        names["texts"].open("wb") as texts_fh,
        names["clauses"].open("wb") as clauses_fh,
        names["facts"].open("wb") as facts_fh,
    ):
        for d in documents:
            text = {
                "raw": d.normalized.raw,
                "text": d.normalized.text,
                "offsets": _encode_offsets(d.normalized.offsets),
            }
            doc_facts = [facts[c.id] for c in d.clauses if c.id in facts]
            row = {
                "id": d.id,
                "iri": d.iri,
                "file": d.file,
                "sha256": d.sha256,
                "format": d.format,
                "meta": to_jsonable(d.meta),
                "n_clauses": len(d.clauses),
                "defers": any(f.defers_to for f in doc_facts),
                "at": {
                    "text": _append(texts_fh, [orjson.dumps(text)]),
                    "clauses": _append(
                        clauses_fh, [orjson.dumps(to_jsonable(c)) for c in d.clauses]
                    ),
                    "facts": _append(facts_fh, [orjson.dumps(to_jsonable(f)) for f in doc_facts]),
                },
            }
            docs_fh.write(orjson.dumps(row) + b"\n")


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


def segment_paths(
    index_dir: Path, base: str, kind: str, ext: str, segments: list[str] | None = None
) -> list[Path]:
    """The base file of an index and the files of its added segments, in order."""
    if segments is None:
        manifest = json.loads((Path(index_dir) / "manifest.json").read_text("utf-8"))
        segments = manifest.get("segments", [])
    return [
        Path(index_dir) / base,
        *(Path(index_dir) / f"{kind}.d" / f"{name}.{ext}" for name in segments),
    ]


def _segment_file(index_dir: Path, kind: str, segment: str | None) -> Path:
    """``{kind}.jsonl`` of the base index, or of an added segment (``{kind}.d/{segment}.jsonl``)."""
    if segment is None:
        return index_dir / f"{kind}.jsonl"
    return index_dir / f"{kind}.d" / f"{segment}.jsonl"


class _SegmentFiles:
    """Open descriptors of one segment's texts, clauses and facts files, read by ``pread`` (no
    shared file position, so threads and forked workers can read at once; an index directory
    swapped out under a running service keeps being read from the files it was loaded from)."""

    def __init__(self, index_dir: Path, segment: str | None):
        self.fds: dict[str, int] = {}
        for kind in ("texts", "clauses", "facts"):
            self.fds[kind] = os.open(_segment_file(index_dir, kind, segment), os.O_RDONLY)

    def read(self, kind: str, at: list[int]) -> bytes:
        data = os.pread(self.fds[kind], at[1], at[0])
        if len(data) != at[1]:
            raise IndexError_(f"index file {kind}.jsonl is shorter than its documents say")
        return data

    def __del__(self) -> None:
        for fd in getattr(self, "fds", {}).values():
            with contextlib.suppress(OSError):
                os.close(fd)


class StoredDocument(Document):
    """A document of a built index: metadata at once; text, clauses and facts parsed on first use
    (serving parses every document's clauses once; adding a document parses only those it may
    affect)."""

    def __init__(self, row: dict[str, Any], files: _SegmentFiles):
        for name in ("id", "iri", "file", "sha256", "format"):
            object.__setattr__(self, name, row[name])
        object.__setattr__(self, "meta", meta_from_json(row["meta"]))
        object.__setattr__(self, "n_clauses", row["n_clauses"])
        object.__setattr__(self, "defers", row["defers"])
        object.__setattr__(self, "_at", row["at"])
        object.__setattr__(self, "_files", files)

    def __getattr__(self, name: str) -> Any:
        if name == "clauses":
            value: Any = tuple(
                clause_from_json(orjson.loads(line))
                for line in self._files.read("clauses", self._at["clauses"]).splitlines()
            )
        elif name == "normalized":
            d = orjson.loads(self._files.read("texts", self._at["text"]))
            value = NormalizedText(d["raw"], d["text"], LazyOffsets(d["offsets"]))
        elif name == "facts":
            value = {
                f.clause_id: f
                for f in (
                    facts_from_json(orjson.loads(line))
                    for line in self._files.read("facts", self._at["facts"]).splitlines()
                )
            }
        else:
            raise AttributeError(name)
        object.__setattr__(self, name, value)
        return value

    def __reduce__(self) -> Any:  # pickled (sent to a process) as a plain Document
        return (Document, tuple(getattr(self, f.name) for f in fields(Document)))


def load_documents(index_dir: Path, segments: list[str] | None = None) -> list[Document]:
    """Documents of an index directory (base and added segments), their clauses loaded lazily."""
    index_dir = Path(index_dir)
    if segments is None:
        manifest = json.loads((index_dir / "manifest.json").read_text("utf-8"))
        segments = manifest.get("segments", [])
    docs: list[Document] = []
    for name in [None, *segments]:
        files = _SegmentFiles(index_dir, name)
        with _segment_file(index_dir, "documents", name).open("rb") as fh:
            docs.extend(StoredDocument(orjson.loads(line), files) for line in fh)
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


def add_documents(
    index_dir: Path, paths: list[Path], settings: Settings | None = None
) -> BuildReport:
    """Add documents to a built index without rebuilding the rest.

    The new index directory is made of hard links to the current files plus one new segment
    (documents, clauses, facts, graph quads, vectors, BM25 postings) and rewritten small files
    (manifest, links, search ids); an on-disk Oxigraph store is checkpointed (hard links) and
    extended. It replaces the old directory atomically, like a build. The documents are encoded
    with the index's own model, BM25 statistics are computed at query time, and links are
    recomputed for the new documents and those they may change, so search results equal those of
    a full rebuild with the same model.

    Raises:
        BuildError: nothing could be added (every file skipped), or the index cannot be extended.
    """
    from .workspace import Workspace

    started = time.perf_counter()
    index_dir = Path(index_dir)
    ws = Workspace.load(index_dir, settings)
    settings = ws.settings
    manifest = ws.manifest
    new_docs: list[Document] = []
    new_facts: dict[str, ClauseFacts] = {}
    skipped: list[SkippedFile] = []
    known = {d.id: d.file for d in ws.documents}
    for path in paths:
        path = Path(path)
        rel, doc, facts, error = process_file(path, path.parent, settings)
        if error is None and doc is not None and doc.id in known:
            error = f"duplicate document: {doc.meta.doc_number or doc.meta.title} is already built from {known[doc.id]}"
        if error is not None or doc is None or facts is None:
            skipped.append(SkippedFile(rel, error or "not built"))
            continue
        doc = replace(doc, iri=iri(settings.iri_base, doc.id))
        known[doc.id] = rel
        new_docs.append(doc)
        new_facts.update(facts)
    if not new_docs:
        raise BuildError("nothing to add: " + "; ".join(f"{s.file}: {s.reason}" for s in skipped))
    segments = list(manifest.get("segments", []))
    name = f"add-{len(segments) + 1:04d}"
    with atomic_dir(index_dir) as tmp:
        _link_tree(index_dir, tmp)
        _write_segment(ws, tmp, name, new_docs, new_facts)
        segments.append(name)
        n_docs = len(ws.documents) + len(new_docs)
        n_clauses = int(manifest["n_clauses"]) + sum(len(d.clauses) for d in new_docs)
        report = BuildReport(
            str(index_dir),
            n_docs,
            n_clauses,
            tuple(skipped),
            round(time.perf_counter() - started, 3),
            {},
        )
        files = dict(manifest.get("files", {}))
        for p in sorted(tmp.rglob("*")):
            rel_path = str(p.relative_to(tmp))
            if (
                not p.is_file()
                or rel_path == "manifest.json"
                or p.relative_to(tmp).parts[0] == "oxigraph"
            ):
                continue
            if rel_path not in files or not p.samefile(index_dir / rel_path):
                files[rel_path] = _sha256(p)
        corpus = dict(manifest.get("corpus", {}))
        corpus.update({d.file: d.sha256 for d in new_docs})
        updated = {
            **manifest,
            "segments": segments,
            "n_documents": n_docs,
            "n_clauses": n_clauses,
            "files": files,
            "corpus": corpus,
        }
        updated["search"] = {
            **manifest.get("search", {}),
            "n_searchable": len(json.loads((tmp / "search_ids.json").read_text("utf-8"))),
        }
        (tmp / "manifest.json").unlink()
        (tmp / "manifest.json").write_text(
            json.dumps(updated, ensure_ascii=False, indent=1), "utf-8"
        )
    return replace(report, seconds=round(time.perf_counter() - started, 3))


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link every file of ``src`` into ``dst`` (the on-disk graph store is checkpointed)."""
    for path in src.rglob("*"):
        rel = path.relative_to(src)
        if rel.parts[0] == "oxigraph":
            continue
        target = dst / rel
        if path.is_dir():
            target.mkdir(parents=True, exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
    if (src / "oxigraph").is_dir():
        import pyoxigraph as ox

        ox.Store.read_only(str(src / "oxigraph")).backup(str(dst / "oxigraph"))


def _replace_file(path: Path, text: str) -> None:
    """Write a file in a linked tree without touching the inode it shared with the old index."""
    if path.exists():
        path.unlink()
    path.write_text(text, "utf-8")


class _FactsView(Mapping[str, ClauseFacts]):
    """Facts of new documents, then those of the index read document by document on demand."""

    def __init__(self, ws: Any, new: dict[str, ClauseFacts]):
        self.ws, self.new = ws, new

    def __getitem__(self, clause_id: str) -> ClauseFacts:
        f = self.new.get(clause_id) or self.ws.facts_of(clause_id)
        if f is None:
            raise KeyError(clause_id)
        return f  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[str]:
        yield from self.new
        yield from (k for k in self.ws.facts if k not in self.new)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _defers(doc: Document, facts: Mapping[str, ClauseFacts]) -> bool:
    """Whether a clause of ``doc`` defers to a higher level's standard (recorded per document)."""
    recorded = getattr(doc, "defers", None)
    if recorded is not None:
        return bool(recorded)
    return any((f := facts.get(c.id)) is not None and f.defers_to for c in doc.clauses)


def _write_segment(
    ws: Any, out: Path, name: str, docs: list[Document], facts: dict[str, ClauseFacts]
) -> None:
    from .embed import load_encoder
    from .graph import GraphBuilder, resolve_links
    from .index import HybridIndex
    from .stages import searchable, tokenize_all

    kinds = ("documents", "texts", "clauses", "facts")
    for kind in (*kinds, "graph", "vectors"):
        (out / f"{kind}.d").mkdir(exist_ok=True)
    seg_dir = out / "seg-tmp"
    seg_dir.mkdir()
    write_documents(seg_dir, docs, facts)
    for kind in kinds:
        os.rename(seg_dir / f"{kind}.jsonl", out / f"{kind}.d" / f"{name}.jsonl")
    shutil.rmtree(seg_dir)

    # links: the new documents, and existing ones whose deference a new document may change
    # (only the documents read here are parsed: the rest of the index stays on disk)
    all_docs = [*ws.documents, *docs]
    all_facts = _FactsView(ws, facts)
    new_places = {d.meta.jurisdiction_code for d in docs if d.meta.jurisdiction_code}
    gaz = ws.gazetteer
    affected = {d.id for d in docs}
    for d in ws.documents:
        code = d.meta.jurisdiction_code
        if code and any(gaz.contains(p, code) for p in new_places) and _defers(d, all_facts):
            affected.add(d.id)
    fresh = resolve_links(all_docs, all_facts, gaz, only=affected)
    links = {
        k: {
            s: t
            for s, t in v.items()
            if s not in affected and not any(s.startswith(a + "/") or s == a for a in affected)
        }
        for k, v in ws.links.items()
    }
    for k, v in fresh.items():
        links.setdefault(k, {}).update(v)
    _replace_file(out / "links.json", json.dumps(links, ensure_ascii=False, sort_keys=True))

    builder = GraphBuilder(ws.settings.iri_base)
    builder.write(
        docs,
        facts,
        out / "graph.d" / f"{name}.nq",
        links=links,
        with_ontology=False,
        all_documents=all_docs,
    )
    if (out / "oxigraph").is_dir():
        import pyoxigraph as ox

        store = ox.Store(str(out / "oxigraph"))
        store.bulk_load(path=str(out / "graph.d" / f"{name}.nq"), format=ox.RdfFormat.N_QUADS)
        store.flush()
        del store

    items = searchable(docs)
    ids = [cid for cid, _ in items]
    texts = [t for _, t in items]
    model = ws.manifest.get("model", {})
    encoder = load_encoder(ws.index_dir / "model" if model.get("builtin") else model["name"])
    vectors = encoder.encode(texts) if texts else np.zeros((0, encoder.dim), dtype=np.float32)
    np.save(out / "vectors.d" / f"{name}.npy", vectors)
    index = HybridIndex.load(
        ws.index_dir, ws.settings.hnsw_ef_search, ws.manifest.get("segments", [])
    )
    index.add(ids, vectors, tokenize_all(texts))
    seg_names = json.loads((ws.index_dir / "bm25" / "segments.json").read_text("utf-8")) + [name]
    _replace_file(
        out / "bm25" / "vocab.json", json.dumps(index.bm25.vocab_dict, ensure_ascii=False)
    )
    index.bm25.segments[-1].save(out / "bm25" / name)
    _replace_file(out / "bm25" / "segments.json", json.dumps(seg_names))
    _replace_file(out / "search_ids.json", json.dumps(index.clause_ids, ensure_ascii=False))
