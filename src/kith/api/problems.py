"""RFC 9457 problem+json for every error, with field paths for validation errors."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kith.api.responses import ProblemJSON
from kith.core.errors import KithError
from kith.db.errors import CONFLICT_DETAIL


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
) -> ProblemJSON:
    body: dict[str, Any] = {
        "type": f"https://kith.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return ProblemJSON(body, status_code=status, headers=headers)


def _clean_validation_error(error: Any) -> dict[str, Any]:
    return {
        "loc": list(error.get("loc", ())),
        "msg": error.get("msg", ""),
        "type": error.get("type", "value_error"),
    }


def install(app: FastAPI) -> None:
    @app.exception_handler(KithError)
    async def kith_error(request: Request, exc: KithError) -> ProblemJSON:
        return problem(
            exc.status, exc.title, exc.detail, [e.as_dict() for e in exc.errors], request.url.path
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> ProblemJSON:
        errors = [_clean_validation_error(e) for e in exc.errors()]
        return problem(
            422,
            "Validation failed",
            "The request is not valid; nothing was written.",
            errors,
            request.url.path,
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, exc: IntegrityError) -> ProblemJSON:
        return problem(409, "Conflict", CONFLICT_DETAIL, None, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> ProblemJSON:
        title = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized"}.get(
            exc.status_code, "Error"
        )
        return problem(exc.status_code, title, str(exc.detail), None, request.url.path)
