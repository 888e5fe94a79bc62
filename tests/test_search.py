"""Search: the dev questions through the real service, applicability, English questions, the
model code path, and approximate vectors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import httpx
import numpy as np
import pytest

from conftest import DATA
from policygraph.evaluation import evaluate_queries

DAY = "2026-11-20"


def _get(server, path: str, **params) -> httpx.Response:
    return httpx.get(f"{server.url}{path}", params=params, timeout=30)


def test_dev_questions_through_the_service(server, workspace) -> None:
    def ask(q: str, firm_in: str | None) -> dict:
        params = {"q": q, "k": 10, "as_of": DAY}
        if firm_in:
            params["firm_in"] = firm_in
        r = _get(server, "/search", **params)
        assert r.status_code == 200, r.text
        return r.json()

    result = evaluate_queries(ask, DATA / "queries.dev.jsonl", workspace)
    assert result["recall@5"] == 1.0, [q for q in result["queries"] if q["recall@5"] < 1]
    assert result["violations"] == 0
    assert result["mrr"] >= 0.9


def test_dcmm_for_a_xiamen_firm(server) -> None:
    body = _get(server, "/search", q="which DCMM rewards apply to a Xiamen firm", as_of=DAY).json()
    assert body["query"]["firm_in"] == "厦门市"
    first = body["results"][0]
    assert (first["doc_number"], first["label"]) == ("厦府办规〔2025〕10号", "（六）")
    assert first["applies"] is True
    tiers = {a["tier"]: a["value"] for a in first["amounts"] if a["tier"]}
    assert tiers["四级"] == 400_000 and tiers["五级"] == 500_000
    quanzhou = [
        h
        for h in body["results"]
        if h["doc_number"] == "泉政办规〔2025〕18号" and "DCMM" in h["text"]
    ]
    assert quanzhou and quanzhou[0]["applies"] is False
    assert "泉州市 does not include 厦门市" in quanzhou[0]["why"]
    for key in (
        "id",
        "iri",
        "text",
        "doc_number",
        "doc_title",
        "file",
        "label",
        "path",
        "score",
        "amounts",
        "conditions",
        "validity",
        "applies",
        "why",
        "related",
        "citation",
    ):
        assert key in first


def test_tier_of_the_question_is_matched(server) -> None:
    body = _get(server, "/search", q="厦门企业通过DCMM四级评估能获得多少奖励", as_of=DAY).json()
    first = body["results"][0]
    assert first["matched_tier"] == [
        {"tier": "四级", "kind": "award_cap", "value": 400_000.0, "text": "40万元"}
    ]


def test_english_question_finds_chinese_clause(workspace) -> None:
    body = workspace.search(
        "subsidy for integrated circuit tape-out", k=3, as_of=dt.date(2026, 11, 20)
    )
    assert "MPW" in body["results"][0]["text"]


@pytest.mark.parametrize(
    ("question", "firm_in", "as_of", "doc", "snippet", "applies", "why"),
    [
        (
            "数据资产登记中心",
            "厦门市",
            "2026-11-20",
            "厦数字办〔2024〕3号",
            "设立数据资产登记中心",
            False,
            "expired on 2026-06-12",
        ),
        (
            "数据资产登记中心",
            "厦门市",
            "2025-11-20",
            "厦数字办〔2024〕3号",
            "设立数据资产登记中心",
            True,
            "a 厦门市 document",
        ),
        (
            "集成电路设计企业流片补助",
            "泉州市",
            "2026-01-15",
            "泉政办规〔2025〕18号",
            "MPW",
            False,
            "not yet in force",
        ),
        (
            "DCMM 评估认证 奖励",
            "厦门市",
            "2025-03-01",
            "厦府办规〔2025〕10号",
            "DCMM三级",
            True,
            "retroactively from 2025-01-01",
        ),
        (
            "园区新建数字化平台 补贴",
            "泉州市",
            "2027-01-15",
            "泉政办规〔2025〕18号",
            "园区产业链小脑",
            False,
            "clause expired on 2026-12-31",
        ),
        (
            "数据出境评估 奖励",
            "深圳市",
            "2026-11-20",
            "前海数据产业若干措施起草说明",
            "数据出境评估",
            False,
            "draft",
        ),
        (
            "省数据产业集聚区 资金支持",
            "厦门市",
            "2026-11-20",
            "闽发改规〔2025〕7号",
            "国家数据产业集聚区",
            True,
            "福建省 includes 厦门市",
        ),
    ],
)
def test_applicability(workspace, question, firm_in, as_of, doc, snippet, applies, why) -> None:
    body = workspace.search(question, k=10, firm_in=firm_in, as_of=dt.date.fromisoformat(as_of))
    doc_id = workspace.document(doc).id
    hits = [h for h in body["results"] if h["doc_id"] == doc_id and snippet in h["text"]]
    assert hits, [h["citation"] for h in body["results"]]
    assert hits[0]["applies"] is applies
    assert why in hits[0]["why"]


def test_only_applicable(workspace) -> None:
    body = workspace.search(
        "DCMM 奖励", k=10, firm_in="厦门市", as_of=dt.date(2026, 11, 20), only_applicable=True
    )
    assert body["results"] and all(h["applies"] is True for h in body["results"])


def test_related_clauses_from_the_graph(workspace) -> None:
    body = workspace.search(
        "省级标杆数据企业 奖励", k=5, firm_in="厦门市", as_of=dt.date(2026, 11, 20)
    )
    hit = next(
        h
        for h in body["results"]
        if h["doc_number"] == "厦府办规〔2025〕10号" and h["label"] == "（三）"
    )
    assert any(
        r["relation"] == "defers_to" and r["doc_number"] == "闽发改规〔2025〕7号"
        for r in hit["related"]
    )


def test_results_are_deterministic(workspace) -> None:
    a = workspace.search("数据交易 奖励", k=10)
    b = workspace.search("数据交易 奖励", k=10)
    assert [h["id"] for h in a["results"]] == [h["id"] for h in b["results"]]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"q": ""}, 400),
        ({"q": "x" * 600}, 400),
        ({"q": "DCMM", "k": 0}, 422),
        ({"q": "DCMM", "k": 500}, 400),
        ({"q": "DCMM", "as_of": "2026-13-45"}, 400),
        ({"q": "DCMM", "firm_in": "Atlantis"}, 400),
        ({"q": "DCMM\x00\x07奖励"}, 200),
        ({}, 422),
    ],
)
def test_bad_requests_are_4xx(server, params, status) -> None:
    r = _get(server, "/search", **params)
    assert r.status_code == status, r.text
    if status >= 400:
        assert r.json()["error"]["message"]


def test_query_understanding() -> None:
    from policygraph.gazetteer import Gazetteer
    from policygraph.query import parse

    g = Gazetteer.default()
    i = parse("厦门企业通过DCMM四级评估能获得多少奖励", g)
    assert (
        i.place.name == "厦门市"
        and i.tiers == ("四级",)
        and "DCMM" in i.topics
        and "Award" in i.measure_types
    )
    i = parse("DCMM level 4 reward for a Xiamen firm", g)
    assert i.tiers == ("四级",) and i.place.code == "350200" and i.lang == "en"
    assert "数据管理能力成熟度" in i.lexical_tokens
    i = parse("算力资源租用 补助", g, firm_in="Quanzhou")
    assert i.place.name == "泉州市"  # 资源县 is not found inside 算力资源租用
    i = parse("first prize of the data elements x competition", g)
    assert i.tiers == ("一等奖",) and "DataElementsX" in i.topics


def test_cli_search(index_dir) -> None:
    from typer.testing import CliRunner

    from policygraph.cli import app

    r = CliRunner().invoke(
        app, ["search", "数据资产质押融资贴息", "--index", str(index_dir), "--json", "-k", "3"]
    )
    assert r.exit_code == 0, r.output
    body = json.loads(r.stdout)
    assert body["results"][0]["doc_number"] == "厦府办规〔2025〕10号"
    r = CliRunner().invoke(
        app, ["eval", "queries", str(DATA / "queries.dev.jsonl"), "--index", str(index_dir)]
    )
    assert r.exit_code == 0 and "violations 0" in r.stdout


def _tiny_bert(tmp: Path) -> Path:
    """A BERT-shaped sentence-transformers model made here (random weights, no download)."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from conftest import CORPUS

    chars = sorted(
        {
            ch
            for p in CORPUS.glob("*.txt")
            for ch in p.read_text("utf-8")
            if "\u4e00" <= ch <= "\u9fff"
        }
    )
    vocab = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *list("0123456789abcdefghijklmnopqrstuvwxyz%"),
        *chars,
    ]
    raw = tmp / "bert"
    raw.mkdir()
    (raw / "vocab.txt").write_text("\n".join(vocab), "utf-8")
    BertTokenizerFast(vocab_file=str(raw / "vocab.txt")).save_pretrained(str(raw))
    config = BertConfig(
        vocab_size=len(vocab),
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
    )
    BertModel(config).save_pretrained(str(raw))
    out = tmp / "st-bert"
    SentenceTransformer(modules=[Transformer(str(raw)), Pooling(32, "mean")], device="cpu").save(
        str(out)
    )
    return out


def test_configured_model_by_path(tmp_path, corpus_dir) -> None:
    from policygraph.embed import load_encoder
    from policygraph.pipeline import build
    from policygraph.settings import Settings
    from policygraph.workspace import Workspace

    model = _tiny_bert(tmp_path)
    assert load_encoder(model).dim == 32
    out = tmp_path / "index"
    build(corpus_dir, out, Settings({"model": str(model)}))
    ws = Workspace.load(out)
    assert ws.manifest["model"] == {"name": str(model), "builtin": False, "dim": 32}
    body = ws.search("数据资产质押融资贴息", k=5)
    assert body["results"]  # random weights: the lexical and graph lists still find it
    assert any(
        h["doc_number"] == "厦府办规〔2025〕10号" and h["label"] == "（十六）"
        for h in body["results"]
    )


def test_default_model_is_a_sentence_transformers_directory(index_dir) -> None:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(index_dir / "model"), device="cpu")
    v = model.encode(
        ["数据管理能力成熟度", "DCMM data management capability maturity", "动漫播出补贴"],
        normalize_embeddings=True,
    )
    assert float(v[0] @ v[1]) > float(
        v[0] @ v[2]
    )  # English and Chinese labels of one concept are near


def test_hnsw_recall_against_exact() -> None:
    from policygraph.index import build_faiss

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(50, 64)).astype(np.float32)
    data = centers[rng.integers(0, 50, 20_000)] + 0.6 * rng.normal(size=(20_000, 64)).astype(
        np.float32
    )
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    queries = data[rng.choice(len(data), 200, replace=False)] + 0.05 * rng.normal(
        size=(200, 64)
    ).astype(np.float32)
    exact, kind_exact = build_faiss(data, ann_threshold=10**9)
    approx, kind_approx = build_faiss(data, ann_threshold=1000, hnsw_m=32, ef_search=128)
    assert (kind_exact, kind_approx) == ("flat", "hnsw")
    _, truth = exact.search(queries, 10)
    _, found = approx.search(queries, 10)
    recall = np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found, strict=True)])
    assert recall >= 0.95, recall
