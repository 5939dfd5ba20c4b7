"""Scenario S5 end to end over HTTP: the MES posts ``unit.off_line``; Kith records it,
proposes a work order and ranks the engineers (consumer → gateway); the dispatcher
reads the panel's content, overrides with a reason, and the visit runs its status flow.

"Now" is pinned (a Tuesday, 09:00 in Shanghai) for the endpoints and the gateway."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from kith.access.cache import access_changed
from kith.access.models import RolePermission
from kith.access.repository import AccessRepository
from kith.agents.builtin import builtin_registry
from kith.agents.models import AgentRow
from kith.agents.roster import ensure_agents
from kith.app import create_app
from kith.bootstrap import wire_services
from kith.container import Container
from kith.demo.fieldservice import seed_field_resources
from kith.events.models import OutboxEvent
from kith.gateway.models import DecisionRecord
from kith.timeline.models import TimelineEntry
from tests.conftest import Api, Workspace, sign_in

NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # Tue 09:00 Asia/Shanghai
UNIT = {
    "system": "MES",
    "serial": "LK6ADCE29SB100231",
    "asset_kind": "vin",
    "model": "EV-7 Pro",
    "customer": {"external_id": "crm-s5-1"},
    "address": "上海市浦东新区张江路 188 号",
    "region": "上海",
    "lat": 31.2050,
    "lon": 121.5900,
    "required_skills": ["installation", "hv_battery"],
    "window_start": "2026-12-09T02:00:00Z",  # Wed 10:00-17:00 in Shanghai
    "window_end": "2026-12-09T09:00:00Z",
    "duration_min": 120,
}


@pytest.fixture
def client(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("KITH_AGENTS_ENABLED", "true")  # the dispatch agent acts on units
    container.clock = lambda: NOW
    wire_services(container)  # the gateway takes the pinned clock too
    with TestClient(create_app(container)) as client:
        yield client


@pytest.fixture
def admin(client: TestClient, workspace: Workspace) -> Api:
    return sign_in(client, workspace.users["admin"].email)


def _wait_for_order(api: Api, serial: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = [o for o in api.get("/work-orders")["items"] if o["asset_serial"] == serial]
        if found:
            return dict(found[0])
        time.sleep(0.05)
    raise AssertionError("no work order was proposed for the unit")


def _rows(container: Container, stmt: Any) -> list[Any]:
    with container.uow() as uow:
        found = list(uow.session.scalars(stmt))
        uow.session.expunge_all()
        return found


def test_unit_off_the_line_becomes_a_ranked_proposal_that_a_dispatcher_assigns(
    admin: Api, container: Container, workspace: Workspace
) -> None:
    seed_field_resources(container, workspace.tenant_id, NOW)
    names = {e["id"]: e["name"] for e in admin.get("/field-engineers")["items"]}
    customer = admin.post("/contacts", {"name": "上海张江车主", "external_id": "crm-s5-1"})

    accepted = admin.post("/events", {"type": "unit.off_line", "data": UNIT})
    assert accepted["contact_id"] == customer["id"]

    order = _wait_for_order(admin, UNIT["serial"])
    assert order["status"] == "proposed"
    assert order["contact_id"] == customer["id"]
    assert order["source"]["interaction_id"] == accepted["interaction_id"]
    assert order["required_skills"] == ["installation", "hv_battery"]

    panel = admin.get(f"/work-orders/{order['id']}")
    deadline = time.monotonic() + 20
    while panel["recommendation"] is None and time.monotonic() < deadline:
        time.sleep(0.05)
        panel = admin.get(f"/work-orders/{order['id']}")
    ranking = panel["recommendation"]
    assert panel["customer"]["name"] == "上海张江车主"
    ranked = [names[r["engineer_id"]] for r in ranking["ranked"]]
    # Shanghai engineers holding a valid high-voltage certificate: 王建华 only; 周敏's lapsed
    assert ranked == ["王建华"]
    excluded = {names[e["engineer_id"]]: e["reason"] for e in ranking["excluded"]}
    assert excluded["周敏"] == "certification_expired"
    assert excluded["孙浩"] == "outside_region"  # Suzhou, certified, but not Shanghai's
    assert excluded["刘洋"] == "missing_skill"
    top = ranking["ranked"][0]
    assert (
        set(top["factors"])
        == set(ranking["weights"])
        == {"travel", "skill", "load", "window", "preference"}
    )
    assert abs(sum(top["contributions"].values()) - top["score"]) < 1e-3
    assert top["arrival"].startswith("2026-12-09T02:00")
    decisions = _rows(
        container,
        select(DecisionRecord).where(DecisionRecord.tool == "dispatch.recommend"),
    )
    assert [d.subject_id for d in decisions] == [order["id"]]
    assert decisions[0].output["ranked"][0]["engineer_id"] == top["engineer_id"]
    proposed = _rows(
        container, select(DecisionRecord).where(DecisionRecord.tool == "workorders.propose")
    )
    agents = _rows(container, select(AgentRow).where(AgentRow.name == "dispatch"))
    # the dispatch agent made both calls, as itself
    assert {(d.actor_kind, d.actor_id) for d in [*decisions, *proposed]} == {
        ("agent", agents[0].id)
    }

    other = next(i for i, n in names.items() if n == "陈立")
    refused = admin.call(
        "POST", f"/work-orders/{order['id']}/assign", 422, json={"engineer_id": other}
    )
    assert refused["errors"][0]["loc"] == ["body", "reason"]
    assert admin.get(f"/work-orders/{order['id']}")["status"] == "proposed"

    done = admin.call(
        "POST",
        f"/work-orders/{order['id']}/assign",
        200,
        json={
            "engineer_id": other,
            "reason": "客户要求上次的工程师 / the customer asked for last time's engineer",
            "scheduled_start": "2026-12-09T03:00:00Z",
        },
    )
    assert done["assignment"]["override"] is True
    assert done["assignment"]["recommended_engineer_id"] == top["engineer_id"]
    assert done["work_order"]["status"] == "scheduled"

    for status in ("en_route", "on_site"):
        admin.call("POST", f"/work-orders/{order['id']}/transition", 200, json={"status": status})
    back = admin.call(
        "POST", f"/work-orders/{order['id']}/transition", 409, json={"status": "proposed"}
    )
    assert "on_site" in back["detail"]
    admin.call(
        "POST",
        f"/work-orders/{order['id']}/transition",
        200,
        json={"status": "done", "reason": "安装完成 / installed"},
    )
    final = admin.get(f"/work-orders/{order['id']}")
    assert [(h["from_status"], h["to_status"]) for h in final["history"]] == [
        (None, "proposed"),
        ("proposed", "scheduled"),
        ("scheduled", "en_route"),
        ("en_route", "on_site"),
        ("on_site", "done"),
    ]
    assert final["history"][1]["reason"].startswith("客户要求")
    events = _rows(
        container,
        select(OutboxEvent.type)
        .where(OutboxEvent.subject_id == order["id"])
        .order_by(OutboxEvent.seq),
    )
    assert events[:3] == ["work_order.proposed", "work_order.assigned", "work_order.status_changed"]
    assert events.count("work_order.status_changed") == 4
    customer_events = _rows(
        container,
        select(TimelineEntry.event_type).where(
            TimelineEntry.contact_id == customer["id"],
            TimelineEntry.event_type.like("work_order.%"),
        ),
    )
    assert len(customer_events) == 6  # on the customer's timeline too


def test_a_malformed_unit_event_is_refused_with_field_paths_and_proposes_nothing(
    admin: Api, container: Container, workspace: Workspace
) -> None:
    bad = {**UNIT, "lat": 123.0, "window_end": None}
    refused = admin.call("POST", "/events", 422, json={"type": "unit.off_line", "data": bad})
    locs = [e["loc"] for e in refused["errors"]]
    assert ["body", "data", "lat"] in locs
    assert admin.get("/work-orders")["items"] == []


def test_live_location_and_load_change_the_ranking_of_a_same_day_order(
    admin: Api, container: Container, workspace: Workspace
) -> None:
    seed_field_resources(container, workspace.tenant_id, NOW)
    names = {e["name"]: e["id"] for e in admin.get("/field-engineers")["items"]}
    body = {
        "kind": "installation",
        "title": "Charger install",
        "asset_serial": "CHG-22K-0000001",
        "address": "上海市徐汇区漕溪北路 1 号",
        "region": "上海",
        "lat": 31.1880,
        "lon": 121.4365,
        "required_skills": ["charger_install"],
        "window_start": "2026-12-08T02:00:00Z",
        "window_end": "2026-12-08T08:00:00Z",
        "duration_min": 60,
    }
    order = admin.post("/work-orders", body)
    first = admin.call("POST", f"/work-orders/{order['id']}/recommendation", 200, json={})
    assert [r["engineer_id"] for r in first["ranked"]][:2] == [names["刘洋"], names["王建华"]]
    assert first["ranked"][0]["position"] == "home"

    # 王建华 reports being a kilometre away; 刘洋 is at the far end of the city
    admin.call(
        "PUT",
        f"/field-engineers/{names['王建华']}/location",
        200,
        json={"lat": 31.19, "lon": 121.44, "at": "2026-12-08T00:50:00Z"},
    )
    admin.call(
        "PUT",
        f"/field-engineers/{names['刘洋']}/location",
        200,
        json={"lat": 31.40, "lon": 121.80, "at": "2026-12-08T00:55:00Z"},
    )
    second = admin.call("POST", f"/work-orders/{order['id']}/recommendation", 200, json={})
    assert second["ranked"][0]["engineer_id"] == names["王建华"]
    assert second["ranked"][0]["position"] == "live"
    assert second["ranked"][0]["distance_km"] < 1.0

    refused = admin.call(
        "POST",
        f"/work-orders/{order['id']}/recommendation",
        422,
        json={"weights": {"travel": 0.9, "skill": 0.9, "load": 0, "window": 0, "preference": 0}},
    )
    assert refused["errors"][0]["loc"][-1] == "weights"


def test_bays_are_reserved_in_time_slots_up_to_each_slots_capacity(
    admin: Api, container: Container, workspace: Workspace
) -> None:
    provider = admin.post(
        "/field-providers",
        {
            "name": "苏州服务站",
            "city": "苏州",
            "lat": 31.3,
            "lon": 120.7,
            "bays": 2,
            "slot_minutes": 120,
            "opens": "08:00",
            "closes": "18:00",
        },
    )
    url = f"/field-providers/{provider['id']}/reservations"
    slots = f"/field-providers/{provider['id']}/slots?day=2026-12-09"
    assert [s["start"] for s in admin.get(slots)["slots"]] == [
        "08:00",
        "10:00",
        "12:00",
        "14:00",
        "16:00",
    ]
    first = admin.post(url, {"day": "2026-12-09", "start": "10:00", "slots": 2})
    assert (first["start"], first["end"], first["bays_left"]) == ("10:00", "14:00", 1)
    assert admin.post(url, {"day": "2026-12-09", "start": "12:00"})["bays_left"] == 0
    full = admin.call("POST", url, 409, json={"day": "2026-12-09", "start": "12:00"})
    assert "12:00–14:00" in full["detail"] and "2 of 2" in full["detail"]
    # the slot before is free: one bay taken there
    assert admin.post(url, {"day": "2026-12-09", "start": "08:00", "slots": 2})["bays_left"] == 0
    # a whole-day hold needs a bay in every slot
    whole = admin.call("POST", url, 409, json={"day": "2026-12-09"})
    assert "10:00–12:00" in whole["detail"]
    assert admin.post(url, {"day": "2026-12-10"})["start"] is None
    off_grid = admin.call("POST", url, 422, json={"day": "2026-12-09", "start": "09:00"})
    assert off_grid["errors"][0]["loc"] == ["body", "start"]
    late = admin.call("POST", url, 422, json={"day": "2026-12-09", "start": "16:00", "slots": 2})
    assert "closing time" in late["errors"][0]["msg"]
    shown = {s["start"]: (s["reserved"], s["free"]) for s in admin.get(slots)["slots"]}
    assert shown == {
        "08:00": (1, 1),
        "10:00": (2, 0),
        "12:00": (2, 0),
        "14:00": (0, 2),
        "16:00": (0, 2),
    }
    on_tenth = admin.get(f"/field-providers/{provider['id']}/slots?day=2026-12-10")["slots"]
    assert {s["free"] for s in on_tenth} == {1}  # the whole-day hold


def test_roles_decide_who_dispatches(client: TestClient, workspace: Workspace) -> None:
    viewer = sign_in(client, workspace.users["viewer"].email)
    viewer.call("GET", "/work-orders", 403)
    service = sign_in(client, workspace.users["service"].email)
    assert service.get("/work-orders")["items"] == []
    service.call(
        "POST",
        "/field-providers",
        403,
        json={"name": "x", "lat": 31.0, "lon": 121.0},
    )


def _wait_for_decision(container: Container, tool: str) -> DecisionRecord:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        found = _rows(container, select(DecisionRecord).where(DecisionRecord.tool == tool))
        if found:
            return found[0]  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"no {tool} decision")


def test_the_dispatch_agent_acts_within_its_role(
    admin: Api, container: Container, workspace: Workspace
) -> None:
    """An administrator who takes ``work_order: create`` from the agent's role stops it:
    its call is refused, with a decision record naming the agent, and nothing is made."""
    seed_field_resources(container, workspace.tenant_id, NOW)
    with container.uow() as uow:
        ensure_agents(uow.session, workspace.tenant_id, builtin_registry())
        role = AccessRepository(uow.session).role_by_name(workspace.tenant_id, "agent_dispatch")
        assert role is not None
        uow.session.execute(
            delete(RolePermission).where(
                RolePermission.role_id == role.id,
                RolePermission.object_type == "work_order",
                RolePermission.action == "create",
            )
        )
        access_changed(uow.session, workspace.tenant_id)
        uow.commit()
    admin.post("/contacts", {"name": "上海张江车主", "external_id": "crm-s5-1"})
    admin.post("/events", {"type": "unit.off_line", "data": UNIT})

    decision = _wait_for_decision(container, "workorders.propose")
    assert decision.actor_kind == "agent" and decision.status != "executed"
    assert admin.get("/work-orders")["items"] == []
    assert not _rows(
        container, select(DecisionRecord).where(DecisionRecord.tool == "dispatch.recommend")
    )
