"""FastAPI app factory: the index is loaded once in the lifespan and kept in ``app.state``.

Routers are thin: they parse parameters, call the ``Workspace`` and map its dataclasses to JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Query, Request
from fastapi.middleware.cors import CORSMiddleware

from ..errors import QueryError
from ..settings import Settings
from ..workspace import Workspace
from . import errors


def parse_date(value: str | None) -> dt.date | None:
    """An ISO date parameter, or a QueryError saying what is wrong with it."""
    if value is None or value == "":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"as_of must be an ISO date (YYYY-MM-DD), got {value[:40]!r}") from None


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
        _ = ws.searcher  # load the search index and the encoder before the first request
        app.state.workspace = ws
        yield

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
        }

    @app.get("/search", tags=["search"])
    def search(
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
        return ws(request).search(
            q, k=k, firm_in=firm_in, as_of=parse_date(as_of), only_applicable=only_applicable
        )

    return app
