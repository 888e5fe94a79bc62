"""Stages that run after segmentation and extraction, writing their own files into the index.

- facts: clause facts (amounts, measures, topics, rules, references) -> ``facts.jsonl``;
- graph: the RDF dataset -> ``graph.nq``;
- index: embeddings and the lexical index (see index.py), when that stage is present.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from .models import ClauseFacts, Document
from .settings import Settings

Progress = Callable[[str, int, int], None]


def run_stages(
    documents: list[Document],
    facts: dict[str, ClauseFacts],
    out: Path,
    settings: Settings,
    progress: Progress,
    stages: dict[str, float],
) -> list[Document]:
    """Run the post-segmentation stages in order, writing their files into ``out``."""
    from .graph import GraphBuilder
    from .pipeline import write_documents

    write_documents(out, documents, facts)

    t0 = time.perf_counter()
    progress("graph", 0, 1)
    builder = GraphBuilder(settings.iri_base)
    links = builder.write(documents, facts, out / "graph.nq")
    (out / "links.json").write_text(json.dumps(links, ensure_ascii=False, sort_keys=True), "utf-8")
    store_builder = None
    if builder.n_quads > settings.oxigraph_disk_quads:
        # A large graph is served from disk (RocksDB). Loading it is slow and single-threaded,
        # and it shares nothing with the search index: it runs in its own process meanwhile.
        import multiprocessing as mp

        store_builder = mp.get_context("spawn").Process(target=_load_disk_store, args=(str(out),))
        store_builder.start()
    progress("graph", 1, 1)
    stages["graph"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    try:
        build_search_index(documents, facts, out, settings, progress)
    finally:
        if store_builder is not None:
            progress("graph store (on disk)", 0, 1)
            store_builder.join()
            progress("graph store (on disk)", 1, 1)
    if store_builder is not None and store_builder.exitcode != 0:
        from .errors import BuildError

        raise BuildError(
            f"building the on-disk graph store failed (exit code {store_builder.exitcode})"
        )
    stages["index (+ on-disk graph store in parallel)" if store_builder else "index"] = (
        time.perf_counter() - t0
    )
    return documents


def _load_disk_store(out: str) -> None:  # pragma: no cover - runs in a child process
    import pyoxigraph as ox

    store = ox.Store(f"{out}/oxigraph")
    store.bulk_load(path=f"{out}/graph.nq", format=ox.RdfFormat.N_QUADS)
    store.flush()


def _tokenize_chunk(texts: list[str]) -> list[list[str]]:
    from .tokenize import tokens

    return [tokens(t) for t in texts]


def tokenize_all(texts: list[str], workers: int | None = None) -> list[list[str]]:
    """jieba tokens of many texts, on every core for large inputs (order kept)."""
    import os

    workers = workers or min(os.cpu_count() or 1, 4)
    if len(texts) < 5_000 or workers < 2:
        return _tokenize_chunk(texts)
    from concurrent.futures import ProcessPoolExecutor

    size = max(1000, len(texts) // (workers * 8))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    out: list[list[str]] = []
    with ProcessPoolExecutor(workers) as pool:
        for part in pool.map(_tokenize_chunk, chunks):
            out.extend(part)
    return out


def searchable(documents: list[Document]) -> list[tuple[str, str]]:
    """(clause id, indexed text) of the clauses that search returns.

    Measure-level clauses with substance, and the paragraphs of a measure that has several
    (a drafting note lists six measures under one （三）); a paragraph is indexed with its
    measure's label and heading so that it keeps its context.
    """
    from .segment import measure_level

    out = []
    for doc in documents:
        by_id = {c.id: c for c in doc.clauses}
        for c in measure_level(list(doc.clauses)):
            text = c.full_text
            if len(text) >= 20 or c.amounts:
                out.append((c.id, text))
            paragraphs = [by_id[k] for k in c.children if by_id[k].kind == "unnumbered"]
            if len(paragraphs) >= 3:
                out.extend(
                    (p.id, f"{c.label}{c.heading} {p.text}")
                    for p in paragraphs
                    if len(p.text) >= 20
                )
    return out


def build_search_index(
    documents: list[Document],
    facts: dict[str, ClauseFacts],
    out: Path,
    settings: Settings,
    progress: Progress,
) -> None:
    """Embedding model (built offline unless one is configured), FAISS and BM25."""
    from .embed import build_default_model, load_encoder
    from .index import HybridIndex
    from .tokenize import dictionary_hash

    items = searchable(documents)
    ids = [cid for cid, _ in items]
    texts = [text for _, text in items]
    progress("tokenize", 0, len(texts))
    token_lists = tokenize_all(texts)
    progress("tokenize", len(texts), len(texts))
    if settings.model:
        model_info = {"name": settings.model, "builtin": False}
        encoder = load_encoder(settings.model)
    else:
        progress("model (offline LSA)", 0, 1)
        build_default_model(
            texts, out / "model", dim=settings.embedding_dim, token_lists=token_lists
        )
        progress("model (offline LSA)", 1, 1)
        model_info = {"name": "policygraph-lsa-static", "builtin": True}
        encoder = load_encoder(out / "model")
    vectors = []
    batch = 4096
    for i in range(0, len(texts), batch):
        progress("embed", i, len(texts))
        vectors.append(encoder.encode(texts[i : i + batch]))
    progress("embed", len(texts), len(texts))
    import numpy as np

    matrix = np.vstack(vectors) if vectors else np.zeros((0, encoder.dim), dtype=np.float32)
    index = HybridIndex.build(
        ids, matrix, token_lists, settings.ann_threshold, settings.hnsw_m, settings.hnsw_ef_search
    )
    entries = index.save(out)
    extra = {
        "model": {**model_info, "dim": encoder.dim},
        "tokenizer_dictionary": dictionary_hash(),
        "search": entries,
    }
    (out / "manifest.extra.json").write_text(json.dumps(extra, ensure_ascii=False), "utf-8")
