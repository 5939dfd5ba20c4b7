"""The HTTP edge: body limits, NUL and integer-range checks, security headers, and an
OpenAPI document that says what the server enforces. Run on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kith.api.edge import DEFAULT_BODY_LIMIT, INT64_MAX, INT64_MIN
from tests.conftest import PASSWORD, Api, Workspace, sign_in

PROBLEM = "application/problem+json"


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
def admin(app_client: TestClient, workspace: Workspace) -> Api:
    return sign_in(app_client, workspace.users["admin"].email)


# --- body size ---------------------------------------------------------------------------


def test_json_body_over_the_limit_is_413_by_content_length(app_client: TestClient) -> None:
    big = b'{"email": "' + b"a" * (DEFAULT_BODY_LIMIT + 10) + b'", "password": "x"}'
    response = app_client.post(
        "/api/v1/auth/login", content=big, headers={"content-type": "application/json"}
    )
    assert "1 MB" in _problem(response, 413)["detail"]


def test_json_body_over_the_limit_is_413_when_streamed(app_client: TestClient, admin: Api) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    response = app_client.post(
        "/api/v1/accounts",
        content=chunks(),  # no Content-Length: chunked
        headers={**admin.headers, "content-type": "application/json"},
    )
    _problem(response, 413)
    multipart = app_client.post(
        "/api/v1/accounts",
        content=chunks(),
        headers={**admin.headers, "content-type": "text/plain"},
    )
    _problem(multipart, 413)


def test_imports_accept_bodies_larger_than_json(app_client: TestClient, admin: Api) -> None:
    # 1.5 MB with a header no contact has: refused by the import (422), not by the size cap
    rows = "no_such_column\n" + "x" * 60 + "\n" * 1
    upload = {"file": ("contacts.csv", (rows * 25_000).encode(), "text/csv")}
    response = app_client.post("/api/v1/web/import/contacts", files=upload, headers=admin.headers)
    assert response.status_code == 422, response.text


# --- NUL and integer range ---------------------------------------------------------------


def test_nul_in_login_is_422_with_the_field_path(app_client: TestClient) -> None:
    response = app_client.post(
        "/api/v1/auth/login", json={"email": "a\u0000@x.cn", "password": PASSWORD}
    )
    errors = _problem(response, 422)["errors"]
    assert errors == [
        {"loc": ["body", "email"], "msg": "must not contain NUL characters", "type": "string_nul"}
    ]


def test_nul_anywhere_is_422_on_both_backends(app_client: TestClient, admin: Api) -> None:
    account = admin.post("/accounts", {"name": "顺达"})
    nested = app_client.post(
        "/api/v1/orders",
        json={"number": "SO-1", "lines": [{"product_id": "p", "quantity": 1, "note": "a\x00"}]},
        headers=admin.headers,
    )
    assert _problem(nested, 422)["errors"][0]["loc"] == ["body", "lines", 0, "note"]
    patched = app_client.patch(
        f"/api/v1/accounts/{account['id']}",
        json={"version": 1, "name": "x\u0000y"},
        headers=admin.headers,
    )
    assert _problem(patched, 422)["errors"][0]["loc"] == ["body", "name"]
    query = app_client.get("/api/v1/search?q=%00", headers=admin.headers)
    assert _problem(query, 422)["errors"][0]["loc"] == ["query", "q"]
    listed = app_client.get(
        "/api/v1/contacts", params={"filter": "name:eq:a\x00"}, headers=admin.headers
    )
    assert _problem(listed, 422)["errors"][0]["loc"] == ["query", "filter"]
    path = app_client.get("/api/v1/segments/a%00b", headers=admin.headers)
    assert _problem(path, 422)["errors"][0]["loc"] == ["path"]
    form = app_client.post(
        "/privacy/preferences", data={"token": "t\x00", "lang": "zh"}, follow_redirects=False
    )
    assert _problem(form, 422)["errors"][0]["loc"] == ["body", "token"]
    assert admin.get(f"/accounts/{account['id']}")["name"] == "顺达"


def test_integers_beyond_64_bits_are_422(app_client: TestClient, admin: Api) -> None:
    events = app_client.get(
        "/api/v1/events", params={"after_seq": INT64_MAX + 1}, headers=admin.headers
    )
    assert _problem(events, 422)["errors"][0]["loc"] == ["query", "after_seq"]
    assert app_client.get(
        "/api/v1/events", params={"after_seq": INT64_MAX}, headers=admin.headers
    ).status_code in (200, 403)
    account = admin.post("/accounts", {"name": "Acme"})
    big = app_client.patch(
        f"/api/v1/accounts/{account['id']}",
        json={"version": INT64_MIN - 1, "name": "x"},
        headers=admin.headers,
    )
    assert _problem(big, 422)["errors"][0]["loc"] == ["body", "version"]
    delete = app_client.delete(
        f"/api/v1/accounts/{account['id']}",
        params={"version": INT64_MAX + 1},
        headers=admin.headers,
    )
    assert _problem(delete, 422)["errors"][0]["loc"] == ["query", "version"]


def test_every_integer_query_parameter_is_bounded(app_client: TestClient) -> None:
    app: Any = app_client.app
    unbounded = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                for option in [schema, *schema.get("anyOf", [])]:
                    if option.get("type") != "integer":
                        continue
                    low, high = option.get("minimum"), option.get("maximum")
                    if low is None or high is None or low < INT64_MIN or high > INT64_MAX:
                        unbounded.append(f"{method} {path} {parameter['name']}")
    assert not unbounded


# --- OpenAPI matches the server ----------------------------------------------------------


def test_list_limit_bounds_are_in_the_spec_and_enforced(app_client: TestClient, admin: Api) -> None:
    app: Any = app_client.app
    parameters = app.openapi()["paths"]["/api/v1/contacts"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")["schema"]
    assert (limit["minimum"], limit["maximum"]) == (1, 200)
    for bad in (0, 201):
        response = app_client.get(f"/api/v1/contacts?limit={bad}", headers=admin.headers)
        assert _problem(response, 422)["errors"][0]["loc"] == ["query", "limit"]


def test_filter_without_a_value_is_422(app_client: TestClient, admin: Api) -> None:
    response = app_client.get("/api/v1/contacts?filter=name:eq", headers=admin.headers)
    assert _problem(response, 422)["errors"][0]["loc"] == ["query", "filter", 0]
    assert admin.get("/contacts", params={"filter": "email:isnull"})["items"] == []
    assert admin.get("/contacts", params={"filter": "name:eq:张"})["items"] == []


def test_operations_document_problem_responses(app_client: TestClient) -> None:
    app: Any = app_client.app
    document = app.openapi()
    assert "Problem" in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for code in ("401", "403", "404", "409", "422"):
                content = operation["responses"][code]["content"]
                assert list(content) == [PROBLEM], (method, path, code)


# --- security headers --------------------------------------------------------------------


def _csp(response: Any) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return {d.strip().split(" ", 1)[0]: d.strip().partition(" ")[2] for d in policy.split(";")}


def test_security_headers_on_every_kind_of_response(app_client: TestClient, admin: Api) -> None:
    admin.post("/accounts", {"name": "顺达"})  # through the gateway: leaves a decision
    decision = admin.get("/decisions")["items"][0]["id"]
    responses = {
        "json": app_client.get("/api/v1/me", headers=admin.headers),
        "problem": app_client.get("/api/v1/me"),
        "docs": app_client.get("/api/docs"),
        "preferences": app_client.get("/privacy/preferences", params={"token": "bad"}),
        "decision": app_client.get(f"/decisions/{decision}", headers=admin.headers),
        "static": app_client.get("/api/docs-assets/swagger-ui-bundle.js"),
        "openapi": app_client.get("/api/openapi.json"),
    }
    for name, response in responses.items():
        assert response.headers["x-content-type-options"] == "nosniff", name
        assert response.headers["x-frame-options"] == "DENY", name
        assert _csp(response)["frame-ancestors"] == "'none'", name
    assert _csp(responses["json"])["default-src"] == "'none'"
    assert responses["decision"].headers["content-type"].startswith("text/html")
    assert "style-src" in _csp(responses["decision"])  # the page's own policy, kept
    assert "script-src" not in _csp(responses["preferences"])


def test_swagger_ui_page_may_load_its_local_bundle_and_boot_script(
    app_client: TestClient,
) -> None:
    import base64
    import hashlib
    import re

    page = app_client.get("/api/docs")
    csp = _csp(page)
    assert "/api/docs-assets/swagger-ui-bundle.js" in page.text
    assert "'self'" in csp["script-src"] and "'unsafe-inline'" not in csp["script-src"]
    for script in re.findall(r"<script>(.*?)</script>", page.text, flags=re.S):
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]
    assert "'self'" in csp["connect-src"]  # fetches /api/openapi.json


def test_forecast_of_a_workspace_without_won_deals_is_not_a_server_error(admin: Api) -> None:
    """Found by the schemathesis lane: an empty revenue series had no date index (500)."""
    forecast = admin.get("/intelligence/forecast")
    assert forecast["series"] == []


def test_swagger_ui_renders_in_a_browser_under_its_csp(live_server: str, browser: Any) -> None:
    page = browser.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(f"{live_server}/api/docs")
    # the bundle ran (script-src), fetched the document (connect-src) and rendered the
    # OpenAPI 3.1 operations (Swagger UI 4.x stopped at "Unable to render this definition")
    page.wait_for_selector(".swagger-ui .info", state="attached", timeout=60_000)
    page.wait_for_selector(".swagger-ui .opblock", state="attached", timeout=60_000)
    assert page.locator(".swagger-ui .opblock").count() > 50
    assert "Unable to render" not in page.content()
    assert not violations, violations
    page.close()
