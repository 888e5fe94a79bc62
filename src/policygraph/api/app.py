"""FastAPI app factory: the index is loaded once in the lifespan and kept in ``app.state``.

Routers are thin: they parse parameters, call the ``Workspace`` and map its dataclasses to JSON.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from ..errors import QueryError
from ..settings import Settings
from ..workspace import Workspace, paused_gc
from . import errors, linked_data, views
from .sparql_endpoint import router as sparql_router

logger = logging.getLogger("policygraph.api")
WIDGET_DIR = Path(__file__).resolve().parents[3] / "api" / "widget"
DateParam = Annotated[
    str | None,
    Query(
        description="Date for status and applicability (YYYY-MM-DD); default today.", max_length=40
    ),
]


def parse_date(value: str | None) -> dt.date | None:
    """An ISO date parameter, or a QueryError saying what is wrong with it."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"as_of must be an ISO date (YYYY-MM-DD), got {value[:40]!r}") from None


def warm(ws: Workspace) -> None:
    """Load the search index and encoder and derive the lookup tables, then freeze them."""
    with paused_gc():
        _ = ws.clauses_by_id, ws.facts, ws.searcher
        _ = ws.concept_index, ws.reverse_links, ws.measure_ids
    # Millions of long-lived objects (clauses, facts) would be rescanned by every full GC pass,
    # stalling requests for seconds at 1M clauses: move them out of the collector's reach (no
    # collection first: it would scan them all once more; loading makes next to no cycles).
    gc.freeze()


def prepare(ws: Workspace, settings: Settings) -> None:
    """Load everything a request needs before the first one: search index, encoder, SPARQL pool."""
    from ..sparql_pool import SparqlPool

    warm(ws)
    if settings.sparql_workers > 0 and settings.sparql_backend in {"oxigraph", "rdflib"}:
        ws.__dict__["store"] = SparqlPool(
            ws.index_dir, settings.sparql_backend, workers=settings.sparql_workers
        )
    else:
        _ = ws.store


def close(ws: Workspace) -> None:
    store = ws.__dict__.get("store")
    if store is not None and hasattr(store, "close"):
        store.close()
    # the searcher refers back to its workspace: break the cycle so that reference counting frees
    # a swapped-out index (frozen objects are never visited by the cyclic collector)
    ws.__dict__.pop("searcher", None)


def _stamp(index_path: Path) -> tuple[int, int] | None:
    try:
        st = (index_path / "manifest.json").stat()
    except OSError:
        return None
    return (st.st_ino, st.st_mtime_ns)


async def watch(app: FastAPI, index_path: Path, settings: Settings) -> None:
    """Swap in a rebuilt index atomically: requests in flight finish on the index they started with."""
    current = _stamp(index_path)
    while True:
        await asyncio.sleep(settings.reload_interval_s)
        stamp = _stamp(index_path)
        if stamp is None or stamp == current:
            continue
        try:
            new = await run_in_threadpool(Workspace.load, index_path, settings)
            await run_in_threadpool(prepare, new, settings)
        except Exception as exc:  # a broken rebuild is not served; the old index stays
            logger.error(
                "index at %s changed but cannot be loaded, keeping the current one: %s",
                index_path,
                exc,
            )
            current = stamp
            continue
        old, app.state.workspace = app.state.workspace, new
        app.state.swaps = getattr(app.state, "swaps", 0) + 1
        current = stamp
        logger.info("swapped in the index built at %s", new.manifest.get("built_at"))
        asyncio.get_running_loop().call_later(
            max(30.0, settings.sparql_timeout_ms / 1000 * 2), close, old
        )


def create_app(
    index_dir: Path | str | None = None,
    settings: Settings | None = None,
    workspace: Workspace | None = None,
) -> FastAPI:
    """The service for one index directory (or an already loaded workspace)."""
    settings = settings or Settings()
    index_path = Path(index_dir or settings.index_dir)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ws = workspace or Workspace.load(index_path, settings)
        prepare(ws, settings)
        app.state.workspace = ws
        watcher = None
        if settings.reload_interval_s > 0 and (index_path / "manifest.json").exists():
            watcher = asyncio.create_task(watch(app, index_path, settings))
        try:
            yield
        finally:
            if watcher is not None:
                watcher.cancel()
            close(app.state.workspace)

    app = FastAPI(
        title="policygraph",
        version="0.1.0",
        summary="Chinese policy documents as a knowledge graph: search, clauses, documents, SPARQL.",
        lifespan=lifespan,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["*"],
    )
    errors.install(app)

    def ws(request: Request) -> Workspace:
        return request.app.state.workspace  # type: ignore[no-any-return]

    @app.get("/health", tags=["service"])
    def health(request: Request) -> dict[str, Any]:
        """Liveness and what is loaded."""
        w = ws(request)
        return {
            "status": "ok",
            "documents": len(w.documents),
            "clauses": len(w.clauses),
            "model": w.manifest.get("model", {}),
            "built_at": w.manifest.get("built_at"),
            "index_swaps": getattr(request.app.state, "swaps", 0),
        }

    @app.get("/search", tags=["search"])
    async def search(
        request: Request,
        q: Annotated[str, Query(description="Question in Chinese or English.", max_length=10_000)],
        k: Annotated[int, Query(ge=1, le=1000, description="Number of results.")] = 10,
        firm_in: Annotated[
            str | None,
            Query(
                description="Where the asking firm is registered: 厦门市, Xiamen or 350200.",
                max_length=100,
            ),
        ] = None,
        as_of: Annotated[
            str | None,
            Query(description="Date of the answer (YYYY-MM-DD); default today.", max_length=40),
        ] = None,
        only_applicable: Annotated[
            bool, Query(description="Only clauses that apply to the firm on the date.")
        ] = False,
    ) -> dict[str, Any]:
        """Clauses that answer a question, with amounts, applicability (``applies``, ``why``) and citations."""
        # A few milliseconds of GIL-bound work: run it on the event loop. Handing it to the thread
        # pool only adds thread switches (16 concurrent requests: about half the throughput).
        answer = ws(request).search(
            q, k=k, firm_in=firm_in, as_of=parse_date(as_of), only_applicable=only_applicable
        )
        # plain JSON types already: skip FastAPI's per-field encoder walk on the hot path
        return JSONResponse(answer)  # type: ignore[return-value]

    @app.get("/clauses/{clause_id:path}", tags=["graph"])
    def clause(request: Request, clause_id: str, as_of: DateParam = None) -> dict[str, Any]:
        """A clause: text, document, parent and children, amounts, facts, references in and out."""
        w = ws(request)
        return views.clause_view(w, w.clause(clause_id), parse_date(as_of))

    @app.get("/documents", tags=["graph"])
    def documents(request: Request, as_of: DateParam = None) -> dict[str, Any]:
        """Every document with its metadata and status on ``as_of``."""
        w = ws(request)
        day = parse_date(as_of)
        return {"documents": [views.document_view(w, d, day, tree=False) for d in w.documents]}

    @app.get("/documents/{doc_id:path}", tags=["graph"])
    def document(request: Request, doc_id: str, as_of: DateParam = None) -> dict[str, Any]:
        """A document (by ID, IRI or 文号): metadata, status on a date, clause tree."""
        w = ws(request)
        return views.document_view(w, w.document(doc_id), parse_date(as_of))

    @app.get("/jurisdictions", tags=["graph"])
    def jurisdictions(
        request: Request,
        name: Annotated[
            str | None,
            Query(description="Resolve a place name, alias or English name.", max_length=100),
        ] = None,
    ) -> dict[str, Any]:
        """Jurisdictions of the corpus with their hierarchy; ``?name=`` resolves one place."""
        from ..query import resolve_place

        w = ws(request)
        if name is not None:
            place = resolve_place(name, w.gazetteer)
            if place is None:
                raise QueryError("empty place name (name)")
            return {
                "place": {
                    "code": place.code,
                    "name": place.name,
                    "english": place.english,
                    "level": place.level,
                    "chain": w.gazetteer.chain(place.code),
                }
            }
        return {"places": views.jurisdictions_view(w)}

    @app.get("/eli/{identifier:path}", tags=["linked data"], response_class=Response)
    def dereference(
        request: Request,
        identifier: str,
        format: Annotated[
            str | None,
            Query(description="html, ttl, jsonld or nt (instead of Accept)", max_length=10),
        ] = None,
        as_of: DateParam = None,
    ) -> Response:
        """A document or clause IRI: HTML for a browser, JSON-LD, Turtle or N-Triples on request."""
        w = ws(request)
        offered = ["text/html", *linked_data.RDF_TYPES]
        accept = (
            linked_data.FORMAT_ALIASES.get(format or "", request.headers.get("accept"))
            if format
            else request.headers.get("accept")
        )
        media = linked_data.negotiate(accept, offered, "text/html")
        if not media:
            raise QueryError(f"cannot produce {accept}; offered: {', '.join(offered)}")
        identifier = identifier.strip("/")
        if identifier in w.docs_by_id:
            doc = w.docs_by_id[identifier]
            if media == "text/html":
                return HTMLResponse(
                    linked_data.document_html(
                        w, doc, views.document_view(w, doc, parse_date(as_of))
                    )
                )
            return Response(
                linked_data.rdf_text(w, doc.iri, media), media_type=f"{media}; charset=utf-8"
            )
        c = w.clause(identifier)
        if media == "text/html":
            return HTMLResponse(
                linked_data.clause_html(w, c, views.clause_view(w, c, parse_date(as_of)))
            )
        iri = f"{w.docs_by_id[c.doc_id].iri}/{'/'.join(c.key)}"
        return Response(linked_data.rdf_text(w, iri, media), media_type=f"{media}; charset=utf-8")

    app.include_router(sparql_router)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/widget/")

    if WIDGET_DIR.is_dir():
        app.mount("/widget", StaticFiles(directory=str(WIDGET_DIR), html=True), name="widget")

    return app
