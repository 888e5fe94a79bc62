"""Adding a document to a built index: atomic, without a rebuild, and with the same answers as a
full rebuild with the same embedding model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS
from policygraph.errors import BuildError
from policygraph.pipeline import add_documents, build
from policygraph.settings import Settings
from policygraph.sparql import open_store
from policygraph.workspace import Workspace

QUERIES = Path(__file__).resolve().parents[1] / "api" / "queries"
QUESTIONS = [
    ("which DCMM rewards apply to a Xiamen firm", None),
    ("数据资产质押融资贴息", None),
    ("算力资源租用 补助", "泉州市"),
    ("省数据产业集聚区 资金支持", "厦门市"),
    ("高质量数据集建设补助", None),
]
LAST = "xiamen-2025-data-industry-measures.txt"


@pytest.fixture(scope="module")
def indexes(tmp_path_factory, index_dir):
    root = tmp_path_factory.mktemp("incremental")
    model = root / "model"
    shutil.copytree(index_dir / "model", model)  # one model for both, as the contract requires
    settings = Settings({"model": str(model)})
    four, five = root / "four", root / "five"
    four.mkdir()
    five.mkdir()
    for p in CORPUS.glob("*.txt"):
        shutil.copy(p, five / p.name)
        if p.name != LAST:
            shutil.copy(p, four / p.name)
    build(four, root / "incremental", settings)
    report = add_documents(root / "incremental", [five / LAST], settings)
    build(five, root / "full", settings)
    return root / "incremental", root / "full", report


def test_added_index_answers_like_a_full_rebuild(indexes) -> None:
    inc, full, report = indexes
    assert report.n_documents == 5 and report.skipped == ()
    a, b = Workspace.load(inc), Workspace.load(full)
    assert {c.id for c in a.clauses} == {c.id for c in b.clauses}
    assert a.links == b.links  # the new city measures defer to the provincial plan as before
    for q, firm in QUESTIONS:
        ra = a.search(q, k=10, firm_in=firm)["results"]
        rb = b.search(q, k=10, firm_in=firm)["results"]
        assert [(h["id"], h["score"], h["applies"]) for h in ra] == [
            (h["id"], h["score"], h["applies"]) for h in rb
        ], q


def test_added_index_graph_matches(indexes) -> None:
    inc, full, _ = indexes
    a, b = open_store(inc), open_store(full)
    for path in sorted(QUERIES.glob("*.rq")):
        text = path.read_text("utf-8")
        assert sorted(map(str, a.query(text).values())) == sorted(
            map(str, b.query(text).values())
        ), path.name
    assert len(a) == len(b)


def test_add_is_atomic_and_checked(indexes, tmp_path) -> None:
    inc, _, _ = indexes
    manifest = json.loads((inc / "manifest.json").read_text("utf-8"))
    assert manifest["segments"] == ["add-0001"] and manifest["n_documents"] == 5
    Workspace.load(inc)  # checksums of every new file verify
    with pytest.raises(BuildError, match="duplicate"):
        add_documents(inc, [CORPUS / LAST], Settings({"model": manifest["model"]["name"]}))
    assert (
        json.loads((inc / "manifest.json").read_text("utf-8")) == manifest
    )  # unchanged after a refusal


def test_on_disk_graph_store_is_built_and_extended(tmp_path) -> None:
    """Past oxigraph_disk_quads the graph is served from disk; adding checkpoints and extends it."""
    corpus = tmp_path / "c"
    corpus.mkdir()
    for p in CORPUS.glob("*.txt"):
        if p.name != LAST:
            shutil.copy(p, corpus / p.name)
    settings = Settings({"oxigraph_disk_quads": 1000})
    out = tmp_path / "index"
    build(corpus, out, settings)
    assert (out / "oxigraph").is_dir()
    before = open_store(out)
    n_before = len(before)
    del before
    add_documents(out, [CORPUS / LAST], settings)
    after = open_store(out)
    assert len(after) > n_before
    rows = after.query((QUERIES / "defers-to-provincial.rq").read_text("utf-8")).values()
    assert {(r[2], r[5]) for r in rows} == {("（三）", "（四）"), ("（五）", "（二）")}


def test_documents_load_lazily_and_agree_with_the_full_tables(index_dir) -> None:
    ws = Workspace.load(index_dir)
    doc = ws.documents[0]
    # metadata at once; clauses, text and facts are parsed on first use
    assert "clauses" not in vars(doc) and "normalized" not in vars(doc)
    assert doc.n_clauses == len(doc.clauses) > 0
    clause = doc.clauses[3]
    assert "facts" not in vars(ws)
    assert ws.facts_of(clause.id) == doc.facts[clause.id]
    assert doc.normalized.text[clause.span[0] : clause.span[1]].strip()
    # the full tables, built on first use, hold the same objects' values
    assert ws.facts[clause.id] == ws.facts_of(clause.id)
    assert ws.clauses_by_id[clause.id] == clause
    assert sum(len(d.clauses) for d in ws.documents) == len(ws.clauses) == ws.manifest["n_clauses"]
    # a document sent to another process arrives as a plain, complete Document
    import pickle

    copy = pickle.loads(pickle.dumps(doc))
    assert type(copy).__name__ == "Document" and copy.clauses == doc.clauses
