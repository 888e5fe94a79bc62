"""China's administrative divisions and their hierarchy, with Chinese and English names.

Provenance: province, prefecture and county divisions with their GB/T 2260 codes come from the
``adcodes.csv`` shipped in the ``cpca`` package (MIT, github.com/DQinYuan/chinese_province_city_area_mapper),
read as a data file without importing the package. English names of cities and counties are the
pinyin of their base name (pypinyin); provinces use the conventional English names in
``data/provinces.csv`` together with their one-character abbreviations (闽, 粤, ...). Development
zones and new areas are not GB/T 2260 divisions: ``data/zones.csv`` places them under the county or
city that contains them. ``data/nicknames.csv`` adds common city nicknames (鹭岛 for 厦门).

Guarantees: every division has a code, a Chinese name, an English name and a parent (the root is
全国, code ``000000``); ``contains(a, b)`` is true when ``a`` is ``b`` or one of its ancestors.
"""

from __future__ import annotations

import csv
import importlib.metadata
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

ROOT_CODE = "000000"
_SKIP_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
_SUFFIXES = (
    "特别行政区",
    "维吾尔自治区",
    "壮族自治区",
    "回族自治区",
    "自治区",
    "自治州",
    "自治县",
    "地区",
    "新区",
    "省",
    "市",
    "区",
    "县",
    "盟",
    "旗",
)
_LEVELS = {0: "country", 1: "province", 2: "prefecture", 3: "county", 4: "zone"}


@dataclass(frozen=True)
class Place:
    """One jurisdiction."""

    code: str
    name: str
    english: str
    parent: str | None
    level: str
    aliases: tuple[str, ...] = field(default_factory=tuple)


def _base_name(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _pinyin(name: str) -> str:
    from pypinyin import lazy_pinyin

    return "".join(lazy_pinyin(name)).capitalize()


def _adcodes_rows() -> list[tuple[str, str]]:
    path = importlib.metadata.distribution("cpca").locate_file("cpca/resources/adcodes.csv")
    with open(str(path), encoding="utf-8") as fh:
        return [(r["adcode"][:6], r["name"]) for r in csv.DictReader(fh)]


def _data_rows(name: str) -> list[dict[str, str]]:
    text = resources.files("policygraph").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


class Gazetteer:
    """Lookup of places by code, name, alias or English name, and their containment."""

    def __init__(self, places: Iterable[Place]) -> None:
        self.places: dict[str, Place] = {p.code: p for p in places}
        self._by_name: dict[str, list[str]] = {}
        for p in self.places.values():
            for n in {p.name, *p.aliases, p.english.lower()}:
                if n:
                    self._by_name.setdefault(n.lower(), []).append(p.code)
        # Longer names first so that 厦门市 wins over 厦门 and 前海深港合作区 over 前海.
        cjk = sorted((n for n in self._by_name if not n.isascii()), key=len, reverse=True)
        self._cjk_re = re.compile("|".join(map(re.escape, cjk)))
        latin = sorted(
            (n for n in self._by_name if n.isascii() and len(n) > 2), key=len, reverse=True
        )
        self._latin_re = re.compile(r"\b(" + "|".join(map(re.escape, latin)) + r")\b", re.I)

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> Gazetteer:
        """The gazetteer built from the shipped data (cached)."""
        return cls(_build_places())

    def get(self, code: str) -> Place:
        """The place with this code (KeyError if unknown)."""
        return self.places[code]

    def ancestors(self, code: str) -> list[Place]:
        """The place and its ancestors, nearest first, ending at 全国."""
        out: list[Place] = []
        current: str | None = code
        while current is not None and current in self.places:
            place = self.places[current]
            out.append(place)
            current = place.parent
        return out

    def contains(self, outer: str, inner: str) -> bool:
        """Whether ``outer`` is ``inner`` or one of its ancestors."""
        return any(p.code == outer for p in self.ancestors(inner))

    def chain(self, code: str) -> str:
        """``厦门市 ⊂ 福建省 ⊂ 全国`` for a code."""
        return " ⊂ ".join(p.name for p in self.ancestors(code))

    def lookup(self, name: str) -> list[Place]:
        """Every place whose name, alias or English name is exactly ``name``."""
        return [self.places[c] for c in self._by_name.get(name.strip().lower(), [])]

    def resolve(self, name: str, within: str | None = None) -> Place | None:
        """The best place for a name: exact match, preferring higher levels and ``within``."""
        candidates = self.lookup(name)
        if not candidates:
            found = self.find(name)
            candidates = [found[0]] if found else []
        if within:
            inside = [p for p in candidates if self.contains(within, p.code)]
            candidates = inside or candidates
        if not candidates:
            return None
        order = ["country", "province", "prefecture", "county", "zone"]
        return sorted(candidates, key=lambda p: (order.index(p.level), p.code))[0]

    def prefix(self, text: str) -> Place | None:
        """The place whose name starts ``text`` (e.g. 厦门市 for 厦门市人民政府办公厅)."""
        m = self._cjk_re.match(text)
        if not m:
            return None
        return self.resolve(m.group(0))

    def find(self, text: str) -> list[Place]:
        """Places mentioned in free text, Chinese or English, in order of appearance."""
        hits: list[tuple[int, Place]] = []
        for m in self._cjk_re.finditer(text):
            place = self._pick(m.group(0))
            if place:
                hits.append((m.start(), place))
        for m in self._latin_re.finditer(text):
            place = self._pick(m.group(0))
            if place:
                hits.append((m.start(), place))
        seen: set[str] = set()
        out = []
        for _, p in sorted(hits, key=lambda h: h[0]):
            if p.code not in seen:
                seen.add(p.code)
                out.append(p)
        return out

    def _pick(self, name: str) -> Place | None:
        codes = self._by_name.get(name.lower(), [])
        if len(name) < 2 or not codes:
            return None
        order = ["country", "province", "prefecture", "county", "zone"]
        return sorted(
            (self.places[c] for c in codes), key=lambda p: (order.index(p.level), p.code)
        )[0]


def _build_places() -> list[Place]:
    rows = _adcodes_rows()
    names = {code: name for code, name in rows if name not in _SKIP_NAMES}
    provinces = {r["code"]: r for r in _data_rows("provinces.csv")}
    nick: dict[str, list[str]] = {}
    for r in _data_rows("nicknames.csv"):
        nick.setdefault(r["code"], []).append(r["alias"])

    places = [Place(ROOT_CODE, "全国", "China", None, "country", ("中国", "国家", "全国范围"))]
    # A short name (厦门 for 厦门市) is an alias only when no other division shares it.
    base_count: dict[str, int] = {}
    for name in names.values():
        base_count[_base_name(name)] = base_count.get(_base_name(name), 0) + 1
    for code, name in sorted(names.items()):
        if code.endswith("0000"):
            level, parent = "province", ROOT_CODE
        elif code.endswith("00"):
            level, parent = "prefecture", code[:2] + "0000"
        else:
            level = "county"
            parent = code[:4] + "00" if code[:4] + "00" in names else code[:2] + "0000"
        base = _base_name(name)
        aliases = list(nick.get(code, []))
        # 2-character county names are ordinary words far too often (资源县 in 算力资源租用):
        # counties are found by their full name only.
        if base != name and level != "county" and base_count[base] == 1:
            aliases.append(base)
        if level == "province":
            info = provinces.get(code, {})
            english = info.get("english") or _pinyin(base)
            aliases += [a for a in (info.get("aliases") or "").split("|") if a]
        else:
            english = _pinyin(base)
            if level == "county":
                english += (
                    " County" if name.endswith("县") else " District" if name.endswith("区") else ""
                )
        places.append(Place(code, name, english, parent, level, tuple(dict.fromkeys(aliases))))
    for r in _data_rows("zones.csv"):
        zone_aliases = tuple(a for a in r["aliases"].split("|") if a)
        places.append(Place(r["code"], r["name"], r["english"], r["parent"], "zone", zone_aliases))
    return places


__all__ = ["ROOT_CODE", "Gazetteer", "Place"]
