"""Clause -> measures, amounts, beneficiaries, topics, conditions, rules and references.

Amount kinds (what ../shared/eval scores):
- ``award_cap``: yuan a beneficiary can receive (最高不超过30万元, 给予30万元一次性奖励, 年贴息额度最高
  200万元, tiers 30万元、40万元、50万元 are three caps);
- ``ratio``: a share of a cost or a rate (按…的30%, 百分之三十, 融资利率固定为1.5%/年);
- ``threshold``: an amount that is a condition (年度数据交易额达100万元以上, 年度服务费超过5万元的,
  营业收入首次突破1000万元（含）、5000万元（含）);
- ``per_unit``: yuan per unit (每分钟2500元, 每笔10元);
- ``count_limit``: a number of winners (每年评选不超过5个).
Only sentences that grant something (给予, 奖励, 补助, 补贴, 贴息, 支持, ...) yield amounts, so targets
and statistics (产业规模达2000亿元, 营收约为2065亿元, 增长率超过20%) never become awards. Tiers pair the
items of a ``分别`` list with its amounts (DCMM三级、四级、五级 -> 30万元、40万元、50万元).
"""

from __future__ import annotations

import re
from functools import lru_cache

from .metadata import DOC_NUMBER, first_date
from .models import Amount, Clause, ClauseFacts
from .normalize import fold
from .numbers import MONEY, PERCENT, money_value, percent_value
from .vocab import Concept, scheme

GRANT_WORDS = re.compile(r"给予|奖励|补助|补贴|贴息|资助|支持|奖补|扶持|补差|兑现|经费|资金")
_SENTENCE = re.compile(r"[^。；;]+[。；;]?")
_THRESHOLD_BEFORE = re.compile(
    r"(?:(?<!不)超过|达到|达|突破|高于|不低于|满|累计达到|累计达|在|以上)\s*$"
)
_THRESHOLD_SUBJECT = re.compile(
    r"(?:注册资本|营业收入|营收|交易额|服务费|投资额|总投资|销售额|产值|年收入|收入|规模|合同金额累计)[^，,；。给予奖补贴]{0,12}$"
)
_THRESHOLD_AFTER = re.compile(r"^\s*(?:（含）|\(含\))?\s*(?:及以上|以上)")
_PER_UNIT = re.compile(
    r"每\s*(?P<unit>分钟|秒|小时|笔|次|件|部|集|个|家|人|台|套|平方米|亩|张|篇|份|吨|千瓦时|度|GB|TB)"
    r"(?P<gap>[^，,；。、]{0,12}?)$"
)
_CAP_HINT = re.compile(r"最高|不超过|上限|封顶")
_PER_YEAR = re.compile(r"年度|每年|年最高|/年|年贴息|年补助|每家企业年|年度奖励")
_LIST_SEP = re.compile(r"^\s*(?:（含）|\(含\))?\s*[、和及或]\s*$")
_COUNT_LIMIT = re.compile(
    r"(?:评选|遴选|支持|认定|择优)[^，。；]{0,6}?不超过\s*(?P<n>\d+|[一二三四五六七八九十]+)\s*(?P<unit>个|家|项|名|部)"
)
_RATIO_EXCLUDE = re.compile(
    r"(?:增长率|增速|增幅|占比|比重|覆盖率|不低于|达到|超过|提高)[^，；。]{0,4}$"
)
_STACKING = re.compile(
    r"就高不重复|从优、就高、不重复|从高不重复|从优|就高|不重复享受|不重复支持|不予重复|不重复"
)
_COST_SHARING = re.compile(
    r"(?P<who>[市省县区、]{1,6})(?:两级)?(?:财政)?(?:按\s*)?(?P<ratio>\d+\s*[:：]\s*\d+)\s*(?:比例)?(?:分摊|分担|承担|共担)|(?P<who2>[市省县区、]{2,6})(?:按照财政体制)?(?:共担|分担)"
)
_DIFFERENCE = re.compile(r"差额奖励|补差奖励|给予差额|差额补助|给予一次性补差|的差额")
_RESPONSIBLE = re.compile(r"责任单位[：:]\s*(?P<units>[^）)。]+)")
_CLAUSE_VALID = re.compile(
    r"本条(?:措施|规定|政策)?有效期(?:至|到)\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}-\d{1,2}-\d{1,2})"
)
_CLAUSE_REF = re.compile(
    r"本(?:措施|办法|方案|规定|细则|政策)?第(?P<refs>(?:第?[（(]?[一二三四五六七八九十百\d]+[）)]?(?:条|点|项|款)?[、和及至]?)+)"
)
_ONE_REF = re.compile(r"[（(]?[一二三四五六七八九十百\d]+[）)]?(?:条|点|项|款)?")
_DEFER = re.compile(
    r"与(?P<level>国家|省级|省|市级|上级)[^，。；]{0,8}?(?:标准|规定|政策|要求)?不一致的?[，,]?\s*(?:按|以)(?P=level)[^，。；]{0,6}?(?:要求|标准|规定|政策)?执行"
)
_APPLY_BY_REF = re.compile(r"(?P<place>[\u4e00-\u9fff]{2,10}?(?:市|省|区|县))(?:可)?参照执行")
_TITLE_REF = re.compile(r"《[^《》]{2,80}》")
_CONDITION = re.compile(r"(?:对|凡|企业)?[^，。；]{2,40}?的(?=[，,])")


def _concept_patterns(name: str) -> list[tuple[Concept, re.Pattern[str]]]:
    out = []
    for c in scheme(name):
        labels = sorted(
            {*c.zh_labels, *(lbl for lbl in c.en_labels if lbl.isupper() and len(lbl) > 1)},
            key=len,
            reverse=True,
        )
        out.append((c, re.compile("|".join(re.escape(lbl) for lbl in labels))))
    return out


@lru_cache(maxsize=1)
def _patterns() -> dict[str, list[tuple[Concept, re.Pattern[str]]]]:
    return {
        name: _concept_patterns(name) for name in ("MeasureTypes", "Topics", "BeneficiaryTypes")
    }


def _find_concepts(name: str, text: str, specific: bool = False) -> tuple[str, ...]:
    found: list[tuple[int, int, str]] = []
    for concept, pattern in _patterns()[name]:
        for m in pattern.finditer(text):
            found.append((m.start(), m.end(), concept.key))
    if specific:
        # 集成电路设计企业 is one beneficiary, not also 企业
        found = [
            f
            for f in found
            if not any(
                o[0] <= f[0] and f[1] <= o[1] and (o[1] - o[0]) > (f[1] - f[0]) for o in found
            )
        ]
    return tuple(dict.fromkeys(k for _, _, k in sorted(found)))


def extract_amounts(text: str) -> list[Amount]:
    """Money, ratios, thresholds, per-unit rates and count limits of a clause text.

    Traditional script is matched through its Simplified fold; spans and texts refer to ``text``.
    """
    original, text = text, fold(text)
    return [
        Amount(a.kind, a.value, a.unit, original[a.span[0] : a.span[1]], a.span, a.tier, a.per_year)
        for a in _extract_amounts(text)
    ]


def _extract_amounts(text: str) -> list[Amount]:
    out: list[Amount] = []
    for sm in _SENTENCE.finditer(text):
        sentence, base = sm.group(0), sm.start()
        if not GRANT_WORDS.search(sentence) and "利率" not in sentence:
            continue
        out.extend(_sentence_amounts(sentence, base))
    for m in _COUNT_LIMIT.finditer(text):
        from .numbers import parse_number

        n = parse_number(m.group("n"))
        if n is not None:
            out.append(Amount("count_limit", n, m.group("unit"), m.group(0), (m.start(), m.end())))
    return out


def _sentence_amounts(sentence: str, base: int) -> list[Amount]:
    out: list[Amount] = []
    previous_kind: str | None = None
    previous_end = -1
    for m in MONEY.finditer(sentence):
        value = money_value(m)
        if value is None or value <= 0:
            continue
        before = sentence[: m.start()]
        comma_clause = re.split(r"[，,]", before)[-1]
        after = sentence[m.end() : m.end() + 8]
        span = (base + m.start(), base + m.end())
        per_year = bool(_PER_YEAR.search(comma_clause)) or after.startswith("/年")
        unit_m = _PER_UNIT.search(before)
        if previous_kind and _LIST_SEP.match(sentence[previous_end : m.start()]):
            kind = previous_kind
        elif unit_m and not _CAP_HINT.search(unit_m.group("gap")):
            out.append(Amount("per_unit", value, unit_m.group("unit"), m.group(0), span))
            previous_kind, previous_end = "per_unit", m.end()
            continue
        elif (
            _THRESHOLD_BEFORE.search(before)
            or _THRESHOLD_AFTER.match(after)
            or (_THRESHOLD_SUBJECT.search(comma_clause) and not _CAP_HINT.search(comma_clause))
        ):
            kind = "threshold"
        else:
            kind = "award_cap"
        if kind == "per_unit":
            unit_prev = next((a.unit for a in reversed(out) if a.kind == "per_unit"), "")
            out.append(Amount("per_unit", value, unit_prev, m.group(0), span))
        else:
            out.append(Amount(kind, value, "元", m.group(0), span, per_year=per_year))
        previous_kind, previous_end = kind, m.end()
    for m in PERCENT.finditer(sentence):
        value = percent_value(m)
        before = sentence[: m.start()]
        if value is None or not 0 < value <= 1 or _RATIO_EXCLUDE.search(before):
            continue
        out.append(
            Amount(
                "ratio",
                value,
                "/年" if m.group("per_year") else "",
                m.group(0),
                (base + m.start(), base + m.end()),
            )
        )
    return _assign_tiers(sentence, base, out)


def _assign_tiers(sentence: str, base: int, amounts: list[Amount]) -> list[Amount]:
    """Pair ``A、B、C…分别给予X、Y、Z`` items with the amounts that follow ``分别``."""
    out = list(amounts)
    for fm in re.finditer(r"分别", sentence):
        after = [
            a for a in out if a.span[0] - base > fm.end() and a.kind in {"award_cap", "per_unit"}
        ]
        group: list[Amount] = []
        for a in sorted(after, key=lambda a: a.span):
            if group and not _LIST_SEP.match(sentence[group[-1].span[1] - base : a.span[0] - base]):
                break
            group.append(a)
        if len(group) < 2:
            continue
        items = _list_before(sentence[: fm.start()], len(group))
        if not items:
            continue
        for amount, item in zip(group, items, strict=True):
            out[out.index(amount)] = Amount(
                amount.kind,
                amount.value,
                amount.unit,
                amount.text,
                amount.span,
                item,
                amount.per_year,
            )
    return out


_LEAD = re.compile(r"^.*(?:通过|获得|获评|入选|评为|达到|取得|突破|列入|新取得)")


def _list_before(text: str, n: int) -> list[str] | None:
    """The last enumeration of ``n`` items (separated by 、/和/或) in ``text``, as tier labels."""
    clause = re.split(r"[，,：:；]", text.rstrip("，, "))[-1]
    clause = re.sub(r"（含）|\(含\)", "", clause)
    quoted = re.findall(r"“([^”]{1,20})”", clause)
    if len(quoted) >= n and re.search(rf"(?:“[^”]{{1,20}}”){{{n}}}", clause):
        return quoted[-n:]
    parts = [p for p in re.split(r"、|或|和|及(?!以上)", clause) if p]
    if len(parts) < n:
        return None
    items = parts[-n:]
    first = _LEAD.sub("", items[0]) or items[0]
    if first == items[0] and n > 2:
        width = max(len(p) for p in items[1:-1])
        first = first[-width:] if len(first) > width else first
    last = items[-1].split("的")[0] or items[-1]
    tails = {p[-1] for p in items[1:-1] if p}
    if len(tails) == 1 and (tail := tails.pop()) in last[:-1]:
        last = last[: last.index(tail) + 1]  # 三级、四级、五级评估认证 -> 五级
    items = [first.lstrip("对在"), *items[1:-1], last]
    return [i.strip('“”"（）() ') for i in items]


def extract_clause(clause: Clause, text: str | None = None) -> ClauseFacts:
    """All facts of one clause. ``text`` defaults to the clause's label, heading and body."""
    body = fold(text if text is not None else clause.full_text)
    amounts = tuple(_dedupe(extract_amounts(body)))
    grant_sentences = "".join(s for s in _SENTENCE.findall(body) if GRANT_WORDS.search(s))
    measure_types = _find_concepts("MeasureTypes", grant_sentences) if amounts else ()
    if amounts and not measure_types and "支持" in grant_sentences:
        measure_types = ("Funding",)
    conditions = (
        tuple(dict.fromkeys(c.strip("，, ") for c in _CONDITION.findall(grant_sentences)[:6]))
        if amounts
        else ()
    )
    stacking = tuple(dict.fromkeys(m.group(0) for m in _STACKING.finditer(body)))
    stacking = tuple(s for s in stacking if not any(s != o and s in o for o in stacking))
    cost = _COST_SHARING.search(body)
    responsible: list[str] = []
    for m in _RESPONSIBLE.finditer(body):
        responsible.extend(u.strip() for u in re.split(r"[、，,]", m.group("units")) if u.strip())
    valid = _CLAUSE_VALID.search(body)
    refs = [m.group(0) for m in DOC_NUMBER.finditer(body)] + [
        m.group(0) for m in _TITLE_REF.finditer(body)
    ]
    clause_refs: list[str] = []
    for m in _CLAUSE_REF.finditer(body):
        for r in _ONE_REF.findall(m.group("refs").replace("第", "")):
            label = re.sub(r"(条|点|项|款)$", "", r)
            clause_refs.append(label.replace("(", "（").replace(")", "）"))
    defer = _DEFER.search(body)
    return ClauseFacts(
        clause_id=clause.id,
        amounts=amounts,
        measure_types=measure_types,
        topics=_find_concepts("Topics", body),
        beneficiaries=_find_concepts("BeneficiaryTypes", grant_sentences or body, specific=True)
        if amounts
        else (),
        conditions=conditions,
        stacking_rules=stacking,
        cost_sharing=(cost.group("ratio") or "按财政体制共担").replace("：", ":").replace(" ", "")
        if cost
        else None,
        difference_award=bool(_DIFFERENCE.search(body)),
        responsible_units=tuple(dict.fromkeys(responsible)),
        valid_until=first_date(valid.group("date")) if valid else None,
        doc_refs=tuple(dict.fromkeys(refs)),
        clause_refs=tuple(dict.fromkeys(clause_refs)),
        defers_to=defer.group("level") if defer else None,
        applies_by_reference=tuple(
            dict.fromkeys(m.group("place") for m in _APPLY_BY_REF.finditer(body))
        ),
    )


def _dedupe(amounts: list[Amount]) -> list[Amount]:
    seen: set[tuple[int, int, str]] = set()
    out = []
    for a in sorted(amounts, key=lambda a: a.span):
        key = (a.span[0], a.span[1], a.kind)
        if key not in seen:
            seen.add(key)
            out.append(a)
    return out


__all__ = ["GRANT_WORDS", "extract_amounts", "extract_clause"]
