"""Chinese and Arabic numbers, money and ratios: ``五百万元`` -> 5_000_000, ``百分之三十`` -> 0.3.

Traditional forms (萬, 億, 圓) read the same as Simplified ones.
"""

from __future__ import annotations

import re

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
CN_NUM = "零〇一二两兩三四五六七八九十拾百佰千仟"
NUMBER = rf"(?:\d+(?:\.\d+)?|[{CN_NUM}]+)"
MONEY = re.compile(rf"(?P<num>{NUMBER})\s*(?P<big>[万萬亿億])?\s*(?P<cur>元|圆|圓)")
PERCENT = re.compile(
    rf"(?:(?P<num>\d+(?:\.\d+)?)\s*[%％](?P<per_year>\s*/\s*年)?|百分之(?P<cn>[{CN_NUM}]+(?:点[{CN_NUM}]+)?))"
)


def parse_cn_int(text: str) -> int | None:
    """``三百二十`` -> 320, ``十五`` -> 15; ``None`` if not a Chinese number."""
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            current = CN_DIGITS[ch]
        else:
            total += (current or 1) * CN_UNITS[ch]
            current = 0
    return total + current


def parse_number(text: str) -> float | None:
    """An Arabic or Chinese number (``1.5``, ``二十``, ``一〇〇``)."""
    text = text.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    if all(ch in CN_DIGITS for ch in text):
        return float("".join(str(CN_DIGITS[ch]) for ch in text))
    value = parse_cn_int(text)
    return float(value) if value is not None else None


def money_value(m: re.Match[str]) -> float | None:
    """Yuan value of a ``MONEY`` match."""
    num = parse_number(m.group("num"))
    if num is None:
        return None
    return num * BIG_UNITS.get(m.group("big") or "", 1)


def percent_value(m: re.Match[str]) -> float | None:
    """Fraction of a ``PERCENT`` match (``30%`` -> 0.3)."""
    if m.group("num"):
        return round(float(m.group("num")) / 100, 6)
    text = m.group("cn")
    if "点" in text:
        whole, frac = text.split("点", 1)
        w, f = parse_number(whole), parse_number(frac)
        if w is None or f is None:
            return None
        return round(float(f"{int(w)}.{int(f)}") / 100, 6)
    value = parse_number(text)
    return round(value / 100, 6) if value is not None else None


__all__ = ["MONEY", "PERCENT", "money_value", "parse_number", "percent_value"]
