"""Raw extracted text -> clean paragraphs, with a map back to raw offsets.

What it guarantees:
- one paragraph per line of the output; lines broken inside a paragraph are joined, including a
  number split from its unit (``1000\\n\\n万元`` -> ``1000万元``);
- page numbers (``— 7 —``, ``第 3 页``) and letterheads (``福 建 省 数 据 管 理 局文件``) are dropped,
  also when a PDF extraction put them in the middle of a paragraph (闽发改规〔2025〕7号);
- letter-spaced headings are collapsed; spaces next to digits or Chinese punctuation removed; a space
  between two Chinese words is kept (``中共中央 国务院``);
- full-width digits and letters become ASCII, Chinese punctuation becomes full-width
  (``(二)`` -> ``（二）``), ``[2025]`` in a document number becomes ``〔2025〕``;
- Traditional script is left as it is (萬, 數據);
- ``NormalizedText.offsets`` maps every output character to its raw offset.
"""

from __future__ import annotations

import re
import statistics
from array import array
from collections.abc import Callable
from functools import lru_cache

from .models import NormalizedText

Chars = list[tuple[str, int]]

_CJK_RANGES = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2FA1F),
)
_KEEP_FULLWIDTH = set("（），：；！？")
_TO_FULLWIDTH = {"(": "（", ")": "）", ",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_CIRCLED_PAREN = {chr(0x3220 + i): f"（{n}）" for i, n in enumerate("一二三四五六七八九十")}
_DROP = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_SPACES = {"\u3000", "\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\t", "\x0b"}

# A line that is a paragraph marker of a numbered clause (see segment.MARKER for the full set).
MARKER_START = re.compile(
    r"^(第[一二三四五六七八九十百零〇两\d]+[编章节条]|[一二三四五六七八九十百]+[、．.]"
    r"|（[一二三四五六七八九十百]+）|\d{1,3}[．.、](?!\d)|（\d{1,3}）|[①-⑳])"
)
_PAGE_NUMBER = re.compile(
    r"^(?:[—\-－–−─·•]+\s*\d{1,4}\s*[—\-－–−─·•]+|第\s*\d{1,4}\s*页(?:\s*[,，/]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|[-—]?\s*[IVXLivxl]+\s*[-—]?)$"
)
_BARE_NUMBER = re.compile(r"^\d{1,3}$")
_UNIT_START = re.compile(r"^[万亿元%个家年月日号项条]")
_ORG_SUFFIX = r"(?:委员会|管理局|办公厅|办公室|人民政府|政府|局|厅|委|办|部|署|院|中心|小组|管委会)"
_LETTERHEAD = re.compile(rf"^[\u4e00-\u9fff（）]{{2,60}}{_ORG_SUFFIX}文件$")
_ORG_LINE = re.compile(rf"^[\u4e00-\u9fff（）]{{2,40}}{_ORG_SUFFIX}$")
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_TERMINAL = tuple("。！？；：…") + ("。”", "！”", "？”", "。’")
_SENTENCE_PUNCT = re.compile(r"[，。；！？]")
_PAREN_TAIL = re.compile(r"^（[^（）]{0,20}(?:年|试行|暂行|稿|修订|草案)）$")
_NOTICE_END = re.compile(
    r"(?:通知|意见|决定|函|说明|方案|办法|批复|报告|规定|细则|公告|通告|措施)$"
)
_DOCNO_BRACKET = re.compile(
    r"(?<=[\u4e00-\u9fff])\s*[\[［【(（]\s*((?:19|20)\d{2})\s*[\]］】)）]\s*(?=\d)"
)


def is_cjk(ch: str) -> bool:
    """Whether a character is a CJK ideograph (Simplified or Traditional)."""
    if len(ch) != 1:
        return False
    code = ord(ch)
    return any(lo <= code <= hi for lo, hi in _CJK_RANGES)


def _is_latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _width(text: str) -> float:
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def compact(text: str) -> str:
    """Text with all white space removed (how titles and snippets are compared)."""
    return re.sub(r"\s+", "", text)


def _sub(chars: Chars, pattern: re.Pattern[str], repl: Callable[[re.Match[str]], str]) -> Chars:
    """Regex substitution on (char, offset) pairs keeping offsets of replaced text."""
    text = "".join(c for c, _ in chars)
    out: Chars = []
    last = 0
    for m in pattern.finditer(text):
        out.extend(chars[last : m.start()])
        new = repl(m)
        span = chars[m.start() : m.end()] or [("", chars[m.start() - 1][1] if m.start() else 0)]
        for i, ch in enumerate(new):
            out.append((ch, span[min(i, len(span) - 1)][1]))
        last = m.end()
    out.extend(chars[last:])
    return out


def _map_chars(line: str, start: int) -> Chars:
    out: Chars = []
    for i, ch in enumerate(line):
        pos = start + i
        code = ord(ch)
        if ch in _DROP or (code < 32 and ch not in "\t"):
            continue
        if ch in _SPACES:
            out.append((" ", pos))
        elif ch in _CIRCLED_PAREN:
            out.extend((c, pos) for c in _CIRCLED_PAREN[ch])
        elif 0xFF01 <= code <= 0xFF5E and ch not in _KEEP_FULLWIDTH:
            out.append((chr(code - 0xFEE0), pos))
        else:
            out.append((ch, pos))
    return out


def _clean_spaces(chars: Chars) -> Chars:
    """Drop spaces except between two Latin words or two multi-character Chinese words."""
    text = "".join(c for c, _ in chars)
    # token = a run of characters between ASCII spaces (other white space was mapped to " " already)
    token_len: list[int] = []
    for tok in text.split(" "):
        token_len.extend([len(tok)] * len(tok))
    out: Chars = []
    tok_index = 0
    i = 0
    n = len(chars)
    while i < n:
        ch, pos = chars[i]
        if ch != " ":
            out.append((ch, pos))
            tok_index += 1
            i += 1
            continue
        j = i
        while j < n and chars[j][0] == " ":
            j += 1
        if out and j < n:
            left, right = out[-1][0], chars[j][0]
            left_len = token_len[tok_index - 1]
            right_len = token_len[tok_index] if tok_index < len(token_len) else 0
            keep = (_is_latin(left) and _is_latin(right)) or (
                is_cjk(left) and is_cjk(right) and left_len >= 2 and right_len >= 2
            )
            if keep:
                out.append((" ", pos))
        i = j
    return out


def _punctuation(chars: Chars) -> Chars:
    """Chinese punctuation full-width next to Chinese text; ASCII parentheses always full-width."""
    out: Chars = []
    n = len(chars)
    for i, (ch, pos) in enumerate(chars):
        if ch in _TO_FULLWIDTH:
            prev = chars[i - 1][0] if i else ""
            nxt = chars[i + 1][0] if i + 1 < n else ""
            if ch in "()":
                out.append((_TO_FULLWIDTH[ch], pos))
                continue
            if ch == ":" and prev.isdigit() and nxt.isdigit():
                out.append((ch, pos))
                continue
            if ch == "," and prev.isdigit() and nxt.isdigit():
                out.append((ch, pos))
                continue
            cjk_near = is_cjk(prev) or is_cjk(nxt) or prev in "）》”" or nxt in "（《“" or not nxt
            out.append((_TO_FULLWIDTH[ch] if cjk_near else ch, pos))
        else:
            out.append((ch, pos))
    return out


def clean_line(line: str, start: int = 0) -> Chars:
    """One raw line -> cleaned (char, raw offset) pairs."""
    chars = _map_chars(line, start)
    chars = _clean_spaces(chars)
    chars = _punctuation(chars)
    return _sub(chars, _DOCNO_BRACKET, lambda m: f"〔{m.group(1)}〕")


def _raw_lines(raw: str) -> list[tuple[str, int]]:
    out = []
    for m in re.finditer(r"[^\r\n\f]*", raw):
        if m.group(0).strip():
            out.append((m.group(0), m.start()))
    return out


def _text(chars: Chars) -> str:
    return "".join(c for c, _ in chars)


def _drop_noise(lines: list[Chars]) -> list[Chars]:
    """Remove page numbers and letterheads (also inside paragraphs)."""
    texts = [_text(line) for line in lines]
    drop = [False] * len(lines)
    for i, text in enumerate(texts):
        if _PAGE_NUMBER.match(text):
            drop[i] = True
        elif _BARE_NUMBER.match(text):
            nxt = texts[i + 1] if i + 1 < len(texts) else ""
            drop[i] = not _UNIT_START.match(nxt)
        elif _LETTERHEAD.match(compact(text)):
            drop[i] = True
            # 闽发改规〔2025〕7号: the co-issuer's name sits on the line above the 文件 line.
            j = i - 1
            while j >= 0 and _ORG_LINE.match(compact(texts[j])):
                drop[j] = True
                j -= 1
    return [line for line, d in zip(lines, drop, strict=True) if not d]


def _typical_width(lines: list[str]) -> float:
    widths = sorted(_width(t) for t in lines if _width(t) >= 8)
    if len(widths) < 10:
        return float("inf")  # too few lines to tell wrapped lines from whole paragraphs
    return statistics.quantiles(widths, n=10)[-1] if len(widths) >= 10 else max(widths)


def _joins(paragraph: str, cur: str, nxt: str, full: float) -> bool:
    """Whether line ``nxt`` continues the paragraph that ends with line ``cur``."""
    heading_like = not _SENTENCE_PUNCT.search(cur) and _width(cur) < full
    if len(paragraph) < 120 and (
        paragraph.count("《") > paragraph.count("》")
        or paragraph.count("（") > paragraph.count("）")
    ):
        return not MARKER_START.match(nxt) or paragraph.count("《") > paragraph.count("》")
    if MARKER_START.match(nxt):
        return False
    if heading_like and _PAREN_TAIL.match(nxt):
        return True
    if (
        heading_like
        and "关于" in paragraph
        and len(paragraph) < 120
        and not _NOTICE_END.search(cur)
    ):
        return True
    if _DATE_LINE.match(cur) or _DATE_LINE.match(nxt):
        return False
    if not _SENTENCE_PUNCT.search(cur) and _NOTICE_END.search(cur) and "关于" in paragraph:
        return False  # a complete title (…的通知) ends its paragraph however wide it is
    if cur.endswith(_TERMINAL) and _ORG_LINE.match(compact(nxt)):
        return False  # a signature after the last sentence of a notice
    if cur.endswith(_TERMINAL) or (cur.startswith("（") and cur.endswith("）")):
        return _width(cur) >= full and not cur.startswith("（")
    return not heading_like


def normalize(raw: str) -> NormalizedText:
    """Normalise raw extracted text.

    Example:
        >>> normalize("最高不超过 1000\\n\\n万元。").text
        '最高不超过1000万元。'
    """
    lines = [clean_line(text, start) for text, start in _raw_lines(raw)]
    lines = [line for line in lines if line]
    lines = _drop_noise(lines)
    texts = [_text(line) for line in lines]
    full = 0.85 * _typical_width(texts)

    out: Chars = []
    paragraph = ""
    for i, line in enumerate(lines):
        text = texts[i]
        if i and out:
            prev = texts[i - 1]
            if _joins(paragraph, prev, text, full):
                if _is_latin(prev[-1]) and _is_latin(text[0]) and not prev[-1].isdigit():
                    out.append((" ", line[0][1]))
                paragraph += text
            else:
                out.append(("\n", line[0][1] - 1 if line[0][1] else 0))
                paragraph = text
        else:
            paragraph = text
        out.extend(line)
    text = _text(out)
    offsets = array("l", [pos for _, pos in out])
    offsets.append(len(raw))
    return NormalizedText(raw=raw, text=text, offsets=offsets)


@lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    """OpenCC's Traditional -> Simplified character table (one character for one)."""
    import importlib.metadata

    path = importlib.metadata.distribution("opencc-python-reimplemented").locate_file(
        "opencc/dictionary/TSCharacters.txt"
    )
    table: dict[int, str] = {}
    with open(str(path), encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                target = parts[1].split(" ")[0]
                if len(target) == 1:
                    table[ord(parts[0])] = target
    return table


def fold(text: str) -> str:
    """Traditional characters read as Simplified, one for one (萬 -> 万, 數據 -> 数据).

    Used for matching only (extraction, tokens, questions): the stored text keeps its script, and
    offsets in the folded text are offsets in the original.
    """
    return text.translate(_t2s_table())


__all__ = ["MARKER_START", "clean_line", "compact", "fold", "is_cjk", "normalize"]
