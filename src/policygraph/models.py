"""Frozen dataclasses that flow between the pipeline stages.

Fixed mapping between Chinese terms and English identifiers (used everywhere in the code):

    编 part · 章 chapter · 节 section · 条 article · 款 paragraph · 项 item
    一、 numbered heading (``cn``) · （一） sub-heading (``cn_paren``) · 1. point (``arabic``)
    （1） sub-point (``arabic_paren``) · ① circled point (``circled``) · unnumbered paragraph
    文号 doc_number · 发文机关 issuer · 成文日期 issued · 施行 effective_from · 有效期至 expires
    参照执行 (retroactive) retroactive_from · 废止 repeals · 公开属性 publication
    奖励 award · 补助 grant · 补贴 subsidy · 贴息 interest_subsidy · 资金支持 funding

Stages pass these objects, never loose dicts; JSON (de)serialisation lives next to them so that
the index on disk and the API use one shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, fields
from functools import cached_property
from typing import Any

Span = tuple[int, int]


@dataclass(frozen=True)
class SourceDocument:
    """A file read from the corpus: decoded text plus where it came from."""

    file: str
    format: str
    text: str
    sha256: str
    encoding: str | None = None


@dataclass(frozen=True)
class NormalizedText:
    """Normalised text with a map from each normalised character to its raw offset.

    ``offsets[i]`` is the index in the raw text of normalised character ``i``; ``offsets`` has one
    extra trailing entry (the raw length) so that end offsets map too. It is a compact integer
    array (4 bytes a character), not a tuple of Python ints (about 36).
    """

    raw: str
    text: str
    offsets: Sequence[int]

    def raw_span(self, span: Span) -> Span:
        """Map a ``[start, end)`` span of the normalised text to the raw text."""
        start, end = span
        if end <= start:
            return (self.offsets[start], self.offsets[start])
        return (self.offsets[start], self.offsets[end - 1] + 1)

    def paragraphs(self) -> list[tuple[str, Span]]:
        """Non-empty paragraphs (lines of the normalised text) with their spans."""
        out: list[tuple[str, Span]] = []
        pos = 0
        for line in self.text.split("\n"):
            if line.strip():
                out.append((line, (pos, pos + len(line))))
            pos += len(line) + 1
        return out


@dataclass(frozen=True)
class Amount:
    """A monetary figure or ratio found in a clause.

    ``kind`` is one of ``award_cap`` (yuan), ``ratio`` (a fraction), ``threshold`` (yuan, a
    condition), ``per_unit`` (yuan per ``unit``), ``count_limit`` (a number of winners),
    ``annual_cap`` is expressed as an award_cap with ``per_year`` set.
    """

    kind: str
    value: float
    unit: str
    text: str
    span: Span
    tier: str | None = None
    per_year: bool = False


@dataclass(frozen=True)
class DocumentMeta:
    """Document-level facts taken from the header and closing provisions."""

    doc_number: str | None
    title: str
    issuers: tuple[str, ...]
    jurisdiction: str | None
    jurisdiction_code: str | None
    issued: dt.date | None
    effective_from: dt.date | None
    expires: dt.date | None
    retroactive_from: dt.date | None
    publication: str | None
    is_draft: bool
    cites: tuple[str, ...]
    repeals: tuple[str, ...]
    kind: str = "measures"

    def status_on(self, day: dt.date) -> str:
        """``draft``, ``not_yet_in_force``, ``expired`` or ``in_force`` on ``day``."""
        if self.is_draft:
            return "draft"
        if self.effective_from and day < self.effective_from:
            return "not_yet_in_force"
        if self.expires and day > self.expires:
            return "expired"
        return "in_force"


@dataclass(frozen=True)
class Clause:
    """One node of a document's clause tree.

    ``path`` is unique within the document, e.g. ``("三", "（六）")``; ``key`` is its ASCII form
    used in IRIs, e.g. ``("s3", "p6")``. ``span`` is in the normalised text, ``raw_span`` in the
    source file's decoded text.
    """

    id: str
    doc_id: str
    path: tuple[str, ...]
    key: tuple[str, ...]
    kind: str
    level: int
    label: str
    heading: str
    text: str
    span: Span
    raw_span: Span
    parent_id: str | None
    children: tuple[str, ...] = ()
    amounts: tuple[Amount, ...] = ()

    @property
    def full_text(self) -> str:
        """Label, heading and body as one string (what search and extraction read)."""
        head = f"{self.label}{self.heading}"
        if self.heading and not self.heading.endswith(("。", "；", "：")):
            head += "。"
        return f"{head}{self.text}" if self.heading else f"{self.label}{self.text}"


@dataclass(frozen=True)
class Document:
    """A normalised, segmented document with its metadata."""

    id: str
    iri: str
    file: str
    sha256: str
    format: str
    meta: DocumentMeta
    normalized: NormalizedText
    clauses: tuple[Clause, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class SkippedFile:
    """A corpus file that could not be built, with the reason shown to the user."""

    file: str
    reason: str


@dataclass(frozen=True)
class BuildReport:
    """What a build did: documents built, files skipped, counts and timings."""

    out_dir: str
    n_documents: int
    n_clauses: int
    skipped: tuple[SkippedFile, ...]
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)


def to_jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and dates to plain JSON types."""
    if hasattr(obj, "__dataclass_fields__"):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, dict):
        return {k: to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def meta_from_json(d: dict[str, Any]) -> DocumentMeta:
    """Inverse of ``to_jsonable`` for DocumentMeta."""
    return DocumentMeta(
        doc_number=d["doc_number"],
        title=d["title"],
        issuers=tuple(d["issuers"]),
        jurisdiction=d["jurisdiction"],
        jurisdiction_code=d["jurisdiction_code"],
        issued=_date(d["issued"]),
        effective_from=_date(d["effective_from"]),
        expires=_date(d["expires"]),
        retroactive_from=_date(d["retroactive_from"]),
        publication=d["publication"],
        is_draft=d["is_draft"],
        cites=tuple(d["cites"]),
        repeals=tuple(d["repeals"]),
        kind=d.get("kind", "measures"),
    )


def amount_from_json(d: dict[str, Any]) -> Amount:
    """Inverse of ``to_jsonable`` for Amount."""
    return Amount(
        kind=d["kind"],
        value=d["value"],
        unit=d["unit"],
        text=d["text"],
        span=(d["span"][0], d["span"][1]),
        tier=d.get("tier"),
        per_year=d.get("per_year", False),
    )


def clause_from_json(d: dict[str, Any]) -> Clause:
    """Inverse of ``to_jsonable`` for Clause (extra keys such as doc_title are ignored)."""
    return Clause(
        id=d["id"],
        doc_id=d["doc_id"],
        path=tuple(d["path"]),
        key=tuple(d["key"]),
        kind=d["kind"],
        level=d["level"],
        label=d["label"],
        heading=d["heading"],
        text=d["text"],
        span=(d["span"][0], d["span"][1]),
        raw_span=(d["raw_span"][0], d["raw_span"][1]),
        parent_id=d["parent_id"],
        children=tuple(d["children"]),
        amounts=tuple(amount_from_json(a) for a in d.get("amounts", [])),
    )


__all__ = [
    "Amount",
    "BuildReport",
    "Clause",
    "Document",
    "DocumentMeta",
    "NormalizedText",
    "SkippedFile",
    "SourceDocument",
    "asdict",
    "clause_from_json",
    "meta_from_json",
    "to_jsonable",
]


@dataclass(frozen=True)
class ClauseFacts:
    """What extraction found in one clause (see extract.py).

    Concept fields hold SKOS concept keys from the ontology (``Award``, ``DCMM``, ``Enterprise``).
    ``doc_refs`` are 文号 or 《titles》; ``clause_refs`` are labels of clauses of the same document
    (``（三）``); ``defers_to`` is the level whose standard prevails (``省级``).
    """

    clause_id: str
    amounts: tuple[Amount, ...] = ()
    measure_types: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    beneficiaries: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    stacking_rules: tuple[str, ...] = ()
    cost_sharing: str | None = None
    difference_award: bool = False
    responsible_units: tuple[str, ...] = ()
    valid_until: dt.date | None = None
    doc_refs: tuple[str, ...] = ()
    clause_refs: tuple[str, ...] = ()
    defers_to: str | None = None
    applies_by_reference: tuple[str, ...] = ()

    @cached_property
    def grants_money(self) -> bool:
        return any(a.kind in {"award_cap", "ratio", "per_unit"} for a in self.amounts)


def facts_from_json(d: dict[str, Any]) -> ClauseFacts:
    """Inverse of ``to_jsonable`` for ClauseFacts."""
    return ClauseFacts(
        clause_id=d["clause_id"],
        amounts=tuple(amount_from_json(a) for a in d["amounts"]),
        measure_types=tuple(d["measure_types"]),
        topics=tuple(d["topics"]),
        beneficiaries=tuple(d["beneficiaries"]),
        conditions=tuple(d["conditions"]),
        stacking_rules=tuple(d["stacking_rules"]),
        cost_sharing=d["cost_sharing"],
        difference_award=d["difference_award"],
        responsible_units=tuple(d["responsible_units"]),
        valid_until=_date(d["valid_until"]),
        doc_refs=tuple(d["doc_refs"]),
        clause_refs=tuple(d["clause_refs"]),
        defers_to=d["defers_to"],
        applies_by_reference=tuple(d["applies_by_reference"]),
    )
