"""RFC 9457 problem+json for every error, with field paths for validation errors."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from kith.api.responses import ProblemJSON
from kith.core.errors import KithError, TooManyRequests
from kith.db.errors import CONFLICT_DETAIL


def problem(
    status: int,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
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
    body.update(extra or {})
    headers = dict(headers or {})
    if "Retry-After" in headers:
        body["retry_after"] = int(headers["Retry-After"])
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return ProblemJSON(body, status_code=status, headers=headers or None)


def problem_headers(exc: KithError) -> dict[str, str] | None:
    """Headers an error carries besides its body: ``Retry-After`` when throttled."""
    if isinstance(exc, TooManyRequests):
        return {**exc.headers, "Retry-After": str(exc.retry_after)}
    return None


def problem_extra(exc: BaseException | None) -> dict[str, Any] | None:
    """Members a problem carries besides the standard ones: for a version conflict, who
    changed the record (``changed_by``)."""
    changed_by = getattr(exc, "changed_by", None)
    return {"changed_by": jsonable(changed_by)} if changed_by else None


def jsonable(value: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in value.items()}


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
            exc.status,
            exc.title,
            exc.detail,
            [e.as_dict() for e in exc.errors],
            request.url.path,
            problem_headers(exc),
            problem_extra(exc),
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


# --- the problem responses every operation documents ------------------------------------

PROBLEM_SCHEMA_REF = "#/components/schemas/Problem"
PROBLEM_RESPONSES: dict[str, str] = {
    "401": "Not signed in, or the credential is unknown, expired or revoked",
    "403": "Signed in, but the role, the record scope or the API key's scopes do not allow it",
    "404": "No such record in your workspace (or outside your record scope)",
    "409": "Conflict: a stale version, or a unique value already taken",
    "413": "The request body is larger than this endpoint accepts",
    "422": "The request is not valid; errors[].loc names each field",
    "429": "Over a rate limit: Retry-After and RateLimit-* headers say when to retry",
}
PROBLEM_SCHEMAS: dict[str, Any] = {
    "Problem": {
        "title": "Problem",
        "description": "RFC 9457 problem details (application/problem+json).",
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "instance": {"type": "string"},
            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemError"}},
        },
    },
    "ProblemError": {
        "title": "ProblemError",
        "type": "object",
        "required": ["loc", "msg", "type"],
        "properties": {
            "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
            "msg": {"type": "string"},
            "type": {"type": "string"},
        },
    },
}


def document(openapi: dict[str, Any]) -> dict[str, Any]:
    """Every operation documents its error answers as application/problem+json (the
    validation errors FastAPI documents as application/json are replaced)."""
    content = {"application/problem+json": {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in PROBLEM_RESPONSES.items():
                own = responses.get(code, {}).get("description")
                keep = own and own not in ("Validation Error", "Successful Response")
                responses[code] = {"description": own if keep else description, "content": content}
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(PROBLEM_SCHEMAS)
    text = json.dumps(openapi["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f"#/components/schemas/{unused}" not in text:
            schemas.pop(unused, None)
    return openapi
