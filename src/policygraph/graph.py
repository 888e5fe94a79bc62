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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, SKOS

from .gazetteer import Gazetteer
from .models import ClauseFacts, Document
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


class GraphBuilder:
    """Builds the dataset for a set of documents and their clause facts."""

    def __init__(self, base: str, gazetteer: Gazetteer | None = None, today: dt.date | None = None):
        self.base = base.rstrip("/")
        self.gaz = gazetteer or Gazetteer.default()
        self.today = today or dt.date.today()
        self.ds = Dataset()
        for prefix, ns in PREFIXES.items():
            self.ds.bind(prefix, ns)
        self.ref_graph = self.ds.graph(URIRef(f"{self.base}/graph/reference"))
        self._places: set[str] = set()
        self.links: dict[str, Any] = {}

    def build(self, documents: list[Document], facts: dict[str, ClauseFacts]) -> Dataset:
        """The complete dataset."""
        onto = self.ds.graph(URIRef(f"{self.base}/graph/ontology"))
        for triple in ontology_graph():
            onto.add(triple)
        index = _DocumentIndex(documents)
        links = self.links = resolve_links(documents, facts, self.gaz)
        for doc in documents:
            self._document(doc, facts, index, links)
        return self.ds

    def _place(self, code: str) -> URIRef:
        node = place_iri(self.base, code)
        if code in self._places:
            return node
        self._places.add(code)
        place = self.gaz.get(code)
        g = self.ref_graph
        g.add((node, RDF.type, PG.Jurisdiction))
        g.add((node, SKOS.prefLabel, Literal(place.name, lang="zh")))
        g.add((node, SKOS.prefLabel, Literal(place.english, lang="en")))
        for alias in place.aliases:
            g.add((node, SKOS.altLabel, Literal(alias, lang="en" if alias.isascii() else "zh")))
        g.add((node, PG.divisionCode, Literal(code)))
        if place.parent:
            g.add((node, PG.within, self._place(place.parent)))
        return node

    def _reference(self, label: str, index: _DocumentIndex) -> URIRef:
        found = index.find(label)
        if found is not None:
            return URIRef(found.iri)
        node = _ref_iri(self.base, label)
        g = self.ref_graph
        g.add((node, RDF.type, PG.UnresolvedReference))
        g.add((node, RDFS.label, Literal(label, lang="zh")))
        if label.startswith("《"):
            g.add((node, ELI.title, Literal(label.strip("《》"), lang="zh")))
        else:
            g.add((node, ELI.id_local, Literal(label)))
        return node

    def _document(
        self,
        doc: Document,
        facts: dict[str, ClauseFacts],
        index: _DocumentIndex,
        links: dict[str, Any],
    ) -> None:
        g = self.ds.graph(URIRef(doc.iri))
        d = URIRef(doc.iri)
        meta = doc.meta
        g.add((d, RDF.type, ELI.LegalResource))
        g.add((d, ELI.title, Literal(meta.title, lang="zh")))
        g.add((d, DCTERMS.title, Literal(meta.title, lang="zh")))
        if meta.doc_number:
            g.add((d, ELI.id_local, Literal(meta.doc_number)))
        for name in meta.issuers:
            org = org_iri(self.base, name)
            g.add((d, ELI.passed_by, org))
            self.ref_graph.add((org, RDF.type, SCHEMA.GovernmentOrganization))
            self.ref_graph.add((org, RDFS.label, Literal(name, lang="zh")))
        if meta.jurisdiction_code:
            g.add((d, ELI.jurisdiction, self._place(meta.jurisdiction_code)))
        for pred, value in (
            (ELI.date_document, meta.issued),
            (ELI.first_date_entry_in_force, meta.effective_from),
            (ELI.date_no_longer_in_force, meta.expires),
            (ELI.date_applicability, meta.retroactive_from),
        ):
            if value:
                g.add((d, pred, _date(value)))
        g.add(
            (
                d,
                ELI.in_force,
                IN_FORCE if meta.status_on(self.today) == "in_force" else NOT_IN_FORCE,
            )
        )
        g.add((d, PG.isDraft, Literal(meta.is_draft)))
        g.add((d, PG.documentKind, Literal(meta.kind)))
        if meta.publication:
            g.add((d, PG.publication, Literal(meta.publication, lang="zh")))
        g.add((d, PG.sourceFile, Literal(doc.file)))
        for label in meta.cites:
            g.add((d, ELI.cites, self._reference(label, index)))
        for label in meta.repeals:
            g.add((d, ELI.repeals, self._reference(label, index)))
        for place_name in links["applies_by_reference"].get(doc.id, []):
            place = self.gaz.resolve(place_name)
            if place:
                g.add((d, PG.appliesByReferenceTo, self._place(place.code)))

        measures = {c.id for c in measure_level(list(doc.clauses))}
        by_id = {c.id: c for c in doc.clauses}
        for order, clause in enumerate(doc.clauses):
            c = clause_iri(doc, clause.key)
            parent = clause_iri(doc, by_id[clause.parent_id].key) if clause.parent_id else d
            g.add((c, RDF.type, ELI.LegalResourceSubdivision))
            g.add((c, ELI.is_part_of, parent))
            g.add((c, PG.document, d))
            g.add((parent, ELI.has_part, c))
            if clause.label:
                g.add((c, ELI.number, Literal(clause.label)))
                g.add((c, PG.clauseLabel, Literal(clause.label)))
            if clause.heading:
                g.add((c, DCTERMS.title, Literal(clause.heading, lang="zh")))
            g.add((c, PG.text, Literal(clause.text or clause.heading)))
            g.add((c, PG.path, Literal("/".join(clause.path))))
            g.add((c, PG.clauseKind, Literal(clause.kind)))
            g.add((c, PG.level, Literal(clause.level)))
            g.add((c, PG.order, Literal(order)))
            g.add((c, PG.spanStart, Literal(clause.span[0])))
            g.add((c, PG.spanEnd, Literal(clause.span[1])))
            f = facts.get(clause.id)
            if f is None:
                continue
            self._facts(g, doc, c, f, clause.id in measures, index, links)

    def _facts(
        self,
        g: Graph,
        doc: Document,
        c: URIRef,
        f: ClauseFacts,
        is_measure: bool,
        index: _DocumentIndex,
        links: dict[str, Any],
    ) -> None:
        for topic in f.topics:
            g.add((c, PG.topic, PG[topic]))
        for rule in f.stacking_rules:
            g.add((c, PG.stackingRule, Literal(rule, lang="zh")))
        if f.cost_sharing:
            g.add((c, PG.costSharing, Literal(f.cost_sharing)))
        if f.difference_award:
            g.add((c, PG.differenceAward, Literal(True)))
        for unit in f.responsible_units:
            g.add((c, PG.responsibleUnit, Literal(unit, lang="zh")))
        if f.valid_until:
            g.add((c, PG.validUntil, _date(f.valid_until)))
        for label in f.doc_refs:
            if compact(label) not in {
                compact(doc.meta.title),
                compact(f"《{doc.meta.title}》"),
                compact(doc.meta.doc_number or "-"),
            }:
                g.add((c, ELI.cites, self._reference(label, index)))
        for target in links["refers_to"].get(f.clause_id, []):
            g.add((c, PG.refersTo, URIRef(target)))
        for target in links["defers_to"].get(f.clause_id, []):
            g.add((c, PG.defersTo, URIRef(target)))
        if not (is_measure and (f.amounts or f.measure_types)):
            return
        m = URIRef(f"{c}#measure")
        g.add((c, PG.measure, m))
        g.add((m, RDF.type, PG.Measure))
        g.add((m, PROV.wasDerivedFrom, c))
        for t in f.measure_types:
            g.add((m, PG.measureType, PG[t]))
        for t in f.topics:
            g.add((m, PG.topic, PG[t]))
        for b in f.beneficiaries:
            g.add((m, PG.beneficiary, PG[b]))
        for cond in f.conditions:
            g.add((m, PG.condition, Literal(cond, lang="zh")))
        for i, a in enumerate(f.amounts, start=1):
            node = URIRef(f"{c}#amount-{i}")
            g.add((m, PG.amount, node))
            g.add((node, RDF.type, _AMOUNT_CLASS[a.kind]))
            g.add((node, RDFS.label, Literal(a.text, lang="zh")))
            g.add((node, PROV.wasDerivedFrom, c))
            g.add((node, PG.spanStart, Literal(a.span[0])))
            g.add((node, PG.spanEnd, Literal(a.span[1])))
            if a.tier:
                g.add((node, PG.tier, Literal(a.tier, lang="zh")))
            if a.per_year:
                g.add((node, PG.perYear, Literal(True)))
            value = Literal(decimal_lexical(a.value), datatype=XSD.decimal)
            if a.kind == "award_cap":
                g.add((node, RDF.type, SCHEMA.MonetaryAmount))
                g.add((node, SCHEMA.maxValue, value))
                g.add((node, SCHEMA.currency, Literal("CNY")))
            elif a.kind == "threshold":
                g.add((node, RDF.type, SCHEMA.MonetaryAmount))
                g.add((node, SCHEMA.minValue, value))
                g.add((node, SCHEMA.currency, Literal("CNY")))
            elif a.kind == "per_unit":
                g.add((node, RDF.type, SCHEMA.UnitPriceSpecification))
                g.add((node, SCHEMA.price, value))
                g.add((node, SCHEMA.priceCurrency, Literal("CNY")))
                g.add((node, SCHEMA.unitText, Literal(a.unit, lang="zh")))
            else:
                g.add((node, SCHEMA.value, value))


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
    documents: list[Document], facts: dict[str, ClauseFacts], gaz: Gazetteer
) -> dict[str, Any]:
    """Intra-document references, deference to higher-level measures, application by reference.

    ``本措施第（三）点、第（五）点奖励标准与省级标准不一致的，按省级要求执行`` (厦府办规〔2025〕10号):
    the citing clause refers to （三） and （五）, and each of those defers to the measure of a
    provincial document in the corpus that is most alike (shared topics, then shared wording).
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
    for doc in documents:
        clauses = list(doc.clauses)
        measure_ids = {c.id for c in measure_level(clauses)}
        for clause in clauses:
            f = facts.get(clause.id)
            if f is None:
                continue
            if f.applies_by_reference and clause.parent_id is None:
                applies.setdefault(doc.id, []).extend(f.applies_by_reference)
            targets = []
            for label in f.clause_refs:
                siblings = {c.id for c in clauses if c.parent_id == clause.parent_id}
                found = [
                    c
                    for c in clauses
                    if c.label == label and c.id not in siblings and c.id in measure_ids
                ]
                found = found or [c for c in clauses if c.label == label and c.id != clause.id]
                if found:
                    targets.append(found[0])
            if targets:
                refers[clause.id] = [f"{doc.iri}/{'/'.join(t.key)}" for t in targets]
            if not f.defers_to or not doc.meta.jurisdiction_code:
                continue
            level = levels.get(f.defers_to)
            higher = [
                d
                for d in documents
                if d.id != doc.id
                and d.meta.jurisdiction_code
                and d.meta.jurisdiction_code != doc.meta.jurisdiction_code
                and gaz.contains(d.meta.jurisdiction_code, doc.meta.jurisdiction_code)
                and (level is None or gaz.get(d.meta.jurisdiction_code).level == level)
            ]
            for source in targets or [clause]:
                best = _most_alike(source, facts, higher)
                if best is not None:
                    defers.setdefault(source.id, []).append(best)
    return {"refers_to": refers, "defers_to": defers, "applies_by_reference": applies}


def _most_alike(
    source: Any, facts: dict[str, ClauseFacts], documents: list[Document]
) -> str | None:
    sf = facts.get(source.id)
    s_topics = set(sf.topics) if sf else set()
    s_grams = _bigrams(source.full_text)
    best: tuple[float, str] | None = None
    for d in documents:
        for c in measure_level(list(d.clauses)):
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


def save(ds: Dataset, path: Path) -> None:
    """Write the dataset as N-Quads (sorted lines: byte-identical for identical input)."""
    data = ds.serialize(format="nquads")
    lines = sorted(set(line for line in data.splitlines() if line.strip()))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


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
    "save",
]
