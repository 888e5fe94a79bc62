"""Hybrid retrieval steered by the graph, with applicability and answers.

Candidates come from three ranked lists fused by reciprocal rank (``rrf_k``): dense (FAISS over
the embedding model), lexical (BM25 over jieba tokens with the question's concepts expanded to
their Chinese labels) and graph (clauses whose extracted topics and measure types match the
question's). Ties are broken by clause id. Each hit then gets ``applies`` and ``why``:

- a draft never applies; a document applies on ``as_of`` between its entry into force (or its
  retroactive date) and its expiry, and a clause with its own validity only until then;
- with a firm location, the document's jurisdiction must contain it (厦门市 ⊂ 福建省 ⊂ 全国):
  ``福建省 includes 厦门市``, ``泉州市 does not include 厦门市``;
- without one, an in-force clause has ``applies = null``.
Hits that do not apply are kept (marked) unless ``only_applicable``; with a firm location they
rank below comparable hits that do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .models import Clause, ClauseFacts, Document
from .query import Intent, parse

if TYPE_CHECKING:
    from .workspace import Workspace

NOT_APPLYING_WEIGHT = 0.5
UNKNOWN_WEIGHT = 0.9
# A question that asks for a measure (补助, reward, 多少) is answered by clauses that grant something.
NO_GRANT_WEIGHT = 0.6


@dataclass(frozen=True)
class Applicability:
    applies: bool | None
    why: str


def applicability(
    ws: Workspace, doc: Document, facts: ClauseFacts | None, intent: Intent
) -> Applicability:
    """Whether a clause applies to the asking firm on ``intent.as_of``, and why."""
    meta, day = doc.meta, intent.as_of
    if meta.is_draft:
        return Applicability(False, "draft (征求意见稿/起草说明): proposals, not in force")
    reasons: list[str] = []
    retro = ""
    if meta.effective_from and day < meta.effective_from:
        if meta.retroactive_from and day >= meta.retroactive_from:
            retro = f"; applies retroactively from {meta.retroactive_from}"
        else:
            reasons.append(f"not yet in force on {day} (from {meta.effective_from})")
    elif (
        meta.retroactive_from and day < (meta.effective_from or day) and day < meta.retroactive_from
    ):
        reasons.append(f"not yet in force on {day}")
    if meta.expires and day > meta.expires:
        reasons.append(f"expired on {meta.expires}")
    if facts is not None and facts.valid_until and day > facts.valid_until:
        reasons.append(f"clause expired on {facts.valid_until}")
    place = intent.place
    located: bool | None = None
    if place is None:
        where = "no firm location given"
    elif not meta.jurisdiction_code:
        where = "document jurisdiction unknown"
    elif ws.gazetteer.contains(meta.jurisdiction_code, place.code):
        located = True
        where = (
            f"{meta.jurisdiction} includes {place.name} ({ws.gazetteer.chain(place.code)})"
            if meta.jurisdiction_code != place.code
            else f"a {place.name} document"
        )
    else:
        by_reference = [
            p
            for name in ws.links["applies_by_reference"].get(doc.id, [])
            if (p := ws.gazetteer.resolve(name)) and ws.gazetteer.contains(p.code, place.code)
        ]
        if by_reference:
            located = True
            where = f"{by_reference[0].name} may apply it by reference (参照执行)"
        else:
            located = False
            where = f"{meta.jurisdiction} does not include {place.name}"
    if located is False:
        reasons.insert(0, where)
    if reasons:
        return Applicability(False, "; ".join(reasons))
    in_force = f"in force on {day}{retro}"
    return Applicability(located, f"{where}; {in_force}" if located else f"{in_force}; {where}")


class Searcher:
    """Hybrid search over one workspace (index, encoder and graph facts loaded once)."""

    def __init__(self, ws: Workspace):
        from .embed import load_encoder
        from .index import HybridIndex

        self.ws = ws
        self.index = HybridIndex.load(
            ws.index_dir, ws.settings.hnsw_ef_search, ws.manifest.get("segments", [])
        )
        model = ws.manifest.get("model", {})
        configured = ws.settings.model
        if configured and configured != model.get("name"):
            from .errors import IndexError_

            raise IndexError_(
                f"index {ws.index_dir} was built with embedding model {model.get('name')!r}, "
                f"but the configured model is {configured!r}: rebuild the index or unset POLICYGRAPH_MODEL"
            )
        path = ws.index_dir / "model" if model.get("builtin") else model.get("name")
        if not path:
            from .errors import IndexError_

            raise IndexError_("index has no embedding model recorded in its manifest; rebuild it")
        self.encoder = load_encoder(path)
        self._searchable = set(self.index.clause_ids)
        from .tokenize import tokens

        tokens("预热")  # build the tokenizer now, not under the first burst of requests
        self.encoder.encode(["预热"])
        if self.encoder.dim != self.index.dim:
            from .errors import IndexError_

            raise IndexError_(
                f"embedding model {model.get('name')} gives {self.encoder.dim}-d vectors, index holds {self.index.dim}-d"
            )

    def search(
        self,
        question: str,
        k: int = 10,
        firm_in: str | None = None,
        as_of: dt.date | None = None,
        only_applicable: bool = False,
    ) -> dict[str, Any]:
        """Answer a question: ``{"query": intent, "results": [hit, ...]}``."""
        from .errors import QueryError

        settings = self.ws.settings
        if not 1 <= k <= settings.max_k:
            raise QueryError(f"k must be between 1 and {settings.max_k}")
        intent = parse(
            question,
            self.ws.gazetteer,
            firm_in=firm_in,
            as_of=as_of,
            max_chars=settings.max_query_chars,
        )
        pool = max(50, 5 * k)
        ids = self.index.clause_ids
        lexical = self.index.lexical(list(intent.lexical_tokens), pool)
        dense = self.index.dense(self.encoder.encode([intent.dense_text])[0], pool)
        lists = [[ids[i] for i, _ in dense], [ids[i] for i, _ in lexical]]
        graph = self._graph_list(intent, {ids[i]: s for i, s in lexical}, pool)
        if graph:
            lists.append(graph[:pool])
        fused: dict[str, float] = {}
        for ranked in lists:
            for rank, cid in enumerate(ranked, start=1):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (settings.rrf_k + rank)
        hits = []
        # applicability depends on the document and the clause's own validity only
        seen: dict[tuple[str, dt.date | None], Applicability] = {}
        for cid, score in fused.items():
            clause = self.ws.clauses_by_id[cid]
            facts = self.ws.facts.get(cid)
            key = (clause.doc_id, facts.valid_until if facts is not None else None)
            app = seen.get(key)
            if app is None:
                doc = self.ws.docs_by_id[clause.doc_id]
                app = seen[key] = applicability(self.ws, doc, facts, intent)
            if only_applicable and app.applies is not True:
                continue
            weight = 1.0
            if intent.place is not None:
                weight = {True: 1.0, None: UNKNOWN_WEIGHT, False: NOT_APPLYING_WEIGHT}[app.applies]
            if intent.asks_amount and not (facts is not None and facts.grants_money):
                weight *= NO_GRANT_WEIGHT
            hits.append((score * weight, cid, app))
        hits.sort(key=lambda h: (-round(h[0], 9), h[1]))
        hits = self._one_per_family(hits)
        return {
            "query": {"q": intent.question, **intent.describe()},
            "results": [self.hit(cid, score, app, intent) for score, cid, app in hits[:k]],
        }

    def _one_per_family(
        self, hits: list[tuple[float, str, Applicability]]
    ) -> list[tuple[float, str, Applicability]]:
        """A measure and its own paragraphs are one answer: keep the best-ranked of them."""
        seen: set[str] = set()
        out = []
        for hit in hits:
            clause = self.ws.clauses_by_id[hit[1]]
            family = (
                clause.parent_id
                if clause.kind == "unnumbered" and clause.parent_id in self.ws.measure_ids
                else clause.id
            )
            assert family is not None
            if family not in seen:
                seen.add(family)
                out.append(hit)
        return out

    def _graph_list(self, intent: Intent, lexical: dict[str, float], pool: int) -> list[str]:
        """Clauses whose extracted concepts match the question's, best matches first.

        Reads a bounded prefix of each concept's pre-ordered list, so its cost does not grow with
        the number of clauses on a topic.
        """
        wanted_topics, wanted_types = set(intent.topics), set(intent.measure_types)
        if not wanted_topics and not wanted_types:
            return []
        index = self.ws.concept_index
        keys = sorted(wanted_topics or wanted_types)
        candidates: set[str] = set()
        for key in keys:
            taken = 0
            for cid in index.get(key, ()):
                if cid in self._searchable:
                    candidates.add(cid)
                    taken += 1
                    if taken >= 4 * pool:
                        break
        scored = []
        for cid in candidates:
            f = self.ws.facts[cid]
            t = len(wanted_topics.intersection(f.topics))
            m = len(wanted_types.intersection(f.measure_types))
            money = 1 if intent.asks_amount and f.grants_money else 0
            scored.append((-t, -money, -m, -lexical.get(cid, 0.0), cid))
        scored.sort()
        return [cid for *_, cid in scored[:pool]]

    def hit(self, cid: str, score: float, app: Applicability, intent: Intent) -> dict[str, Any]:
        """One result as the API returns it."""
        ws = self.ws
        clause = ws.clauses_by_id[cid]
        doc = ws.docs_by_id[clause.doc_id]
        facts = ws.facts.get(cid)
        amounts = [
            {
                "kind": a.kind,
                "value": a.value,
                "unit": a.unit,
                "text": a.text,
                "tier": a.tier,
                "per_year": a.per_year,
            }
            for a in (facts.amounts if facts else clause.amounts)
        ]
        matched = [
            {"tier": t, "kind": a["kind"], "value": a["value"], "text": a["text"]}
            for t in intent.tiers
            for a in amounts
            if a["tier"] and t in str(a["tier"])
        ]
        path_label = "".join(p for p in clause.path if not p.startswith("¶")) or "/".join(
            clause.path
        )
        heading = clause.heading
        if clause.kind == "unnumbered" and clause.parent_id in ws.measure_ids:
            parent = ws.clauses_by_id[clause.parent_id]
            heading = f"{parent.label}{parent.heading}"
            path_label = f"{path_label} {clause.path[-1]}"
        return {
            "id": cid,
            "iri": f"{doc.iri}/{'/'.join(clause.key)}",
            "text": clause.full_text,
            "doc_id": doc.id,
            "doc_number": doc.meta.doc_number,
            "doc_title": doc.meta.title,
            "file": doc.file,
            "label": clause.label,
            "heading": heading,
            "path": list(clause.path),
            "citation": f"{doc.meta.doc_number or doc.meta.title} {path_label}",
            "jurisdiction": doc.meta.jurisdiction,
            "score": round(score, 6),
            "amounts": amounts,
            "matched_tier": matched,
            "conditions": list(facts.conditions) if facts else [],
            "topics": list(facts.topics) if facts else [],
            "measure_types": list(facts.measure_types) if facts else [],
            "rules": _rules(facts),
            "validity": {
                "status": doc.meta.status_on(intent.as_of),
                "effective_from": _iso(doc.meta.effective_from),
                "expires": _iso(doc.meta.expires),
                "retroactive_from": _iso(doc.meta.retroactive_from),
                "clause_valid_until": _iso(facts.valid_until) if facts else None,
            },
            "applies": app.applies,
            "why": app.why,
            "related": self.related(clause),
            "span": list(clause.span),
            "raw_span": list(clause.raw_span),
        }

    def related(self, clause: Clause) -> list[dict[str, Any]]:
        """Clauses linked to this one in the graph (deference, references in and out)."""
        ws = self.ws
        out = []
        links = ws.links

        def entry(relation: str, target_iri: str) -> dict[str, Any]:
            target = ws.clause(target_iri)
            tdoc = ws.docs_by_id[target.doc_id]
            return {
                "relation": relation,
                "id": target.id,
                "doc_number": tdoc.meta.doc_number,
                "doc_title": tdoc.meta.title,
                "label": target.label,
                "heading": target.heading,
                "jurisdiction": tdoc.meta.jurisdiction,
            }

        for target in links["defers_to"].get(clause.id, []):
            out.append(entry("defers_to", target))
        for target in links["refers_to"].get(clause.id, []):
            out.append(entry("refers_to", target))
        iri = f"{ws.docs_by_id[clause.doc_id].iri}/{'/'.join(clause.key)}"
        reverse = ws.reverse_links
        for source in reverse["refers_to"].get(iri, []):
            out.append(
                entry(
                    "referred_by",
                    source if source.startswith("http") else f"{ws.settings.iri_base}/eli/{source}",
                )
            )
        for source in reverse["defers_to"].get(iri, []):
            out.append(entry("deferred_to_by", f"{ws.settings.iri_base}/eli/{source}"))
        return out


def _rules(facts: ClauseFacts | None) -> dict[str, Any]:
    if facts is None:
        return {}
    return {
        "stacking": list(facts.stacking_rules),
        "cost_sharing": facts.cost_sharing,
        "difference_award": facts.difference_award,
        "responsible_units": list(facts.responsible_units),
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


__all__ = ["Applicability", "Searcher", "applicability"]
