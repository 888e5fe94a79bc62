"""Document-level facts from a normalised text: 文号, title, issuers, dates, status, references.

Rules are general patterns of Chinese official documents (公文), not facts about any one file:
- the 文号 is a paragraph that is only ``<机关代字>〔年份〕序号号`` near the top;
- a 印发 notice (``X关于印发Y的通知``) is titled by the document it issues, as quoted in 《》 in the
  notice; otherwise the title is the first heading;
- issuers: the notice's author, else the organisation line above it, else ``A联合B起草``, else the
  signature above the date;
- issue date: the first date standing alone in the header (``2025年 8月 4日``);
- validity from the closing provisions of the document itself (``本措施…``, never ``本条…``):
  ``自发布之日起施行``, ``自2026年2月1日施行``, ``有效期至…``, ``有效期2年``, and retroactive
  application ``2025年1月1日至本措施发布之日前…参照执行``;
- a consultation draft (征求意见稿) or drafting note (起草说明) is a draft and has no dates in force;
- cites: 文号 anywhere, and 《titles》 introduced by 贯彻落实/根据/依据/按照; a title followed by its
  own 文号 is cited by the number; repeals: what a ``…废止`` sentence names.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from .gazetteer import Gazetteer
from .models import DocumentMeta, NormalizedText
from .normalize import compact, fold
from .segment import cn_to_int

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}〔(?:19|20)\d{2}〕\d{1,5}号")
_DOC_NUMBER_LINE = re.compile(rf"^({DOC_NUMBER.pattern})$")
_CN_DIGIT = "〇零一二三四五六七八九十两"
DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日"
    rf"|(?P<cy>[〇零一二三四五六七八九]{{4}})年(?P<cm>[{_CN_DIGIT}]{{1,3}})月(?P<cd>[{_CN_DIGIT}]{{1,3}})日"
    r"|(?P<iy>(?:19|20)\d{2})[-./](?P<im>\d{1,2})[-./](?P<id>\d{1,2})(?!\d)"
)
_DATE_LINE = re.compile(rf"^(?:{DATE.pattern})$")
_NOTICE = re.compile(r"^(?P<issuer>.*?)关于(?:印发|转发|发布)(?P<subject>.+?)的(?:通知|通告|公告)$")
_ORG = r"[\u4e00-\u9fff（）]{2,30}?(?:委员会|管理局|办公厅|办公室|人民政府|领导小组办公室|管委会|政府|局|厅|委|办|部|署|院|中心)"
_ORG_FULL = re.compile(rf"^{_ORG}$")
_DRAFTED_BY = re.compile(
    rf"(?:^|[，。；：])({_ORG})(?:联合|会同|与|和)({_ORG})(?:共同|联合)?(?:研究)?起草"
)
_PUBLICATION = re.compile(r"^（此件([^）]{2,20})）$")
_DRAFT = re.compile(r"征求意见稿|起草说明|草案|送审稿|讨论稿|（草稿）")
_CLOSING = re.compile(
    r"本(?!条|款|项|点)(?:[^，。；]{0,10}?)(?:措施|方案|计划|办法|规定|细则|意见|通知|政策|决定|条例)"
)
_EFFECTIVE_ON_ISSUE = re.compile(r"自(?:发布|印发|公布|颁布|发文)之日起(?:施行|实施|执行|生效)")
_EFFECTIVE_ON = re.compile(rf"自\s*(?P<date>{DATE.pattern})\s*起?(?:施行|实施|执行|生效)")
_EXPIRES_ON = re.compile(rf"有效期(?:至|到|截至)\s*(?P<date>{DATE.pattern})")
_VALID_YEARS = re.compile(rf"有效期(?:为)?\s*(?P<n>\d{{1,2}}|[{_CN_DIGIT}]{{1,3}})\s*年")
_RETRO = re.compile(
    rf"(?P<date>{DATE.pattern})\s*(?:起)?至本[^，。；]{{0,12}}?(?:发布|印发|施行|实施|出台)之日(?:前|止|以前)?[^。]{{0,40}}?(?:参照执行|参照适用|适用本|追溯)"
)
_BASIS = re.compile(r"(?:贯彻落实|贯彻|根据|依据|按照|依照|遵照)")
_TITLE_QUOTE = re.compile(r"《([^《》]{2,80})》")
_CENTRAL = re.compile(r"^(?:中共中央|中央|国务院|国家|全国)|部$")


def parse_date(m: re.Match[str]) -> dt.date | None:
    """A date from a ``DATE`` match (Arabic, Chinese numerals or ISO)."""
    try:
        if m.group("y"):
            return dt.date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
        if m.group("cy"):
            year = int(
                "".join(
                    str("〇一二三四五六七八九".index(c) if c != "零" else 0) for c in m.group("cy")
                )
            )
            return dt.date(year, cn_to_int(m.group("cm")), cn_to_int(m.group("cd")))
        return dt.date(int(m.group("iy")), int(m.group("im")), int(m.group("id")))
    except ValueError:
        return None


def first_date(text: str) -> dt.date | None:
    """The first valid date in a text."""
    for m in DATE.finditer(text):
        d = parse_date(m)
        if d:
            return d
    return None


def add_years(day: dt.date, years: int) -> dt.date:
    """``years`` of validity from ``day``: the day before the anniversary (2024-06-13 +2 -> 2026-06-12)."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return dt.date(year, day.month, min(day.day, last)) - dt.timedelta(days=1)


def _split_orgs(text: str) -> list[str]:
    parts = [p for p in re.split(r"[\s、，]+", text.strip()) if p]
    out: list[str] = []
    buf = ""
    for part in parts:
        buf += part
        if _ORG_FULL.match(buf):
            out.append(buf)
            buf = ""
    if buf:
        out.append(buf)
    return out


def _header_end(paragraphs: list[str]) -> int:
    """Index of the first numbered clause (the header is what comes before it)."""
    from .segment import parse_marker

    for i, p in enumerate(paragraphs):
        if parse_marker(p):
            return i
    return len(paragraphs)


def extract_metadata(
    normalized: NormalizedText, gazetteer: Gazetteer | None = None
) -> DocumentMeta:
    """Document-level metadata of a normalised document."""
    gaz = gazetteer or Gazetteer.default()
    # Patterns are written in Simplified script; Traditional text is matched through its one-for-one
    # fold, and every value is read back from the original text at the same offsets.
    original = normalized.text
    folded = fold(original)
    paragraphs = [folded[a:b] for _, (a, b) in normalized.paragraphs()]

    def orig(value: str) -> str:
        i = folded.find(value)
        return original[i : i + len(value)] if i >= 0 else value

    header = paragraphs[: max(_header_end(paragraphs), 1)][:30]

    doc_number = next((p for p in header[:8] if _DOC_NUMBER_LINE.match(p)), None)
    notice_i = next((i for i, p in enumerate(header[:10]) if _NOTICE.match(p)), None)
    title = _title(header, notice_i)
    kind = (
        "drafting_note" if "起草说明" in title else "draft" if _DRAFT.search(title) else "measures"
    )
    is_draft = kind != "measures" or any(_DRAFT.search(p) for p in header[:3] if len(p) < 80)

    issuers = _issuers(header, paragraphs, notice_i)
    place = None
    for name in issuers[:1]:
        place = gaz.prefix(name)
        if place is None and _CENTRAL.search(name):
            place = gaz.get("000000")
    if place is None and doc_number:
        place = gaz.prefix(doc_number)

    issued = None
    for p in header:
        m = _DATE_LINE.match(p)
        if m:
            issued = parse_date(m)
            break
    if issued is None:
        m2 = re.search(
            rf"(?:成文日期|发布日期|印发日期|发文日期)[：:]\s*({DATE.pattern})", normalized.text
        )
        if m2:
            issued = first_date(m2.group(1))
    publication = next((m.group(1) for p in header if (m := _PUBLICATION.match(p))), None)

    effective_from = expires = retroactive_from = None
    if not is_draft:
        effective_from, expires, retroactive_from = _validity(paragraphs, issued)

    own = {compact(title), compact(doc_number or "")}
    return DocumentMeta(
        doc_number=orig(doc_number) if doc_number else None,
        title=orig(title),
        issuers=tuple(orig(i) for i in issuers),
        jurisdiction=place.name if place else None,
        jurisdiction_code=place.code if place else None,
        issued=None if is_draft else issued,
        effective_from=effective_from,
        expires=expires,
        retroactive_from=retroactive_from,
        publication=publication,
        is_draft=is_draft,
        cites=tuple(orig(c) for c in _cites(paragraphs, own, notice_i)),
        repeals=tuple(orig(r) for r in _repeals(paragraphs)),
        kind=kind,
    )


def _title(header: list[str], notice_i: int | None) -> str:
    if notice_i is not None:
        m = _NOTICE.match(header[notice_i])
        assert m is not None
        subject = compact(m.group("subject")).strip("《》")
        for p in header[notice_i + 1 : notice_i + 6]:
            for q in _TITLE_QUOTE.finditer(p):
                quoted = compact(q.group(1))
                if len(quoted) >= 6 and (subject in quoted or quoted in subject):
                    return quoted
        return subject
    for p in header:
        if (
            _DOC_NUMBER_LINE.match(p)
            or _DATE_LINE.match(p)
            or _PUBLICATION.match(p)
            or _ORG_FULL.match(compact(p))
        ):
            continue
        if len(p) <= 80 and not re.search(r"[。；]", p):
            return compact(p) if " " not in p.strip() else p.strip()
        break
    return compact(header[0])[:80] if header else ""


def _issuers(header: list[str], paragraphs: list[str], notice_i: int | None) -> list[str]:
    if notice_i is not None:
        m = _NOTICE.match(header[notice_i])
        assert m is not None
        if m.group("issuer"):
            return _split_orgs(m.group("issuer"))
        if notice_i > 0:
            orgs = _split_orgs(header[notice_i - 1])
            if orgs and all(_ORG_FULL.match(o) for o in orgs):
                return orgs
    for p in paragraphs[:6]:
        m2 = _DRAFTED_BY.search(p)
        if m2:
            return [m2.group(1), m2.group(2)]
    for i, p in enumerate(header):
        if _DATE_LINE.match(p) and i > 0:
            orgs = _split_orgs(header[i - 1])
            if orgs and all(_ORG_FULL.match(o) for o in orgs):
                return orgs
    return []


def _closing_sentences(paragraphs: list[str]) -> list[str]:
    sentences = [s for p in paragraphs for s in re.split(r"(?<=。)", p) if s]
    return [s for s in sentences if _CLOSING.search(s)]


def _validity(
    paragraphs: list[str], issued: dt.date | None
) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    effective_from = expires = retroactive_from = None
    for s in _closing_sentences(paragraphs):
        if effective_from is None:
            if _EFFECTIVE_ON_ISSUE.search(s):
                effective_from = issued
            elif m := _EFFECTIVE_ON.search(s):
                effective_from = first_date(m.group("date"))
        if expires is None:
            if m := _EXPIRES_ON.search(s):
                expires = first_date(m.group("date"))
            elif (m := _VALID_YEARS.search(s)) and (effective_from or issued):
                start = effective_from or issued
                assert start is not None
                expires = add_years(start, cn_to_int(m.group("n")))
        if retroactive_from is None and (m := _RETRO.search(s)):
            retroactive_from = first_date(m.group("date"))
    if effective_from is None:
        effective_from = issued
    return effective_from, expires, retroactive_from


def _cites(paragraphs: list[str], own: set[str], notice_i: int | None) -> list[str]:
    out: list[str] = []
    for p in paragraphs:
        if "废止" in p:
            p = re.sub(r"[^。]*废止[^。]*。?", "", p)
        for m in DOC_NUMBER.finditer(p):
            if compact(m.group(0)) not in own:
                out.append(m.group(0))
        for clause in re.split(r"[，。；：]", p):
            b = _BASIS.search(clause)
            if not b:
                continue
            for q in _TITLE_QUOTE.finditer(clause, b.end()):
                title = q.group(0)
                inner = compact(q.group(1))
                after = clause[q.end() : q.end() + 20]
                if inner in own or compact(title) in own:
                    continue
                if re.match(rf"^（{DOC_NUMBER.pattern}）", after):
                    continue  # cited by its number, collected above
                out.append(title)
    return list(dict.fromkeys(out))


def _repeals(paragraphs: list[str]) -> list[str]:
    out: list[str] = []
    for p in paragraphs:
        for sentence in re.split(r"(?<=。)", p):
            if "废止" not in sentence:
                continue
            numbers = DOC_NUMBER.findall(sentence)
            if numbers:
                out.extend(numbers)
            else:
                out.extend(q.group(0) for q in _TITLE_QUOTE.finditer(sentence))
    return list(dict.fromkeys(out))


__all__ = ["DATE", "DOC_NUMBER", "add_years", "extract_metadata", "first_date", "parse_date"]
