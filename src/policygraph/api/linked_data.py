"""Dereferencing clause and document IRIs (``/eli/{id}``): HTML for a browser, JSON-LD, Turtle or
N-Triples on request (``Accept`` or ``?format=``). HTML is built with every value escaped."""

from __future__ import annotations

import html
from typing import Any

from ..models import Clause, Document
from ..sparql import serialize
from ..workspace import Workspace

RDF_TYPES = {
    "application/ld+json": "json-ld",
    "text/turtle": "turtle",
    "application/n-triples": "nt",
}
FORMAT_ALIASES = {
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "html": "text/html",
}


def negotiate(accept: str | None, offered: list[str], default: str) -> str:
    """The offered media type the ``Accept`` header prefers (q-values honoured)."""
    if not accept:
        return default
    prefs: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        q = 1.0
        for f in fields[1:]:
            if f.startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        prefs.append((q, -i, media))
    for q, _, media in sorted(prefs, reverse=True):
        if q <= 0:
            continue
        if media in offered:
            return media
        if media in {"*/*", "text/*", "application/*"}:
            matches = [o for o in offered if media == "*/*" or o.startswith(media[:-1])]
            if matches:
                return default if default in matches else matches[0]
    return ""


def describe(ws: Workspace, iri: str) -> Any:
    """The resource's own triples and those of its measure and amount nodes."""
    query = f"""
    CONSTRUCT {{ ?s ?p ?o }} WHERE {{
      {{ BIND(<{iri}> AS ?s) ?s ?p ?o }}
      UNION {{ <{iri}> pg:measure ?s . ?s ?p ?o }}
      UNION {{ <{iri}> pg:measure/pg:amount ?s . ?s ?p ?o }}
    }}"""
    return ws.sparql(query)


def rdf_text(ws: Workspace, iri: str, media: str) -> str:
    return serialize(describe(ws, iri), RDF_TYPES[media])


_STYLE = (
    "body{font-family:system-ui,'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.7;color:#1a1a1a}h1{font-size:1.3rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}"
    "dt{color:#555}.text{white-space:pre-wrap;background:#f6f7f9;padding:1rem;border-radius:6px}a{color:#0b57d0}"
)


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def clause_html(ws: Workspace, clause: Clause, view: dict[str, Any]) -> str:
    doc = view["document"]
    amounts = "".join(
        f"<li>{_e(a.get('tier') or '')} {_e(a['text'])} <small>({_e(a['kind'])})</small></li>"
        for a in view["amounts"]
    )
    refs = "".join(
        f'<li>{_e(r["relation"])}: <a href="/eli/{_e(r["id"])}">{_e(r.get("doc_number") or "")} {_e(r.get("label"))} {_e(r.get("heading"))}</a></li>'
        for r in view["references_out"] + view["references_in"]
        if "id" in r
    )
    body = (
        f'<p><a href="/eli/{_e(doc["id"])}">{_e(doc["doc_number"] or "")} {_e(doc["title"])}</a></p>'
        f'<h1 id="clause-title">{_e(view["citation"])} {_e(clause.heading)}</h1>'
        f'<div class="text" id="clause-text">{_e(clause.full_text)}</div>'
        f"<dl><dt>IRI</dt><dd>{_e(view['iri'])}</dd><dt>文件</dt><dd>{_e(doc['file'])}</dd>"
        f"<dt>状态</dt><dd>{_e(doc['status'])} ({_e(doc['as_of'])})</dd>"
        f"<dt>原文位置</dt><dd>{_e(view['raw_span'][0])}–{_e(view['raw_span'][1])}</dd></dl>"
        + (f"<h2>金额</h2><ul>{amounts}</ul>" if amounts else "")
        + (f"<h2>关联条款</h2><ul>{refs}</ul>" if refs else "")
        + f'<p><a href="/eli/{_e(clause.id)}?format=ttl">Turtle</a> · <a href="/eli/{_e(clause.id)}?format=jsonld">JSON-LD</a></p>'
    )
    return _page(view["citation"], body)


def document_html(ws: Workspace, doc: Document, view: dict[str, Any]) -> str:
    rows = "".join(
        f"<dt>{_e(k)}</dt><dd>{_e(', '.join(v) if isinstance(v, list) else v)}</dd>"
        for k, v in view.items()
        if k not in {"clauses", "iri", "id"} and v not in (None, [], "")
    )
    items = "".join(
        f'<li><a href="/eli/{_e(c.id)}">{_e("/".join(c.path))} {_e(c.heading or c.text[:40])}</a></li>'
        for c in doc.clauses
        if c.level <= 2
    )
    body = f"<h1>{_e(doc.meta.title)}</h1><dl>{rows}</dl><h2>条款</h2><ul>{items}</ul>"
    return _page(doc.meta.title, body)
