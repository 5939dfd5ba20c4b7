"""The dispatch panel on the web: the /dispatch page, the embeddable ``<kith-dispatch>``
(its script, its token-bound routes, CORS for the host page) and, in Chromium at 390 px,
the embedded panel inside a host page on another origin and the page itself."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.audit.models import AuditEntry
from kith.bootstrap import wire_services
from kith.container import Container
from kith.demo.fieldservice import seed_field_resources
from kith.gateway.models import DecisionRecord
from tests.conftest import Workspace, sign_in
from tests.e2e.conftest import OUTPUT
from tests.e2e.test_web_work import PASSWORD, Remote, _loaded

NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)  # Tue 09:00 Shanghai
ORDER = {
    "kind": "installation",
    "title": "Install EV-7 Pro",
    "asset_serial": "LK6ADCE29SB100231",
    "asset_kind": "vin",
    "asset_model": "EV-7 Pro",
    "address": "上海市浦东新区张江路 188 号",
    "region": "上海",
    "lat": 31.2050,
    "lon": 121.5900,
    "required_skills": ["installation"],
    "window_start": "2026-12-09T02:00:00Z",
    "window_end": "2026-12-09T09:00:00Z",
    "duration_min": 90,
}


# What sticks out of a 390 px screen (the page's elements and the panel's shadow tree).
WIDER_THAN_PHONE = """() => {
  const host = document.querySelector('kith-dispatch');
  const inner = host ? [...host.shadowRoot.querySelectorAll('*')] : [];
  const all = [...document.querySelectorAll('*'), ...inner];
  return all.filter(e => e.getBoundingClientRect().right > 390)
    .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right);
}"""


def _pin(container: Container) -> None:
    container.clock = lambda: NOW
    wire_services(container)


def _ranked_order(api: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    order = api("POST", "/work-orders", 201, json=ORDER)
    ranking = api("POST", f"/work-orders/{order['id']}/recommendation", 200, json={})
    return order, ranking


def test_embed_routes_act_for_the_tokens_person_on_its_order_only(
    app_client: TestClient, container: Container, workspace: Workspace
) -> None:
    _pin(container)
    admin = sign_in(app_client, workspace.users["admin"].email)
    seed_field_resources(container, workspace.tenant_id, NOW)
    order, ranking = _ranked_order(admin.call)
    other = admin.post(
        "/work-orders", {**ORDER, "asset_kind": "serial", "asset_serial": "SN-OTHER"}
    )
    issued = admin.post(
        "/embed/tokens", {"component": "dispatch", "record_id": order["id"], "ttl_minutes": 10}
    )
    assert issued["script"] == "/embed/dispatch.js" and issued["element"] == "kith-dispatch"
    headers = {"X-Kith-Embed-Token": issued["token"], "Origin": "https://mes.example.com"}

    panel = app_client.get(f"/embed/api/dispatch/{order['id']}", headers=headers)
    assert panel.status_code == 200
    assert panel.headers["access-control-allow-origin"] == "*"
    assert (
        panel.json()["recommendation"]["ranked"][0]["engineer_id"]
        == (ranking["ranked"][0]["engineer_id"])
    )
    preflight = app_client.options(f"/embed/api/dispatch/{order['id']}/assign", headers=headers)
    assert preflight.status_code == 204
    assert "X-Kith-Embed-Token" in preflight.headers["access-control-allow-headers"]

    elsewhere = app_client.get(f"/embed/api/dispatch/{other['id']}", headers=headers)
    assert elsewhere.status_code == 403
    assert elsewhere.headers["access-control-allow-origin"] == "*"  # the host can read why
    forged = app_client.get(
        f"/embed/api/dispatch/{order['id']}", headers={"X-Kith-Embed-Token": "e30.AAAA"}
    )
    assert forged.status_code == 403
    assert app_client.get(f"/embed/api/dispatch/{order['id']}").status_code == 422

    second = ranking["ranked"][1]["engineer_id"]
    url = f"/embed/api/dispatch/{order['id']}/assign"
    refused = app_client.post(url, headers=headers, json={"engineer_id": second})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "reason"]
    done = app_client.post(url, headers=headers, json={"engineer_id": second, "reason": "熟客"})
    assert done.status_code == 200, done.text
    assert done.json()["assignment"]["override"] is True
    with container.uow() as uow:
        decision = uow.session.get(DecisionRecord, done.json()["decision_id"])
        assert decision is not None
        assert decision.actor_id == workspace.users["admin"].id  # the token's person acted

    container.clock = lambda: datetime(2026, 12, 8, 1, 11, tzinfo=UTC)  # past its 10 minutes
    expired = app_client.get(f"/embed/api/dispatch/{order['id']}", headers=headers)
    assert expired.status_code == 403 and "expired" in expired.json()["detail"]


def test_the_mes_back_end_mints_a_token_with_its_api_key_and_the_page_embeds(
    app_client: TestClient, container: Container, workspace: Workspace
) -> None:
    """The MES story: its back end holds an API key, mints a token for the order's
    panel, its page embeds the panel; the panel acts as the key (its scopes), on that
    order, and the minting is audited. A key without the component's scope, or a
    revoked key, gets nothing."""
    _pin(container)
    admin = sign_in(app_client, workspace.users["admin"].email)
    seed_field_resources(container, workspace.tenant_id, NOW)
    order, ranking = _ranked_order(admin.call)
    key = admin.post(
        "/api-keys",
        {"name": "mes", "scopes": ["embed_tokens:write", "work_orders:write", "contacts:read"]},
    )
    mes = {"Authorization": f"Bearer {key['secret']}"}
    minted = app_client.post(
        "/api/v1/embed/tokens",
        headers=mes,
        json={"component": "dispatch", "record_id": order["id"], "ttl_minutes": 5},
    )
    assert minted.status_code == 201, minted.text
    token = minted.json()["token"]
    with container.uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "embed_token.issued")
        ).one()
        assert (entry.actor_kind, entry.actor_id) == ("api_key", key["id"])
        assert (entry.object_type, entry.record_id) == ("work_order", order["id"])
        assert entry.detail["token_id"] == minted.json()["token_id"]

    headers = {"X-Kith-Embed-Token": token, "Origin": "https://mes.example.com"}
    panel = app_client.get(f"/embed/api/dispatch/{order['id']}", headers=headers)
    assert panel.status_code == 200, panel.text
    first = ranking["ranked"][0]["engineer_id"]
    done = app_client.post(
        f"/embed/api/dispatch/{order['id']}/assign", headers=headers, json={"engineer_id": first}
    )
    assert done.status_code == 200, done.text
    with container.uow() as uow:
        decision = uow.session.get(DecisionRecord, done.json()["decision_id"])
        assert decision is not None and decision.actor_id == key["id"]  # the key acted

    narrow = admin.post("/api-keys", {"name": "mes-ro", "scopes": ["embed_tokens:write"]})
    lacking = app_client.post(
        "/api/v1/embed/tokens",
        headers={"Authorization": f"Bearer {narrow['secret']}"},
        json={"component": "dispatch", "record_id": order["id"]},
    )
    assert lacking.status_code == 403 and "work_orders:write" in lacking.json()["detail"]
    unknown = app_client.post(
        "/api/v1/embed/tokens", headers=mes, json={"component": "nope", "record_id": order["id"]}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"] == ["body", "component"]
    too_long = app_client.post(
        "/api/v1/embed/tokens",
        headers=mes,
        json={"component": "dispatch", "record_id": order["id"], "ttl_minutes": 61},
    )
    assert too_long.status_code == 422

    admin.call("DELETE", f"/api-keys/{key['id']}", 204)
    revoked = app_client.get(f"/embed/api/dispatch/{order['id']}", headers=headers)
    assert revoked.status_code == 403 and "cannot act" in revoked.json()["detail"]


def test_the_embed_script_bundles_the_panel_and_both_languages(app_client: TestClient) -> None:
    script = app_client.get("/embed/dispatch.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    body = script.text
    assert 'customElements.define("kith-dispatch"' in body
    assert "export " not in body  # one classic script for any host page
    for text in ("推荐的工程师", "Ranked engineers", "改派理由", "Reason (required"):
        assert text in body
    node = shutil.which("node")
    if node:
        checked = subprocess.run([node, "--check", "-"], input=body, text=True, capture_output=True)
        assert checked.returncode == 0, checked.stderr


def test_dispatch_page_is_in_the_navigation_of_those_who_dispatch(
    app_client: TestClient, workspace: Workspace
) -> None:
    for role, shown in (("service", True), ("viewer", False)):
        app_client.cookies.clear()
        login = app_client.post(
            "/api/v1/auth/login",
            json={"email": workspace.users[role].email, "password": PASSWORD},
        )
        assert login.status_code == 200
        home = app_client.get("/")
        assert ('href="/dispatch"' in home.text) is shown, role
    page = app_client.get("/dispatch")
    assert page.status_code == 200


@pytest.mark.parametrize("locale", ["zh-CN"])
def test_browser_embedded_panel_on_a_host_page_at_390_px(
    live_server: str, container: Container, workspace: Workspace, browser: Any, locale: str
) -> None:
    _pin(container)
    seed_field_resources(container, workspace.tenant_id, NOW)
    admin = Remote(live_server, workspace.users["admin"].email)
    order, ranking = _ranked_order(admin)
    token = admin(
        "POST", "/embed/tokens", 201, json={"component": "dispatch", "record_id": order["id"]}
    )["token"]
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale=locale)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_content(
        "<!doctype html><html><head><meta name=viewport content='width=device-width'>"
        "</head><body><h1>MES 下线看板</h1>"
        f"<kith-dispatch work-order='{order['id']}' token='{token}' lang='zh-CN'></kith-dispatch>"
        f"<script src='{live_server}/embed/dispatch.js'></script></body></html>"
    )
    page.wait_for_selector("kith-dispatch .kd-card")
    assert page.locator("kith-dispatch .kd-card").count() == len(ranking["ranked"])
    wide = page.evaluate(WIDER_THAN_PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    second = ranking["ranked"][1]
    page.locator(f"kith-dispatch button[data-engineer='{second['engineer_id']}']").click()
    page.wait_for_selector("kith-dispatch .kd-error")
    assert "请填写理由" in page.locator("kith-dispatch .kd-error").inner_text()
    page.locator("kith-dispatch textarea").fill("客户指定 / the customer asked")
    page.locator(f"kith-dispatch button[data-engineer='{second['engineer_id']}']").click()
    page.wait_for_selector("kith-dispatch .kd-ok")
    page.screenshot(path=str(OUTPUT / "web-dispatch-embed-390.png"), full_page=True)
    assert admin("GET", f"/work-orders/{order['id']}")["engineer_id"] == second["engineer_id"]
    assert not errors, errors


def test_browser_dispatch_page_in_english_at_390_px(
    live_server: str, container: Container, workspace: Workspace, browser: Any
) -> None:
    _pin(container)
    seed_field_resources(container, workspace.tenant_id, NOW)
    admin = Remote(live_server, workspace.users["admin"].email)
    order, ranking = _ranked_order(admin)
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="en")
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/login")
    page.fill("#login-email", workspace.users["service"].email)
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/dispatch?order={order['id']}")
    _loaded(page)
    page.wait_for_selector(".kd-card")
    text = page.locator("#page").inner_text()
    for expected in ("Ranked engineers", "Travel", "The asset's repair history", "Assign"):
        assert expected in text, expected
    wide = page.evaluate(WIDER_THAN_PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.locator(f"button[data-engineer='{ranking['ranked'][0]['engineer_id']}']").click()
    page.wait_for_selector(".kd-ok")
    # the providers' bays: a day's slots, one reserved for the chosen order
    page.wait_for_selector(".kd-slot button")
    assert "Provider bays" in page.locator("#page").inner_text()
    page.fill("#kd-bays-day", "2026-12-09")
    page.dispatch_event("#kd-bays-day", "change")
    page.wait_for_selector(".kd-slot button[data-slot='10:00']")
    page.locator(".kd-slot button[data-slot='10:00']").click()
    page.wait_for_selector(".kd-bays .kd-ok")
    assert "Reserved 10:00–11:00" in page.locator(".kd-bays .kd-ok").inner_text()
    wide = page.evaluate(WIDER_THAN_PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.screenshot(path=str(OUTPUT / "web-dispatch-390-en.png"), full_page=True)
    assert not errors, errors
