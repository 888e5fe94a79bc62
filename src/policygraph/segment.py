"""Normalised document -> hierarchical clause tree.

Numbering styles: 第X编/章/节/条/款, 一、, （一）, 1. / 1、, （1）, ①, plus unnumbered paragraphs.
The nesting of styles is learnt per document from the order in which they first appear (the
usual Chinese convention 一、 > （一） > 1. > （1） > ① falls out of that, and so does
第X章 > 第X条). Guarantees:

- every paragraph of the document belongs to exactly one clause;
- a numbered clause keeps its label (``（六）``), heading (``提升企业数据治理能力``) and body apart;
  a clause whose body has several paragraphs gets one child per paragraph;
- paths are unique within a document, also where numbering restarts under a new parent
  (厦府办规〔2025〕10号 ``六、其他事项`` restarts at （一）) or within one parent (``~2`` suffix);
- an annex (附件) opens its own subtree; closing provisions and footers after the numbered body
  (``本措施自…施行``, ``抄送：``) are top-level paragraphs, not part of the last measure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .models import Clause, NormalizedText, Span

_CN = "一二三四五六七八九十百零〇两"
MARKER = re.compile(
    rf"^(?:(?P<art>第(?P<art_n>[{_CN}\d]+)(?P<art_kind>[编章节条款]))\s*"
    rf"|(?P<cn>(?P<cn_n>[{_CN}]+)[、．.])"
    rf"|(?P<cnp>（(?P<cnp_n>[{_CN}]+)）[、.．]?)"
    r"|(?P<ar>(?P<ar_n>\d{1,3})[．.、](?!\d))"
    r"|(?P<arp>（(?P<arp_n>\d{1,3})）[、.．]?)"
    r"|(?P<circ>(?P<circ_n>[①-⑳])))"
)
_ARTICLE_KIND = {"编": "part", "章": "chapter", "节": "section", "条": "article", "款": "paragraph"}
_KEY_PREFIX = {
    "part": "part",
    "chapter": "chp",
    "section": "sec",
    "article": "art",
    "paragraph": "par",
    "cn": "s",
    "cn_paren": "p",
    "arabic": "i",
    "arabic_paren": "ip",
    "circled": "c",
    "unnumbered": "u",
    "annex": "annex",
}
_ROOT_PARAGRAPH = re.compile(
    r"^(?:本(?!条)[^，。；]{0,12}?(?:措施|方案|计划|办法|规定|细则|意见|通知|政策|决定)"
    r"[^。]{0,40}?(?:施行|实施|有效期|解释|废止|执行)|抄送|主送|有关单位：|印发：|.{0,30}\d{4}年\d{1,2}月\d{1,2}日印发$)"
)
_ANNEX = re.compile(r"^附件\d*[：:]?")
_HEADING_MAX = 40


def cn_to_int(text: str) -> int:
    """Chinese or Arabic numeral to int: 十六 -> 16, 二十一 -> 21, 一百零二 -> 102."""
    if text.isdigit():
        return int(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")}
    digits.update({"〇": 0, "两": 2})
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


@dataclass
class _Node:
    kind: str
    label: str
    number: int
    heading: str
    start: int
    paragraphs: list[tuple[str, Span]] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)
    parent: _Node | None = None
    path: tuple[str, ...] = ()
    key: tuple[str, ...] = ()
    body_start: int = 0


def parse_marker(text: str) -> tuple[str, str, int] | None:
    """``(kind, label, number)`` for a paragraph that starts a numbered clause."""
    m = MARKER.match(text)
    if not m:
        return None
    if m.group("art"):
        kind = _ARTICLE_KIND[m.group("art_kind")]
        return kind, m.group("art"), cn_to_int(m.group("art_n"))
    for name, kind in (
        ("cn", "cn"),
        ("cnp", "cn_paren"),
        ("ar", "arabic"),
        ("arp", "arabic_paren"),
    ):
        if m.group(name):
            return kind, m.group(name), cn_to_int(m.group(f"{name}_n"))
    circ = m.group("circ")
    return "circled", circ, ord(circ) - ord("①") + 1


def _split_heading(rest: str) -> tuple[str, str]:
    """A short first sentence without commas is the clause's heading."""
    end = rest.find("。")
    if end == -1:
        if len(rest) <= _HEADING_MAX and not re.search(r"[，；：]", rest):
            return rest, ""
        return "", rest
    first = rest[:end]
    if 0 < len(first) <= _HEADING_MAX and not re.search(r"[，；：]", first):
        return first, rest[end + 1 :]
    return "", rest


def segment(doc_id: str, normalized: NormalizedText) -> list[Clause]:
    """Build the clause tree of one document; clauses are returned in document order."""
    root = _Node("root", "", 0, "", 0)
    stack: list[_Node] = [root]
    seen_numbered = False
    for text, span in normalized.paragraphs():
        marker = parse_marker(text)
        if _ANNEX.match(text) and seen_numbered:
            node = _Node("annex", "", 0, text, span[0])
            node.paragraphs.append((text, span))
            _attach(root, node)
            stack = [root, node]
            continue
        if marker:
            kind, label, number = marker
            seen_numbered = True
            while len(stack) > 1 and kind in [n.kind for n in stack[1:]]:
                popped = stack.pop()
                if popped.kind == kind:
                    break
            rest = text[len(label) :].lstrip()
            heading, body = _split_heading(rest)
            node = _Node(kind, label, number, heading, span[0])
            body_start = span[1] - len(body)
            node.body_start = body_start
            if body:
                node.paragraphs.append((body, (body_start, span[1])))
            _attach(stack[-1], node)
            stack.append(node)
            continue
        if (
            seen_numbered
            and len(stack) > 1
            and stack[1].kind != "annex"
            and _ROOT_PARAGRAPH.match(text)
        ):
            stack = [root]
        target = stack[-1]
        if target is root:
            node = _Node("unnumbered", "", 0, "", span[0])
            node.paragraphs.append((text, span))
            _attach(root, node)
        else:
            target.paragraphs.append((text, span))
    return _emit(doc_id, normalized, root)


def _attach(parent: _Node, node: _Node) -> None:
    node.parent = parent
    parent.children.append(node)


def _emit(doc_id: str, normalized: NormalizedText, root: _Node) -> list[Clause]:
    out: list[Clause] = []

    def assign(node: _Node) -> None:
        used: dict[tuple[str, ...], int] = {}
        unnumbered = 0
        for child in node.children:
            if child.kind in {"unnumbered"}:
                unnumbered += 1
                seg, key = f"¶{unnumbered}", f"u{unnumbered}"
            elif child.kind == "annex":
                seg, key = "附件", "annex"
            else:
                seg, key = child.label.rstrip("、．. "), f"{_KEY_PREFIX[child.kind]}{child.number}"
            path, keys = node.path + (seg,), node.key + (key,)
            n = used.get(path, 0) + 1
            used[path] = n
            if n > 1:
                path, keys = path[:-1] + (f"{seg}~{n}",), keys[:-1] + (f"{key}-{n}",)
            child.path, child.key = path, keys
            assign(child)

    assign(root)

    def visit(node: _Node, parent_id: str | None, level: int) -> str:
        clause_id = f"{doc_id}/{'/'.join(node.key)}"
        index = len(out)
        out.append(None)  # type: ignore[arg-type]  # placeholder, keeps document order
        paragraph_children: list[_Node] = []
        if len(node.paragraphs) > 1 and node.kind not in {"unnumbered", "annex"}:
            for i, (text, span) in enumerate(node.paragraphs, start=1):
                child = _Node("unnumbered", "", i, "", span[0])
                child.paragraphs.append((text, span))
                child.path, child.key = node.path + (f"¶{i}",), node.key + (f"u{i}",)
                paragraph_children.append(child)
        child_ids = [visit(c, clause_id, level + 1) for c in paragraph_children + node.children]
        text = "\n".join(t for t, _ in node.paragraphs)
        end = (
            node.paragraphs[-1][1][1]
            if node.paragraphs
            else node.start + len(node.label) + len(node.heading)
        )
        span = (node.start, end)
        out[index] = Clause(
            id=clause_id,
            doc_id=doc_id,
            path=node.path,
            key=node.key,
            kind=node.kind,
            level=level,
            label=node.label,
            heading=node.heading if node.kind != "annex" else node.heading,
            text=text,
            span=span,
            raw_span=normalized.raw_span(span),
            parent_id=parent_id,
            children=tuple(child_ids),
        )
        return clause_id

    for child in root.children:
        visit(child, None, 1)
    return out


def measure_level(clauses: list[Clause]) -> list[Clause]:
    """Clauses that stand for one measure: numbered clauses with no numbered children.

    Paragraph children of a measure are not measure-level; top-level unnumbered paragraphs are.
    """
    by_id = {c.id: c for c in clauses}
    out = []
    for c in clauses:
        numbered_children = [k for k in c.children if by_id[k].kind != "unnumbered"]
        parent = by_id.get(c.parent_id) if c.parent_id else None
        if c.kind == "unnumbered" and parent is not None and parent.kind != "annex":
            continue
        if not numbered_children:
            out.append(c)
    return out


__all__ = ["MARKER", "cn_to_int", "measure_level", "parse_marker", "segment"]
