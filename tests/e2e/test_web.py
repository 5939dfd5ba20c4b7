"""The web UI: page shells, sign-in and sign-out, languages, static assets, and the
consistency of the UI's translations and object descriptions with the specs.

A headless-browser smoke test at the end runs only when Playwright and a Chromium
binary are available.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kith.api.deps import SESSION_COOKIE
from kith.crm.specs import SPECS
from kith.web import routes
from kith.web.i18n import EN, LANG_COOKIE, MESSAGES, ZH_CN, negotiate
from kith.web.objects import NAV, VIEWS, enum_values, references, ui_objects
from tests.conftest import PASSWORD, Workspace
from tests.e2e.conftest import CHROMIUM, OUTPUT

WEB = Path(routes.__file__).parent
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def sign_in_with_cookie(client: TestClient, email: str) -> str:
    """What the sign-in form does: POST the credentials; the response sets the cookie."""
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token = client.cookies.get(SESSION_COOKIE)
    assert token, "the login response sets the session cookie"
    return token


def boot_data(html: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="kith-boot">(.*?)</script>', html, re.S)
    assert match, "every page carries its boot JSON"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


# --- translations and object descriptions (no database) ------------------------------


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    assert set(ZH_CN) == set(EN)
    for key in ZH_CN:
        assert set(PLACEHOLDER.findall(ZH_CN[key])) == set(PLACEHOLDER.findall(EN[key])), key
        assert ZH_CN[key].strip() and EN[key].strip(), key


def test_every_field_object_and_enum_value_has_a_label_in_both_languages() -> None:
    for messages in MESSAGES.values():
        for name, spec in SPECS.items():
            assert f"object.{name}" in messages
            for field in spec.columns:
                assert f"field.{name}.{field}" in messages or f"field.{field}" in messages, (
                    name,
                    field,
                )
                for value in enum_values(spec, field):
                    keys = (f"enum.{name}.{field}.{value}", f"enum.{field}.{value}")
                    assert any(k in messages for k in keys), (name, field, value)


def _literal_keys(text: str) -> set[str]:
    return set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[\w.-]+)["']""", text))


def test_every_message_the_ui_asks_for_exists() -> None:
    used: set[str] = set()
    for path in [*STATIC.glob("*.js"), *TEMPLATES.glob("*.html"), WEB / "routes.py"]:
        used |= _literal_keys(path.read_text(encoding="utf-8"))
    forms = (STATIC / "forms.js").read_text(encoding="utf-8")
    used |= set(re.findall(r'"(error\.[a-z_]+)"', forms))
    assert len(used) > 100
    missing = sorted(used - set(ZH_CN))
    assert not missing, missing


def test_object_views_name_real_fields() -> None:
    assert set(VIEWS) == set(SPECS)
    assert set(NAV) <= set(SPECS) and len(NAV) == 9
    for name, view in VIEWS.items():
        spec = SPECS[name]
        fields = set(spec.columns)
        assert set(view.columns) <= fields, name
        assert view.columns[0] in fields
        assert set(view.form_fields) <= set(spec.input_schema.model_fields), name
        assert set(view.form_defaults) <= set(view.form_fields), name
        for field in view.quick_filters:
            assert field in spec.filterable, (name, field)
            assert ui_objects("en")[name]["quick_filters"], name
        if view.default_sort:
            assert view.default_sort.removeprefix("-") in spec.sortable, name
        for related in view.related:
            other = SPECS[related.object]
            assert related.field in other.filterable, (name, related)
            assert references(other).get(related.field) == name, (name, related)
    for described in ui_objects("zh-CN").values():
        for quick in described["quick_filters"]:
            assert quick["options"], described["name"]


def test_language_negotiation() -> None:
    assert negotiate(None, None) == "zh-CN"
    assert negotiate("en", "zh-CN") == "en"
    assert negotiate("xx", "en-GB,en;q=0.9") == "en"
    assert negotiate(None, "fr-FR, en;q=0.5, zh;q=0.8") == "zh-CN"
    assert negotiate(None, "de, fr") == "zh-CN"
    assert negotiate(None, "zh-TW;q=0.1, en-US;q=0.9") == "en"


def test_scripts_build_the_dom_without_parsing_html() -> None:
    forbidden = re.compile(
        r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function"
    )
    for path in STATIC.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not forbidden.search(text), path.name
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\son[a-z]+\s*=", text), f"inline handler in {path.name}"
        assert not re.search(r"\sstyle\s*=", text), f"inline style in {path.name} (CSP)"
        assert "<script>" not in text, f"inline script in {path.name} (CSP)"


def test_module_imports_resolve_to_shipped_files() -> None:
    names = {p.name for p in STATIC.iterdir()}
    for path in STATIC.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        for target in re.findall(r"""(?:from|import\()\s*["']\./([\w.-]+)["']""", text):
            assert target in names, f"{path.name} imports missing {target}"
    for path in TEMPLATES.glob("*.html"):
        for target in re.findall(r'/static/([\w.-]+)"', path.read_text(encoding="utf-8")):
            assert target in names, f"{path.name} references missing {target}"


# --- pages over HTTP -------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(app_client: TestClient) -> None:
    response = app_client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    response = app_client.get("/o/contacts?q=张", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=%2Fo%2Fcontacts%3Fq%3D")
    app_client.cookies.set(SESSION_COOKIE, "kss_not-a-real-session")
    response = app_client.get("/o/deals", follow_redirects=False)
    assert response.headers["location"] == "/login?next=%2Fo%2Fdeals"
    assert app_client.get("/login").status_code == 200


def test_sign_in_page_speaks_the_chosen_language(app_client: TestClient) -> None:
    zh = app_client.get("/login")
    assert zh.status_code == 200
    assert zh.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in zh.text
    assert "登录 Kith" in zh.text and "密码" in zh.text
    assert "script-src 'self'" in zh.headers["content-security-policy"]
    boot = boot_data(zh.text)
    assert boot["locale"] == "zh-CN" and boot["page"]["kind"] == "login"
    assert boot["messages"]["login.submit"] == "登录"

    en = app_client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in en.text
    assert "Sign in to Kith" in en.text and "Password" in en.text
    assert "登录 Kith" not in en.text

    app_client.cookies.set(LANG_COOKIE, "en")
    chosen = app_client.get("/login", headers={"Accept-Language": "zh-CN"})
    assert "Sign in to Kith" in chosen.text


def test_next_after_sign_in_stays_on_this_site(app_client: TestClient) -> None:
    page = app_client.get("/login", params={"next": "/o/deals?sort=-amount"})
    assert boot_data(page.text)["page"]["next"] == "/o/deals?sort=-amount"
    for evil in ("//evil.example/x", "https://evil.example", "/\\evil.example", "javascript:x"):
        page = app_client.get("/login", params={"next": evil})
        assert boot_data(page.text)["page"]["next"] == "/", evil


def test_signed_in_pages_render_in_both_languages(
    app_client: TestClient, workspace: Workspace
) -> None:
    sign_in_with_cookie(app_client, workspace.users["sales"].email)
    assert app_client.get("/login", follow_redirects=False).headers["location"] == "/"

    home = app_client.get("/")
    assert home.status_code == 200
    for label in ("首页", "客户公司", "联系人", "线索", "商机", "工单", "活动", "互动", "产品"):
        assert label in home.text
    assert "退出登录" in home.text and 'aria-current="page"' in home.text
    boot = boot_data(home.text)
    assert boot["page"] == {"kind": "home"}
    assert boot["objects"]["contact"]["label"] == "联系人"
    assert boot["nav"][0] == "account"

    app_client.cookies.set(LANG_COOKIE, "en")
    home_en = app_client.get("/")
    for label in ("Home", "Accounts", "Contacts", "Leads", "Deals", "Tickets", "Orders"):
        assert label in home_en.text
    assert "Sign out" in home_en.text and "客户公司" not in home_en.text

    listing = app_client.get("/o/contacts")
    assert listing.status_code == 200
    assert boot_data(listing.text)["page"] == {"kind": "list", "object": "contact"}
    assert "<title>Contacts · Kith</title>" in listing.text

    new = app_client.get("/o/deals/new")
    assert "New deal" in new.text
    app_client.cookies.set(LANG_COOKIE, "zh-CN")
    assert "新建商机" in app_client.get("/o/deals/new").text

    record_id = "0" * 32
    record = app_client.get(f"/o/accounts/{record_id}")
    assert record.status_code == 200
    expected = {"kind": "record", "object": "account", "id": record_id}
    assert boot_data(record.text)["page"] == expected

    assert app_client.get("/search", params={"q": "张伟"}).status_code == 200
    for missing in ("/o/unicorns", "/o/contacts/not-an-id", "/o/contacts/ABC"):
        response = app_client.get(missing)
        assert response.status_code == 404, missing
        assert "页面不存在" in response.text


def test_the_page_api_calls_work_with_cookie_and_client_header(
    app_client: TestClient, workspace: Workspace
) -> None:
    sign_in_with_cookie(app_client, workspace.users["sales"].email)
    me = app_client.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["email"] == workspace.users["sales"].email
    body = {"name": "王小明", "mobile": "13800001111"}
    forged = app_client.post("/api/v1/contacts", json=body)
    assert forged.status_code == 403
    assert forged.headers["content-type"].startswith("application/problem+json")
    created = app_client.post("/api/v1/contacts", json=body, headers={"X-Kith-Client": "web"})
    assert created.status_code == 201, created.text
    contact = created.json()
    patched = app_client.patch(
        f"/api/v1/contacts/{contact['id']}",
        json={"version": contact["version"], "title": "经理"},
        headers={"X-Kith-Client": "web"},
    )
    assert patched.status_code == 200 and patched.json()["version"] == contact["version"] + 1
    stale = app_client.patch(
        f"/api/v1/contacts/{contact['id']}",
        json={"version": contact["version"], "title": "总监"},
        headers={"X-Kith-Client": "web"},
    )
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["loc"] == ["body", "version"]
    assert app_client.get(f"/o/contacts/{contact['id']}").status_code == 200
    openapi = app_client.get("/api/openapi.json").json()
    assert "ContactIn" in openapi["components"]["schemas"]


def test_sign_out_revokes_the_session(app_client: TestClient, workspace: Workspace) -> None:
    token = sign_in_with_cookie(app_client, workspace.users["viewer"].email)
    assert app_client.get("/logout").status_code == 200
    cross_site = app_client.post(
        "/logout", headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert cross_site.status_code == 403
    assert app_client.get("/api/v1/me").status_code == 200

    response = app_client.post("/logout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert SESSION_COOKIE not in app_client.cookies
    reused = app_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert reused.status_code == 401
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_language_switch_sets_the_cookie_and_returns(app_client: TestClient) -> None:
    response = app_client.get(
        "/lang/en", params={"next": "/o/contacts?q=li"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/o/contacts?q=li"
    assert f"{LANG_COOKIE}=en" in response.headers["set-cookie"]
    for evil in ("//evil.example", "https://evil.example/"):
        response = app_client.get("/lang/zh-CN", params={"next": evil}, follow_redirects=False)
        assert response.headers["location"] == "/"
    assert app_client.get("/lang/fr", follow_redirects=False).status_code == 404


def test_static_assets_have_exact_content_types(app_client: TestClient) -> None:
    expected = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
    files = sorted(STATIC.iterdir())
    assert {p.suffix for p in files} <= set(expected)
    assert len([p for p in files if p.suffix == ".js"]) >= 10
    for path in files:
        response = app_client.get(f"/static/{path.name}")
        assert response.status_code == 200, path.name
        assert response.headers["content-type"].startswith(expected[path.suffix]), path.name
        assert response.headers["x-content-type-options"] == "nosniff"
        etag = response.headers["etag"]
        again = app_client.get(f"/static/{path.name}", headers={"If-None-Match": etag})
        assert again.status_code == 304
    assert app_client.get("/static/nope.js").status_code == 404
    icon = app_client.get("/favicon.ico", follow_redirects=False)
    assert icon.headers["location"] == "/static/favicon.svg"


# --- a real browser (optional) ----------------------------------------------------------


def test_browser_signs_in_and_creates_a_contact(live_server: str, workspace: Workspace) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    OUTPUT.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{live_server}/o/contacts")
            page.wait_for_url(re.compile(r".*/login\?next=%2Fo%2Fcontacts$"))
            page.fill("#login-email", workspace.users["sales"].email)
            page.fill("#login-password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server}/o/contacts")
            page.wait_for_selector("#me-name:has-text('sales acme')")
            page.get_by_role("link", name="新建").click()
            page.wait_for_url(f"{live_server}/o/contacts/new")
            page.get_by_label("姓名").fill("刘洋")
            page.get_by_label("邮箱").fill("liu.yang@example.com")
            page.get_by_role("button", name="创建").click()
            page.wait_for_url(re.compile(r".*/o/contacts/[0-9a-f]{32}$"))
            page.wait_for_selector("h1:has-text('刘洋')")
            page.wait_for_selector(".tl-item")
            assert "创建了" in page.locator(".timeline").inner_text()
            page.screenshot(path=str(OUTPUT / "web-contact.png"), full_page=True)
            page.goto(f"{live_server}/o/contacts")
            page.wait_for_selector("table.records >> text=刘洋")
            page.screenshot(path=str(OUTPUT / "web-contacts.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
