"""One tenant cannot read or write another tenant's rows through any endpoint.

The route list comes from the application itself, so an endpoint added later
is covered without touching this test.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from kith.container import Container
from kith.crm.specs import SPECS
from kith.inbox.ingest import ingest_raw
from kith.inbox.repository import InboxRepository
from tests.conftest import Api, Workspace, sign_in

BODIES: dict[str, Any] = {
    "PATCH": {"version": 1},
    "POST /leads/{record_id}/convert": {"version": 1},
    "POST /pipelines/{record_id}/stages": {"name": "Intrusion", "probability": 10},
    "PATCH /users/{user_id}": {"title": "pwned"},
    "POST /approvals/{approval_id}/reject": {"reason": "intrusion"},
    "POST /decisions/{decision_id}/override": {"reason": "intrusion"},
    "PATCH /field-engineers/{engineer_id}": {"name": "pwned"},
    "PUT /field-engineers/{engineer_id}/location": {"lat": 31.0, "lon": 121.0},
    "POST /field-providers/{provider_id}/reservations": {"day": "2026-12-09"},
    "POST /work-orders/{work_order_id}/recommendation": {},
    "POST /work-orders/{work_order_id}/assign": {"engineer_id": "0" * 32, "reason": "intrusion"},
    "POST /work-orders/{work_order_id}/transition": {"status": "cancelled"},
    "PATCH /inbox/mailboxes/{mailbox_id}": {"name": "pwned"},
    "PATCH /inbox/conversations/{conversation_id}": {"status": "closed"},
    "POST /inbox/conversations/{conversation_id}/notes": {"body": "intrusion"},
    "POST /inbox/conversations/{conversation_id}/reply": {"body": "intrusion"},
    "PATCH /roles/{role_id}": {
        "name": "admin",
        "permissions": [{"object_type": "contact", "action": "read", "scope": None}],
    },
}


def _seed(api: Api) -> dict[str, str]:
    """One record of every type in tenant A; returns object plural -> id."""
    ids: dict[str, str] = {}
    ids["accounts"] = api.post("/accounts", {"name": "顺达物流", "bank_account": "6222 0000"})["id"]
    ids["contacts"] = api.post(
        "/contacts", {"name": "张建国", "account_id": ids["accounts"], "email": "z@shunda.cn"}
    )["id"]
    ids["leads"] = api.post("/leads", {"name": "Li Na", "company": "Acme"})["id"]
    ids["pipelines"] = api.post("/pipelines", {"name": "Sales", "is_default": True})["id"]
    api.post(f"/pipelines/{ids['pipelines']}/stages", {"name": "Qualify", "probability": 10})
    ids["deals"] = api.post("/deals", {"name": "Fleet", "account_id": ids["accounts"]})["id"]
    ids["tickets"] = api.post("/tickets", {"subject": "冬季续航缩水严重"})["id"]
    ids["activities"] = api.post("/activities", {"kind": "note", "subject": "hello"})["id"]
    ids["interactions"] = api.post(
        "/interactions", {"channel": "app", "direction": "inbound", "text": "物流延迟"}
    )["id"]
    ids["products"] = api.post("/products", {"sku": "BAT-1", "name": "Battery check"})["id"]
    ids["orders"] = api.post("/orders", {"number": "SO-1"})["id"]
    ids["fields"] = api.post(
        "/fields", {"object_type": "contact", "name": "vip", "type": "bool", "label_en": "VIP"}
    )["id"]
    ids["roles"] = api.get("/roles")[0]["id"]
    ids["users"] = api.get("/me")["id"]
    ids["tools"] = "records.get"
    ids["agents"] = "service"
    ids["commands"] = api.post("/commands", {"text": "明天上午十点提醒我跟进张建国"})["id"]
    upload = {"file": ("contacts.csv", "name\n陈静\n".encode(), "text/csv")}
    ids["web"] = api.call("POST", "/web/import/contacts", 202, files=upload)["id"]
    line = {"product_id": ids["products"], "quantity": 1, "unit_price": "10"}
    paid = api.post("/orders", {"number": "SO-2", "lines": [line]})["id"]
    refund = {"args": {"order_id": paid, "amount": "5", "reason": "x"}, "purpose": "service"}
    waiting = api.call("POST", "/tools/refunds.request/invoke", 202, json=refund)
    ids["approvals"], ids["decisions"] = waiting["approval_id"], waiting["decision_id"]
    ids["api-keys"] = api.post("/api-keys", {"name": "k", "scopes": ["*"]})["id"]
    ids["schedules"] = api.post("/schedules", {"job": "models.drift", "every": "1d"})["id"]
    segment = {
        "name": "shanghai",
        "label_zh": "上海客户",
        "label_en": "Shanghai customers",
        "definition": {"filters": [{"field": "name", "op": "contains", "value": "张"}]},
    }
    ids["segments"] = api.post("/segments", segment)["id"]
    ids["intelligence"] = "deal_win"  # /intelligence/models/{ref}/performance
    api.post("/knowledge/spaces", {"name": "内部", "visibility": "internal"})
    document = api.call(
        "POST",
        "/knowledge/documents",
        201,
        data={"space": "内部", "title": "报价"},
        files={"file": ("quote.md", "# 报价\n\n顺达物流的年度报价为 88 万元。\n".encode())},
    )
    ids["knowledge:version_id"] = document["version_id"]
    answer = api.call(
        "POST", "/knowledge/answer", 200, json={"question": "顺达物流的年度报价是多少?"}
    )
    ids["knowledge:passage_id"] = answer["citations"][0]["link"].rsplit("/", 1)[-1]
    ids["knowledge:answer_id"] = answer["answer_id"]
    entry = {"list_name": "blocklist", "kind": "ip", "value": "203.0.113.7", "reason": "x"}
    ids["risk:entry_id"] = api.post("/risk/lists", entry)["id"]
    ids["identity:link_id"] = "0" * 32  # no proposal exists in either tenant: 404 both ways
    ids["identity:decision"] = "confirm"
    one = api.post("/identity/identities", {"kind": "app_user_id", "ref": "u-iso-1"})
    two = api.post("/identity/identities", {"kind": "open_id", "ref": "o-iso-2"})
    ids["identity:person_id"] = one["person_id"]
    merged = api.post(
        "/identity/merges",
        {"person_id": one["person_id"], "other_person_id": two["person_id"]},
        200,
    )
    ids["identity:merge_id"] = merged["output"]["merge"]["id"]
    api.post("/identity/identities", {"kind": "phone", "ref": "+8613900001111"})
    ids["identity:contact_id"] = ids["contacts"]
    ids["practices"] = api.post("/practices", {"title": "政策匹配度矩阵"})["id"]
    ids["practices:deal_id"] = ids["deals"]
    anchor = {
        "name": "首次解决时长",
        "metric": "ticket_resolution_hours",
        "baseline": 72,
        "target": 4,
        "starts_on": "2026-11-01",
        "deadline": "2027-01-30",
        "owner_id": ids["users"],
    }
    ids["anchors"] = api.post("/anchors", anchor)["id"]
    flow = {
        "key": "isolation_check",
        "name": "Isolation check",
        "nodes": [
            {"id": "start", "kind": "trigger", "on": "manual", "next": "done"},
            {"id": "done", "kind": "end"},
        ],
    }
    api.post("/flows", flow)
    api.post("/flows/isolation_check/publish", {}, 200)
    ids["flows"] = "isolation_check"  # addressed by key within the caller's own tenant
    ids["flows:run_id"] = api.post("/flows/isolation_check/runs", {"payload": {}})["id"]
    site = {"lat": 31.2, "lon": 121.5}
    ids["field-providers"] = api.post("/field-providers", {"name": "嘉定服务站", **site})["id"]
    engineer = {"name": "王工", "skills": ["installation"], "home_lat": 31.2, "home_lon": 121.4}
    ids["field-engineers"] = api.post("/field-engineers", engineer)["id"]
    order = {
        "kind": "installation",
        "title": "Install",
        "asset_serial": "SN-1",
        "address": "上海",
        "window_start": "2026-12-09T01:00:00Z",
        "window_end": "2026-12-09T09:00:00Z",
        **site,
    }
    ids["work-orders"] = api.post("/work-orders", order)["id"]
    draft = api.post("/concepts", CONCEPT_DRAFT)
    ids["concepts:concept_key"] = draft["concept_key"]
    ids["concepts:version"] = str(draft["version"])
    ids["concepts:subject_type"] = "contact"
    ids["concepts:subject_id"] = ids["contacts"]
    hook = {"name": "ERP", "url": "http://127.0.0.1:9/hook", "event_types": ["deal.won"]}
    ids["webhooks"] = api.post("/webhooks", hook)["id"]
    # a test send to a closed port: a failed delivery to look up
    ids["webhooks:delivery_id"] = api.post(f"/webhooks/{ids['webhooks']}/test", {}, 200)["id"]
    box = {
        "name": "Service",
        "address": "service@acme.example",
        "imap_host": "127.0.0.1",
        "imap_port": 9,
        "imap_user": "service",
        "imap_password": "x",
        "shared": True,
    }
    ids["inbox:mailbox_id"] = api.post("/inbox/mailboxes", box)["id"]
    return ids


def _seed_conversation(container: Container, tenant_id: str, mailbox_id: str) -> str:
    """A conversation of tenant A (mail from its contact z@shunda.cn, through the ingest)."""
    raw = (
        "From: z@shunda.cn\r\nTo: service@acme.example\r\nSubject: 物流延迟\r\n"
        "Message-ID: <iso-1@shunda.cn>\r\n\r\n货还没到\r\n"
    ).encode()
    with container.uow() as uow:
        mailbox = InboxRepository(uow.session, tenant_id).mailbox(mailbox_id)
        assert mailbox is not None
        result = ingest_raw(uow, mailbox, raw, clock=container.clock)
        uow.commit()
    assert result.conversation_id is not None
    return result.conversation_id


CONCEPT_DRAFT = {
    "concept_key": "customer_health",
    "label_en": "Customer health",
    "label_zh": "客户健康度",
    "definition": {
        "indicators": [
            {
                "key": "csat",
                "label_en": "CSAT",
                "label_zh": "满意度",
                "source": "csat",
                "weight": 1,
                "normalisation": {"method": "minmax", "min": 1, "max": 5},
            }
        ]
    },
}


def _body_for(method: str, short_path: str, ids: dict[str, str]) -> Any:
    if short_path == "/tools/{name}/invoke":
        # a well-formed call that would read tenant A's contact
        args = {"object_type": "contact", "record_id": ids["contacts"]}
        return {"args": args, "purpose": "api"}
    return BODIES.get(f"{method} {short_path}", BODIES.get(method))


def _routes_with_ids(client: TestClient) -> list[tuple[str, str]]:
    app: Any = client.app
    return [
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if "{" in path
        for method in operations
    ]


def _fill(path: str, ids: dict[str, str]) -> str:
    """The tenant-A id for each placeholder: ``plural:name`` when seeded, else the plural's."""
    plural = path.removeprefix("/api/v1/").split("/")[0]
    return re.sub(
        r"\{([a-z_]+)\}", lambda m: ids.get(f"{plural}:{m.group(1)}") or ids[plural], path
    )


def test_no_endpoint_reaches_another_tenants_records(
    app_client: TestClient,
    workspace: Workspace,
    other_workspace: Workspace,
    container: Container,
) -> None:
    owner = sign_in(app_client, workspace.users["admin"].email)
    intruder = sign_in(app_client, other_workspace.users["admin"].email)
    ids = _seed(owner)
    ids["inbox:conversation_id"] = _seed_conversation(
        container, workspace.tenant_id, ids["inbox:mailbox_id"]
    )
    thread = owner.get(f"/inbox/conversations/{ids['inbox:conversation_id']}")
    before = {p: owner.get(f"/{p}/{i}") for p, i in ids.items() if p not in _NOT_RECORDS}

    routes = _routes_with_ids(app_client)
    assert len(routes) >= 4 * len(SPECS), "route discovery broke"
    for method, path in routes:
        short = path.removeprefix("/api/v1")
        if short.startswith(("/agents/{agent}", "/decide/", "/risk/rulesets/")):
            # agents and decision rule sets are addressed by name within the caller's own
            # tenant (the intruder reaches their own payment_check, never tenant A's)
            continue
        url = _fill(path, ids)
        body = _body_for(method, short, ids)
        response = app_client.request(
            method,
            url,
            headers=intruder.headers,
            json=body,
            params={"version": 1} if method == "DELETE" else None,
        )
        assert response.status_code in (403, 404, 422), (method, path, response.text)

    for plural, record_id in ids.items():
        if plural in _NOT_RECORDS:
            continue
        page = intruder.get(f"/{plural}")
        listed = page["items"] if isinstance(page, dict) else page
        assert record_id not in {r["id"] for r in listed}
        assert owner.get(f"/{plural}/{record_id}") == before[plural]
    assert intruder.get("/search", params={"q": "顺达"})["items"] == []
    assert all(f["id"] != ids["fields"] for f in intruder.get("/fields"))
    assert owner.get("/me")["title"] != "pwned"
    assert {a["status"] for a in owner.get("/agents")} <= {"active"}
    assert owner.get("/contacts")["items"], "the owner's admin role lost contact read"
    assert owner.get(f"/inbox/conversations/{ids['inbox:conversation_id']}") == thread
    assert owner.get(f"/inbox/mailboxes/{ids['inbox:mailbox_id']}")["name"] == "Service"
    assert intruder.get("/inbox/mailboxes") == []
    assert intruder.get("/inbox/conversations")["items"] == []


def test_references_to_another_tenants_records_are_rejected(
    app_client: TestClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    owner = sign_in(app_client, workspace.users["admin"].email)
    intruder = sign_in(app_client, other_workspace.users["admin"].email)
    account = owner.post("/accounts", {"name": "Acme"})
    problem = intruder.post("/contacts", {"name": "Mallory", "account_id": account["id"]}, 422)
    assert problem["errors"][0]["loc"] == ["body", "account_id"]
    foreign_owner = workspace.users["sales"].id
    problem = intruder.post("/accounts", {"name": "X", "owner_id": foreign_owner}, 422)
    assert problem["errors"][0]["loc"] == ["body", "owner_id"]


_NOT_RECORDS = frozenset(
    {
        "fields",
        "roles",
        "api-keys",
        "users",
        "tools",
        "approvals",
        "decisions",
        "agents",
        "commands",
        "web",
        "schedules",
        "intelligence",
        "knowledge:version_id",
        "knowledge:passage_id",
        "knowledge:answer_id",
        "risk:entry_id",
        "identity:link_id",
        "identity:decision",
        "identity:person_id",
        "identity:merge_id",
        "identity:contact_id",
        "practices:deal_id",
        "flows",
        "flows:run_id",
        "concepts:concept_key",
        "concepts:version",
        "concepts:subject_type",
        "concepts:subject_id",
        "webhooks:delivery_id",
        "inbox:mailbox_id",
        "inbox:conversation_id",
    }
)
