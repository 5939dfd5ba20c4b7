"""Object-, record- and field-level permissions, API keys and authentication."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.audit.models import AuditEntry
from kith.container import Container
from tests.conftest import Api, Workspace


def test_unauthenticated_requests_get_401_problem(app_client: TestClient) -> None:
    response = app_client.get("/api/v1/contacts")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    bad = app_client.post("/api/v1/auth/login", json={"email": "x@y.cn", "password": "nope"})
    assert bad.status_code == 401


def test_hidden_fields_never_leave_the_server_and_cannot_be_written(as_role: Any) -> None:
    admin, sales = as_role("admin"), as_role("sales")
    contact = admin.post(
        "/contacts",
        {"name": "王强", "id_number": "11010519491231002X", "bank_account": "6222 0212 3456 7890"},
    )
    seen_by_sales = sales.get(f"/contacts/{contact['id']}")
    assert "id_number" not in seen_by_sales
    assert "bank_account" not in seen_by_sales
    listed = sales.get("/contacts")["items"][0]
    assert "id_number" not in listed
    assert admin.get(f"/contacts/{contact['id']}")["id_number"] == "11010519491231002X"
    problem = sales.post("/contacts", {"name": "李雷", "id_number": "11010519491231002X"}, 403)
    assert problem["errors"][0]["loc"] == ["body", "id_number"]
    assert [c["name"] for c in admin.get("/contacts")["items"]] == ["王强"]


def test_read_only_field_is_visible_but_not_writable(as_role: Any, workspace: Workspace) -> None:
    admin, sales = as_role("admin"), as_role("sales")
    account = admin.post(
        "/accounts",
        {"name": "Acme", "tax_id": "91310000MA1", "owner_id": workspace.users["sales"].id},
    )
    sales_view = sales.get(f"/accounts/{account['id']}")
    assert sales_view["tax_id"] == "91310000MA1"
    problem = sales.patch(f"/accounts/{account['id']}", {"version": 1, "tax_id": "X"}, 403)
    assert problem["errors"][0]["loc"] == ["body", "tax_id"]
    assert admin.get(f"/accounts/{account['id']}")["version"] == 1
    sales.patch(f"/accounts/{account['id']}", {"version": 1, "city": "杭州"})


def test_record_scope_own_team_all(as_role: Any, workspace: Workspace) -> None:
    sales, sales2, sales3 = as_role("sales"), as_role("sales2"), as_role("sales3")
    manager, admin = as_role("manager"), as_role("admin")
    admin.post("/pipelines", {"name": "Sales", "is_default": True})
    pipeline = admin.get("/pipelines")["items"][0]["id"]
    admin.post(f"/pipelines/{pipeline}/stages", {"name": "Qualify", "probability": 10})
    mine = sales.post("/deals", {"name": "mine"})
    teammates = sales2.post("/deals", {"name": "teammate's"})
    outsiders = sales3.post("/deals", {"name": "outsider's"})

    assert {d["name"] for d in sales.get("/deals")["items"]} == {"mine", "teammate's"}
    assert {d["name"] for d in sales3.get("/deals")["items"]} == {"outsider's"}
    sales.get(f"/deals/{outsiders['id']}", expected=404)
    sales.patch(f"/deals/{teammates['id']}", {"version": 1, "name": "taken"}, 403)
    sales.patch(f"/deals/{mine['id']}", {"version": 1, "name": "still mine"})
    manager.patch(f"/deals/{teammates['id']}", {"version": 1, "amount": "1000.00"})
    manager.patch(f"/deals/{outsiders['id']}", {"version": 1, "amount": "1.00"}, 403)
    assert len(manager.get("/deals")["items"]) == 3
    problem = sales.post(
        "/deals", {"name": "for sales3", "owner_id": workspace.users["sales3"].id}, 422
    )
    assert problem["errors"][0]["loc"] == ["body", "owner_id"]


def test_object_permissions_per_role(as_role: Any) -> None:
    viewer, analyst, service = as_role("viewer"), as_role("analyst"), as_role("service")
    viewer.post("/accounts", {"name": "nope"}, 403)
    analyst.post("/leads", {"name": "nope"}, 403)
    assert analyst.get("/leads")["items"] == []
    viewer.get("/leads", expected=403)
    ticket = service.post("/tickets", {"subject": "屏幕闪烁", "priority": "high"})
    assert ticket["number"].startswith("T-")


def test_api_key_scopes_and_revocation(as_role: Any, app_client: TestClient) -> None:
    sales = as_role("sales")
    created = sales.post("/api-keys", {"name": "sync", "scopes": ["contacts:read"]})
    key = Api(app_client, created["secret"])
    assert key.get("/contacts")["items"] == []
    key.post("/contacts", {"name": "x"}, 403)
    key.get("/deals", expected=403)
    sales.delete(f"/api-keys/{created['id']}")
    key.get("/contacts", expected=401)
    sales.post("/api-keys", {"name": "bad", "scopes": ["contacts:destroy"]}, 422)


def test_records_created_by_api_key_name_the_key_as_actor(
    as_role: Any, app_client: TestClient
) -> None:
    created = as_role("admin").post("/api-keys", {"name": "erp", "scopes": ["*"]})
    key = Api(app_client, created["secret"])
    account = key.post("/accounts", {"name": "Via ERP"})
    assert account["created_by_kind"] == "api_key"
    assert account["created_by_id"] == created["id"]
    entry = key.get(f"/accounts/{account['id']}/timeline")["items"][0]
    assert entry["actor_kind"] == "api_key"
    assert entry["actor_name"] == "API key erp"


def test_sensitive_reads_are_audited(as_role: Any, container: Container) -> None:
    admin = as_role("admin")
    contact = admin.post("/contacts", {"name": "赵敏", "id_number": "11010519491231002X"})
    admin.get(f"/contacts/{contact['id']}")
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "sensitive_read")
        ).all()
        assert [(r.record_id, r.detail["fields"]) for r in rows] == [(contact["id"], ["id_number"])]


def test_custom_roles_and_field_rules_are_data(
    as_role: Any, app_client: TestClient, workspace: Workspace
) -> None:
    admin = as_role("admin")
    role = admin.post(
        "/roles",
        {
            "name": "auditor",
            "permissions": [{"object_type": "contact", "action": "read", "scope": "all"}],
            "field_rules": [{"object_type": "contact", "field": "email", "access": "hidden"}],
        },
    )
    assert role["builtin"] is False
    admin.post(
        "/users",
        {
            "email": "aud@acme.example.com",
            "name": "Aud",
            "password": "aud1tor-pass",
            "roles": ["auditor"],
        },
    )
    admin.post("/contacts", {"name": "陈静", "email": "chen@x.cn"})
    response = app_client.post(
        "/api/v1/auth/login", json={"email": "aud@acme.example.com", "password": "aud1tor-pass"}
    )
    auditor = Api(app_client, response.json()["token"])
    assert [("email" in c) for c in auditor.get("/contacts")["items"]] == [False]
    auditor.get("/accounts", expected=403)
    admin.patch(
        f"/roles/{role['id']}",
        {
            "name": "auditor",
            "field_rules": [{"object_type": "contact", "field": "email", "access": None}],
        },
    )
    assert auditor.get("/contacts")["items"][0]["email"] == "chen@x.cn"


def test_cookie_writes_need_the_csrf_header(app_client: TestClient, workspace: Workspace) -> None:
    from tests.conftest import PASSWORD

    app_client.post(
        "/api/v1/auth/login", json={"email": workspace.users["admin"].email, "password": PASSWORD}
    )
    assert app_client.get("/api/v1/accounts").status_code == 200
    forged = app_client.post("/api/v1/accounts", json={"name": "forged"})
    assert forged.status_code == 403
    ok = app_client.post(
        "/api/v1/accounts", json={"name": "real"}, headers={"X-Kith-Client": "web"}
    )
    assert ok.status_code == 201


def test_deactivated_user_is_signed_out_and_roles_change_rights(
    as_role: Any, app_client: TestClient, workspace: Workspace
) -> None:
    admin, viewer = as_role("admin"), as_role("viewer")
    viewer_id = workspace.users["viewer"].id
    viewer.post("/accounts", {"name": "nope"}, 403)
    admin.patch(f"/users/{viewer_id}", {"roles": ["sales"], "title": "销售代表"})
    viewer.post("/accounts", {"name": "now allowed"})
    admin.patch(f"/users/{viewer_id}", {"is_active": False})
    viewer.get("/accounts", expected=401)
    me = admin.get("/me")
    admin.patch(f"/users/{me['id']}", {"is_active": False}, 422)
