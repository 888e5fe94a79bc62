"""Extraction: one row per real pattern of amounts, tiers, rules and references."""

from __future__ import annotations

import datetime as dt

import pytest

from policygraph.evaluation import evaluate_amounts
from policygraph.extract import extract_amounts, extract_clause
from policygraph.models import Clause
from policygraph.normalize import normalize


def _amounts(text: str) -> dict[str, list]:
    found = extract_amounts(normalize(text).text)
    out: dict[str, list] = {}
    for a in found:
        out.setdefault(a.kind, []).append(
            (a.value, a.unit) if a.kind in {"per_unit", "count_limit"} else a.value
        )
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "每个项目按不超过核定总投资的 30%给予一次性补助，最高不超过 1000\n\n万元。",
            {"ratio": [0.3], "award_cap": [10_000_000]},
        ),
        (
            "分别给予一次性最高不超过 100万元、40万元、20万元奖励。",
            {"award_cap": [1_000_000, 400_000, 200_000]},
        ),
        (
            "对年度数据交易额达100万元以上的数据供方企业，按照不超过年度数据交易额的5%给予奖励，同一主体年度奖励金额最高不超过200万元。",
            {"threshold": [1_000_000], "ratio": [0.05], "award_cap": [2_000_000]},
        ),
        (
            "年度专业服务累计达到 100万元的，给予不超过实际服务合同金额 10%的奖励，最高不超过 200万元。",
            {"threshold": [1_000_000], "ratio": [0.1], "award_cap": [2_000_000]},
        ),
        (
            "入库企业进行数据资产质押融资的，融资利率固定为 1.5%/年，融资利率与银行利率的差额由财政贴息，每家企业年贴息额度最高不超过 200万元。",
            {"ratio": [0.015], "award_cap": [2_000_000]},
        ),
        (
            "对使用算力资源租用服务且年度服务费超过 5 万元的企业，按照实际发生费用的 30% 给予使用企业补助，单家企业年度补助累计最高不超过 30 万元。",
            {"threshold": [50_000], "ratio": [0.3], "award_cap": [300_000]},
        ),
        (
            "营业收入首次突破 1000 万元(含)、5000 万元(含)、1 亿元(含)，分别给予不超过 10 万元、30 万元、50 万元一次性奖励。",
            {
                "threshold": [10_000_000, 50_000_000, 100_000_000],
                "award_cap": [100_000, 300_000, 500_000],
            },
        ),
        (
            "对于原创动漫游戏形象对外版权授权年收入 300 万元及以上的动漫游戏企业，市级按实际授权年收入的 15% 给予补助，最高不超过 50 万元。",
            {"threshold": [3_000_000], "ratio": [0.15], "award_cap": [500_000]},
        ),
        (
            "在国家级电视台首次播出的，按每分钟 2500 元的标准，给予一次性补贴。",
            {"per_unit": [(2500, "分钟")]},
        ),
        (
            "深港跨境应用：对深港认可的民生政务场景，按每笔10元补贴跨境数据业务（年最高100万元）。",
            {"per_unit": [(10, "笔")], "award_cap": [1_000_000]},
        ),
        (
            "对通过工业和信息化部评审入围国家级试点的项目，给予 30 万元一次性奖励。",
            {"award_cap": [300_000]},
        ),
        (
            "按 MPW 直接费用的 80% 给予补助；企业参加工程流片项目，对同一流片项目工程流片费用给予 50% 补助。",
            {"ratio": [0.8, 0.5]},
        ),
        # Chinese numerals and Traditional script
        ("给予一次性最高不超过五百万元奖励。", {"award_cap": [5_000_000]}),
        ("給予最高不超過50萬元獎勵。", {"award_cap": [500_000]}),
        ("按不超过项目投资额百分之三十给予补助。", {"ratio": [0.3]}),
        ("最高补助一亿元。", {"award_cap": [100_000_000]}),
        # count limits are not money
        (
            "每年评选不超过 5个数字应用场景优秀案例，给予一次性最高不超过 50万元奖励。",
            {"count_limit": [(5, "个")], "award_cap": [500_000]},
        ),
        # targets and statistics are not awards
        ("到2027年，全省数据产业综合实力显著增强，数据产业规模年均复合增长率超过 20%。", {}),
        ("2024年数据产业营收约为2065亿元。", {}),
        ("力争到2027年产业规模达2000亿元。", {}),
        ("数据交易机构累计上线数据产品超 3000 款。", {}),
    ],
)
def test_amount_patterns(text: str, expected: dict) -> None:
    assert _amounts(text) == expected


def _clause(text: str) -> Clause:
    body = normalize(text).text
    return Clause(
        "d/x",
        "d",
        ("（一）",),
        ("p1",),
        "cn_paren",
        1,
        "（一）",
        "",
        body,
        (0, len(body)),
        (0, len(body)),
        None,
    )


def test_tiers_pair_list_items_with_amounts() -> None:
    f = extract_clause(
        _clause(
            "对首次通过 DCMM三级、四级、五级评估认证的企业，分别给予一次性最高不超过 30万元、40万元、50万元奖励。"
        )
    )
    assert [(a.tier, a.value) for a in f.amounts] == [
        ("DCMM三级", 300_000),
        ("四级", 400_000),
        ("五级", 500_000),
    ]
    f = extract_clause(
        _clause(
            "获得国家级、省级或市级奖项的，分别给予一次性最高不超过 50 万元、10 万元、3 万元奖励。"
        )
    )
    assert [a.tier for a in f.amounts] == ["国家级", "省级", "市级"]
    f = extract_clause(
        _clause(
            "首次入选“独角兽”“未来独角兽”“瞪羚”的创新企业，分别给予一次性最高不超过 100万元、40万元、20万元奖励。"
        )
    )
    assert [a.tier for a in f.amounts] == ["独角兽", "未来独角兽", "瞪羚"]


def test_measure_types_beneficiaries_topics() -> None:
    f = extract_clause(
        _clause(
            "集成电路设计企业采用多项目晶圆（MPW）进行产品研发，按 MPW 直接费用的 80% 给予补助。"
        )
    )
    assert f.measure_types == ("Grant",)
    assert "ICDesignEnterprise" in f.beneficiaries and "Enterprise" not in f.beneficiaries
    assert "IntegratedCircuits" in f.topics
    f = extract_clause(
        _clause("融资利率与银行利率的差额由财政贴息，每家企业年贴息额度最高不超过 200万元。")
    )
    assert "InterestSubsidy" in f.measure_types


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [
        (
            "对已经享受较低等级认证奖励的企业再次通过更高级别给予差额奖励。",
            "difference_award",
            True,
        ),
        (
            "同一企业同时符合本措施中不同融资政策条件的，贷款贴息按“就高不重复”原则执行。",
            "stacking_rules",
            ("就高不重复",),
        ),
        (
            "有关支持措施与其他同类政策有重叠的，按照“从优、就高、不重复”的原则予以支持。",
            "stacking_rules",
            ("从优、就高、不重复",),
        ),
        ("其他政策奖补资金均由市、县两级财政按 1:1 比例分摊。", "cost_sharing", "1:1"),
        (
            "（责任单位：市科技局、泉州半导体高新区管委会）",
            "responsible_units",
            ("市科技局", "泉州半导体高新区管委会"),
        ),
        (
            "(本条措施有效期至 2027 年 3 月 31 日，责任单位：市工信局)",
            "valid_until",
            dt.date(2027, 3, 31),
        ),
        (
            "本措施第（三）点、第（五）点奖励标准与省级标准不一致的，按省级要求执行。",
            "clause_refs",
            ("（三）", "（五）"),
        ),
        (
            "本措施第（三）点、第（五）点奖励标准与省级标准不一致的，按省级要求执行。",
            "defers_to",
            "省级",
        ),
        (
            "有关支持措施与其他同类政策有重叠的，按照原则予以支持。厦门市可参照执行。",
            "applies_by_reference",
            ("厦门市",),
        ),
        (
            "为贯彻落实《关于促进数据产业高质量发展的指导意见》（发改数据〔2024〕1836号）政策精神。",
            "doc_refs",
            ("发改数据〔2024〕1836号", "《关于促进数据产业高质量发展的指导意见》"),
        ),
    ],
)
def test_rules_and_references(text: str, field: str, value: object) -> None:
    assert getattr(extract_clause(_clause(text)), field) == value


def test_gold_amounts_f1(workspace, tmp_path) -> None:
    from conftest import DATA

    result = evaluate_amounts(workspace, DATA / "amounts.dev.jsonl")
    assert result["f1"] >= 0.97, result["errors"]


def test_no_award_from_targets_in_corpus(workspace) -> None:
    """Preambles hold targets (增长率超过20%, 规模达…亿元) and statistics: none becomes an award."""
    for doc in workspace.documents:
        for c in doc.clauses:
            if c.kind == "unnumbered" and c.parent_id is None:
                assert not [a for a in c.amounts if a.kind in {"award_cap", "ratio"}], (
                    doc.meta.doc_number,
                    c.text[:60],
                )


def test_cli_eval_amounts(index_dir) -> None:
    from typer.testing import CliRunner

    from conftest import DATA
    from policygraph.cli import app

    result = CliRunner().invoke(
        app, ["eval", "amounts", str(DATA / "amounts.dev.jsonl"), "--index", str(index_dir)]
    )
    assert result.exit_code == 0
    assert "F1 1.000" in result.stdout or "F1 0.9" in result.stdout
