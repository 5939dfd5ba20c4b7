"""HTTP routes of the agents context: list, pause, resume, and the live feed (SSE)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from kith.access.principal import Principal
from kith.agents.builtin import builtin_registry
from kith.agents.schemas import AgentOut, FeedItem
from kith.agents.service import AgentAdmin
from kith.agents.wiring import agents_consumer  # noqa: F401 - registers the agents consumer
from kith.api.deps import CurrentPrincipal, UoW, get_container, requires_scope
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.serialize import dumps

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Agents"])
FEED_POLL_SECONDS = 0.5
AgentKey = Annotated[str, Path(description="The agent's name (e.g. service) or id", max_length=64)]


@router.get("/agents", response_model=list[AgentOut], dependencies=[requires_scope("agents:read")])
def list_agents(uow: UoW, principal: CurrentPrincipal) -> list[AgentOut]:
    """The workspace's agents, their status, budget and recent activity."""
    agents = AgentAdmin(uow, principal, builtin_registry()).agents()
    uow.commit()  # the first listing registers the built-in agents of a new workspace
    return agents


@router.post(
    "/agents/{agent}/pause", response_model=AgentOut, dependencies=[requires_scope("agents:write")]
)
def pause_agent(agent: AgentKey, uow: UoW, principal: CurrentPrincipal) -> AgentOut:
    """Stop the agent: it perceives and does nothing until resumed."""
    out = AgentAdmin(uow, principal, builtin_registry()).set_status(agent, "paused")
    uow.commit()
    return out


@router.post(
    "/agents/{agent}/resume", response_model=AgentOut, dependencies=[requires_scope("agents:write")]
)
def resume_agent(agent: AgentKey, uow: UoW, principal: CurrentPrincipal) -> AgentOut:
    out = AgentAdmin(uow, principal, builtin_registry()).set_status(agent, "active")
    uow.commit()
    return out


@router.get(
    "/agents/feed",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
    dependencies=[requires_scope("agents:read")],
)
def agent_feed(
    request: Request,
    container: Annotated[Container, Depends(get_container)],
    uow: UoW,
    principal: CurrentPrincipal,
    after: Annotated[str | None, Query(max_length=32, description="Items after this id")] = None,
    wait: Annotated[float, Query(ge=0, le=300, description="Seconds to keep streaming")] = 30,
    last_event_id: Annotated[str | None, Header(max_length=32)] = None,
) -> StreamingResponse:
    """What agents perceive and do, as server-sent events (``event:`` is the phase,
    ``data:`` a feed item). Without a cursor the stream starts with the latest items;
    it ends after ``wait`` seconds and a browser's EventSource reconnects with
    ``Last-Event-ID``."""
    # permission check before streaming
    AgentAdmin(uow, principal, builtin_registry()).feed(None, 1)
    cursor = after or last_event_id
    return StreamingResponse(
        _stream(request, container, principal, cursor, wait), media_type="text/event-stream"
    )


async def _stream(
    request: Request, container: Container, principal: Principal, cursor: str | None, wait: float
) -> AsyncIterator[bytes]:
    deadline = time.monotonic() + wait
    yield b"retry: 1000\n\n"
    while True:
        items = await run_in_threadpool(_feed_page, container, principal, cursor)
        for item in items:
            cursor = item.id
            yield f"id: {item.id}\nevent: {item.phase}\ndata: ".encode() + dumps(item) + b"\n\n"
        if time.monotonic() >= deadline or await request.is_disconnected():
            return
        await asyncio.sleep(FEED_POLL_SECONDS)


def _feed_page(container: Container, principal: Principal, cursor: str | None) -> list[FeedItem]:
    with container.uow() as uow:
        return AgentAdmin(uow, principal, builtin_registry()).feed(cursor)
