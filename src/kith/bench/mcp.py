"""``kith bench mcp``: what the MCP door costs over a direct gateway call.

The same tool call (``tasks.create`` for one contact, as an administrator's API key)
made ``calls`` times three ways, one after another: ``Gateway.execute`` in a unit of
work (the floor), ``POST /api/v1/tools/tasks.create/invoke`` over HTTP, and
``tools/call`` through the official MCP client over streamable HTTP — both against a
uvicorn server in this process on a free port, in a throw-away SQLite workspace under
``KITH_HOME/temp``."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import anyio
import httpx

from kith.access.repository import AccessRepository
from kith.access.service import authenticate, create_api_key
from kith.bench.harness import ADMIN_EMAIL, free_port, machine, workspace
from kith.container import Container
from kith.core.settings import Settings
from kith.core.stats import percentile
from kith.gateway.gateway import gateway_of

WARMUP = 20


def run(calls: int = 300) -> dict[str, Any]:
    home = Settings().home / "temp"
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kith-bench-mcp-", dir=home) as tmp:
        container = workspace(f"sqlite:///{Path(tmp) / 'kith.db'}", Path(tmp))
        try:
            return _run(container, calls)
        finally:
            container.engine.dispose()


def _summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5), 2),
        "p99_ms": round(percentile(samples, 0.99), 2),
    }


def _run(container: Container, calls: int) -> dict[str, Any]:
    import uvicorn

    from kith.app import create_app

    with container.uow() as uow:
        access = AccessRepository(uow.session)
        tenant = access.tenant_by_slug("default")
        assert tenant is not None
        admin = access.user_in_tenant(tenant.id, ADMIN_EMAIL)
        assert admin is not None
        _, key = create_api_key(uow.session, admin, "bench mcp", ["*"])
        uow.commit()
    with container.uow() as uow:
        principal = authenticate(uow.session, key)
        created = gateway_of(container).execute(
            uow,
            principal,
            "records.create",
            {"object_type": "contact", "values": {"name": "Bench Contact"}},
            purpose="sales",
        )
        uow.commit()
    assert created.output is not None, created.reason
    args = {"subject": "follow up", "contact_id": created.output["record"]["id"]}
    direct = _direct(container, key, args, calls)

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    try:
        rest = _rest(url, key, args, calls)
        mcp = anyio.run(_mcp, url, key, args, calls)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    return {
        "benchmark": "mcp",
        "calls": calls,
        "tool": "tasks.create",
        "direct_gateway": _summary(direct),
        "rest": _summary(rest),
        "mcp": _summary(mcp),
        "mcp_overhead_p50_ms": round(percentile(mcp, 0.5) - percentile(direct, 0.5), 2),
        "mcp_over_rest_p50_ms": round(percentile(mcp, 0.5) - percentile(rest, 0.5), 2),
        "machine": machine(container),
    }


def _direct(container: Container, key: str, args: dict[str, Any], calls: int) -> list[float]:
    gateway = gateway_of(container)
    out: list[float] = []
    for n in range(WARMUP + calls):
        started = time.perf_counter()
        with container.uow() as uow:
            principal = authenticate(uow.session, key)
            result = gateway.execute(uow, principal, "tasks.create", args, purpose="sales")
            uow.commit()
        assert result.status == "executed", result.reason
        if n >= WARMUP:
            out.append((time.perf_counter() - started) * 1000)
    return out


def _rest(url: str, key: str, args: dict[str, Any], calls: int) -> list[float]:
    out: list[float] = []
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
        for n in range(WARMUP + calls):
            started = time.perf_counter()
            response = client.post(
                "/api/v1/tools/tasks.create/invoke", json={"args": args, "purpose": "sales"}
            )
            assert response.status_code == 200, response.text
            if n >= WARMUP:
                out.append((time.perf_counter() - started) * 1000)
    return out


async def _mcp(url: str, key: str, args: dict[str, Any], calls: int) -> list[float]:
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    out: list[float] = []
    headers = {"Authorization": f"Bearer {key}"}
    async with (
        httpx.AsyncClient(headers=headers, timeout=30) as http,
        streamable_http_client(f"{url}/mcp", http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        for n in range(WARMUP + calls):
            started = time.perf_counter()
            result = await session.call_tool("tasks.create", {**args, "purpose": "sales"})
            assert not result.isError, result.content
            if n >= WARMUP:
                out.append((time.perf_counter() - started) * 1000)
    return out
