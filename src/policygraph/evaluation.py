"""Scoring against the gold data described in ../shared/eval/README.md.

- documents: every metadata field of every document, exact (lists of references as sets);
- amounts: per clause, set precision/recall of award caps, ratios, thresholds and per-unit rates;
- queries: recall@5 and MRR over relevant clauses, and violations (a not-applicable clause in the
  top 10 without being marked as not applying).
A gold row names a clause by a snippet: the clause matches when the snippet, NFKC-normalised with
white space removed, is a substring of the clause's text treated the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from .errors import PolicyGraphError
from .gazetteer import Gazetteer
from .ingest import read_file
from .metadata import extract_metadata
from .models import to_jsonable
from .normalize import normalize

SET_FIELDS = {"cites", "repeals"}
DOC_FIELDS = (
    "doc_number",
    "title",
    "issuers",
    "jurisdiction",
    "issued",
    "effective_from",
    "expires",
    "retroactive_from",
    "cites",
    "repeals",
)


def match_key(text: str) -> str:
    """NFKC with all white space removed: how snippets are matched to clauses."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def doc_key(doc_number: str | None, title: str) -> str:
    """How gold rows name a document: its 文号, or its title when it has none."""
    return doc_number or title


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """Rows of a JSON-lines file."""
    with Path(path).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def evaluate_documents(gold_path: Path, corpus_dir: Path) -> dict[str, Any]:
    """Field-by-field comparison of extracted metadata with documents.dev.json."""
    gold = json.loads(Path(gold_path).read_text("utf-8"))
    gaz = Gazetteer.default()
    mismatches = []
    n_fields = 0
    for row in gold:
        path = Path(corpus_dir) / row["file"]
        if not path.exists():
            raise PolicyGraphError(f"gold file not in corpus: {path}")
        meta = extract_metadata(normalize(read_file(path).text), gaz)
        got = to_jsonable(meta)
        status_fields = [k for k in row if k.startswith("status_on_")]
        for field in (*DOC_FIELDS, *status_fields):
            if field not in row:
                continue
            n_fields += 1
            if field.startswith("status_on_"):
                value: Any = meta.status_on(dt.date.fromisoformat(field.removeprefix("status_on_")))
            else:
                value = got[field]
            want = row[field]
            same = sorted(value) == sorted(want) if field in SET_FIELDS else value == want
            if not same:
                mismatches.append({"file": row["file"], "field": field, "got": value, "want": want})
    return {"n_fields": n_fields, "n_correct": n_fields - len(mismatches), "mismatches": mismatches}


AMOUNT_FIELDS = {
    "award_caps_yuan": "award_cap",
    "ratios": "ratio",
    "threshold_yuan": "threshold",
    "per_unit": "per_unit",
}


def find_clause(ws: Any, doc_ref: str, snippet: str) -> Any:
    """The measure-level clause of a document that contains a gold snippet (None if none)."""
    doc = ws.document(doc_ref)
    key = match_key(snippet)
    hits = [c for c in doc.clauses if c.id in ws.measure_ids and key in match_key(c.full_text)]
    return hits[0] if hits else None


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _amount_set(clause: Any, kind: str) -> set[Any]:
    if kind == "per_unit":
        return {(round(a.value, 6), a.unit) for a in clause.amounts if a.kind == kind}
    return {round(a.value, 6) for a in clause.amounts if a.kind == kind}


def evaluate_amounts(ws: Any, gold_path: Path) -> dict[str, Any]:
    """Per-clause set precision/recall of the four amount lists, micro-averaged."""
    counts = {kind: [0, 0, 0] for kind in AMOUNT_FIELDS.values()}
    errors = []
    for row in load_jsonl(gold_path):
        clause = find_clause(ws, row["doc"], row["snippet"])
        for field, kind in AMOUNT_FIELDS.items():
            want: set[Any] = (
                {(round(float(p["yuan"]), 6), p["unit"]) for p in row[field]}
                if kind == "per_unit"
                else {round(float(v), 6) for v in row[field]}
            )
            got = _amount_set(clause, kind) if clause is not None else set()
            c = counts[kind]
            c[0] += len(got & want)
            c[1] += len(got - want)
            c[2] += len(want - got)
            if got != want:
                errors.append(
                    {
                        "doc": row["doc"],
                        "clause": row["clause"],
                        "kind": kind,
                        "got": sorted(got),
                        "want": sorted(want),
                    }
                )
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {
        **_prf(*total),
        "by_kind": {k: _prf(*c) for k, c in counts.items()},
        "errors": errors,
    }


def evaluate_queries(search: Any, gold_path: Path, ws: Any, k: int = 10) -> dict[str, Any]:
    """recall@5, MRR and violations of ``search(q, firm_in) -> {"results": [...]}`` on gold queries.

    A relevant gold row is found at rank r when the r-th hit is the measure-level clause holding
    its snippet; a violation is a not-applicable row in the top 10 whose hit has ``applies`` true
    or null.
    """
    per_query = []
    recalls, rrs, violations = [], [], 0
    for row in load_jsonl(gold_path):
        answer = search(row["q"], row.get("firm_in"))
        hits = answer["results"][:k]
        keys = [match_key(h["text"]) for h in hits]
        found = []
        for rel in row["relevant"]:
            snippet = match_key(rel["snippet"])
            rank = next(
                (
                    i
                    for i, key in enumerate(keys, start=1)
                    if snippet in key and _same_doc(ws, hits[i - 1], rel["doc"])
                ),
                None,
            )
            found.append(rank)
        recall = sum(1 for r in found if r is not None and r <= 5) / len(found)
        first = min((r for r in found if r is not None), default=None)
        rr = 1.0 / first if first else 0.0
        bad = []
        for na in row.get("not_applicable", []):
            snippet = match_key(na["snippet"])
            for h, key in zip(hits[:10], keys[:10], strict=False):
                if snippet in key and _same_doc(ws, h, na["doc"]) and h.get("applies") is not False:
                    bad.append(h["id"])
        violations += len(bad)
        recalls.append(recall)
        rrs.append(rr)
        per_query.append(
            {
                "id": row.get("id"),
                "q": row["q"],
                "recall@5": recall,
                "rr": rr,
                "ranks": found,
                "violations": bad,
            }
        )
    n = len(per_query) or 1
    return {
        "recall@5": sum(recalls) / n,
        "mrr": sum(rrs) / n,
        "violations": violations,
        "queries": per_query,
    }


def _same_doc(ws: Any, hit: dict[str, Any], doc_ref: str) -> bool:
    try:
        return bool(ws.document(doc_ref).id == hit["doc_id"])
    except PolicyGraphError:
        return False
