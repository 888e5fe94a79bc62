"""Stages that run after segmentation and write their own files into the index directory.

- extract: clause facts (amounts, measures, topics, rules, references) -> ``facts.jsonl``; each
  clause's ``amounts`` are filled in for ``clauses.jsonl``;
- graph: the RDF dataset -> ``graph.nq``;
- index: embeddings and the lexical index (see index.py), when that stage is present.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .models import ClauseFacts, Document, to_jsonable
from .settings import Settings

Progress = Callable[[str, int, int], None]


def extract_documents(
    documents: list[Document], progress: Progress | None = None
) -> tuple[list[Document], dict[str, ClauseFacts]]:
    """Facts for every clause; documents come back with clause amounts filled in."""
    from .extract import extract_clause

    facts: dict[str, ClauseFacts] = {}
    out = []
    total = sum(len(d.clauses) for d in documents)
    done = 0
    for doc in documents:
        clauses = []
        for clause in doc.clauses:
            f = extract_clause(clause)
            facts[clause.id] = f
            clauses.append(
                replace(clause, amounts=tuple(a for a in f.amounts if a.kind != "count_limit"))
            )
            done += 1
            if progress and done % 500 == 0:
                progress("extract", done, total)
        out.append(replace(doc, clauses=tuple(clauses)))
    if progress:
        progress("extract", total, total)
    return out, facts


def write_facts(path: Path, facts: dict[str, ClauseFacts]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for f in facts.values():
            fh.write(json.dumps(to_jsonable(f), ensure_ascii=False) + "\n")


def run_stages(
    documents: list[Document],
    out: Path,
    settings: Settings,
    progress: Progress,
    stages: dict[str, float],
) -> list[Document]:
    """Run the post-segmentation stages in order, writing their files into ``out``."""
    from .graph import GraphBuilder, save

    t0 = time.perf_counter()
    documents, facts = extract_documents(documents, progress)
    write_facts(out / "facts.jsonl", facts)
    stages["extract"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    progress("graph", 0, 1)
    builder = GraphBuilder(settings.iri_base)
    ds = builder.build(documents, facts)
    save(ds, out / "graph.nq")
    (out / "links.json").write_text(
        json.dumps(builder.links, ensure_ascii=False, sort_keys=True), "utf-8"
    )
    progress("graph", 1, 1)
    stages["graph"] = time.perf_counter() - t0
    return documents
