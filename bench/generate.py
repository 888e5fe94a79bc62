"""Seeded generator of realistic synthetic policy documents, shaped like PDF extractions.

Documents recombine the clause shapes of the real corpus (tiers with 分别, ratios with caps,
thresholds, per-unit rates, clause-level validity, 责任单位, stacking rules, deference to a
provincial standard, citations of other generated documents by 文号, repeals) with varied
jurisdictions (every prefecture-level city of the gazetteer), measures, amounts and dates.
Text is wrapped at about 30 characters with blank lines and page numbers, as PDF extraction
leaves it, so the benchmark exercises normalisation too. Same seed, same corpus.

    python bench/generate.py --docs 10000 --seed 7 --out /tmp/bench-corpus
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

TOPICS = [
    ("数据管理能力成熟度（DCMM）评估认证", "DCMM"),
    ("可信数据空间建设", ""),
    ("高质量数据集建设", ""),
    ("算力资源租用服务", ""),
    ("数据资产登记", ""),
    ("数据交易", ""),
    ("数据出境安全评估", ""),
    ("集成电路设计企业流片", "MPW"),
    ("原创动画作品播出", ""),
    ("工业互联网示范项目", ""),
    ("人工智能优秀应用场景", ""),
    ("公共数据开发利用", ""),
    ("数据标注基地", ""),
    ("首席数据官制度", ""),
    ("5G应用示范项目", ""),
    ("软件产业集聚区", ""),
    ("数据安全产品和服务", ""),
    ("数据产业集聚区", ""),
    ("数字化转型试点", ""),
]
CN = "一二三四五六七八九十"
AGENCY = ["府办规", "政办规", "数据局规", "发改规", "工信规"]
UNITS = ["市数据管理局", "市工信局", "市科技局", "市财政局", "市发改委", "市商务局"]


def cn(n: int) -> str:
    if n <= 10:
        return CN[n - 1]
    if n < 20:
        return "十" + CN[n - 11]
    return CN[n // 10 - 1] + "十" + (CN[n % 10 - 1] if n % 10 else "")


def wan(value: int) -> str:
    return f"{value}万元" if value < 10000 else f"{value // 10000}亿元"


def measure(rng: random.Random, topic: str, doc_refs: list[str]) -> str:
    shape = rng.randrange(8)
    cap = rng.choice([10, 20, 30, 50, 100, 200, 300, 500, 1000])
    ratio = rng.choice([10, 20, 30, 50])
    if shape == 0:
        a, b, c = sorted(rng.sample([5, 10, 20, 30, 40, 50, 80, 100], 3))
        return f"支持企业开展{topic}，对首次通过三级、四级、五级的企业，分别给予一次性最高不超过 {a}万元、{b}万元、{c}万元奖励，对已经享受较低等级奖励的企业再次通过更高级别给予差额奖励。"
    if shape == 1:
        return f"鼓励企业开展{topic}，每年评选不超过{rng.randint(3, 15)}个成效显著的项目，按不超过项目实际投入的{ratio}%给予一次性补助，每个项目最高补助不超过{cap}万元。（责任单位：{rng.choice(UNITS)}）"
    if shape == 2:
        t = rng.choice([5, 50, 100, 300])
        return f"对{topic}年度服务费超过{t}万元的企业，按照实际发生费用的{ratio}%给予补助，单家企业年度补助累计最高不超过{cap}万元。"
    if shape == 3:
        return f"对{topic}按每分钟{rng.choice([1000, 1500, 2500])}元的标准给予一次性补贴，每部作品最高补贴不超过{cap}万元。"
    if shape == 4:
        y = rng.randint(2026, 2028)
        return f"支持{topic}，按设备采购、软件开发等实际投入最高{ratio}%的比例给予补贴，最高不超过{cap}万元。（本条措施有效期至{y}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日，责任单位：{rng.choice(UNITS)}）"
    if shape == 5:
        return f"对入选国家级、省级{topic}的项目，分别给予不超过{cap * 2}万元、{cap}万元资金支持，同一项目按“就高不重复”原则执行。"
    if shape == 6 and doc_refs:
        return f"落实《关于促进数据产业高质量发展的指导意见》（{rng.choice(doc_refs)}）要求，推进{topic}，给予一次性最高{cap}万元奖励，与省级标准不一致的，按省级要求执行。"
    return f"推动{topic}，营业收入首次突破1000万元（含）、5000万元（含），分别给予不超过{cap // 2 or 5}万元、{cap}万元一次性奖励。"


def document(
    rng: random.Random, i: int, city: str, province: str, refs: list[str]
) -> tuple[str, str]:
    year = rng.choice([2023, 2024, 2025, 2026])
    number = f"{city[0]}{rng.choice(AGENCY)}〔{year}〕{i}号"
    issuer = f"{city}人民政府办公室"
    subject = rng.choice(
        [
            "促进数据产业高质量发展若干措施",
            "加快数字经济发展若干措施",
            "推进数据要素市场化配置改革实施方案",
            "支持人工智能产业发展若干措施",
        ]
    )
    title = f"{city}{subject}"
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    parts = [
        number,
        f"{issuer}关于印发{subject}的通知",
        "各区人民政府，市直各委、办、局，各开发区管委会，各有关单位：",
        f"《{title}》已经市政府同意，现印发给你们，请认真组织实施。",
        issuer,
        f"{year}年 {month}月 {day}日",
        "（此件主动公开）",
        title,
        f"为贯彻落实{province}关于推动数据要素市场化配置改革的决策部署，促进{city}数字经济高质量发展，结合本市实际，制定本措施。",
    ]
    n = 0
    for s in range(1, rng.randint(2, 3) + 1):
        parts.append(
            f"{cn(s)}、{rng.choice(['强化数据基础设施支撑', '培育数据市场主体', '推动数据应用创新', '优化产业发展环境'])}"
        )
        for _ in range(rng.randint(2, 3)):
            n += 1
            topic, _ = rng.choice(TOPICS)
            parts.append(f"（{cn(n)}）支持{topic[:8]}。{measure(rng, topic, refs)}")
    closing = rng.randrange(3)
    if closing == 0:
        parts.append(
            f"本措施自发布之日起施行，有效期至{year + rng.randint(1, 3)}年12月31日，{year}年1月1日至本措施发布之日前符合奖补条件的，参照执行。"
        )
    elif closing == 1:
        parts.append(f"本措施自{year}年{month}月{day}日起施行，有效期{rng.randint(2, 5)}年。")
    else:
        parts.append(
            f"本措施自发布之日起施行，有效期3年。{city[0]}政办〔{year - 3}〕{rng.randint(1, 99)}号同时废止。"
        )
    return number, _wrap(rng, "\n".join(parts))


def _wrap(rng: random.Random, text: str) -> str:
    """PDF-extraction shape: ~30-character lines, blank lines between them, page numbers."""
    out = []
    page = 1
    lines = 0
    for para in text.split("\n"):
        for i in range(0, len(para), 30):
            out.append(para[i : i + 30])
            lines += 1
            if lines % 28 == 0:
                page += 1
                out.append(f"— {page} —")
    return "\n\n".join(out) + "\n"


def generate(n_docs: int, out: Path, seed: int = 7) -> int:
    """Write ``n_docs`` files into ``out``; returns the number written."""
    from policygraph.gazetteer import Gazetteer

    rng = random.Random(seed)
    gaz = Gazetteer.default()
    cities = sorted(
        (p for p in gaz.places.values() if p.level == "prefecture"), key=lambda p: p.code
    )
    out.mkdir(parents=True, exist_ok=True)
    refs: list[str] = []
    for i in range(1, n_docs + 1):
        city = rng.choice(cities)
        province = gaz.get(city.parent).name if city.parent else "国家"
        number, text = document(rng, i, city.name, province, refs[-50:])
        refs.append(number)
        (out / f"doc-{i:06d}.txt").write_text(text, "utf-8")
    return n_docs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    print(generate(args.docs, args.out, args.seed), "documents in", args.out)


if __name__ == "__main__":
    main()
