"""``POST /api/v1/gateway/preview`` (what the gateway would do with a call, nothing run or
written) and ``GET /api/v1/events/catalogue`` (every registered event type)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kith.core.event_types import CATALOG, EventType
from tests.conftest import Api, Workspace, sign_in


def preview(api: Api, tool: str, args: dict[str, Any], purpose: str, expected: int = 200) -> Any:
    return api.call(
        "POST",
        "/gateway/preview",
        expected,
        json={"tool": tool, "args": args, "purpose": purpose},
    )


def _order(admin: Api) -> str:
    product = admin.post("/products", {"sku": "BAT-1", "name": "Battery check"})
    line = {"product_id": product["id"], "quantity": 1, "unit_price": "900.00"}
    order: str = admin.post("/orders", {"number": "SO-9", "lines": [line]})["id"]
    return order


def _decision_count(api: Api) -> int:
    return len(api.get("/decisions", params={"limit": 200})["items"])


def test_an_allowed_call_is_previewed_without_running(as_role: Any) -> None:
    sales, admin = as_role("sales"), as_role("admin")
    decisions = _decision_count(admin)
    answer = preview(sales, "tasks.create", {"subject": "回访张总"}, "sales")
    assert (answer["status"], answer["allowed"], answer["needs_approval"]) == (
        "allowed",
        True,
        False,
    )
    assert answer["tool"] == "tasks.create" and answer["errors"] == []
    assert answer["risk_level"] == "low" and answer["approver_role"] is None
    assert answer["reversible"] is True  # tasks.create declares its undo
    # Nothing ran and nothing was recorded.
    assert sales.get("/activities")["items"] == []
    assert _decision_count(admin) == decisions


def test_a_high_risk_call_needs_approval_and_no_approval_is_created(as_role: Any) -> None:
    service, manager = as_role("service"), as_role("manager")
    order = _order(as_role("admin"))
    args = {"order_id": order, "amount": "100", "reason": "划痕"}
    answer = preview(service, "refunds.request", args, "service")
    assert (answer["status"], answer["allowed"], answer["needs_approval"]) == (
        "needs_approval",
        False,
        True,
    )
    assert answer["risk_level"] == "high" and answer["approver_role"] == "manager"
    assert "waiting for approval by a manager" in answer["reasons"][0]
    assert answer["reversible"] is False
    assert manager.get("/approvals")["items"] == []  # pending ones
    assert manager.get("/notifications")["items"] == []


def test_a_call_the_caller_may_not_make_is_answered_as_refused(as_role: Any) -> None:
    sales = as_role("sales")
    answer = preview(sales, "campaigns.enroll", {"campaign": "x", "contact_id": "0" * 32}, "sales")
    assert (answer["status"], answer["allowed"], answer["needs_approval"]) == (
        "refused",
        False,
        False,
    )
    assert answer["reasons"] and "purpose" in answer["reasons"][0]
    viewer = preview(as_role("viewer"), "tasks.create", {"subject": "x"}, "sales")
    assert viewer["status"] == "refused"


def test_an_unknown_tool_or_invalid_arguments_are_problems_with_field_paths(
    app_client: TestClient, as_role: Any
) -> None:
    sales = as_role("sales")
    missing = sales.client.post(
        "/api/v1/gateway/preview",
        headers=sales.headers,
        json={"tool": "no.such_tool", "args": {}, "purpose": "sales"},
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["errors"][0]["loc"] == ["body", "tool"]

    invalid = sales.client.post(
        "/api/v1/gateway/preview",
        headers=sales.headers,
        json={"tool": "tasks.create", "args": {"subject": ""}, "purpose": "sales"},
    )
    assert invalid.status_code == 422
    assert invalid.headers["content-type"].startswith("application/problem+json")
    assert invalid.json()["errors"][0]["loc"] == ["body", "args", "subject"]

    malformed = preview(sales, "Not A Tool", {}, "sales", expected=422)
    assert malformed["errors"][0]["loc"] == ["body", "tool"]
    unexpected = sales.call(
        "POST",
        "/gateway/preview",
        422,
        json={"tool": "tasks.create", "args": {}, "purpose": "sales", "extra": 1},
    )
    assert unexpected["errors"][0]["loc"] == ["body", "extra"]


def test_an_api_key_previews_with_a_tools_scope(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    secret = admin.post("/api-keys", {"name": "reader", "scopes": ["tools:read"]})["secret"]
    key = Api(app_client, secret)
    answer = preview(key, "tasks.create", {"subject": "回访"}, "api")
    assert answer["status"] in ("allowed", "refused")  # answered, not refused by scope
    narrow = admin.post("/api-keys", {"name": "events", "scopes": ["events:read"]})["secret"]
    refused = preview(Api(app_client, narrow), "tasks.create", {"subject": "x"}, "api", 403)
    assert "tools:read or tools:write" in refused["detail"]


def test_the_event_catalogue_lists_every_type_with_descriptions_and_schemas(
    app_client: TestClient, workspace: Workspace, as_role: Any
) -> None:
    items = as_role("viewer").get("/events/catalogue")["items"]
    assert [i["type"] for i in items] == [t.value for t in EventType]
    by_type = {i["type"]: i for i in items}
    stage = by_type["deal.stage_changed"]
    assert stage["producer"] == "crm" and stage["subject"] == "deal"
    assert stage["description"]["en"].startswith("A deal moved")
    assert stage["description"]["zh"].startswith("商机进入另一阶段")
    declared = CATALOG[EventType.DEAL_STAGE_CHANGED].payload
    assert declared is not None
    assert stage["payload_schema"] == declared.model_json_schema()
    assert set(stage["payload_schema"]["properties"]) == set(declared.model_fields)
    without = [t for t, info in CATALOG.items() if info.payload is None]
    assert without and by_type[without[0].value]["payload_schema"] is None
    assert all(i["description"]["en"] and i["description"]["zh"] for i in items)

    admin = sign_in(app_client, workspace.users["admin"].email)
    secret = admin.post("/api-keys", {"name": "hooks", "scopes": ["events:read"]})["secret"]
    assert len(Api(app_client, secret).get("/events/catalogue")["items"]) == len(EventType)
