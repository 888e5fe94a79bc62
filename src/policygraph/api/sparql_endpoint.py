"""``/sparql``: the SPARQL 1.1 Protocol, read-only.

GET ``?query=``, POST ``application/x-www-form-urlencoded`` (``query=``) and POST
``application/sparql-query``. Results by ``Accept``: SPARQL JSON/XML, CSV, TSV for SELECT and ASK;
Turtle, N-Triples, JSON-LD for CONSTRUCT and DESCRIBE. No query: the service description.
Updates (``update=``, ``application/sparql-update``, or update operations in ``query``) and
``SERVICE`` are refused with 403/400 before anything runs; syntax errors are 400 with the
parser's message; the time limit is 504 and the row cap 400 (settings ``sparql_timeout_ms``,
``sparql_max_rows``).
"""

from __future__ import annotations

import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import QueryError
from ..sparql import GRAPH_TYPES, SELECT_TYPES, serialize
from ..workspace import Workspace
from .errors import error_body
from .linked_data import negotiate

router = APIRouter(tags=["sparql"])
MAX_QUERY_BYTES = 100_000
RESULT_MEDIA = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_MEDIA = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "json-ld": "application/ld+json",
}
FORMATS = {
    "application/sparql-results+json": "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    "application/sparql-results+xml": "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    "text/csv": "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    "text/tab-separated-values": "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    "text/turtle": "http://www.w3.org/ns/formats/Turtle",
    "application/n-triples": "http://www.w3.org/ns/formats/N-Triples",
    "application/ld+json": "http://www.w3.org/ns/formats/JSON-LD",
}


class ReadOnly(QueryError):
    """An update sent to the read-only endpoint."""


def _refuse_update() -> JSONResponse:
    return JSONResponse(
        error_body(403, "this SPARQL endpoint is read-only: updates are refused"), status_code=403
    )


def _description(request: Request, ws: Workspace, accept: str | None) -> Response:
    url = str(request.url_for("sparql_get"))
    formats = " , ".join(f"<{f}>" for f in FORMATS.values())
    graphs = "".join(
        f" ;\n    sd:namedGraph [ a sd:NamedGraph ; sd:name <{d.iri}> ]" for d in ws.documents
    )
    ttl = f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix void: <http://rdfs.org/ns/void#> .
<{url}> a sd:Service ;
  sd:endpoint <{url}> ;
  sd:supportedLanguage sd:SPARQL11Query ;
  sd:feature sd:UnionDefaultGraph ;
  sd:resultFormat {formats} ;
  sd:defaultDataset [ a sd:Dataset ;
    sd:defaultGraph [ a sd:Graph ; void:triples {len(ws.store)} ]{graphs} ] .
"""
    media = (
        negotiate(accept, ["text/turtle", "application/ld+json"], "text/turtle") or "text/turtle"
    )
    if media == "application/ld+json":
        from rdflib import Graph

        return Response(
            Graph().parse(data=ttl, format="turtle").serialize(format="json-ld"), media_type=media
        )
    return Response(ttl, media_type="text/turtle; charset=utf-8")


async def _answer(request: Request, query: str) -> Response:
    ws: Workspace = request.app.state.workspace
    if len(query.encode("utf-8")) > MAX_QUERY_BYTES:
        return JSONResponse(
            error_body(413, f"query longer than {MAX_QUERY_BYTES} bytes"), status_code=413
        )
    accept = request.headers.get("accept")
    result = await run_in_threadpool(ws.sparql, query)
    if result.form in {"SELECT", "ASK"}:
        media = negotiate(accept, list(SELECT_TYPES), "application/sparql-results+json")
        if not media:
            return JSONResponse(
                error_body(
                    406,
                    f"cannot produce {accept} for {result.form}; offered: {', '.join(SELECT_TYPES)}",
                ),
                status_code=406,
            )
        fmt = SELECT_TYPES[media]
        return Response(serialize(result, fmt), media_type=f"{RESULT_MEDIA[fmt]}; charset=utf-8")
    media = negotiate(accept, list(GRAPH_TYPES), "text/turtle")
    if not media:
        return JSONResponse(
            error_body(
                406, f"cannot produce {accept} for {result.form}; offered: {', '.join(GRAPH_TYPES)}"
            ),
            status_code=406,
        )
    fmt = GRAPH_TYPES[media]
    return Response(serialize(result, fmt), media_type=f"{GRAPH_MEDIA[fmt]}; charset=utf-8")


def _check_dataset_params(params: dict[str, list[str]] | object) -> None:
    keys = params.keys() if hasattr(params, "keys") else []
    if any(
        k in keys
        for k in (
            "default-graph-uri",
            "named-graph-uri",
            "using-graph-uri",
            "using-named-graph-uri",
        )
    ):
        raise QueryError(
            "dataset parameters (default-graph-uri, named-graph-uri) are not supported: use GRAPH in the query"
        )


@router.get("/sparql", name="sparql_get", summary="SPARQL 1.1 query (GET)")
async def sparql_get(
    request: Request,
    query: Annotated[
        str | None, Query(description="SPARQL query (SELECT, ASK, CONSTRUCT, DESCRIBE).")
    ] = None,
) -> Response:
    """``?query=`` runs a read-only query; no query returns the service description."""
    params = request.query_params
    if "update" in params:
        return _refuse_update()
    _check_dataset_params(params)
    if query is None:
        return _description(request, request.app.state.workspace, request.headers.get("accept"))
    return await _answer(request, query)


@router.post("/sparql", summary="SPARQL 1.1 query (POST form or application/sparql-query)")
async def sparql_post(request: Request) -> Response:
    """Form-encoded ``query=`` or a raw ``application/sparql-query`` body."""
    ctype = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    body = await request.body()
    if len(body) > MAX_QUERY_BYTES * 3:
        return JSONResponse(error_body(413, "request body too large"), status_code=413)
    if ctype == "application/sparql-update":
        return _refuse_update()
    if ctype == "application/sparql-query":
        try:
            return await _answer(request, body.decode("utf-8"))
        except UnicodeDecodeError:
            raise QueryError("query body is not UTF-8") from None
    if ctype == "application/x-www-form-urlencoded":
        try:
            form = urllib.parse.parse_qs(
                body.decode("utf-8"), keep_blank_values=True, strict_parsing=False
            )
        except UnicodeDecodeError:
            raise QueryError("form body is not UTF-8") from None
        if "update" in form:
            return _refuse_update()
        _check_dataset_params(form)
        if "query" not in form:
            raise QueryError("missing query= parameter")
        return await _answer(request, form["query"][0])
    return JSONResponse(
        error_body(
            415, "send application/x-www-form-urlencoded (query=...) or application/sparql-query"
        ),
        status_code=415,
    )
