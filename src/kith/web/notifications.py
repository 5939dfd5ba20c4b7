"""The web app's notification centre: unread count, a live count stream (server-sent
events, like the agents feed) and marking notifications read. Listing them is the
gateway's ``GET /api/v1/notifications``; drafts are ``GET /api/v1/messages?status=draft``.

Reading a notification changes only the reader's own inbox row (``read_at``); it is not a
change to customer data, so it appends no domain event.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kith.access.principal import Principal
from kith.api.deps import CurrentPrincipal, Now, UoW, get_container, requires_scope
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.serialize import dumps
from kith.gateway.repository import GatewayRepository

router = APIRouter(
    prefix="/api/v1/web/notifications", default_response_class=KithJSON, tags=["Web UI"]
)
POLL_SECONDS = 2.0


class MarkRead(BaseModel):
    ids: list[str] | None = Field(
        default=None, max_length=500, description="Notifications to mark read; none: all"
    )


def _unread(session: Any, principal: Principal) -> int:
    return GatewayRepository(session, principal).unread_count()


@router.get("/unread", response_model=None, dependencies=[requires_scope("notifications:read")])
def unread_count(uow: UoW, principal: CurrentPrincipal) -> dict[str, int]:
    """How many of the signed-in user's notifications are unread."""
    return {"unread": _unread(uow.session, principal)}


@router.post("/read", response_model=None, dependencies=[requires_scope("notifications:read")])
def mark_read(body: MarkRead, uow: UoW, principal: CurrentPrincipal, now: Now) -> dict[str, int]:
    """Mark the user's own notifications read (the listed ones, or all); the new count."""
    GatewayRepository(uow.session, principal).mark_read(body.ids, now)
    unread = _unread(uow.session, principal)
    uow.commit()
    return {"unread": unread}


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
    dependencies=[requires_scope("notifications:read")],
)
def unread_stream(
    request: Request,
    container: Annotated[Container, Depends(get_container)],
    principal: CurrentPrincipal,
    wait: Annotated[float, Query(ge=0, le=300, description="Seconds to keep streaming")] = 60,
) -> StreamingResponse:
    """The unread count as server-sent events (``event: unread``), sent at once and again
    whenever it changes; the stream ends after ``wait`` seconds and EventSource reconnects."""
    return StreamingResponse(
        _stream(request, container, principal, wait), media_type="text/event-stream"
    )


async def _stream(
    request: Request, container: Container, principal: Principal, wait: float
) -> AsyncIterator[bytes]:
    deadline = time.monotonic() + wait
    yield b"retry: 2000\n\n"
    last: int | None = None
    while True:
        count = await run_in_threadpool(_count, container, principal)
        if count != last:
            last = count
            yield b"event: unread\ndata: " + dumps({"unread": count}) + b"\n\n"
        if time.monotonic() >= deadline or await request.is_disconnected():
            return
        await asyncio.sleep(POLL_SECONDS)


def _count(container: Container, principal: Principal) -> int:
    with container.uow() as uow:
        return _unread(uow.session, principal)
