"""Normalisation rules, one row per pattern seen in real extractions."""

from __future__ import annotations

import pytest

from policygraph.normalize import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # number split from its unit across a blank line (厦府办规〔2025〕10号 （一）)
        (
            "每个项目按不超过核定总投资的 30%给予一次性补助，最高不超过 1000\n\n万元。",
            "每个项目按不超过核定总投资的30%给予一次性补助，最高不超过1000万元。",
        ),
        # 文号 split from 号 inside a citation (闽发改规〔2025〕7号)
        (
            "为贯彻落实国家发展改革委等部门《关于促进数据产业高质量发展的指导意见》（发改数据〔2024〕1836\n\n号）政策精神",
            "为贯彻落实国家发展改革委等部门《关于促进数据产业高质量发展的指导意见》（发改数据〔2024〕1836号）政策精神",
        ),
        # page number between two halves of a sentence
        (
            "对入选国家可信数据空间创新发展试点的项目，每个给予不超过 500 万元资\n\n\n\n— 7 —\n\n金支持。",
            "对入选国家可信数据空间创新发展试点的项目，每个给予不超过500万元资金支持。",
        ),
        (
            "第一句话写在这里，还没有写完，还要继续写下去，直到\n- 12 -\n写完为止。",
            "第一句话写在这里，还没有写完，还要继续写下去，直到写完为止。",
        ),
        (
            "正文很长的一行内容在这里继续写下去还没有结束，直到\n第 3 页 共 9 页\n结束。",
            "正文很长的一行内容在这里继续写下去还没有结束，直到结束。",
        ),
        # letterhead inside a paragraph (闽发改规〔2025〕7号)
        (
            "现将《福建省促进数据产业高质量发展行动计划》印发给你们，现将《福建省促\n\n福建省发展和改革委员会\n福 建 省 数 据 管 理 局文件\n 进数据产业高质量发展行动计划（2025—2027 年）》印发给你",
            "现将《福建省促进数据产业高质量发展行动计划》印发给你们，现将《福建省促进数据产业高质量发展行动计划（2025—2027年）》印发给你",
        ),
        # letterhead at the top of a document (泉政办规〔2025〕18号)
        ("泉州市人民政府办公室文件\n\n泉政办规〔2025〕18号", "泉政办规〔2025〕18号"),
        # letter-spaced heading
        ("目 录", "目录"),
        ("附 件", "附件"),
        # spaces in dates and numbers
        ("2025年 8月 4日", "2025年8月4日"),
        (
            "分别给予一次性最高 5 万元、10 万元、20 万元奖励",
            "分别给予一次性最高5万元、10万元、20万元奖励",
        ),
        # full-width digits (厦府办规〔2025〕10号 ２０２５年１月１日)
        ("2025年１月１日至本措施发布之日前", "2025年1月1日至本措施发布之日前"),
        ("ＤＣＭＭ三级", "DCMM三级"),
        # half-width punctuation in Chinese text becomes full-width; ratios keep the colon
        ("(二) 实施工业互联网示范工程。", "（二）实施工业互联网示范工程。"),
        ("由市、县两级财政按 1:1 比例分摊", "由市、县两级财政按1:1比例分摊"),
        (
            "全称为 Capability Maturity Model for Software , 简称 CMM ,",
            "全称为Capability Maturity Model for Software，简称CMM，",
        ),
        ("ISO 27001 标准", "ISO 27001标准"),
        # document numbers with square brackets become 〔〕; 〔〕 are kept
        ("厦府办规[2025]10号", "厦府办规〔2025〕10号"),
        ("厦府办规〔2025〕10号", "厦府办规〔2025〕10号"),
        # a space between two Chinese words is meaningful (joint issuers)
        (
            "《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》",
            "《中共中央 国务院关于构建数据基础制度更好发挥数据要素作用的意见》",
        ),
        # Traditional script is kept as it is
        ("給予最高不超過 50萬元獎勵。", "給予最高不超過50萬元獎勵。"),
        ("數據資產登記", "數據資產登記"),
        # parenthesised Chinese numerals as one character
        ("㈥提升企业数据治理能力", "（六）提升企业数据治理能力"),
        # zero-width characters and BOM inside text
        ("数据\u200b产业\ufeff", "数据产业"),
        # a title split over two lines with an unclosed 《
        (
            "《关于促进前海数据产业高质量发展的\n若干措施》起草说明",
            "《关于促进前海数据产业高质量发展的若干措施》起草说明",
        ),
        # a notice title split after 关于印发
        (
            "厦门市人民政府办公厅关于印发\n\n促进数据产业高质量发展若干措施的通知",
            "厦门市人民政府办公厅关于印发促进数据产业高质量发展若干措施的通知",
        ),
        # a year range on the next line belongs to the heading
        (
            "福建省促进数据产业高质量发展行动计划\n（2025—2027 年）",
            "福建省促进数据产业高质量发展行动计划（2025—2027年）",
        ),
    ],
)
def test_normalize_patterns(raw: str, expected: str) -> None:
    assert normalize(raw).text == expected


@pytest.mark.parametrize(
    ("raw", "paragraphs"),
    [
        # a numbered clause always starts a paragraph
        (
            "一、构建数据基础设施支撑体系\n\n（一）强化数据流通利用基础设施建设。支持企业",
            ["一、构建数据基础设施支撑体系", "（一）强化数据流通利用基础设施建设。支持企业"],
        ),
        # signature and date after a notice are their own paragraphs
        (
            "现印发给你们，请认真组织实施。\n\n厦门市人民政府办公厅\n\n2025年 8月 4日\n\n（此件主动公开）",
            [
                "现印发给你们，请认真组织实施。",
                "厦门市人民政府办公厅",
                "2025年8月4日",
                "（此件主动公开）",
            ],
        ),
        # one paragraph per line when the extraction kept paragraphs on one line (泉政办规〔2025〕18号)
        (
            "（一）本措施自 2026 年 2 月 1 日施行。\n\n（二）除了由市级给予奖补资金的政策外，其他政策奖补资金均由市、县两级财政按 1:1 比例分摊。",
            [
                "（一）本措施自2026年2月1日施行。",
                "（二）除了由市级给予奖补资金的政策外，其他政策奖补资金均由市、县两级财政按1:1比例分摊。",
            ],
        ),
    ],
)
def test_paragraph_breaks(raw: str, paragraphs: list[str]) -> None:
    assert [p for p, _ in normalize(raw).paragraphs()] == paragraphs


def test_offsets_map_back_to_raw_text() -> None:
    raw = "（六）提升企业数据治理能力。最高不超过 30\n\n万元，\n— 7 —\n奖励。"
    n = normalize(raw)
    assert len(n.offsets) == len(n.text) + 1
    for i, ch in enumerate(n.text):
        if ch != "\n":
            assert raw[n.offsets[i]] == ch or ch in "（），：；"
    start = n.text.index("30万元")
    raw_start, raw_end = n.raw_span((start, start + 4))
    assert raw[raw_start:raw_end].replace("\n", "") == "30万元"


def test_corpus_texts_lose_no_content(corpus_dir) -> None:
    """Every Chinese character of the corpus survives except page numbers and letterheads."""
    from policygraph.normalize import is_cjk

    for path in corpus_dir.glob("*.txt"):
        raw = path.read_text("utf-8")
        text = normalize(raw).text
        raw_cjk = sum(1 for ch in raw if is_cjk(ch))
        text_cjk = sum(1 for ch in text if is_cjk(ch))
        assert raw_cjk - text_cjk < 40, path.name  # only a letterhead (≤ 2 lines) may go
