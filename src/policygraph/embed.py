"""Sentence embeddings through sentence-transformers, and the offline default model.

``load_encoder(name_or_path)`` is the one code path: a local sentence-transformers directory
(the default model this project builds, or a downloaded BAAI/bge-m3, bge-small-zh-v1.5, ...) or a
model name already in the local Hugging Face cache. Hub downloads are switched off.

The default model (``build_default_model``) is made from the corpus itself, offline:
- tokenizer: a ``tokenizers`` WordPiece whose vocabulary is the jieba tokens of the corpus plus
  every CJK character and digit seen, with an empty continuation prefix, so that WordPiece's
  greedy longest match segments Chinese like a dictionary segmenter;
- weights: LSA (truncated SVD of the TF-IDF matrix) over the clauses and the ontology's labels;
  each clause's fitting text is extended with the English labels of the concepts it mentions,
  so English words land near the Chinese wording of their concepts; each token vector is scaled
  by its IDF, so the model's mean pooling is an IDF-weighted average;
- module: ``sentence_transformers.models.StaticEmbedding``, saved with ``SentenceTransformer.save``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from functools import cache, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from .normalize import fold
from .tokenize import tokens


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """A sentence-transformers model loaded from a local path or the local cache."""

    def __init__(self, name_or_path: str | Path):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.name = str(name_or_path)
        try:
            self.model = SentenceTransformer(self.name, device="cpu", local_files_only=True)
        except Exception as exc:
            from .errors import IndexError_

            raise IndexError_(f"cannot load embedding model {self.name!r} offline: {exc}") from exc
        getter = (
            getattr(self.model, "get_embedding_dimension", None)
            or self.model.get_sentence_embedding_dimension
        )
        dim = getter()
        self.dim = int(dim) if dim else int(self.model.encode(["x"]).shape[1])

    def encode(self, texts: list[str]) -> np.ndarray:
        vectors = self.model.encode(
            [fold(t) for t in texts],
            batch_size=256,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_encoder(name_or_path: str | Path) -> SentenceTransformerEncoder:
    """The encoder for a model name or path (always through sentence-transformers)."""
    return SentenceTransformerEncoder(name_or_path)


def fitting_texts() -> list[str]:
    """Texts from the ontology that tie Chinese and English labels of each concept together."""
    from .vocab import concepts

    out = []
    for c in concepts():
        words = [*c.zh_labels, *c.en_labels]
        out.append(" ".join(words * 2))
    return out


@lru_cache(maxsize=1)
def _gloss_index() -> tuple[re.Pattern[str], dict[str, tuple[str, ...]]]:
    from .vocab import concepts

    labels: dict[str, set[str]] = {}
    for c in concepts():
        for label in c.zh_labels:
            if len(label) >= 2:
                labels.setdefault(label, set()).add(c.key)
    english = {c.key: c.en_labels for c in concepts()}
    pattern = re.compile("|".join(re.escape(lbl) for lbl in sorted(labels, key=len, reverse=True)))
    return pattern, {
        lbl: tuple(w for key in sorted(keys) for w in english[key]) for lbl, keys in labels.items()
    }


def english_gloss(text: str) -> str:
    """English labels of the concepts whose Chinese labels occur in ``text``."""
    pattern, words = _gloss_index()
    found = dict.fromkeys(m.group(0) for m in pattern.finditer(fold(text)))
    return " ".join(dict.fromkeys(w for label in found for w in words[label]))


@cache
def _word_tokens(word: str) -> tuple[str, ...]:
    return tuple(tokens(word))


def _gloss_tokens(text: str) -> list[str]:
    """``tokens(english_gloss(text))``, one cached tokenisation per English word (jieba cuts
    Latin text character by character; a gloss is a few words out of a small, fixed set)."""
    return [t for word in english_gloss(text).split(" ") if word for t in _word_tokens(word)]


def build_default_model(
    texts: list[str],
    out_dir: Path,
    dim: int = 256,
    max_vocab: int = 200_000,
    token_lists: list[list[str]] | None = None,
    max_fit_docs: int = 50_000,
) -> Path:
    """Fit the offline default model on ``texts`` and save it in sentence-transformers format.

    ``token_lists`` (the jieba tokens of ``texts``, when the caller has them) avoids tokenising
    twice; at most ``max_fit_docs`` texts (an even sample) are used to fit the SVD.
    """
    from scipy.sparse import csr_matrix
    from sklearn.decomposition import TruncatedSVD
    from tokenizers import Tokenizer, normalizers, pre_tokenizers
    from tokenizers.models import WordPiece

    step = max(1, len(texts) // max_fit_docs)
    sample = range(0, len(texts), step)
    if token_lists is not None:
        docs = [token_lists[i] + _gloss_tokens(texts[i]) for i in sample]
    else:
        docs = [tokens(f"{texts[i]} {english_gloss(texts[i])}") for i in sample]
    docs += [tokens(t) for t in fitting_texts()]
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    words = [w for w, _ in sorted(df.items(), key=lambda kv: (-kv[1], kv[0]))[:max_vocab]]
    chars = sorted(
        ch
        for ch in set(fold("".join(texts)).lower())
        if ("\u3400" <= ch <= "\u9fff") or ch.isdigit()
    )
    vocab_list = ["[UNK]", *dict.fromkeys(words + chars)]
    vocab = {w: i for i, w in enumerate(vocab_list)}

    rows, cols, vals = [], [], []
    for i, doc in enumerate(docs):
        for w, n in Counter(doc).items():
            if w in vocab:
                rows.append(i)
                cols.append(vocab[w])
                vals.append(1.0 + np.log(n))
    n_docs = len(docs)
    idf = np.zeros(len(vocab_list), dtype=np.float32)
    for w, n in df.items():
        if w in vocab:
            idf[vocab[w]] = np.log((1 + n_docs) / (1 + n)) + 1.0
    x = csr_matrix((vals, (rows, cols)), shape=(n_docs, len(vocab_list)), dtype=np.float32)
    x = x.multiply(idf[None, :]).tocsr()
    k = max(2, min(dim, n_docs - 1, len(vocab_list) - 1))
    svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=7, random_state=0)
    svd.fit(x)
    weights = (svd.components_.T * idf[:, None]).astype(np.float32)
    weights[0] = 0.0  # [UNK] adds nothing to the mean

    tokenizer = Tokenizer(
        WordPiece(
            vocab=vocab,
            unk_token="[UNK]",
            continuing_subword_prefix="",
            max_input_chars_per_word=100_000,
        )
    )
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()

    from sentence_transformers import SentenceTransformer

    try:
        from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    except ImportError:  # sentence-transformers < 6
        from sentence_transformers.models import StaticEmbedding  # type: ignore[no-redef]

    model = SentenceTransformer(
        modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], device="cpu"
    )
    out_dir = Path(out_dir)
    model.save(str(out_dir))
    digest = hashlib.sha256(weights.tobytes()).hexdigest()[:16]
    (out_dir / "policygraph_model.json").write_text(
        json.dumps(
            {
                "kind": "lsa-static",
                "dim": int(k),
                "vocab": len(vocab_list),
                "docs": n_docs,
                "weights_sha256": digest,
            }
        ),
        "utf-8",
    )
    return out_dir


__all__ = [
    "Encoder",
    "SentenceTransformerEncoder",
    "build_default_model",
    "english_gloss",
    "fitting_texts",
    "load_encoder",
]
