"""The MCP door, driven by the official SDK's client against a running server: tools
listed per the key's rights, calls governed like every other caller (a refused call, a
destructive call held for approval and run once a person approves), resources with
field rules, and keys without the scope."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from sqlalchemy import select

from kith.access import service as access
from kith.access.policy import plural_of
from kith.access.roles import RECORD_OBJECTS
from kith.container import Container
from kith.gateway.authz import GATEWAY_OBJECTS
from kith.gateway.models import DecisionRecord
from tests.conftest import PASSWORD, Workspace

T = TypeVar("T")


def _key(container: Container, workspace: Workspace, role: str, scopes: list[str]) -> str:
    with container.uow() as uow:
        user = uow.session.merge(workspace.users[role])
        _, secret = access.create_api_key(uow.session, user, f"mcp {role}", scopes)
        uow.commit()
    return secret


def _session(url: str, key: str, body: Callable[[ClientSession], Awaitable[T]]) -> T:
    async def run() -> T:
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            httpx.AsyncClient(headers=headers, timeout=30) as http,
            streamable_http_client(f"{url}/mcp", http_client=http) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await body(session)

    return anyio.run(run)


def _login(url: str, email: str) -> dict[str, str]:
    response = httpx.post(
        f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _contact(url: str, headers: dict[str, str], name: str) -> dict[str, Any]:
    response = httpx.post(f"{url}/api/v1/contacts", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


ALL_SCOPES = [
    "tools:read",
    "tools:write",
    "contacts:write",
    "activities:write",
    "refunds:write",
    "decisions:read",
]
# Every record and gateway object, but not the right to call tools.
EVERY_OBJECT_NO_CALLS = [
    "tools:read",
    *(f"{plural_of(o)}:write" for o in (*RECORD_OBJECTS, *GATEWAY_OBJECTS)),
]


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_tools_follow_the_keys_rights_and_calls_are_governed(
    container: Container, workspace: Workspace, live_server: str
) -> None:
    sales = _login(live_server, workspace.users["sales"].email)
    contact = _contact(live_server, sales, "林晓雯")
    key = _key(container, workspace, "sales", ALL_SCOPES)

    async def body(session: ClientSession) -> dict[str, Any]:
        tools = {t.name: t for t in (await session.list_tools()).tools}
        task = await session.call_tool(
            "tasks.create",
            {"subject": "回访林晓雯", "contact_id": contact["id"], "purpose": "sales"},
        )
        refund = await session.call_tool(
            "refunds.request",
            {"order_id": "0" * 32, "amount": "10.00", "currency": "CNY", "reason": "x"},
        )
        bad = await session.call_tool("tasks.create", {"subject": 42})
        decision_id = (task.structuredContent or {})["decision_id"]
        passport = await session.read_resource(f"kith://decisions/{decision_id}")  # type: ignore[arg-type]
        return {"tools": tools, "task": task, "refund": refund, "bad": bad, "passport": passport}

    out = _session(live_server, key, body)
    tools = out["tools"]
    # what a sales rep may do, and not what they may not (refunds belong to service)
    assert "tasks.create" in tools and "records.get" in tools
    assert "refunds.request" not in tools
    assert tools["records.delete"].annotations.destructiveHint is True
    assert tools["records.get"].annotations.readOnlyHint is True
    assert "创建任务" in (tools["tasks.create"].description or "")
    # an allowed call runs through the gateway and leaves a decision record as the key
    task = out["task"]
    assert not task.isError and task.structuredContent["status"] == "executed"
    passport = json.loads(out["passport"].contents[0].text)
    assert passport["tool"] == "tasks.create" and passport["status"] == "executed"
    assert passport["actor"]["kind"] == "api_key"
    # a call the rep may not make is refused with a reason, and recorded
    refund = out["refund"]
    assert refund.isError and refund.structuredContent["status"] == "refused"
    # wrong argument types never reach the gateway
    assert out["bad"].isError and "validation" in out["bad"].content[0].text.lower()


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_a_destructive_call_waits_for_a_person_and_runs_once_approved(
    container: Container, workspace: Workspace, live_server: str
) -> None:
    manager = _login(live_server, workspace.users["manager"].email)
    contact = _contact(live_server, manager, "Held Contact")
    key = _key(container, workspace, "manager", ALL_SCOPES)
    uri = f"kith://contacts/{contact['id']}"

    async def delete(session: ClientSession) -> Any:
        return await session.call_tool(
            "records.delete",
            {"object_type": "contact", "record_id": contact["id"], "version": contact["version"]},
        )

    held = _session(live_server, key, delete)
    payload = held.structuredContent
    assert not held.isError and payload["status"] == "pending_approval"
    assert payload["approval_id"]

    async def read(session: ClientSession) -> Any:
        return await session.read_resource(uri)  # type: ignore[arg-type]

    still_there = json.loads(_session(live_server, key, read).contents[0].text)
    assert still_there["name"] == "Held Contact"

    admin = _login(live_server, workspace.users["admin"].email)
    approved = httpx.post(
        f"{live_server}/api/v1/approvals/{payload['approval_id']}/approve",
        json={"reason": "checked with the customer"},
        headers=admin,
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["result"]["status"] == "executed", approved.text
    gone = httpx.get(f"{live_server}/api/v1/contacts/{contact['id']}", headers=manager)
    assert gone.status_code == 404


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_a_key_without_the_scope_lists_but_calls_nothing(
    container: Container, workspace: Workspace, live_server: str
) -> None:
    read_only = _key(container, workspace, "admin", EVERY_OBJECT_NO_CALLS)

    async def every_tool(session: ClientSession) -> tuple[int, list[Any]]:
        tools = (await session.list_tools()).tools
        results = [await session.call_tool(t.name, {}) for t in tools]
        return len(tools), results

    listed, results = _session(live_server, read_only, every_tool)
    assert listed > 20
    assert all(r.isError for r in results)
    # calls with acceptable arguments are stopped by the missing scope (the rest by the
    # argument check that comes first)
    scoped = [r for r in results if "tools:write" in r.content[0].text]
    assert scoped and all(
        "tools:write" in r.content[0].text or "validation" in r.content[0].text.lower()
        for r in results
    )
    with container.uow() as uow:  # nothing ran, nothing was even recorded
        assert uow.session.scalars(select(DecisionRecord)).first() is None


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_an_unknown_or_missing_key_is_refused_at_the_door(
    container: Container, live_server: str
) -> None:
    init = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    for headers in ({}, {"Authorization": "Bearer kak_0123456789ab_nope"}):
        response = httpx.post(
            f"{live_server}/mcp",
            json=init,
            headers={**headers, "Accept": "application/json, text/event-stream"},
        )
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["detail"]


@pytest.mark.parametrize("container", ["sqlite"], indirect=True)
def test_kith_mcp_serves_the_same_door_over_stdio(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    from mcp.client.stdio import StdioServerParameters, stdio_client

    key = _key(container, workspace, "sales", ALL_SCOPES)
    env = {
        **os.environ,
        "KITH_API_KEY": key,
        "KITH_DATABASE_URL": str(container.engine.url),
        "KITH_HOME": str(tmp_path),
        "KITH_MODE": "test",
    }
    params = StdioServerParameters(command=sys.executable, args=["-m", "kith", "mcp"], env=env)

    async def run() -> tuple[list[str], Any]:
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            names = [t.name for t in (await session.list_tools()).tools]
            refused = await session.call_tool(
                "refunds.request",
                {"order_id": "0" * 32, "amount": "10.00", "currency": "CNY", "reason": "x"},
            )
            return names, refused

    names, refused = anyio.run(run)
    assert "tasks.create" in names and "refunds.request" not in names
    assert refused.isError and refused.structuredContent["status"] == "refused"


def test_kith_mcp_without_a_key_exits_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "KITH_API_KEY"}
    env["KITH_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "kith", "mcp"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "KITH_API_KEY" in done.stderr
