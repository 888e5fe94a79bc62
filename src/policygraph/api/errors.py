"""Domain errors -> HTTP statuses, in one place; every error body is JSON with a message."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import (
    IndexError_,
    NotFoundError,
    PolicyGraphError,
    QueryError,
    SparqlLimitError,
    SparqlTimeout,
)

STATUS = [
    (NotFoundError, 404),
    (SparqlTimeout, 504),
    (SparqlLimitError, 400),
    (QueryError, 400),
    (IndexError_, 503),
    (PolicyGraphError, 400),
]


def status_for(exc: PolicyGraphError) -> int:
    """The HTTP status of a domain error."""
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def error_body(status: int, message: str, **extra: object) -> dict[str, object]:
    return {"error": {"status": status, "message": message, **extra}}


def install(app: FastAPI) -> None:
    """Register the handlers: domain errors, validation errors, HTTP errors, and a last resort."""

    @app.exception_handler(PolicyGraphError)
    async def domain(_: Request, exc: PolicyGraphError) -> JSONResponse:
        status = status_for(exc)
        return JSONResponse(
            error_body(status, str(exc), type=type(exc).__name__), status_code=status
        )

    @app.exception_handler(RequestValidationError)
    async def validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        message = (
            "; ".join(f"{'.'.join(map(str, d['loc']))}: {d['msg']}" for d in details)
            or "invalid request"
        )
        return JSONResponse(error_body(422, message, details=details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(exc.status_code, str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(
        _: Request, exc: Exception
    ) -> JSONResponse:  # pragma: no cover - last resort
        return JSONResponse(
            error_body(500, f"internal error: {type(exc).__name__}"), status_code=500
        )
