"""The admin screens: users, roles (permissions and field rules), agents' permissions and
the risk policy. The page and the risk-rules endpoint run on SQLite and PostgreSQL; the
browser tests (SQLite lane, skipped without Playwright or Chromium) edit a role's field rule
as an admin and check the field is gone for a user of that role, add a user, and follow an
agent to its role. Screenshots go to test-output/.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

import tests.e2e.test_web_work as work
from tests.conftest import PASSWORD, Workspace

OUTPUT = work.OUTPUT
Remote = work.Remote


def test_admin_page_renders_for_signed_in_users_in_both_languages(
    app_client: TestClient, workspace: Workspace
) -> None:
    assert app_client.get("/admin", follow_redirects=False).headers["location"] == (
        "/login?next=%2Fadmin"
    )
    login = app_client.post(
        "/api/v1/auth/login", json={"email": workspace.users["admin"].email, "password": PASSWORD}
    )
    assert login.status_code == 200
    page = app_client.get("/admin")
    assert "<title>管理 · Kith</title>" in page.text
    boot = work._boot(page.text)
    assert boot["page"]["kind"] == "admin"
    assert {"contact", "deal", "user", "role"} <= set(boot["page"]["object_types"])
    assert boot["messages"]["admin.tab_risk"] == "风险策略"
    app_client.cookies.set("kith_lang", "en")
    assert "<title>Administration · Kith</title>" in app_client.get("/admin").text


def test_risk_rules_are_readable_by_roles_that_may_read_roles(
    as_role: Any, workspace: Workspace
) -> None:
    admin = as_role("admin")
    rules = {r["name"]: r for r in admin.get("/web/risk-rules")["items"]}
    assert rules["refund"]["tool_pattern"] == "refunds.*"
    assert rules["refund"]["level"] == "high" and rules["refund"]["approver_role"] == "manager"
    assert rules["coupon_over_limit"]["condition"]["and"]
    assert all(r["enabled"] for r in rules.values())
    for role in ("sales", "viewer"):
        denied = as_role(role).get("/web/risk-rules", expected=403)
        assert denied["status"] == 403


# --- a real browser ------------------------------------------------------------------------


def test_browser_admin_hides_a_field_for_a_role_and_the_role_no_longer_sees_it(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    contact = admin(
        "POST",
        "/contacts",
        201,
        json={"name": "赵敏", "phone": "13912345678", "owner_id": workspace.users["sales"].id},
    )
    sales = Remote(live_server, workspace.users["sales"].email)
    assert sales("GET", f"/contacts/{contact['id']}")["phone"] == "13912345678"

    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["admin"].email, errors)
    page.goto(f"{live_server}/admin?tab=roles")
    work._loaded(page)
    page.locator(".admin-list button[data-role=sales]").click()
    page.wait_for_selector(".role-editor[data-role=sales]")
    editor = page.locator(".role-editor[data-role=sales]")
    # The grants of the role are shown as they are.
    granted = next(r for r in admin("GET", "/roles") if r["name"] == "sales")["permissions"]
    scope = next(
        p["scope"] for p in granted if (p["object_type"], p["action"]) == ("contact", "read")
    )
    assert editor.locator('select[data-key="contact:read"]').input_value() == scope
    editor.get_by_label("对象", exact=True).select_option("contact")
    editor.get_by_label("字段", exact=True).select_option("phone")
    editor.get_by_label("限制", exact=True).select_option("hidden")
    editor.get_by_role("button", name="添加规则").click()
    editor.locator('tr[data-key="contact:phone"]').wait_for()
    editor.get_by_role("button", name="保存角色").click()
    page.wait_for_selector("text=已保存角色 sales（1 项改动）。")
    page.screenshot(path=str(OUTPUT / "web-admin-role.png"), full_page=True)
    role = next(r for r in admin("GET", "/roles") if r["name"] == "sales")
    assert {"object_type": "contact", "field": "phone", "access": "hidden"} in role["field_rules"]

    # The sales user no longer gets the phone: not from the API, not on the record page.
    assert "phone" not in sales("GET", f"/contacts/{contact['id']}")
    sales_page = work._page(browser, live_server, workspace.users["sales"].email, errors)
    sales_page.goto(f"{live_server}/o/contacts/{contact['id']}")
    work._loaded(sales_page)
    sales_page.wait_for_selector("h1:has-text('赵敏')")
    assert "13912345678" not in sales_page.content()
    sales_page.screenshot(path=str(OUTPUT / "web-admin-field-hidden.png"), full_page=True)

    # Removing the rule brings it back.
    page.locator('tr[data-key="contact:phone"]').get_by_role("button", name="移除").click()
    with page.expect_response(lambda r: "/api/v1/roles/" in r.url) as saved:
        page.get_by_role("button", name="保存角色").click()
    assert saved.value.status == 200
    assert sales("GET", f"/contacts/{contact['id']}")["phone"] == "13912345678"
    assert not errors, errors


def test_browser_admin_adds_a_user_changes_roles_and_reads_agents_and_risk(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["admin"].email, errors, "en")
    page.goto(f"{live_server}/lang/en?next=/admin")
    work._loaded(page)
    page.wait_for_selector("table.admin-users")
    form = page.locator("form.admin-form")
    form.get_by_label("Email").fill("new.rep@acme.example.com")
    form.get_by_label("Name").fill("New Rep")
    form.get_by_label("Initial password").fill("a-long-password-1")
    form.get_by_label("Service", exact=True).check()
    form.get_by_role("button", name="Add user").click()
    page.wait_for_selector("text=User New Rep added.")
    made = next(u for u in admin("GET", "/users") if u["email"] == "new.rep@acme.example.com")
    assert sorted(made["roles"]) == ["sales", "service"]
    # The page re-renders the users tab after adding; fill the form that follows it.
    page.wait_for_selector('tr[data-email="new.rep@acme.example.com"]')
    # An email already in use is refused by the API and said so.
    form = page.locator("form.admin-form")
    form.get_by_label("Email").fill(workspace.users["sales"].email)
    form.get_by_label("Name").fill("X")
    form.get_by_label("Initial password").fill("pw")
    form.get_by_role("button", name="Add user").click()
    page.wait_for_selector("form.admin-form .notice-error")

    row = page.locator('tr[data-email="new.rep@acme.example.com"]')
    row.get_by_label("Service", exact=True).uncheck()
    row.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=New Rep saved.")
    made = next(u for u in admin("GET", "/users") if u["email"] == "new.rep@acme.example.com")
    assert made["roles"] == ["sales"]
    # An admin cannot lock themselves out; the API says why and the page shows it.
    own = page.locator(f'tr[data-email="{workspace.users["admin"].email}"]')
    own.get_by_label("Active").uncheck()
    own.get_by_role("button", name="Save").click()
    page.wait_for_selector(".admin-message .notice-error")
    page.screenshot(path=str(OUTPUT / "web-admin-users.png"), full_page=True)

    page.get_by_role("tab", name="Agent permissions").click()
    page.wait_for_selector("table.admin-agents tbody tr")
    first = page.locator("table.admin-agents tbody tr").first
    agent_role = first.locator("td").nth(1).inner_text()
    assert agent_role.startswith("agent_")
    first.get_by_role("button", name="Edit permissions").click()
    page.wait_for_selector(f'.role-editor[data-role="{agent_role}"]')
    assert f"role={agent_role}" in page.url
    page.screenshot(path=str(OUTPUT / "web-admin-agent-role.png"), full_page=True)

    page.get_by_role("tab", name="Risk policy").click()
    page.wait_for_selector("table.risk-rules tr[data-name=refund]")
    refund = page.locator("table.risk-rules tr[data-name=refund]").inner_text()
    assert "refunds.*" in refund and "High" in refund
    page.screenshot(path=str(OUTPUT / "web-admin-risk.png"), full_page=True)
    assert not errors, errors


def test_browser_admin_page_shows_sales_only_the_users_tab_read_only(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["sales"].email, errors)
    page.goto(f"{live_server}/admin?tab=roles")
    work._loaded(page)
    page.wait_for_selector("table.admin-users")
    assert page.get_by_role("tab").all_inner_texts() == ["用户"]
    assert page.locator("table.admin-users input:not([disabled])").count() == 0
    assert page.locator("form.admin-form").count() == 0
    assert not errors, errors
