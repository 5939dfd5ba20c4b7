"""The gateway over HTTP and the CLI: the tool catalog, invoking tools, REST writes through
the same door, approvals, the outbound mailbox, notifications, .ics export, tenant isolation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from kith.access import service as access
from kith.access.service import principal_for_user
from kith.bootstrap import build_container
from kith.core.settings import Settings
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.errors import CONFLICT_DETAIL
from kith.gateway.gateway import Gateway
from tests.conftest import PASSWORD, Api, Workspace, sign_in


def invoke(
    api: Api, tool: str, args: dict[str, Any], purpose: str, expected: int = 200, **kw: Any
) -> Any:
    return api.call(
        "POST", f"/tools/{tool}/invoke", expected, json={"args": args, "purpose": purpose, **kw}
    )


def _order(admin: Api) -> str:
    product = admin.post("/products", {"sku": "BAT-1", "name": "Battery check"})
    line = {"product_id": product["id"], "quantity": 1, "unit_price": "900.00"}
    order: str = admin.post("/orders", {"number": "SO-9", "lines": [line]})["id"]
    return order


def _known_contact(admin: Api, **fields: Any) -> str:
    """A contact who has been in touch before (so messages need no first-contact approval)."""
    contact: str = admin.post("/contacts", {"name": "张建国", "email": "z@shunda.cn", **fields})[
        "id"
    ]
    admin.post("/interactions", {"channel": "phone", "direction": "inbound", "contact_id": contact})
    return contact


def test_the_catalog_lists_every_tool_with_schemas_and_annotations(as_role: Any) -> None:
    tools = {t["name"]: t for t in as_role("viewer").get("/tools")["items"]}
    send = tools["messages.send"]
    assert send["external_effect"] is True and send["read_only"] is False
    assert set(send["input_schema"]["properties"]) >= {"channel", "contact_id", "to", "body"}
    assert tools["records.delete"]["destructive"] is True
    assert tools["refunds.request"]["risk"] == "high"
    assert tools["records.get"]["read_only"] is True
    assert "activity" in tools["tasks.create"]["touches"]


def test_invoking_a_tool_answers_with_the_outcome_and_its_decision(as_role: Any) -> None:
    sales = as_role("sales")
    first = invoke(sales, "tasks.create", {"subject": "回访张总"}, "sales", idempotency_key="k-1")
    assert first["status"] == "executed" and first["output"]["kind"] == "task"
    again = invoke(sales, "tasks.create", {"subject": "回访张总"}, "sales", idempotency_key="k-1")
    assert again["status"] == "duplicate" and again["output"] == first["output"]
    assert len(sales.get("/activities")["items"]) == 1

    invalid = invoke(sales, "tasks.create", {"subject": ""}, "sales", expected=422)
    assert invalid["errors"][0]["loc"] == ["args", "subject"]
    assert invalid["outcome"] == "refused" and invalid["decision_id"]
    wrong_purpose = invoke(
        sales, "campaigns.enroll", {"campaign": "x", "contact_id": "0" * 32}, "sales", 403
    )
    assert wrong_purpose["outcome"] == "refused"
    invoke(sales, "no.such_tool", {}, "sales", expected=404)
    assert sales.get(f"/decisions/{invalid['decision_id']}")["status"] == "refused"


def test_rest_writes_go_through_the_gateway_and_leave_decisions(as_role: Any) -> None:
    sales = as_role("sales")
    contact = sales.post("/contacts", {"name": "张伟", "mobile": "13812345678"})
    sales.patch(f"/contacts/{contact['id']}", {"version": 1, "title": "总经理"})
    sales.patch(f"/contacts/{contact['id']}", {"version": 1, "title": "stale"}, expected=409)
    as_role("admin").delete(f"/contacts/{contact['id']}", params={"version": 2})
    decisions = sales.get(
        "/decisions", params={"subject_type": "contact", "subject_id": contact["id"]}
    )
    made = [(d["tool"], d["status"], d["purpose"]) for d in reversed(decisions["items"])]
    assert made[:3] == [
        ("records.create", "executed", "api"),
        ("records.update", "executed", "api"),
        ("records.update", "failed", "api"),  # 409: nothing written, but recorded
    ]
    created = decisions["items"][-1]
    assert created["args"]["values"]["mobile"] == "138****5678"


def test_cookie_sessions_write_for_the_crm_ui_purpose(
    app_client: TestClient, workspace: Workspace
) -> None:
    login = app_client.post(
        "/api/v1/auth/login", json={"email": workspace.users["sales"].email, "password": PASSWORD}
    )
    app_client.cookies.set("kith_session", login.json()["token"])
    created = app_client.post(
        "/api/v1/leads", json={"name": "Wang"}, headers={"X-Kith-Client": "web"}
    )
    assert created.status_code == 201, created.text
    decisions = app_client.get("/api/v1/decisions", params={"subject_id": created.json()["id"]})
    assert [d["purpose"] for d in decisions.json()["items"]] == ["crm_ui"]


def test_a_refund_is_approved_over_http_exactly_once(as_role: Any, workspace: Workspace) -> None:
    service, manager, sales = as_role("service"), as_role("manager"), as_role("sales")
    order = _order(as_role("admin"))
    waiting = invoke(
        service,
        "refunds.request",
        {"order_id": order, "amount": "100", "reason": "划痕"},
        "service",
        202,
    )
    assert waiting["status"] == "pending_approval"
    pending = manager.get("/approvals", params={"status": "pending"})["items"]
    assert [a["id"] for a in pending] == [waiting["approval_id"]]
    assert sales.get("/approvals")["items"] == []
    assert manager.get("/notifications")["items"][0]["kind"] == "approval_requested"

    done = manager.post(f"/approvals/{waiting['approval_id']}/approve", {"reason": "ok"}, 200)
    assert done["result"]["status"] == "executed"
    assert done["approval"]["status"] == "executed"
    assert done["approval"]["decided_by_id"] == workspace.users["manager"].id
    again = manager.post(f"/approvals/{waiting['approval_id']}/approve", {}, 409)
    assert "already executed" in again["detail"]
    assert service.get("/notifications")["items"][0]["kind"] == "approval_decided"

    second = invoke(
        service,
        "refunds.request",
        {"order_id": order, "amount": "50", "reason": "x"},
        "service",
        202,
    )
    manager.post(f"/approvals/{second['approval_id']}/reject", {}, 422)
    rejected = manager.post(f"/approvals/{second['approval_id']}/reject", {"reason": "已退过"}, 200)
    assert (rejected["status"], rejected["decision_reason"]) == ("rejected", "已退过")
    result = manager.get(f"/decisions/{rejected['result_decision_id']}")
    assert result["approval"]["decision"] == "rejected"


def test_messages_notifications_and_meeting_invites(as_role: Any, workspace: Workspace) -> None:
    admin, service, viewer = as_role("admin"), as_role("service"), as_role("viewer")
    contact = _known_contact(admin)
    sent = invoke(
        service,
        "messages.send",
        {"channel": "email", "contact_id": contact, "subject": "工单", "body": "已受理"},
        "service",
    )
    mailbox = service.get("/messages")["items"]
    assert [(m["id"], m["recipient"], m["status"]) for m in mailbox] == [
        (sent["output"]["message_id"], "z@shunda.cn", "sent")
    ]
    viewer.get("/messages", expected=403)

    manager_id = workspace.users["manager"].id
    invoke(service, "users.notify", {"user_id": manager_id, "title": "VIP 客户投诉"}, "service")
    assert as_role("manager").get("/notifications")["items"][0]["title"] == "VIP 客户投诉"

    meeting = invoke(
        service,
        "meetings.schedule",
        {
            "subject": "三方会议; 物流延迟",
            "starts_at": "2026-11-25T07:00:00+00:00",
            "ends_at": "2026-11-25T08:00:00+00:00",
            "contact_id": contact,
            "attendees": [
                {"kind": "user", "ref": manager_id},
                {"kind": "contact", "ref": contact},
                {"kind": "email", "ref": "supply@partner.cn"},
            ],
        },
        "service",
    )["output"]
    response = service.client.get(
        f"/api/v1/activities/{meeting['id']}/ics", headers=service.headers
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    ics = response.text
    assert "DTSTART:20261125T070000Z" in ics and "SUMMARY:三方会议\\; 物流延迟" in ics
    for email in (workspace.users["manager"].email, "z@shunda.cn", "supply@partner.cn"):
        assert f"mailto:{email}" in ics
    task = invoke(service, "tasks.create", {"subject": "not a meeting"}, "service")["output"]
    service.get(f"/activities/{task['id']}/ics", expected=404)


def test_gateway_routes_do_not_reach_another_workspace(
    app_client: TestClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    service = sign_in(app_client, workspace.users["service"].email)
    intruder = sign_in(app_client, other_workspace.users["admin"].email)
    contact = _known_contact(admin)
    waiting = invoke(
        service,
        "refunds.request",
        {"order_id": _order(admin), "amount": "1", "reason": "x"},
        "service",
        202,
    )
    meeting = invoke(
        admin,
        "meetings.schedule",
        {"subject": "m", "starts_at": "2026-11-25T07:00:00Z", "ends_at": "2026-11-25T08:00:00Z"},
        "sales",
    )["output"]
    invoke(
        admin, "messages.send", {"channel": "email", "contact_id": contact, "body": "hi"}, "service"
    )
    approval, decision = waiting["approval_id"], waiting["decision_id"]

    intruder.get(f"/approvals/{approval}", expected=404)
    intruder.post(f"/approvals/{approval}/approve", {}, 404)
    intruder.post(f"/approvals/{approval}/reject", {"reason": "x"}, 404)
    intruder.get(f"/decisions/{decision}", expected=404)
    intruder.post(f"/decisions/{decision}/override", {"reason": "x"}, 404)
    page = app_client.get(f"/decisions/{decision}", headers=intruder.headers)
    assert page.status_code == 404
    intruder.get(f"/activities/{meeting['id']}/ics", expected=404)
    invoke(intruder, "records.get", {"object_type": "contact", "record_id": contact}, "api", 404)
    assert intruder.get("/approvals")["items"] == []
    seen = intruder.get("/decisions")["items"]
    assert {d["actor"]["id"] for d in seen} == {other_workspace.users["admin"].id}
    assert intruder.get("/messages")["items"] == []
    assert admin.get(f"/approvals/{approval}")["status"] == "pending"


def _kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    env.update({"KITH_HOME": str(home), "KITH_MODE": "test"})
    return subprocess.run(
        [sys.executable, "-m", "kith", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_cli_lists_approves_and_rejects_and_shows_decisions(tmp_path: Path) -> None:
    assert (
        _kith(
            tmp_path,
            "init",
            "--admin-email",
            "root@corp.cn",
            "--admin-password",
            "s3cure-enough-pw",
        ).returncode
        == 0
    )
    container = build_container(Settings(home=tmp_path, mode="test"))
    with container.uow() as uow:
        tenant = access.ensure_tenant(uow.session, "default", "Kith")
        boss = access.create_user(
            uow.session,
            tenant.id,
            email="boss@corp.cn",
            name="老板",
            password=PASSWORD,
            roles=["manager"],
        )
        rep = access.create_user(
            uow.session,
            tenant.id,
            email="rep@corp.cn",
            name="客服",
            password=PASSWORD,
            roles=["service"],
        )
        admin = principal_for_user(uow.session, boss)
        product = RecordService(uow, admin).create("product", s.ProductIn(sku="P", name="P"))
        line = {"product_id": product["id"], "quantity": 1, "unit_price": "100"}
        order = RecordService(uow, admin).create("order", s.OrderIn(number="SO-1", lines=[line]))
        ids = [
            Gateway()
            .execute(
                uow,
                principal_for_user(uow.session, rep),
                "refunds.request",
                {"order_id": order["id"], "amount": "10", "reason": f"r{i}"},
                purpose="service",
            )
            .approval_id
            for i in range(2)
        ]
        uow.commit()
    container.engine.dispose()

    listed = _kith(tmp_path, "approvals", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {a["id"] for a in json.loads(listed.stdout)["items"]} == set(ids)
    not_approver = _kith(tmp_path, "approvals", "approve", ids[0], "--as", "rep@corp.cn")
    assert not_approver.returncode == 2 and "manager role" in not_approver.stderr
    approved = _kith(tmp_path, "approvals", "approve", ids[0], "--as", "boss@corp.cn", "--json")
    assert approved.returncode == 0, approved.stderr
    result = json.loads(approved.stdout)
    assert result["status"] == "executed"
    rejected = _kith(
        tmp_path, "approvals", "reject", ids[1], "--as", "boss@corp.cn", "--reason", "重复申请"
    )
    assert rejected.returncode == 0, rejected.stderr
    shown = _kith(tmp_path, "decisions", "show", result["decision_id"], "--json")
    assert json.loads(shown.stdout)["approval"]["approver"]["name"] == "老板"
    human = _kith(tmp_path, "decisions", "show", result["decision_id"])
    assert "refunds.request" in human.stdout and "executed" in human.stdout
    assert _kith(tmp_path, "decisions", "show", "0" * 32).returncode == 2


def test_a_duplicate_through_a_tool_is_the_same_clean_409_as_through_the_route(
    as_role: Any,
) -> None:
    admin = as_role("admin")
    values = {"name": "张伟", "external_id": "CRM-7", "id_number": "310115199003071239"}
    args = {"object_type": "contact", "values": values}
    invoke(admin, "records.create", args, "api")
    tool = invoke(admin, "records.create", args, "api", expected=409)
    route = admin.post("/contacts", values, expected=409)
    assert tool["detail"] == route["detail"] == CONFLICT_DETAIL
    assert (tool["title"], tool["outcome"]) == ("Conflict", "failed")
    decision = admin.get(f"/decisions/{tool['decision_id']}")
    assert (decision["status"], decision["reason"]) == ("failed", CONFLICT_DETAIL)
    # Neither the answer nor the decision repeats the statement or its bound values.
    for leaked in (json.dumps(tool), json.dumps(decision)):
        for text in ("INSERT", "SQL", "Integrity", "tenant_id", "310115199003071239"):
            assert text not in leaked, text
