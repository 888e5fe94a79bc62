"""networkx views of the graph: citation and deference network, jurisdiction tree, and measures
compared across jurisdictions (e.g. DCMM rewards by city)."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import networkx as nx

from .normalize import compact

if TYPE_CHECKING:
    from .workspace import Workspace


def citation_network(ws: Workspace) -> nx.DiGraph:
    """Documents and the documents they cite, repeal or defer to.

    Nodes are document IDs (or the cited label for documents outside the corpus, with
    ``in_corpus=False``); edges carry ``relation`` = ``cites``, ``repeals`` or ``defers_to``.
    """
    g = nx.DiGraph()
    by_key = {}
    for d in ws.documents:
        g.add_node(
            d.id,
            label=d.meta.doc_number or d.meta.title,
            jurisdiction=d.meta.jurisdiction,
            in_corpus=True,
        )
        by_key[compact(d.meta.title)] = d.id
        if d.meta.doc_number:
            by_key[compact(d.meta.doc_number)] = d.id
    for d in ws.documents:
        for relation, labels in (("cites", d.meta.cites), ("repeals", d.meta.repeals)):
            for label in labels:
                target = by_key.get(compact(label).strip("《》"), label)
                if target not in g:
                    g.add_node(target, label=label, in_corpus=False)
                g.add_edge(d.id, target, relation=relation)
    for clause_id, targets in ws.links["defers_to"].items():
        source = ws.clauses_by_id[clause_id].doc_id
        for target_iri in targets:
            target = ws.clause(target_iri).doc_id
            g.add_edge(
                source,
                target,
                relation="defers_to",
                clause=clause_id,
                target_clause=ws.clause(target_iri).id,
            )
    return g


def jurisdiction_tree(ws: Workspace) -> nx.DiGraph:
    """The jurisdictions of the corpus and their ancestors, parent -> child."""
    g = nx.DiGraph()
    for d in ws.documents:
        if not d.meta.jurisdiction_code:
            continue
        chain = ws.gazetteer.ancestors(d.meta.jurisdiction_code)
        for place in chain:
            g.add_node(place.code, name=place.name, english=place.english, level=place.level)
        for child, parent in zip(chain, chain[1:], strict=False):
            g.add_edge(parent.code, child.code)
        g.nodes[d.meta.jurisdiction_code].setdefault("documents", []).append(d.id)
    return g


def compare_measures(ws: Workspace, topic: str) -> dict[str, list[dict[str, Any]]]:
    """Measures on one topic (a concept key such as ``DCMM``) grouped by jurisdiction."""
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    measure_ids = ws.measure_ids
    for clause in ws.clauses:
        f = ws.facts.get(clause.id)
        if f is None or clause.id not in measure_ids or topic not in f.topics or not f.grants_money:
            continue
        doc = ws.docs_by_id[clause.doc_id]
        out[doc.meta.jurisdiction or "?"].append(
            {
                "clause": clause.id,
                "doc_number": doc.meta.doc_number,
                "label": clause.label,
                "draft": doc.meta.is_draft,
                "amounts": [
                    {"kind": a.kind, "value": a.value, "tier": a.tier}
                    for a in f.amounts
                    if a.kind != "count_limit"
                ],
            }
        )
    return dict(out)
