"""The only place that mints document and clause IDs and IRIs.

A document ID is ``{jurisdiction code}/{year}/{slug}`` (ELI style): the slug of a numbered
document is the pinyin initials of its 机关代字 plus its number (厦府办规〔2025〕10号 ->
``350200/2025/xfbg-10``); a document without a 文号 gets a slug from its title's pinyin initials
and a short hash. A clause ID is the document ID plus the clause's key path
(``350200/2025/xfbg-10/s3/p6``). IDs depend only on the document's own text, so they are stable
across rebuilds and unaffected by other documents. IRIs are ``{iri_base}/eli/{id}``.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse

from .models import DocumentMeta
from .normalize import compact

_NUMBERED = re.compile(r"^(?P<agency>.+?)〔(?P<year>\d{4})〕(?P<num>\d+)号$")


def _initials(text: str, limit: int = 8) -> str:
    from pypinyin import Style, lazy_pinyin

    letters = "".join(
        p[0]
        for p in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")
        if p and p[0].isalnum()
    )
    return letters.lower()[:limit] or "doc"


def _agency_initials(agency: str, meta: DocumentMeta) -> str:
    """Pinyin initials of a 机关代字; a leading place abbreviation reads as the place (厦 -> x)."""
    letters = _initials(agency)
    if meta.jurisdiction_code and meta.jurisdiction and meta.jurisdiction.startswith(agency[0]):
        from .gazetteer import Gazetteer

        english = Gazetteer.default().get(meta.jurisdiction_code).english
        letters = english[0].lower() + letters[1:]
    return letters


def document_id(meta: DocumentMeta) -> str:
    """Stable ID of a document from its metadata."""
    place = meta.jurisdiction_code or "000000"
    if meta.doc_number and (m := _NUMBERED.match(meta.doc_number)):
        slug = _agency_initials(m.group("agency"), meta)
        return f"{place}/{m.group('year')}/{slug}-{int(m.group('num'))}"
    year = str(meta.issued.year) if meta.issued else ("draft" if meta.is_draft else "undated")
    digest = hashlib.sha1(compact(meta.title).encode("utf-8")).hexdigest()[:8]
    return f"{place}/{year}/{_initials(meta.title)}-{digest}"


def iri(base: str, identifier: str) -> str:
    """IRI of a document or clause ID under ``base``."""
    return f"{base.rstrip('/')}/eli/{urllib.parse.quote(identifier, safe='/-_.~')}"


def id_from_iri(base: str, value: str) -> str:
    """Inverse of ``iri`` (accepts a bare ID too)."""
    prefix = f"{base.rstrip('/')}/eli/"
    if value.startswith(prefix):
        value = value[len(prefix) :]
    return urllib.parse.unquote(value.strip("/"))


__all__ = ["document_id", "id_from_iri", "iri"]
