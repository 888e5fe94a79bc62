"""Document metadata: the gold file exactly, and one row per closing-provision form."""

from __future__ import annotations

import datetime as dt

import pytest

from policygraph.evaluation import evaluate_documents
from policygraph.metadata import add_years, extract_metadata
from policygraph.normalize import normalize


def test_gold_metadata_reproduced_exactly(corpus_dir, gold_documents, tmp_path) -> None:
    import json

    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps(gold_documents, ensure_ascii=False), "utf-8")
    result = evaluate_documents(gold, corpus_dir)
    assert result["mismatches"] == []
    assert result["n_fields"] == 55


HEADER = "沪府办规〔2026〕3号\n上海市人民政府办公厅关于印发上海市促进数据产业发展若干措施的通知\n各区人民政府：\n《上海市促进数据产业发展若干措施》已经市政府同意，现印发给你们。\n上海市人民政府办公厅\n2026年1月15日\n（此件公开发布）\n上海市促进数据产业发展若干措施\n一、总则\n（一）对企业给予支持。\n"


@pytest.mark.parametrize(
    ("closing", "effective_from", "expires", "retroactive_from"),
    [
        (
            "（二）本措施自发布之日起施行，有效期至2027年12月31日。",
            "2026-01-15",
            "2027-12-31",
            None,
        ),
        ("（二）本措施自印发之日起实施，有效期2年。", "2026-01-15", "2028-01-14", None),
        ("（二）本措施自发布之日起施行，有效期为三年。", "2026-01-15", "2029-01-14", None),
        (
            "（二）本措施自2026年2月1日起施行，有效期至2029年12月31日止。",
            "2026-02-01",
            "2029-12-31",
            None,
        ),
        ("（二）本措施自 2026 年 2 月 1 日施行。", "2026-02-01", None, None),
        (
            "（二）本措施自发布之日起施行，2025年1月1日至本措施发布之日前符合奖补条件的，参照执行。",
            "2026-01-15",
            None,
            "2025-01-01",
        ),
        ("（二）本措施有效期至2026-12-31。", "2026-01-15", "2026-12-31", None),
        # a clause's own validity is not the document's
        ("（二）对园区给予补贴。（本条措施有效期至2026年12月31日）", "2026-01-15", None, None),
    ],
)
def test_validity_forms(
    closing: str, effective_from: str, expires: str | None, retroactive_from: str | None
) -> None:
    meta = extract_metadata(normalize(HEADER + closing))
    assert meta.doc_number == "沪府办规〔2026〕3号"
    assert meta.title == "上海市促进数据产业发展若干措施"
    assert meta.issuers == ("上海市人民政府办公厅",)
    assert meta.jurisdiction == "上海市"
    assert meta.issued == dt.date(2026, 1, 15)
    assert meta.publication == "公开发布"
    assert str(meta.effective_from) == effective_from
    assert (str(meta.expires) if meta.expires else None) == expires
    assert (str(meta.retroactive_from) if meta.retroactive_from else None) == retroactive_from


@pytest.mark.parametrize(
    ("date_line", "expected"),
    [
        ("2025年 8月 4日", "2025-08-04"),
        ("二〇二五年八月四日", "2025-08-04"),
        ("2025年12月31日", "2025-12-31"),
    ],
)
def test_issue_date_forms(date_line: str, expected: str) -> None:
    meta = extract_metadata(normalize(HEADER.replace("2026年1月15日", date_line)))
    assert str(meta.issued) == expected


def test_status_on_dates() -> None:
    meta = extract_metadata(
        normalize(HEADER + "（二）本措施自2026年2月1日起施行，有效期至2027年12月31日。")
    )
    assert meta.status_on(dt.date(2026, 1, 20)) == "not_yet_in_force"
    assert meta.status_on(dt.date(2026, 2, 1)) == "in_force"
    assert meta.status_on(dt.date(2027, 12, 31)) == "in_force"
    assert meta.status_on(dt.date(2028, 1, 1)) == "expired"


@pytest.mark.parametrize(
    "title",
    ["关于促进数据产业发展的若干措施（征求意见稿）", "《关于促进数据产业发展的若干措施》起草说明"],
)
def test_drafts_have_no_dates_in_force(title: str) -> None:
    meta = extract_metadata(
        normalize(f"{title}\n一、总则\n（一）本措施自发布之日起施行，有效期3年。")
    )
    assert meta.is_draft
    assert meta.status_on(dt.date(2030, 1, 1)) == "draft"
    assert meta.effective_from is None and meta.expires is None


def test_repeals_and_cites() -> None:
    text = HEADER + (
        "（二）根据《中华人民共和国数据安全法》和《上海市数据条例》，按照《关于促进数据产业高质量发展的指导意见》（发改数据〔2024〕1836号）要求制定。\n"
        "（三）沪府办〔2022〕7号文件同时废止。"
    )
    meta = extract_metadata(normalize(text))
    assert set(meta.cites) == {
        "《中华人民共和国数据安全法》",
        "《上海市数据条例》",
        "发改数据〔2024〕1836号",
    }
    assert meta.repeals == ("沪府办〔2022〕7号",)


def test_traditional_script_header() -> None:
    text = "廈府辦規〔2025〕10號\n廈門市人民政府辦公廳\n2025年8月4日\n一、總則\n（一）給予最高不超過50萬元獎勵。"
    meta = extract_metadata(normalize(text))
    assert meta.issued == dt.date(2025, 8, 4)


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [
        ("2024-06-13", 2, "2026-06-12"),
        ("2024-02-29", 1, "2025-02-27"),
        ("2026-01-01", 3, "2028-12-31"),
    ],
)
def test_add_years(start: str, years: int, end: str) -> None:
    assert str(add_years(dt.date.fromisoformat(start), years)) == end
