"""The ontology's terms in code, and its SKOS concepts as plain data.

``PG`` mirrors every term that ``ontology/policygraph.ttl`` declares (``_fail = True``: a typo is
an AttributeError, not a new IRI); a test checks that the two agree. ``concepts()`` reads the
concept schemes (measure types, topics, beneficiary types) with their Chinese and English labels;
extraction, query understanding and the embedding model's fitting text all use it, so a label
added to the ontology reaches every stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DefinedNamespace

ONTOLOGY_DIR = Path(__file__).resolve().parents[2] / "ontology"
ELI = Namespace("http://data.europa.eu/eli/ontology#")
SCHEMA = Namespace("https://schema.org/")


class PG(DefinedNamespace):
    """policygraph terms (https://policygraph.example.org/ns#)."""

    _NS = Namespace("https://policygraph.example.org/ns#")
    _fail = True

    # classes
    Measure: URIRef
    Quantity: URIRef
    AwardCap: URIRef
    Ratio: URIRef
    Threshold: URIRef
    PerUnitRate: URIRef
    CountLimit: URIRef
    Jurisdiction: URIRef
    UnresolvedReference: URIRef
    # properties
    text: URIRef
    path: URIRef
    clauseLabel: URIRef
    clauseKind: URIRef
    level: URIRef
    order: URIRef
    document: URIRef
    spanStart: URIRef
    spanEnd: URIRef
    sourceFile: URIRef
    measure: URIRef
    measureType: URIRef
    topic: URIRef
    beneficiary: URIRef
    condition: URIRef
    amount: URIRef
    tier: URIRef
    perYear: URIRef
    stackingRule: URIRef
    costSharing: URIRef
    differenceAward: URIRef
    responsibleUnit: URIRef
    validUntil: URIRef
    refersTo: URIRef
    defersTo: URIRef
    appliesByReferenceTo: URIRef
    within: URIRef
    divisionCode: URIRef
    isDraft: URIRef
    documentKind: URIRef
    publication: URIRef
    # concept schemes
    MeasureTypes: URIRef
    Topics: URIRef
    BeneficiaryTypes: URIRef
    # measure types
    Award: URIRef
    Grant: URIRef
    Subsidy: URIRef
    InterestSubsidy: URIRef
    Funding: URIRef
    Voucher: URIRef
    DifferenceAward: URIRef
    # topics
    DCMM: URIRef
    DSMM: URIRef
    DataAssetRegistration: URIRef
    DataTrading: URIRef
    CrossBorderData: URIRef
    TrustedDataSpace: URIRef
    Compute: URIRef
    Datasets: URIRef
    IntegratedCircuits: URIRef
    Animation: URIRef
    ChiefDataOfficer: URIRef
    DataElementsX: URIRef
    PublicData: URIRef
    DataLabelling: URIRef
    ArtificialIntelligence: URIRef
    FiveG: URIRef
    IndustrialInternet: URIRef
    Software: URIRef
    Financing: URIRef
    DataSecurity: URIRef
    IndustrialCluster: URIRef
    DataEnterpriseCultivation: URIRef
    DigitalTransformation: URIRef
    ApplicationScenario: URIRef
    DataInfrastructure: URIRef
    DataServices: URIRef
    GigabitOptical: URIRef
    PublicServicePlatform: URIRef
    Talent: URIRef
    # beneficiary types
    Enterprise: URIRef
    DataEnterprise: URIRef
    ICDesignEnterprise: URIRef
    SoftwareEnterprise: URIRef
    AnimationGameEnterprise: URIRef
    Unit: URIRef
    Project: URIRef
    Park: URIRef
    Platform: URIRef
    ServiceInstitution: URIRef
    FinancialInstitution: URIRef
    ResearchInstitution: URIRef
    IndustryAssociation: URIRef


@dataclass(frozen=True)
class Concept:
    """One SKOS concept with its labels; ``key`` is the local name (``DCMM``)."""

    key: str
    iri: str
    scheme: str
    zh: str
    en: str
    alt_zh: tuple[str, ...]
    alt_en: tuple[str, ...]
    broader: str | None
    related: tuple[str, ...] = ()

    @property
    def zh_labels(self) -> tuple[str, ...]:
        return (self.zh, *self.alt_zh)

    @property
    def en_labels(self) -> tuple[str, ...]:
        return (self.en, *self.alt_en)


def ontology_path(name: str = "policygraph.ttl") -> Path:
    """Path of a file in ``ontology/``."""
    path = ONTOLOGY_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"ontology file not found: {path}")
    return path


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    """The ontology as an rdflib graph (parsed once)."""
    g = Graph()
    g.parse(ontology_path(), format="turtle")
    return g


@lru_cache(maxsize=1)
def concepts() -> tuple[Concept, ...]:
    """Every concept of the measure-type, topic and beneficiary schemes."""
    from rdflib.namespace import SKOS

    g = ontology_graph()
    out = []
    ns = str(PG._NS)
    for concept, scheme in sorted(g.subject_objects(SKOS.inScheme)):
        labels: dict[str, list[str]] = {"pzh": [], "pen": [], "azh": [], "aen": []}
        for pred, prefix in ((SKOS.prefLabel, "p"), (SKOS.altLabel, "a")):
            for lit in g.objects(concept, pred):
                lang = getattr(lit, "language", None) or "en"
                labels[prefix + ("zh" if lang.startswith("zh") else "en")].append(str(lit))
        broader = g.value(concept, SKOS.broader)
        related = tuple(sorted(str(r).removeprefix(ns) for r in g.objects(concept, SKOS.related)))
        out.append(
            Concept(
                key=str(concept).removeprefix(ns),
                iri=str(concept),
                scheme=str(scheme).removeprefix(ns),
                zh=labels["pzh"][0],
                en=labels["pen"][0],
                alt_zh=tuple(sorted(labels["azh"])),
                alt_en=tuple(sorted(labels["aen"])),
                broader=str(broader).removeprefix(ns) if broader else None,
                related=related,
            )
        )
    return tuple(out)


def scheme(name: str) -> tuple[Concept, ...]:
    """Concepts of one scheme: ``MeasureTypes``, ``Topics`` or ``BeneficiaryTypes``."""
    return tuple(c for c in concepts() if c.scheme == name)


__all__ = [
    "ELI",
    "PG",
    "SCHEMA",
    "Concept",
    "concepts",
    "ontology_graph",
    "ontology_path",
    "scheme",
]
