"""Dense (FAISS) and lexical (BM25 over jieba tokens, lexical.py) indexes of the searchable clauses.

FAISS: exact inner product (``IndexFlatIP``) up to ``ann_threshold`` clauses, HNSW above it
(vectors are L2-normalised, so inner product is cosine). BM25: lexical.py, appendable segments saved as plain arrays.
Both keep the clause order of ``clause_ids``; results are ``(position, score)`` lists sorted by
score, ties broken by clause id, so a search is deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexError_
from .lexical import BM25


class HybridIndex:
    """The searchable clauses with their vectors and BM25 statistics."""

    def __init__(self, clause_ids: list[str], faiss_index: object, bm25: BM25, kind: str):
        self.clause_ids = clause_ids
        self.faiss_index = faiss_index
        self.bm25 = bm25
        self.kind = kind

    @classmethod
    def build(
        cls,
        clause_ids: list[str],
        vectors: np.ndarray,
        token_lists: list[list[str]],
        ann_threshold: int = 50_000,
        hnsw_m: int = 32,
        ef_search: int = 128,
    ) -> HybridIndex:
        """Build both indexes; vectors must be L2-normalised float32 rows in ``clause_ids`` order."""
        faiss_index, kind = build_faiss(vectors, ann_threshold, hnsw_m, ef_search)
        return cls(list(clause_ids), faiss_index, BM25.build(token_lists), kind)

    def add(self, clause_ids: list[str], vectors: np.ndarray, token_lists: list[list[str]]) -> None:
        """Append clauses (in memory): vectors to FAISS, tokens as a new BM25 segment."""
        if clause_ids:
            self.faiss_index.add(np.ascontiguousarray(vectors, dtype=np.float32))  # type: ignore[attr-defined]
            self.bm25.add(token_lists)
            self.clause_ids.extend(clause_ids)

    def save(self, out: Path) -> dict[str, object]:
        """Write ``vectors.faiss``, ``bm25/`` and ``search_ids.json``; returns manifest entries."""
        import faiss

        faiss.write_index(self.faiss_index, str(out / "vectors.faiss"))  # type: ignore[call-overload]
        self.bm25.save(out / "bm25")
        (out / "search_ids.json").write_text(
            json.dumps(self.clause_ids, ensure_ascii=False), "utf-8"
        )
        return {"faiss": self.kind, "n_searchable": len(self.clause_ids)}

    @classmethod
    def load(
        cls, index_dir: Path, ef_search: int = 128, segments: list[str] | None = None
    ) -> HybridIndex:
        """Load the base indexes and add the vectors of every added segment, in order."""
        import faiss

        try:
            clause_ids = json.loads((index_dir / "search_ids.json").read_text("utf-8"))
            faiss_index = faiss.read_index(str(index_dir / "vectors.faiss"))
            for name in segments or []:
                faiss_index.add(np.load(index_dir / "vectors.d" / f"{name}.npy"))
            bm25 = BM25.load(index_dir / "bm25")
        except (OSError, RuntimeError, ValueError) as exc:
            raise IndexError_(f"search index in {index_dir} cannot be read: {exc}") from exc
        if faiss_index.ntotal != len(clause_ids):
            raise IndexError_(
                f"search index in {index_dir} is inconsistent: {faiss_index.ntotal} vectors, {len(clause_ids)} clauses"
            )
        kind = "flat"
        if hasattr(faiss_index, "hnsw"):
            faiss_index.hnsw.efSearch = ef_search
            kind = "hnsw"
        return cls(clause_ids, faiss_index, bm25, kind)

    @property
    def dim(self) -> int:
        return int(self.faiss_index.d)  # type: ignore[attr-defined]

    def dense(self, query: np.ndarray, n: int) -> list[tuple[int, float]]:
        """Nearest clauses to one query vector."""
        n = min(n, len(self.clause_ids))
        if n <= 0 or not np.any(query):
            return []
        scores, ids = self.faiss_index.search(query.reshape(1, -1).astype(np.float32), n)  # type: ignore[attr-defined]
        pairs = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]
        return sorted(pairs, key=lambda p: (-round(p[1], 6), self.clause_ids[p[0]]))

    def lexical(self, query_tokens: list[str], n: int) -> list[tuple[int, float]]:
        """Best BM25 matches for query tokens (unknown tokens are ignored)."""
        vocab = self.bm25.vocab_dict
        known = [t for t in query_tokens if t in vocab and t]
        if not known:
            return []
        scores = self.bm25.get_scores(known)
        if not len(scores):
            return []
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        pairs = [(int(i), float(scores[i])) for i in top if scores[i] > 0]
        return sorted(pairs, key=lambda p: (-round(p[1], 6), self.clause_ids[p[0]]))


def build_faiss(
    vectors: np.ndarray, ann_threshold: int, hnsw_m: int = 32, ef_search: int = 128
) -> tuple[object, str]:
    """An exact index for small collections, HNSW for large ones."""
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    d = vectors.shape[1]
    index: Any
    if len(vectors) <= ann_threshold:
        index = faiss.IndexFlatIP(d)
        kind = "flat"
    else:
        index = faiss.IndexHNSWFlat(d, hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = ef_search
        kind = "hnsw"
    index.add(vectors)
    return index, kind


__all__ = ["HybridIndex", "build_faiss"]
