"""BM25 over appendable segments, scored with collection statistics computed at query time.

bm25s stores scores with the IDF already applied, so one added document would change every
stored score. Here each segment keeps only term frequencies (a CSC matrix, documents x terms)
and document lengths; the number of documents, the mean length and each term's document
frequency are summed over the segments when a query runs. Adding a segment therefore gives
exactly the scores a full rebuild would give. Scoring is Lucene's BM25 (k1 = 1.5, b = 0.75).
Saved as plain ``.npy`` arrays and a JSON vocabulary (no pickles).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.sparse import csc_matrix, csr_matrix

K1 = 1.5
B = 0.75


class Segment:
    """Term frequencies of a run of documents."""

    def __init__(self, tf: csc_matrix, lengths: np.ndarray):
        self.tf = tf
        self.lengths = lengths.astype(np.float32)
        self.df = np.diff(tf.indptr).astype(np.int64)  # documents per term (CSC columns)

    @classmethod
    def build(cls, token_lists: list[list[str]], vocab: dict[str, int]) -> Segment:
        """Count tokens; unseen terms are added to ``vocab`` (shared by all segments)."""
        rows: list[int] = []
        cols: list[int] = []
        vals: list[int] = []
        for i, toks in enumerate(token_lists):
            counts: dict[int, int] = {}
            for t in toks:
                j = vocab.setdefault(t, len(vocab))
                counts[j] = counts.get(j, 0) + 1
            rows.extend([i] * len(counts))
            cols.extend(counts)
            vals.extend(counts.values())
        shape = (len(token_lists), max(len(vocab), 1))
        tf = csr_matrix((np.asarray(vals, np.float32), (rows, cols)), shape=shape).tocsc()
        return cls(tf, np.asarray([len(t) for t in token_lists], np.float32))

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "data.npy", self.tf.data)
        np.save(path / "indices.npy", self.tf.indices)
        np.save(path / "indptr.npy", self.tf.indptr)
        np.save(path / "lengths.npy", self.lengths)
        (path / "shape.json").write_text(json.dumps(list(self.tf.shape)), "utf-8")

    @classmethod
    def load(cls, path: Path) -> Segment:
        shape = tuple(json.loads((path / "shape.json").read_text("utf-8")))
        tf = csc_matrix(
            (
                np.load(path / "data.npy"),
                np.load(path / "indices.npy"),
                np.load(path / "indptr.npy"),
            ),
            shape=shape,
        )
        return cls(tf, np.load(path / "lengths.npy"))


class BM25:
    """BM25 over the segments of one index, in clause order (segment after segment)."""

    def __init__(self, vocab: dict[str, int], segments: list[Segment]):
        self.vocab_dict = vocab
        self.segments = segments
        self._stats()

    def _stats(self) -> None:
        self.n_docs = sum(s.tf.shape[0] for s in self.segments)
        total = sum(float(s.lengths.sum()) for s in self.segments)
        self.avgdl = total / self.n_docs if self.n_docs else 1.0

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> BM25:
        vocab: dict[str, int] = {}
        return cls(vocab, [Segment.build(token_lists, vocab)])

    def add(self, token_lists: list[list[str]]) -> Segment:
        """Append documents as a new segment (returned so that it can be saved on its own)."""
        seg = Segment.build(token_lists, self.vocab_dict)
        self.segments.append(seg)
        self._stats()
        return seg

    def _df(self, term: int) -> int:
        return sum(int(s.df[term]) for s in self.segments if term < s.df.shape[0])

    def get_scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 score of every document for the query (unknown tokens score nothing)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for token in dict.fromkeys(query_tokens):
            term = self.vocab_dict.get(token)
            if term is None:
                continue
            df = self._df(term)
            if df == 0:
                continue
            idf = np.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5))
            offset = 0
            for s in self.segments:
                if term < s.tf.shape[1]:
                    start, end = s.tf.indptr[term], s.tf.indptr[term + 1]
                    docs = s.tf.indices[start:end]
                    tf = s.tf.data[start:end]
                    norm = K1 * (1 - B + B * s.lengths[docs] / self.avgdl)
                    out[offset + docs] += idf * tf * (K1 + 1) / (tf + norm)
                offset += s.tf.shape[0]
        return out

    def save(self, path: str | Path, segment_names: list[str] | None = None) -> None:
        """Write the vocabulary and every segment (or only ``segment_names``'s new ones)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "vocab.json").write_text(json.dumps(self.vocab_dict, ensure_ascii=False), "utf-8")
        names = segment_names or [f"seg-{i:04d}" for i in range(len(self.segments))]
        for name, seg in zip(names, self.segments, strict=False):
            if not (path / name).exists():
                seg.save(path / name)
        (path / "segments.json").write_text(json.dumps(names), "utf-8")

    @classmethod
    def load(cls, path: str | Path) -> BM25:
        path = Path(path)
        vocab = json.loads((path / "vocab.json").read_text("utf-8"))
        names = json.loads((path / "segments.json").read_text("utf-8"))
        return cls(vocab, [Segment.load(path / n) for n in names])


__all__ = ["BM25", "Segment"]
