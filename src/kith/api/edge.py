"""The HTTP edge: request-body limits, value checks every backend needs, security headers.

Two ASGI middlewares wrap the whole application (API, web UI, static files):

``RequestGuard``
    * caps the request body per route class (``BODY_LIMITS``: 1 MB by default,
      more for file imports), by ``Content-Length`` and by the bytes actually
      streamed, with 413 problem+json;
    * rejects NUL characters (``\\u0000``, ``%00``) in the path, the query, a
      JSON body and a url-encoded form, and JSON integers outside the signed 64-bit
      range, with 422 problem+json naming the field (``["body", "name"]``,
      ``["query", "q"]``). PostgreSQL cannot store NUL in text and neither backend
      stores integers beyond 64 bits, so both backends answer the same way.

``SecurityHeaders``
    sets ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``,
    ``Referrer-Policy`` and a ``Content-Security-Policy`` fitting the response type
    on every response: JSON and files get ``default-src 'none'``; HTML keeps the
    policy its route set (the UI shell, the decision page, the Swagger UI page)
    and always gains ``frame-ancestors 'none'``; other HTML gets a policy
    allowing only its own inline styles and same-origin images and forms.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kith.core.serialize import dumps

MB = 1024 * 1024
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
DEFAULT_BODY_LIMIT = 1 * MB
# (method, path prefix, limit): the first match wins; uploads are multipart, so the
# file size limit of the import (20 MB) plus room for the form framing.
BODY_LIMITS: tuple[tuple[str, str, int], ...] = (
    ("POST", "/api/v1/web/import/", 21 * MB),
    # knowledge uploads (KITH_KNOWLEDGE_MAX_UPLOAD_BYTES, 20 MB by default, says why)
    ("POST", "/api/v1/knowledge/documents", 21 * MB),
    # batch telemetry: up to 10,000 NDJSON lines
    ("POST", "/api/v1/events/batch", 10 * MB),
)
FORM = "application/x-www-form-urlencoded"

API_CSP = "default-src 'none'; frame-ancestors 'none'"
HTML_CSP = "; ".join(
    (
        "default-src 'none'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)


def checked_media(content_type: bytes) -> str | None:
    """Which checks a body gets: ``json`` (FastAPI reads a body without a content type
    as JSON too) or the form type; None for bodies that are only counted (uploads)."""
    media = content_type.decode("latin-1").split(";")[0].strip().lower()
    if media == FORM:
        return FORM
    if media in ("", "application/json") or media.endswith(("/json", "+json")):
        return "json"
    return None


def body_limit(method: str, path: str) -> int:
    for limit_method, prefix, limit in BODY_LIMITS:
        if method == limit_method and path.startswith(prefix):
            return limit
    return DEFAULT_BODY_LIMIT


@dataclass(frozen=True)
class Invalid:
    loc: list[str | int]
    msg: str
    type: str


class _TooLarge(Exception):
    pass


def _problem(status: int, title: str, detail: str, path: str, errors: list[Invalid]) -> bytes:
    body: dict[str, Any] = {
        "type": f"https://kith.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": path,
    }
    if errors:
        body["errors"] = [{"loc": e.loc, "msg": e.msg, "type": e.type} for e in errors]
    return dumps(body)


async def _send_problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    path: str,
    errors: list[Invalid] | None = None,
) -> None:
    body = _problem(status, title, detail, path, errors or [])
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# --- value checks -------------------------------------------------------------------


def json_problems(value: Any, loc: list[str | int]) -> Iterable[Invalid]:
    """NUL characters in strings (values and keys) and integers beyond 64 bits."""
    if isinstance(value, str):
        if "\x00" in value:
            yield Invalid(loc, "must not contain NUL characters", "string_nul")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            yield Invalid(loc, "must fit a signed 64-bit integer", "int_range")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield Invalid([*loc, key], "field names must not contain NUL", "string_nul")
            yield from json_problems(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from json_problems(item, [*loc, index])


def _pairs_problems(pairs: list[tuple[str, str]], where: str) -> list[Invalid]:
    return [
        Invalid([where, key], "must not contain NUL characters", "string_nul")
        for key, value in pairs
        if "\x00" in key or "\x00" in value
    ]


def url_problems(scope: Scope) -> list[Invalid]:
    errors: list[Invalid] = []
    raw_path = scope.get("raw_path") or scope["path"].encode()
    if b"\x00" in unquote_to_bytes(raw_path) or "\x00" in scope["path"]:
        errors.append(Invalid(["path"], "must not contain NUL characters", "string_nul"))
    query = scope.get("query_string", b"").decode("latin-1")
    if query:
        pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace")
        errors.extend(_pairs_problems(pairs, "query"))
    return errors


def body_problems(media: str, body: bytes) -> list[Invalid]:
    if media == "json":
        if b"\\u0000" not in body and not _may_hold_big_int(body):
            return []
        try:
            parsed = json.loads(body)
        except ValueError:
            return []  # malformed JSON: the route answers 422 with the parser's position
        return list(json_problems(parsed, ["body"]))
    text = body.decode("utf-8", errors="replace")
    return _pairs_problems(parse_qsl(text, keep_blank_values=True), "body")


_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def _may_hold_big_int(body: bytes) -> bool:
    """A run of 19 or more digits: a cheap pre-check before parsing."""
    return _LONG_DIGITS.search(body) is not None


# --- middlewares --------------------------------------------------------------------


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        errors = url_problems(scope)
        if errors:
            await _send_problem(send, 422, "Validation failed", _DETAIL_422, path, errors)
            return
        limit = body_limit(scope["method"], path)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_problem(send, 413, "Content too large", _detail_413(limit), path)
            return
        media = checked_media(headers.get(b"content-type", b""))
        if media is not None:
            await self._buffered(scope, receive, send, limit, media)
        else:
            await self._streamed(scope, receive, send, limit)

    async def _buffered(
        self, scope: Scope, receive: Receive, send: Send, limit: int, media: str
    ) -> None:
        """Read the (small) body first, check its values, then replay it to the app."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_problem(
                    send, 413, "Content too large", _detail_413(limit), scope["path"]
                )
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        errors = body_problems(media, body)
        if errors:
            await _send_problem(send, 422, "Validation failed", _DETAIL_422, scope["path"], errors)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Count the bytes as the app reads them; past the limit, answer 413 instead."""
        size = 0
        exceeded = False
        started = False

        async def counting() -> Message:
            nonlocal size, exceeded
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    exceeded = True
                    raise _TooLarge()
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the app makes of the broken read, the answer is 413
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counting, guarded_send)
        if exceeded and not started:
            await _send_problem(send, 413, "Content too large", _detail_413(limit), scope["path"])


_DETAIL_422 = "The request is not valid; nothing was written."


def _detail_413(limit: int) -> str:
    return f"The request body is larger than this endpoint accepts ({limit // MB} MB)."


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secure_headers(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, with_headers)


def secure_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {name.lower(): value for name, value in headers}
    media = present.get(b"content-type", b"").split(b";")[0].strip().lower()
    out = [(n, v) for n, v in headers if n.lower() != b"content-security-policy"]
    csp = present.get(b"content-security-policy")
    if media == b"text/html":
        policy = csp.decode("latin-1") if csp else HTML_CSP
        if "frame-ancestors" not in policy:
            policy = f"{policy}; frame-ancestors 'none'"
    else:
        policy = csp.decode("latin-1") if csp else API_CSP
    out.append((b"content-security-policy", policy.encode("latin-1")))
    for name, value in (
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ):
        if name not in present:
            out.append((name, value))
    return out
