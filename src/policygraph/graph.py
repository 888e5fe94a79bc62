"""Documents and extracted facts -> an RDF dataset; saving, loading and SPARQL.

One named graph per document (its IRI), plus ``…/graph/reference`` (jurisdictions, issuers,
unresolved references) and ``…/graph/ontology`` (the ontology and its concept schemes, so that
queries can read labels). Vocabularies: ELI for documents and subdivisions, DCTERMS, SKOS,
schema.org MonetaryAmount / UnitPriceSpecification, PROV for where each fact came from (clause
and character span). The dataset is saved as N-Quads; SPARQL runs on rdflib's memory store or on
Oxigraph (``sparql_backend``), which load the same file and answer the same queries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS

from .gazetteer import Gazetteer
from .models import Clause, ClauseFacts, Document
from .normalize import compact
from .segment import measure_level
from .vocab import ELI, PG, SCHEMA, ontology_graph

IN_FORCE = ELI["InForce-inForce"]
NOT_IN_FORCE = ELI["InForce-notInForce"]
PREFIXES = {
    "pg": str(PG._NS),
    "eli": str(ELI),
    "dcterms": str(DCTERMS),
    "skos": str(SKOS),
    "schema": str(SCHEMA),
    "prov": str(PROV),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "owl": str(OWL),
}
_AMOUNT_CLASS = {
    "award_cap": PG.AwardCap,
    "ratio": PG.Ratio,
    "threshold": PG.Threshold,
    "per_unit": PG.PerUnitRate,
    "count_limit": PG.CountLimit,
}


def place_iri(base: str, code: str) -> URIRef:
    """IRI of a jurisdiction."""
    return URIRef(f"{base.rstrip('/')}/place/{code}")


def org_iri(base: str, name: str) -> URIRef:
    """IRI of an issuing organisation."""
    return URIRef(f"{base.rstrip('/')}/org/{urllib.parse.quote(name)}")


def clause_iri(doc: Document, key: tuple[str, ...]) -> URIRef:
    """IRI of a clause of ``doc``."""
    return URIRef(f"{doc.iri}/{'/'.join(key)}")


def _ref_iri(base: str, label: str) -> URIRef:
    return URIRef(
        f"{base.rstrip('/')}/ref/{hashlib.sha1(compact(label).encode()).hexdigest()[:12]}"
    )


def decimal_lexical(value: float) -> str:
    """``200000.0`` -> ``200000``, ``0.015`` -> ``0.015`` (one spelling for every store)."""
    if float(value).is_integer():
        return str(int(value))
    return format(value, "f").rstrip("0")


def _date(value: dt.date) -> Literal:
    return Literal(value.isoformat(), datatype=XSD.date)


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _lit(value: object, lang: str | None = None, datatype: URIRef | None = None) -> str:
    """An N-Quads literal: strings with a language or datatype, ints, booleans, dates."""
    if isinstance(value, bool):
        return f'"{str(value).lower()}"^^<{XSD.boolean}>'
    if isinstance(value, int):
        return f'"{value}"^^<{XSD.integer}>'
    if isinstance(value, dt.date):
        return f'"{value.isoformat()}"^^<{XSD.date}>'
    text = f'"{_esc(str(value))}"'
    if lang:
        return f"{text}@{lang}"
    if datatype is not None:
        return f"{text}^^<{datatype}>"
    return text


def _iri(value: str) -> str:
    return f"<{value}>"


class GraphBuilder:
    """Streams the dataset for a set of documents and their clause facts as N-Quads.

    Lines are written straight to a file (no in-memory store), in document order, so the graph of
    a million clauses is written in one pass with flat memory.
    """

    def __init__(self, base: str, gazetteer: Gazetteer | None = None, today: dt.date | None = None):
        self.base = base.rstrip("/")
        self.gaz = gazetteer or Gazetteer.default()
        self.today = today or dt.date.today()
        self.ref_graph = _iri(f"{self.base}/graph/reference")
        self._places: set[str] = set()
        self._seen_ref: set[str] = set()
        self.links: dict[str, Any] = {}
        self.n_quads = 0
        self._out: Any = None

    def _q(self, s: str, p: URIRef, o: str, g: str) -> None:
        self._out.write(f"{s} <{p}> {o} {g} .\n")
        self.n_quads += 1

    def write(
        self,
        documents: list[Document],
        facts: dict[str, ClauseFacts],
        path: Path,
        links: dict[str, Any] | None = None,
        with_ontology: bool = True,
        all_documents: list[Document] | None = None,
    ) -> dict[str, Any]:
        """Write the quads of ``documents`` to ``path``; returns the links (refers_to, defers_to,
        applies_by_reference). An added segment passes the index's links, every document (to
        resolve references) and no ontology (the base file has it)."""
        index = _DocumentIndex(all_documents or documents)
        self.links = links if links is not None else resolve_links(documents, facts, self.gaz)
        with Path(path).open("w", encoding="utf-8") as fh:
            self._out = fh
            if with_ontology:
                onto = _iri(f"{self.base}/graph/ontology")
                for s, p, o in ontology_graph():
                    fh.write(f"{s.n3()} {p.n3()} {o.n3()} {onto} .\n")
                    self.n_quads += 1
            for doc in documents:
                self._document(doc, facts, index)
        self._out = None
        return self.links

    def build(self, documents: list[Document], facts: dict[str, ClauseFacts]) -> Dataset:
        """The dataset as an rdflib Dataset (small corpora and tests)."""
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            self.write(documents, facts, Path(tmp) / "graph.nq")
            return load(Path(tmp) / "graph.nq")

    def _place(self, code: str) -> str:
        node = _iri(str(place_iri(self.base, code)))
        if code in self._places:
            return node
        self._places.add(code)
        place = self.gaz.get(code)
        g = self.ref_graph
        self._q(node, RDF.type, _iri(str(PG.Jurisdiction)), g)
        self._q(node, SKOS.prefLabel, _lit(place.name, "zh"), g)
        self._q(node, SKOS.prefLabel, _lit(place.english, "en"), g)
        for alias in place.aliases:
            self._q(node, SKOS.altLabel, _lit(alias, "en" if alias.isascii() else "zh"), g)
        self._q(node, PG.divisionCode, _lit(code), g)
        if place.parent:
            self._q(node, PG.within, self._place(place.parent), g)
        return node

    def _reference(self, label: str, index: _DocumentIndex) -> str:
        found = index.find(label)
        if found is not None:
            return _iri(found.iri)
        node = _iri(str(_ref_iri(self.base, label)))
        if node in self._seen_ref:
            return node
        self._seen_ref.add(node)
        g = self.ref_graph
        self._q(node, RDF.type, _iri(str(PG.UnresolvedReference)), g)
        self._q(node, RDFS.label, _lit(label, "zh"), g)
        if label.startswith("《"):
            self._q(node, ELI.title, _lit(label.strip("《》"), "zh"), g)
        else:
            self._q(node, ELI.id_local, _lit(label), g)
        return node

    def _document(
        self, doc: Document, facts: dict[str, ClauseFacts], index: _DocumentIndex
    ) -> None:
        g = _iri(doc.iri)
        d = g
        meta = doc.meta
        q = self._q
        q(d, RDF.type, _iri(str(ELI.LegalResource)), g)
        q(d, ELI.title, _lit(meta.title, "zh"), g)
        q(d, DCTERMS.title, _lit(meta.title, "zh"), g)
        if meta.doc_number:
            q(d, ELI.id_local, _lit(meta.doc_number), g)
        for name in meta.issuers:
            org = _iri(str(org_iri(self.base, name)))
            q(d, ELI.passed_by, org, g)
            if org not in self._seen_ref:
                self._seen_ref.add(org)
                q(org, RDF.type, _iri(str(SCHEMA.GovernmentOrganization)), self.ref_graph)
                q(org, RDFS.label, _lit(name, "zh"), self.ref_graph)
        if meta.jurisdiction_code:
            q(d, ELI.jurisdiction, self._place(meta.jurisdiction_code), g)
        for pred, value in (
            (ELI.date_document, meta.issued),
            (ELI.first_date_entry_in_force, meta.effective_from),
            (ELI.date_no_longer_in_force, meta.expires),
            (ELI.date_applicability, meta.retroactive_from),
        ):
            if value:
                q(d, pred, _lit(value), g)
        q(
            d,
            ELI.in_force,
            _iri(str(IN_FORCE if meta.status_on(self.today) == "in_force" else NOT_IN_FORCE)),
            g,
        )
        q(d, PG.isDraft, _lit(meta.is_draft), g)
        q(d, PG.documentKind, _lit(meta.kind), g)
        if meta.publication:
            q(d, PG.publication, _lit(meta.publication, "zh"), g)
        q(d, PG.sourceFile, _lit(doc.file), g)
        for label in meta.cites:
            q(d, ELI.cites, self._reference(label, index), g)
        for label in meta.repeals:
            q(d, ELI.repeals, self._reference(label, index), g)
        for place_name in self.links["applies_by_reference"].get(doc.id, []):
            place = self.gaz.resolve(place_name)
            if place:
                q(d, PG.appliesByReferenceTo, self._place(place.code), g)

        measures = {c.id for c in measure_level(list(doc.clauses))}
        by_id = {c.id: c for c in doc.clauses}
        for order, clause in enumerate(doc.clauses):
            c = _iri(str(clause_iri(doc, clause.key)))
            parent = (
                _iri(str(clause_iri(doc, by_id[clause.parent_id].key))) if clause.parent_id else d
            )
            q(c, RDF.type, _iri(str(ELI.LegalResourceSubdivision)), g)
            q(c, ELI.is_part_of, parent, g)
            q(c, PG.document, d, g)
            q(parent, ELI.has_part, c, g)
            if clause.label:
                q(c, ELI.number, _lit(clause.label), g)
                q(c, PG.clauseLabel, _lit(clause.label), g)
            if clause.heading:
                q(c, DCTERMS.title, _lit(clause.heading, "zh"), g)
            q(c, PG.text, _lit(clause.text or clause.heading), g)
            q(c, PG.path, _lit("/".join(clause.path)), g)
            q(c, PG.clauseKind, _lit(clause.kind), g)
            q(c, PG.level, _lit(clause.level), g)
            q(c, PG.order, _lit(order), g)
            q(c, PG.spanStart, _lit(clause.span[0]), g)
            q(c, PG.spanEnd, _lit(clause.span[1]), g)
            f = facts.get(clause.id)
            if f is not None:
                self._facts(g, doc, c, f, clause.id in measures, index)

    def _facts(
        self, g: str, doc: Document, c: str, f: ClauseFacts, is_measure: bool, index: _DocumentIndex
    ) -> None:
        q = self._q
        for topic in f.topics:
            q(c, PG.topic, _iri(str(PG[topic])), g)
        for rule in f.stacking_rules:
            q(c, PG.stackingRule, _lit(rule, "zh"), g)
        if f.cost_sharing:
            q(c, PG.costSharing, _lit(f.cost_sharing), g)
        if f.difference_award:
            q(c, PG.differenceAward, _lit(True), g)
        for unit in f.responsible_units:
            q(c, PG.responsibleUnit, _lit(unit, "zh"), g)
        if f.valid_until:
            q(c, PG.validUntil, _lit(f.valid_until), g)
        own = {
            compact(doc.meta.title),
            compact(f"《{doc.meta.title}》"),
            compact(doc.meta.doc_number or "-"),
        }
        for label in f.doc_refs:
            if compact(label) not in own:
                q(c, ELI.cites, self._reference(label, index), g)
        for target in self.links["refers_to"].get(f.clause_id, []):
            q(c, PG.refersTo, _iri(target), g)
        for target in self.links["defers_to"].get(f.clause_id, []):
            q(c, PG.defersTo, _iri(target), g)
        if not (is_measure and (f.amounts or f.measure_types)):
            return
        base = c[1:-1]
        m = _iri(f"{base}#measure")
        q(c, PG.measure, m, g)
        q(m, RDF.type, _iri(str(PG.Measure)), g)
        q(m, PROV.wasDerivedFrom, c, g)
        for t in f.measure_types:
            q(m, PG.measureType, _iri(str(PG[t])), g)
        for t in f.topics:
            q(m, PG.topic, _iri(str(PG[t])), g)
        for b in f.beneficiaries:
            q(m, PG.beneficiary, _iri(str(PG[b])), g)
        for cond in f.conditions:
            q(m, PG.condition, _lit(cond, "zh"), g)
        for i, a in enumerate(f.amounts, start=1):
            node = _iri(f"{base}#amount-{i}")
            q(m, PG.amount, node, g)
            q(node, RDF.type, _iri(str(_AMOUNT_CLASS[a.kind])), g)
            q(node, RDFS.label, _lit(a.text, "zh"), g)
            q(node, PROV.wasDerivedFrom, c, g)
            q(node, PG.spanStart, _lit(a.span[0]), g)
            q(node, PG.spanEnd, _lit(a.span[1]), g)
            if a.tier:
                q(node, PG.tier, _lit(a.tier, "zh"), g)
            if a.per_year:
                q(node, PG.perYear, _lit(True), g)
            value = _lit(decimal_lexical(a.value), datatype=XSD.decimal)
            if a.kind == "award_cap":
                q(node, RDF.type, _iri(str(SCHEMA.MonetaryAmount)), g)
                q(node, SCHEMA.maxValue, value, g)
                q(node, SCHEMA.currency, _lit("CNY"), g)
            elif a.kind == "threshold":
                q(node, RDF.type, _iri(str(SCHEMA.MonetaryAmount)), g)
                q(node, SCHEMA.minValue, value, g)
                q(node, SCHEMA.currency, _lit("CNY"), g)
            elif a.kind == "per_unit":
                q(node, RDF.type, _iri(str(SCHEMA.UnitPriceSpecification)), g)
                q(node, SCHEMA.price, value, g)
                q(node, SCHEMA.priceCurrency, _lit("CNY"), g)
                q(node, SCHEMA.unitText, _lit(a.unit, "zh"), g)
            else:
                q(node, SCHEMA.value, value, g)


class _DocumentIndex:
    """Finds corpus documents by 文号 or 《title》."""

    def __init__(self, documents: Iterable[Document]):
        self.by_key: dict[str, Document] = {}
        for d in documents:
            if d.meta.doc_number:
                self.by_key[compact(d.meta.doc_number)] = d
            self.by_key[compact(d.meta.title)] = d

    def find(self, label: str) -> Document | None:
        return self.by_key.get(compact(label).strip("《》"))


def _bigrams(text: str) -> set[str]:
    text = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def resolve_links(
    documents: list[Document],
    facts: Mapping[str, ClauseFacts],
    gaz: Gazetteer,
    only: set[str] | None = None,
) -> dict[str, Any]:
    """Intra-document references, deference to higher-level measures, application by reference.

    ``本措施第（三）点、第（五）点奖励标准与省级标准不一致的，按省级要求执行`` (厦府办规〔2025〕10号):
    the citing clause refers to （三） and （五）, and each of those defers to the measure of a
    provincial document in the corpus that is most alike (shared topics, then shared wording).
    Candidates are found through an index of documents by jurisdiction, so the cost grows with
    the deferring clauses, not with their product with the corpus.
    """
    refers: dict[str, list[str]] = {}
    defers: dict[str, list[str]] = {}
    applies: dict[str, list[str]] = {}
    levels = {
        "省级": "province",
        "省": "province",
        "国家": "country",
        "市级": "prefecture",
        "上级": None,
    }
    by_place: dict[str, list[Document]] = {}
    for d in documents:
        if d.meta.jurisdiction_code:
            by_place.setdefault(d.meta.jurisdiction_code, []).append(d)
    measures_of: dict[str, list[Clause]] = {}

    def measures(doc: Document) -> list[Clause]:
        if doc.id not in measures_of:
            measures_of[doc.id] = measure_level(list(doc.clauses))
        return measures_of[doc.id]

    for doc in documents:
        if only is not None and doc.id not in only:
            continue
        clauses = list(doc.clauses)
        measure_ids = {c.id for c in measures(doc)}
        by_label: dict[str, list[Clause]] = {}
        for c in clauses:
            if c.label:
                by_label.setdefault(c.label, []).append(c)
        for clause in clauses:
            f = facts.get(clause.id)
            if f is None:
                continue
            if f.applies_by_reference and clause.parent_id is None:
                applies.setdefault(doc.id, []).extend(f.applies_by_reference)
            targets = []
            for label in f.clause_refs:
                same = by_label.get(label, [])
                found = [c for c in same if c.parent_id != clause.parent_id and c.id in measure_ids]
                found = found or [c for c in same if c.id != clause.id]
                if found:
                    targets.append(found[0])
            if targets:
                refers[clause.id] = [f"{doc.iri}/{'/'.join(t.key)}" for t in targets]
            if not f.defers_to or not doc.meta.jurisdiction_code:
                continue
            level = levels.get(f.defers_to)
            higher = [
                d
                for place in gaz.ancestors(doc.meta.jurisdiction_code)[1:]
                if level is None or place.level == level
                for d in by_place.get(place.code, [])
            ]
            for source in targets or [clause]:
                best = _most_alike(source, facts, higher, measures)
                if best is not None:
                    defers.setdefault(source.id, []).append(best)
    return {"refers_to": refers, "defers_to": defers, "applies_by_reference": applies}


def _most_alike(
    source: Any, facts: Mapping[str, ClauseFacts], documents: list[Document], measures: Any
) -> str | None:
    sf = facts.get(source.id)
    s_topics = set(sf.topics) if sf else set()
    s_grams = _bigrams(source.full_text)
    best: tuple[float, str] | None = None
    for d in documents:
        for c in measures(d):
            f = facts.get(c.id)
            if f is None:
                continue
            grams = _bigrams(c.full_text)
            # the deferring clause is about an award standard: prefer measures that grant money
            money = 1.0 if sf is not None and sf.grants_money and f.grants_money else 0.0
            score = (
                money
                + len(s_topics & set(f.topics))
                + len(s_grams & grams) / max(len(s_grams | grams), 1)
            )
            if best is None or score > best[0]:
                best = (score, f"{d.iri}/{'/'.join(c.key)}")
    return best[1] if best and best[0] > 0.1 else None


def load(path: Path) -> Dataset:
    """Read an N-Quads file into an rdflib Dataset whose default graph is the union."""
    ds = Dataset(default_union=True)
    ds.parse(str(path), format="nquads")
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns)
    return ds


def export(path: Path, fmt: str) -> str:
    """The saved dataset as Turtle (union graph), N-Quads or JSON-LD."""
    if fmt == "nq":
        return Path(path).read_text("utf-8")
    ds = load(path)
    if fmt == "ttl":
        union = Graph()
        for prefix, ns in PREFIXES.items():
            union.bind(prefix, ns)
        for s, p, o, _g in ds.quads((None, None, None, None)):
            union.add((s, p, o))
        return union.serialize(format="turtle")
    if fmt == "jsonld":
        return ds.serialize(format="json-ld", context=PREFIXES, indent=1)
    raise ValueError(f"unknown export format {fmt!r} (ttl, nq, jsonld)")


__all__ = [
    "PREFIXES",
    "GraphBuilder",
    "clause_iri",
    "export",
    "load",
    "org_iri",
    "place_iri",
    "resolve_links",
]
