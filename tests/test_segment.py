"""Clause trees: numbering styles, unique paths, headings, and the gold snippets."""

from __future__ import annotations

import pytest

from policygraph.evaluation import match_key
from policygraph.normalize import normalize
from policygraph.segment import cn_to_int, measure_level, parse_marker, segment


@pytest.mark.parametrize(
    ("text", "kind", "label", "number"),
    [
        ("第一编 总则", "part", "第一编", 1),
        ("第二章 支持措施", "chapter", "第二章", 2),
        ("第三节 资金管理", "section", "第三节", 3),
        ("第十二条 本办法自发布之日起施行。", "article", "第十二条", 12),
        ("一、构建数据基础设施支撑体系", "cn", "一、", 1),
        ("十一、其他", "cn", "十一、", 11),
        ("（十六）强化产业金融支持。", "cn_paren", "（十六）", 16),
        ("（二十一）强化数据人才支撑。", "cn_paren", "（二十一）", 21),
        ("1.建设数据资产登记中心。", "arabic", "1.", 1),
        ("5、大力培育行业数据商。", "arabic", "5、", 5),
        ("（3）数据交易。", "arabic_paren", "（3）", 3),
        ("③数据加工。", "circled", "③", 3),
    ],
)
def test_markers(text: str, kind: str, label: str, number: int) -> None:
    assert parse_marker(text) == (kind, label, number)


@pytest.mark.parametrize(
    "text",
    [
        "1.5%/年的融资利率",
        "2025年1月1日起",
        "一是基础设施支撑不足",
        "（2025—2027年）",
        "（本条措施有效期至2027年3月31日）",
        "（此件主动公开）",
    ],
)
def test_not_markers(text: str) -> None:
    assert parse_marker(text) is None


@pytest.mark.parametrize(
    ("cn", "n"),
    [("一", 1), ("十", 10), ("十六", 16), ("二十一", 21), ("一百零二", 102), ("12", 12)],
)
def test_cn_to_int(cn: str, n: int) -> None:
    assert cn_to_int(cn) == n


def _tree(text: str):
    return segment("doc", normalize(text))


def test_heading_separated_from_body() -> None:
    clauses = _tree(
        "三、打造企业数据流通新范式\n（六）提升企业数据治理能力。鼓励企业建立首席数据官制度。"
    )
    six = next(c for c in clauses if c.label == "（六）")
    assert six.heading == "提升企业数据治理能力"
    assert six.text == "鼓励企业建立首席数据官制度。"
    assert six.path == ("三", "（六）")
    assert six.key == ("s3", "p6")


def test_article_numbering_with_nested_items() -> None:
    text = (
        "第一章 总则\n第一条 为了促进数据产业发展，制定本办法。\n第二章 支持措施\n"
        "第二条 对企业给予以下支持：\n（一）首次通过DCMM三级的，给予10万元奖励；\n（二）首次通过DCMM四级的，给予20万元奖励。\n"
        "第三条 本办法自2026年1月1日起施行。"
    )
    paths = [c.path for c in _tree(text)]
    assert ("第一章", "第一条") in paths
    assert ("第二章", "第二条", "（一）") in paths
    assert ("第二章", "第三条") in paths


def test_numbering_restart_under_new_parent_keeps_paths_unique(workspace) -> None:
    doc = workspace.document("厦府办规〔2025〕10号")
    paths = [c.path for c in doc.clauses]
    assert len(paths) == len(set(paths))
    assert ("六", "（一）") in paths and ("一", "（一）") in paths


def test_restart_within_one_parent_gets_suffix() -> None:
    clauses = _tree("一、甲\n（一）第一项内容。\n（二）第二项内容。\n（一）重新编号的内容。")
    paths = [c.path for c in clauses]
    assert ("一", "（一）~2") in paths and len(paths) == len(set(paths))


def test_unnumbered_document_is_paragraphs() -> None:
    clauses = _tree("关于做好数据工作的通知\n各单位要高度重视数据工作。\n请认真贯彻执行。")
    assert [c.kind for c in clauses] == ["unnumbered"] * 3
    assert [c.path for c in clauses] == [("¶1",), ("¶2",), ("¶3",)]


def test_closing_provision_is_not_part_of_last_measure(workspace) -> None:
    doc = workspace.document("闽发改规〔2025〕7号")
    closing = [c for c in doc.clauses if "有效期至2026年12月31日" in c.text]
    assert len(closing) == 1 and closing[0].parent_id is None


def test_annex_numbering_is_its_own_subtree(workspace) -> None:
    doc = workspace.document("泉政办规〔2025〕18号")
    annex = [c for c in doc.clauses if c.path[0] == "附件"]
    assert any(c.path == ("附件", "三") and "DCMM" in c.text for c in annex)


def test_clause_ids_are_stable_and_independent_of_other_documents(tmp_path, corpus_dir) -> None:
    from policygraph.pipeline import build, load_documents

    only = tmp_path / "one"
    only.mkdir()
    (only / "x.txt").write_text(
        (corpus_dir / "xiamen-2025-data-industry-measures.txt").read_text("utf-8"), "utf-8"
    )
    build(only, tmp_path / "a")
    build(corpus_dir, tmp_path / "b")
    ids_a = {c.id for d in load_documents(tmp_path / "a") for c in d.clauses}
    ids_b = {c.id for d in load_documents(tmp_path / "b") for c in d.clauses}
    assert ids_a <= ids_b
    assert "350200/2025/xfbg-10/s3/p6" in ids_a


def _measure_matches(workspace, doc_ref: str, snippet: str):
    doc = workspace.document(doc_ref)
    key = match_key(snippet)
    return [c for c in measure_level(list(doc.clauses)) if key in match_key(c.full_text)]


def test_every_amount_snippet_in_exactly_one_measure_clause(workspace, gold_amounts) -> None:
    for row in gold_amounts:
        hits = _measure_matches(workspace, row["doc"], row["snippet"])
        assert len(hits) == 1, (row["doc"], row["snippet"], [h.path for h in hits])
        assert hits[0].path[-1] == row["clause"][-len(hits[0].path[-1]) :] or row[
            "clause"
        ].endswith(hits[0].path[-1])


def test_every_query_snippet_in_exactly_one_measure_clause(workspace, gold_queries) -> None:
    for q in gold_queries:
        for row in q["relevant"] + q.get("not_applicable", []):
            hits = _measure_matches(workspace, row["doc"], row["snippet"])
            assert len(hits) == 1, (q["id"], row["snippet"], [h.path for h in hits])


def test_spans_cite_the_source(workspace) -> None:
    for doc in workspace.documents:
        raw = doc.normalized.raw
        for c in doc.clauses:
            start, end = c.raw_span
            assert 0 <= start <= end <= len(raw)
            if c.text:
                assert match_key(c.text[:6]) in match_key(raw[start:end])
