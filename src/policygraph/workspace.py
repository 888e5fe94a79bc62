"""``Workspace``: a built index directory loaded once, the core object behind CLI and API."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from .errors import NotFoundError
from .gazetteer import Gazetteer
from .ids import id_from_iri
from .models import Clause, Document, to_jsonable
from .pipeline import load_documents, read_manifest
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
        self.clauses: list[Clause] = [c for d in documents for c in d.clauses]
        self.clauses_by_id = {c.id: c for c in self.clauses}

    @classmethod
    def load(cls, index_dir: Path | str, settings: Settings | None = None) -> Workspace:
        """Load and check an index directory.

        Raises:
            IndexError_: missing, corrupt or mismatched index.
        """
        index_dir = Path(index_dir)
        manifest = read_manifest(index_dir)
        settings = (settings or Settings()).with_overrides(iri_base=manifest.get("iri_base"))
        return cls(index_dir, manifest, load_documents(index_dir), settings)

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


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return len(short) >= 4 and all(ch in it for ch in short)
