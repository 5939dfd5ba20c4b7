"""Agents over HTTP and the CLI: list, pause, resume, and the live feed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.app import create_app
from kith.container import Container
from kith.crm.models import Activity
from kith.events.models import ConsumedEvent, OutboxEvent
from tests.conftest import Workspace, sign_in
from tests.e2e.test_cli import kith

BUILT_IN = ["dispatch", "knowledge", "product_insight", "retention", "sales", "service"]


@pytest.fixture
def agents_client(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("KITH_AGENTS_ENABLED", "true")
    with TestClient(create_app(container)) as client:
        yield client


def _lead_handled(container: Container, lead_id: str, timeout: float = 30.0) -> None:
    """Wait until the agents consumer has committed its handling of the lead's event."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with container.uow() as uow:
            event_id = uow.session.scalar(
                select(OutboxEvent.event_id).where(OutboxEvent.subject_id == lead_id)
            )
            done = event_id and uow.session.get(ConsumedEvent, ("agents", event_id))
        if done:
            return
        time.sleep(0.05)
    raise AssertionError("the agents consumer did not handle the lead")


def _tasks(container: Container) -> list[str]:
    with container.uow() as uow:
        return list(uow.session.scalars(select(Activity.subject).where(Activity.kind == "task")))


def _feed(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/v1/agents/feed", headers=headers, params={"wait": 0, **params})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    items = []
    for block in response.text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "data" in fields:
            item = json.loads(fields["data"])
            assert (fields["id"], fields["event"]) == (item["id"], item["phase"])
            items.append(item)
    return items


def test_admins_list_pause_and_resume_agents_and_watch_them_work(
    agents_client: TestClient, container: Container, workspace: Workspace
) -> None:
    admin = sign_in(agents_client, workspace.users["admin"].email)
    agents = admin.get("/agents")
    assert [a["name"] for a in agents] == BUILT_IN
    sales = next(a for a in agents if a["name"] == "sales")
    assert (sales["status"], sales["role"]) == ("active", "agent_sales")
    assert "lead.created" in sales["subscriptions"] and "tasks.create" in sales["tools"]

    paused = admin.post("/agents/sales/pause", {}, expected=200)
    assert paused["status"] == "paused"
    quiet = admin.post(
        "/leads",
        {
            "name": "王芳",
            "company": "仁和医院",
            "title": "信息科主任",
            "industry": "healthcare",
            "source": "referral",
            "email": "wang.fang@renhe.example",
        },
    )
    _lead_handled(container, quiet["id"])
    assert _tasks(container) == []

    resumed = admin.post(f"/agents/{sales['id']}/resume", {}, expected=200)
    assert resumed["status"] == "active"
    lead = admin.post(
        "/leads",
        {
            "name": "李强",
            "company": "顺达物流",
            "title": "运营总监",
            "industry": "logistics",
            "source": "referral",
            "phone": "13800001111",
        },
    )
    _lead_handled(container, lead["id"])
    assert _tasks(container) == ["跟进新线索：李强（顺达物流）"]

    items = _feed(agents_client, admin.headers)
    mine = [i for i in items if i["agent"] == "sales"]
    assert [(i["phase"], i["tool"], i["status"]) for i in mine] == [
        ("perceived", None, None),
        ("acted", "tasks.create", "executed"),
    ]
    assert mine[1]["decision_id"] and mine[1]["latency_ms"] >= 0
    assert _feed(agents_client, admin.headers, after=mine[-1]["id"]) == []
    by_name = {a["name"]: a for a in admin.get("/agents")}
    assert by_name["sales"]["actions_last_hour"] == 1


def test_only_admins_manage_agents_and_only_their_own(
    agents_client: TestClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    admin = sign_in(agents_client, workspace.users["admin"].email)
    sales_rep = sign_in(agents_client, workspace.users["sales"].email)
    intruder = sign_in(agents_client, other_workspace.users["admin"].email)
    service_id = next(a["id"] for a in admin.get("/agents") if a["name"] == "service")
    sales_rep.get("/agents", expected=403)
    sales_rep.post("/agents/service/pause", {}, expected=403)
    assert agents_client.get("/api/v1/agents/feed", headers=sales_rep.headers).status_code == 403
    intruder.post(f"/agents/{service_id}/pause", {}, expected=404)
    assert next(a for a in admin.get("/agents") if a["name"] == "service")["status"] == "active"
    admin.post("/agents/nobody/pause", {}, expected=404)


def test_the_cli_lists_pauses_and_resumes_agents(tmp_path: Path) -> None:
    init = kith(tmp_path, "init", "--json")
    assert init.returncode == 0, init.stderr
    listed = kith(tmp_path, "agents", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [a["name"] for a in json.loads(listed.stdout)] == BUILT_IN
    paused = kith(tmp_path, "agents", "pause", "retention")
    assert (paused.returncode, paused.stdout.strip()) == (0, "retention is paused")
    table = kith(tmp_path, "agents", "list").stdout
    assert "retention        paused" in table and "service          active" in table
    assert kith(tmp_path, "agents", "resume", "retention").stdout.strip() == "retention is active"
    missing = kith(tmp_path, "agents", "pause", "nobody")
    assert missing.returncode == 2 and "agent nobody not found" in missing.stderr
