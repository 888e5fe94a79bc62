"""The knowledge graph: ontology and code agree, shapes validate, example queries answer, and
the Oxigraph and rdflib backends give the same answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, SKOS

from policygraph.sparql import OxigraphStore, RdflibStore, check_query, serialize
from policygraph.vocab import PG, ontology_graph, ontology_path

QUERIES = Path(__file__).resolve().parents[1] / "api" / "queries"


def test_code_terms_match_ontology() -> None:
    g = ontology_graph()
    ns = str(PG._NS)
    declared = {
        str(s).removeprefix(ns)
        for t in (
            OWL.Class,
            OWL.ObjectProperty,
            OWL.DatatypeProperty,
            SKOS.Concept,
            SKOS.ConceptScheme,
        )
        for s in g.subjects(RDF.type, t)
        if str(s).startswith(ns)
    }
    in_code = {name for name in PG.__annotations__}
    assert declared == in_code


def test_every_concept_has_chinese_and_english_labels() -> None:
    g = ontology_graph()
    for concept in g.subjects(RDF.type, SKOS.Concept):
        langs = {lit.language for lit in g.objects(concept, SKOS.prefLabel)}
        assert {"zh", "en"} <= langs, concept


def test_graph_validates_against_shapes(index_dir) -> None:
    from pyshacl import validate

    from policygraph.graph import load

    ds = load(index_dir / "graph.nq")
    data = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        data.add((s, p, o))
    shapes = Graph().parse(ontology_path("shapes.ttl"))
    conforms, _, text = validate(
        data, shacl_graph=shapes, ont_graph=ontology_graph(), inference="none"
    )
    assert conforms, text


def test_one_named_graph_per_document(index_dir, workspace) -> None:
    from policygraph.graph import load

    ds = load(index_dir / "graph.nq")
    names = {str(g.identifier) for g in ds.graphs()}
    for doc in workspace.documents:
        assert doc.iri in names


@pytest.fixture(scope="module")
def stores(index_dir):
    return {
        "oxigraph": OxigraphStore(index_dir / "graph.nq"),
        "rdflib": RdflibStore(index_dir / "graph.nq"),
    }


def _rows(store, name: str) -> list[tuple]:
    return store.query((QUERIES / name).read_text("utf-8")).values()


def test_backends_agree_on_example_queries(stores) -> None:
    for path in sorted(QUERIES.glob("*.rq")):
        ox = sorted(map(str, _rows(stores["oxigraph"], path.name)))
        rd = sorted(map(str, _rows(stores["rdflib"], path.name)))
        assert ox == rd, path.name
        assert ox, path.name


def test_dcmm_rewards_for_xiamen(stores) -> None:
    rows = _rows(stores["oxigraph"], "dcmm-rewards-xiamen.rq")
    assert {r[1] for r in rows} == {"厦府办规〔2025〕10号"}  # 泉州's DCMM clause does not apply
    tiers = {r[3]: r[4] for r in rows if r[3]}
    assert tiers["四级"] == "400000"
    assert {r[4] for r in rows} >= {"300000", "400000", "500000"}


def test_in_force_caps_of_a_million(stores) -> None:
    rows = _rows(stores["oxigraph"], "in-force-caps-1m.rq")
    docs = {r[1] for r in rows}
    assert "厦数字办〔2024〕3号" not in docs  # expired, and has no amounts
    assert None not in docs  # the draft has no 文号 and is excluded
    assert {"厦府办规〔2025〕10号", "闽发改规〔2025〕7号", "泉政办规〔2025〕18号"} <= docs
    assert all(float(r[3]) >= 1_000_000 for r in rows)


def test_documents_citing_1836(stores) -> None:
    rows = _rows(stores["oxigraph"], "cites-1836.rq")
    assert [r[1] for r in rows] == ["闽发改规〔2025〕7号"]


def test_measures_deferring_to_provincial(stores) -> None:
    rows = _rows(stores["oxigraph"], "defers-to-provincial.rq")
    assert sorted((r[2], r[4], r[5]) for r in rows) == [
        ("（三）", "闽发改规〔2025〕7号", "（四）"),
        ("（五）", "闽发改规〔2025〕7号", "（二）"),
    ]


@pytest.mark.parametrize(
    "query",
    [
        "DROP ALL",
        "INSERT DATA { <a:b> <a:c> <a:d> }",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/x>",
        "CLEAR DEFAULT",
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "",
        "this is not sparql",
    ],
)
def test_refused_queries(query: str) -> None:
    from policygraph.errors import SparqlError

    with pytest.raises(SparqlError):
        check_query(query)


def test_keywords_inside_strings_are_not_updates() -> None:
    assert check_query('SELECT ?s WHERE { ?s ?p "DROP ALL" }') == "SELECT"


def test_syntax_error_is_reported(stores) -> None:
    from policygraph.errors import SparqlError

    for store in stores.values():
        with pytest.raises(SparqlError, match="syntax"):
            store.query("SELECT ?s WHERE { ?s ?p }")


def test_row_cap(stores) -> None:
    from policygraph.errors import SparqlLimitError

    with pytest.raises(SparqlLimitError):
        stores["oxigraph"].query("SELECT * WHERE { ?s ?p ?o }", max_rows=100)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_result_formats(stores, fmt: str) -> None:
    result = stores["oxigraph"].query((QUERIES / "cites-1836.rq").read_text("utf-8"))
    text = serialize(result, fmt)
    assert "闽发改规〔2025〕7号" in text


def test_construct_formats(stores) -> None:
    result = stores["oxigraph"].query(
        "CONSTRUCT { ?d eli:id_local ?n } WHERE { ?d eli:id_local ?n }"
    )
    for fmt in ("turtle", "nt", "json-ld"):
        assert "厦府办规〔2025〕10号" in serialize(result, fmt)


@pytest.mark.parametrize("fmt", ["ttl", "nq", "jsonld"])
def test_cli_export(index_dir, fmt: str) -> None:
    from typer.testing import CliRunner

    from policygraph.cli import app

    result = CliRunner().invoke(app, ["export", "--index", str(index_dir), "--format", fmt])
    assert result.exit_code == 0
    assert "厦府办规〔2025〕10号" in result.stdout


def test_citation_network(workspace) -> None:
    from policygraph.analysis import citation_network

    g = citation_network(workspace)
    fj = workspace.document("闽发改规〔2025〕7号").id
    xm = workspace.document("厦府办规〔2025〕10号").id
    qz = workspace.document("泉政办规〔2025〕18号").id
    assert g.edges[fj, "发改数据〔2024〕1836号"]["relation"] == "cites"
    assert g.edges[qz, "泉政办〔2022〕7号"]["relation"] == "repeals"
    assert g.edges[xm, fj]["relation"] == "defers_to"


def test_jurisdiction_tree(workspace) -> None:
    from policygraph.analysis import jurisdiction_tree

    t = jurisdiction_tree(workspace)
    assert t.has_edge("000000", "350000") and t.has_edge("350000", "350200")
    assert t.has_edge("440300", "440300-qianhai")


def test_compare_dcmm_across_cities(workspace) -> None:
    from policygraph.analysis import compare_measures

    by_place = compare_measures(workspace, "DCMM")
    assert set(by_place) == {"厦门市", "泉州市"}
    four = {a["value"] for m in by_place["厦门市"] for a in m["amounts"] if a["tier"] == "四级"}
    assert four == {400_000}


def test_applies_by_reference(index_dir) -> None:
    text = (index_dir / "graph.nq").read_text("utf-8")
    assert "appliesByReferenceTo> <https://policygraph.example.org/place/350200>" in text


def test_gazetteer_aliases_and_hierarchy() -> None:
    from policygraph.gazetteer import Gazetteer

    g = Gazetteer.default()
    for name, code in [
        ("厦门", "350200"),
        ("鹭岛", "350200"),
        ("Xiamen", "350200"),
        ("福建", "350000"),
        ("闽", "350000"),
        ("Fujian", "350000"),
        ("前海", "440300-qianhai"),
        ("Qianhai", "440300-qianhai"),
        ("杭州高新区（滨江）", "330100-hhtz"),
        ("福州高新区", "350100-fzgx"),
        ("乌鲁木齐市", "650100"),
        ("Shenzhen", "440300"),
        ("拉萨", "540100"),
    ]:
        place = g.resolve(name)
        assert place is not None and place.code == code, name
    assert g.contains("440000", "440300-qianhai") and g.contains("000000", "350200")
    assert not g.contains("350500", "350200")
    assert g.chain("350200") == "厦门市 ⊂ 福建省 ⊂ 全国"
    # every province and prefecture-level city has a code, a name, an English name and a parent
    prefectures = [p for p in g.places.values() if p.level == "prefecture"]
    assert len(prefectures) > 330 and all(p.english and p.parent for p in prefectures)
    _ = URIRef
