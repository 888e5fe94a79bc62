"""Files in, decoded text out: ``.txt``, ``.pdf``, ``.docx``, ``.html``.

I/O only. Guarantees: a file either becomes a ``SourceDocument`` whose text is non-empty Unicode,
or raises an ``IngestError`` subclass whose message says what is wrong with it (empty, binary,
truncated, undecodable, unsupported). Text files may be UTF-8 (with or without BOM), UTF-16 (BOM
or NUL-pattern detected) or GB18030/GBK; HTML keeps the main text of a portal page and drops
navigation, scripts, styles and frames.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from pathlib import Path

from .errors import (
    BinaryDocumentError,
    CorruptDocumentError,
    DecodeError,
    EmptyDocumentError,
    IngestError,
    UnsupportedFormatError,
)
from .models import SourceDocument

FORMATS = {
    ".txt": "txt",
    ".text": "txt",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Containers that government portals put the article body in, most specific first.
_MAIN_SELECTORS = (
    "#zoom",
    ".TRS_Editor",
    ".TRS_UEDITOR",
    "#UCAP-CONTENT",
    ".article-content",
    ".pages_content",
    "article",
    "main",
    "#content",
    ".content",
)
_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "iframe",
    "nav",
    "header",
    "footer",
    "form",
    "aside",
    "object",
    "embed",
    "template",
    "svg",
    "button",
    "select",
)


def supported(path: Path) -> bool:
    """Whether the ingester reads files with this extension."""
    return path.suffix.lower() in FORMATS


def read_file(path: Path, max_bytes: int = 100 * 1024 * 1024) -> SourceDocument:
    """Read one corpus file.

    Raises:
        IngestError: with a one-line reason when the file cannot be used.
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnsupportedFormatError(f"unsupported file type {path.suffix or '(none)'!r}")
    size = path.stat().st_size
    if size == 0:
        raise EmptyDocumentError("empty file (0 bytes)")
    if size > max_bytes:
        raise IngestError(f"file too large ({size} bytes > max_file_bytes {max_bytes})")
    data = path.read_bytes()
    encoding: str | None = None
    if fmt == "txt":
        text, encoding = decode_text(data)
    elif fmt == "pdf":
        text = _pdf_text(data)
    elif fmt == "docx":
        text = _docx_text(data)
    else:
        html, encoding = decode_text(data, html=True)
        text = html_main_text(html)
    if not text.strip():
        raise EmptyDocumentError(f"no text in {fmt} file")
    return SourceDocument(
        file=path.name,
        format=fmt,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
    )


def decode_text(data: bytes, html: bool = False) -> tuple[str, str]:
    """Decode bytes of a text file, detecting BOMs, UTF-16 and GB18030.

    Raises:
        BinaryDocumentError: NUL bytes or control characters that no text encoding explains.
        DecodeError: no candidate encoding decodes the bytes cleanly.
    """
    for bom, enc in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return _strict(data, enc), enc
    utf16 = _utf16_guess(data)
    if utf16:
        return _strict(data, utf16), utf16
    if b"\x00" in data:
        raise BinaryDocumentError("binary data (NUL bytes) in a text file")
    candidates = ["utf-8", "gb18030"]
    if html:
        m = re.search(rb"charset=[\"']?([A-Za-z0-9_\-]+)", data[:4096])
        if m:
            candidates.insert(0, m.group(1).decode("ascii").lower())
    for enc in candidates:
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_like_text(text):
            return text, enc
    raise DecodeError("cannot decode text as UTF-8, UTF-16 or GB18030")


def _strict(data: bytes, enc: str) -> str:
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise DecodeError(f"invalid {enc} text at byte {exc.start}") from exc
    if not _looks_like_text(text):
        raise BinaryDocumentError(f"decodes as {enc} but is not text")
    return text


def _utf16_guess(data: bytes) -> str | None:
    """UTF-16 without BOM: NUL bytes present, and one byte order decodes to plausible text."""
    if len(data) % 2 or b"\x00" not in data[:4096]:
        return None
    best, best_score = None, 0.0
    for enc in ("utf-16-le", "utf-16-be"):
        try:
            sample = data[:8192].decode(enc)
        except UnicodeDecodeError:
            continue
        good = sum(
            1
            for ch in sample
            if _CJK.match(ch) or (ch.isprintable() and ord(ch) < 0x3400) or ch in "\n\r\t"
        )
        score = good / max(len(sample), 1)
        if score > best_score:
            best, best_score = enc, score
    return best if best_score > 0.95 else None


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or ch == "\ufffd")
    return bad / len(text) < 0.01


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip().startswith(b"%PDF"):
        raise CorruptDocumentError("not a PDF (missing %PDF header)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise CorruptDocumentError(f"unreadable or truncated PDF: {exc}") from exc
    if b"%%EOF" not in data[-2048:]:
        raise CorruptDocumentError("truncated PDF (no %%EOF trailer)")
    text = "\n\f\n".join(pages)
    if not text.strip():
        raise EmptyDocumentError("PDF has no text layer (scanned image?)")
    return text


def _docx_text(data: bytes) -> str:
    import zipfile

    from docx import Document as DocxDocument

    try:
        doc = DocxDocument(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise CorruptDocumentError(f"unreadable or truncated DOCX: {exc}") from exc
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise CorruptDocumentError(f"unreadable DOCX: {exc}") from exc
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def html_main_text(html: str) -> str:
    """The main text of a web page, one block element per line, without scripts or navigation."""
    from bs4 import BeautifulSoup

    if not re.search(r"<\s*(html|body|div|p|article|span|br|table)\b", html, re.I):
        raise CorruptDocumentError("no HTML markup found")
    soup = BeautifulSoup(html, "lxml")
    for tag in soup(list(_DROP_TAGS)):
        tag.decompose()
    for tag in soup.select("[hidden], [style*='display:none'], [style*='display: none']"):
        tag.decompose()
    root = None
    for selector in _MAIN_SELECTORS:
        found = [f for f in soup.select(selector) if _CJK.search(f.get_text())]
        if found:
            root = max(found, key=lambda f: len(f.get_text()))
            break
    if root is None:
        root = soup.body or soup
    for br in root.find_all("br"):
        br.replace_with("\n")
    blocks = []
    for el in root.find_all(["p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "td"]):
        if el.find(["p", "div", "h1", "h2", "h3", "h4", "li", "tr"]):
            continue
        text = el.get_text("", strip=False).strip()
        if text:
            blocks.append(text)
    if not blocks:
        blocks = [root.get_text("\n")]
    return "\n".join(blocks)


__all__ = ["FORMATS", "decode_text", "html_main_text", "read_file", "supported"]
