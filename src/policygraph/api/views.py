"""JSON views of clauses, documents and jurisdictions (plain dicts built from the dataclasses)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..models import Clause, Document, to_jsonable
from ..workspace import Workspace


def clause_ref(ws: Workspace, clause: Clause) -> dict[str, Any]:
    doc = ws.docs_by_id[clause.doc_id]
    return {
        "id": clause.id,
        "iri": f"{doc.iri}/{'/'.join(clause.key)}",
        "label": clause.label,
        "heading": clause.heading,
        "path": list(clause.path),
        "doc_number": doc.meta.doc_number,
    }


def clause_view(ws: Workspace, clause: Clause, as_of: dt.date | None = None) -> dict[str, Any]:
    """A clause with its document, parent, children, amounts, facts and references in and out."""
    doc = ws.docs_by_id[clause.doc_id]
    facts = ws.facts.get(clause.id)
    iri = f"{doc.iri}/{'/'.join(clause.key)}"
    out_refs: list[dict[str, Any]] = []
    in_refs: list[dict[str, Any]] = []
    for relation in ("refers_to", "defers_to"):
        for target in ws.links[relation].get(clause.id, []):
            out_refs.append({"relation": relation, **clause_ref(ws, ws.clause(target))})
        for source in ws.reverse_links[relation].get(iri, []):
            in_refs.append({"relation": relation, **clause_ref(ws, ws.clauses_by_id[source])})
    if facts:
        out_refs.extend({"relation": "cites", "label": label} for label in facts.doc_refs)
    raw = doc.normalized.raw[clause.raw_span[0] : clause.raw_span[1]]
    day = as_of or dt.date.today()
    return {
        **clause_ref(ws, clause),
        "kind": clause.kind,
        "level": clause.level,
        "text": clause.text,
        "full_text": clause.full_text,
        "span": list(clause.span),
        "raw_span": list(clause.raw_span),
        "source_text": raw,
        "citation": f"{doc.meta.doc_number or doc.meta.title} {''.join(p for p in clause.path if not p.startswith('¶')) or '/'.join(clause.path)}",
        "document": {
            "id": doc.id,
            "iri": doc.iri,
            "doc_number": doc.meta.doc_number,
            "title": doc.meta.title,
            "file": doc.file,
            "jurisdiction": doc.meta.jurisdiction,
            "status": doc.meta.status_on(day),
            "as_of": day.isoformat(),
        },
        "parent": clause_ref(ws, ws.clauses_by_id[clause.parent_id]) if clause.parent_id else None,
        "children": [clause_ref(ws, ws.clauses_by_id[c]) for c in clause.children],
        "amounts": to_jsonable(list(facts.amounts if facts else clause.amounts)),
        "facts": (
            {
                "measure_types": list(facts.measure_types),
                "topics": list(facts.topics),
                "beneficiaries": list(facts.beneficiaries),
                "conditions": list(facts.conditions),
                "stacking_rules": list(facts.stacking_rules),
                "cost_sharing": facts.cost_sharing,
                "difference_award": facts.difference_award,
                "responsible_units": list(facts.responsible_units),
                "valid_until": facts.valid_until.isoformat() if facts.valid_until else None,
            }
            if facts
            else None
        ),
        "references_out": out_refs,
        "references_in": in_refs,
    }


def _tree(ws: Workspace, doc: Document) -> list[dict[str, Any]]:
    nodes: dict[str, dict[str, Any]] = {
        c.id: {
            "id": c.id,
            "label": c.label,
            "heading": c.heading,
            "path": list(c.path),
            "kind": c.kind,
            "children": [],
        }
        for c in doc.clauses
    }
    roots = []
    for c in doc.clauses:
        node = nodes[c.id]
        if c.parent_id:
            nodes[c.parent_id]["children"].append(node)
        else:
            roots.append(node)
    return roots


def document_view(
    ws: Workspace, doc: Document, as_of: dt.date | None = None, tree: bool = True
) -> dict[str, Any]:
    """A document's metadata, status on ``as_of`` and (optionally) its clause tree."""
    row = ws.document_row(doc, as_of)
    row["applies_by_reference"] = ws.links["applies_by_reference"].get(doc.id, [])
    if tree:
        row["clauses"] = _tree(ws, doc)
    return row


def jurisdictions_view(ws: Workspace) -> list[dict[str, Any]]:
    """Places of the corpus, their ancestors and the prefecture-level cities of their provinces."""
    gaz = ws.gazetteer
    counts: dict[str, int] = {}
    codes: set[str] = set()
    for d in ws.documents:
        if d.meta.jurisdiction_code:
            counts[d.meta.jurisdiction_code] = counts.get(d.meta.jurisdiction_code, 0) + 1
            codes.update(p.code for p in gaz.ancestors(d.meta.jurisdiction_code))
    provinces = {c for c in codes if gaz.get(c).level == "province"}
    codes.update(
        p.code for p in gaz.places.values() if p.level == "prefecture" and p.parent in provinces
    )
    order = {"country": 0, "province": 1, "prefecture": 2, "county": 3, "zone": 4}
    out = []
    for code in sorted(codes, key=lambda c: (order[gaz.get(c).level], c)):
        p = gaz.get(code)
        out.append(
            {
                "code": p.code,
                "name": p.name,
                "english": p.english,
                "level": p.level,
                "parent": p.parent,
                "chain": gaz.chain(p.code),
                "n_documents": counts.get(p.code, 0),
            }
        )
    return out
