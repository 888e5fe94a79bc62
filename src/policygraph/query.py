"""Question -> structured intent: the asking firm's place, topics and measure types (through the
ontology's Chinese and English labels), tiers, the date, and expanded texts for retrieval.

English questions reach Chinese clauses because every concept found in them adds its Chinese
labels to both the lexical and the dense query.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .errors import QueryError
from .gazetteer import Gazetteer, Place
from .normalize import fold
from .tokenize import _english, tokens
from .vocab import Concept, concepts

_CN_DIGIT = "一二三四五六七八九十"
_TIER_ZH = re.compile(rf"([{_CN_DIGIT}])级|([{_CN_DIGIT}])等奖|(国家级|省级|市级|区级|县级)")
_TIER_EN = re.compile(
    r"\b(?:level|tier|grade|l)\s*-?\s*(\d)\b|\b(first|second|third)\s+prize\b|\b(national|provincial|municipal|city)[\s-]+level\b",
    re.I,
)
_AMOUNT_WORDS = re.compile(
    r"多少|金额|额度|最高|标准|how much|amount|reward|subsid|grant|fund|award", re.I
)
_ORDINAL = {"first": "一", "second": "二", "third": "三"}
_LEVEL_EN = {"national": "国家级", "provincial": "省级", "municipal": "市级", "city": "市级"}


@dataclass(frozen=True)
class Intent:
    """What a question asks, as the search understands it."""

    question: str
    asks_amount: bool
    lang: str
    place: Place | None
    topics: tuple[str, ...]
    measure_types: tuple[str, ...]
    tiers: tuple[str, ...]
    as_of: dt.date
    lexical_tokens: tuple[str, ...]
    dense_text: str

    def describe(self) -> dict[str, object]:
        return {
            "lang": self.lang,
            "firm_in": self.place.name if self.place else None,
            "topics": list(self.topics),
            "measure_types": list(self.measure_types),
            "tiers": list(self.tiers),
            "as_of": self.as_of.isoformat(),
        }


def clean_question(q: str, max_chars: int) -> str:
    """Strip control characters; refuse empty or over-long questions."""
    if q is None:
        raise QueryError("missing question (q)")
    q = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in q)
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise QueryError("empty question (q)")
    if len(q) > max_chars:
        raise QueryError(f"question too long: {len(q)} characters (max_query_chars {max_chars})")
    return q


def _english_words(text: str) -> str:
    return (
        " " + " ".join(_english(w) for w in re.findall(r"[a-z0-9][a-z0-9\-]*", text.lower())) + " "
    )


def find_concepts(text: str, scheme_name: str | None = None) -> list[Concept]:
    """Concepts whose Chinese or English labels occur in ``text``."""
    folded = fold(text)
    english = _english_words(folded)
    found = []
    for c in concepts():
        if scheme_name and c.scheme != scheme_name:
            continue
        if c.scheme == "BeneficiaryTypes":
            continue
        zh_hit = any(
            label in folded for label in c.zh_labels if len(label) >= 2 and not label.isascii()
        )
        en_hit = any(_english_words(label) in english for label in c.en_labels if len(label) >= 2)
        if zh_hit or en_hit:
            found.append(c)
    return found


def find_tiers(text: str) -> list[str]:
    """Tier words: 四级, level 4 -> 四级; 一等奖, first prize -> 一等奖; 省级, provincial level -> 省级."""
    out = []
    for m in _TIER_ZH.finditer(fold(text)):
        out.append(m.group(0))
    for m in _TIER_EN.finditer(text):
        if m.group(1) and m.group(1) != "0":
            out.append(f"{_CN_DIGIT[int(m.group(1)) - 1]}级")
        elif m.group(2):
            out.append(f"{_ORDINAL[m.group(2).lower()]}等奖")
        elif m.group(3):
            out.append(_LEVEL_EN[m.group(3).lower()])
    return list(dict.fromkeys(out))


def resolve_place(value: str | None, gazetteer: Gazetteer) -> Place | None:
    """The place a ``firm_in`` value names (name, alias, English name or GB/T 2260 code)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    if value in gazetteer.places:
        return gazetteer.places[value]
    place = gazetteer.resolve(value)
    if place is None:
        raise QueryError(
            f"unknown place {value!r} (firm_in): give a Chinese or English name or a GB/T 2260 code"
        )
    return place


def parse(
    question: str,
    gazetteer: Gazetteer,
    firm_in: str | None = None,
    as_of: dt.date | None = None,
    max_chars: int = 500,
) -> Intent:
    """Understand a question.

    Example:
        >>> parse("厦门企业通过DCMM四级评估能获得多少奖励", Gazetteer.default()).tiers
        ('四级',)
    """
    q = clean_question(question, max_chars)
    lang = "zh" if re.search(r"[\u3400-\u9fff]", q) else "en"
    place = resolve_place(firm_in, gazetteer)
    mentioned = gazetteer.find(q)
    if place is None and mentioned:
        place = mentioned[0]
    found = find_concepts(q)
    topics = tuple(c.key for c in found if c.scheme == "Topics")
    types = tuple(c.key for c in found if c.scheme == "MeasureTypes")
    by_key = {c.key: c for c in concepts()}
    related = [
        by_key[r] for c in found for r in c.related if r in by_key and by_key[r] not in found
    ]
    expansion = [label for c in (*found, *related) for label in (c.zh, *c.alt_zh)]
    place_words = {fold(n).lower() for p in mentioned for n in (p.name, *p.aliases, p.english)}
    lexical = [t for t in tokens(q) if t not in place_words]
    for label in expansion:
        lexical.extend(t for t in tokens(label) if t not in lexical)
    dense_text = q if lang == "zh" else " ".join([q, *expansion])
    if lang == "zh" and expansion:
        dense_text = " ".join([q, *dict.fromkeys(c.zh for c in found)])
    asks_amount = bool(types) or bool(_AMOUNT_WORDS.search(q))
    return Intent(
        question=q,
        asks_amount=asks_amount,
        lang=lang,
        place=place,
        topics=topics,
        measure_types=types,
        tiers=tuple(find_tiers(q)),
        as_of=as_of or dt.date.today(),
        lexical_tokens=tuple(lexical),
        dense_text=dense_text,
    )


__all__ = ["Intent", "clean_question", "find_concepts", "find_tiers", "parse", "resolve_place"]
