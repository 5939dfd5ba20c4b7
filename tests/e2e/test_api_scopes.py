"""Every route declares the API-key scope it needs, and a key without it gets 403.

The route list comes from the application itself (like test_tenant_isolation),
so a route added later without a declaration fails here.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from kith.api.deps import CurrentPrincipal, RouteAccess, route_access
from tests.conftest import Api, Workspace, sign_in

# Routes that are not FastAPI operations: the OpenAPI document, static files, and the
# MCP door, which checks the credential and the key's scopes per message itself
# (tools:read, tools:write, the objects' scopes; tests/e2e/test_mcp.py).
NOT_OPERATIONS = {"/api/openapi.json", "/api/docs-assets", "/static", "/mcp"}
DUMMY_ID = "0" * 32


def _operations(client: TestClient) -> list[tuple[str, str, RouteAccess | None]]:
    app: Any = client.app
    out: list[tuple[str, str, RouteAccess | None]] = []
    others: set[str] = set()
    for context in iter_route_contexts(app.routes):
        if not isinstance(context.original_route, APIRoute):
            others.add(str(context.path))
            continue
        access = route_access(context.dependant)
        out.extend((method, str(context.path), access) for method in sorted(context.methods or ()))
    assert others == NOT_OPERATIONS, f"unexpected non-API routes: {others - NOT_OPERATIONS}"
    assert len(out) > 150, "route discovery broke"
    return out


def _url(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", DUMMY_ID, path)


def _call(client: TestClient, method: str, path: str, token: str) -> Any:
    # wait=0 keeps the agent feed from streaming; no body: the scope check comes first
    return client.request(
        method,
        _url(path),
        headers={"Authorization": f"Bearer {token}"},
        params={"wait": 0},
        follow_redirects=False,
    )


def _key(owner: Api, *scopes: str) -> str:
    created = owner.post("/api-keys", {"name": "narrow", "scopes": list(scopes)})
    secret: str = created["secret"]
    return secret


def _is_scope_refusal(response: Any) -> bool:
    return (
        response.status_code == 403
        and response.headers["content-type"].startswith("application/problem+json")
        and "API key" in response.json()["detail"]
    )


def test_every_route_declares_its_access(app_client: TestClient) -> None:
    undeclared = [f"{m} {p}" for m, p, access in _operations(app_client) if access is None]
    assert not undeclared, f"routes without requires_scope/public_route/...: {undeclared}"


def test_a_key_without_the_scope_gets_403_problem_json_on_every_route(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    unrelated = _key(admin, "unrelated:read")
    for method, path, access in _operations(app_client):
        assert access is not None
        if access.kind == "public":
            continue
        response = _call(app_client, method, path, unrelated)
        if access.kind == "any":
            assert not _is_scope_refusal(response), (method, path, response.text)
            continue
        assert _is_scope_refusal(response), (method, path, response.status_code, response.text)


def test_a_key_with_the_declared_scope_passes_the_scope_check(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    keys: dict[str, str] = {}
    for method, path, access in _operations(app_client):
        assert access is not None
        if access.kind != "scoped":
            continue
        for scope in access.scopes:
            if scope not in keys:
                keys[scope] = _key(admin, scope)
            response = _call(app_client, method, path, keys[scope])
            assert not _is_scope_refusal(response), (method, path, scope, response.text)


def test_narrow_read_key_reaches_neither_dsar_nor_approvals_nor_decisions(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    contact = admin.post("/contacts", {"name": "张建国"})
    key = Api(app_client, _key(admin, "contacts:read"))
    assert key.get(f"/contacts/{contact['id']}")["name"] == "张建国"
    for path in (f"/contacts/{contact['id']}/dsar", "/approvals", "/decisions"):
        problem = key.get(path, expected=403)
        assert "lacks the scope" in problem["detail"]
    dsar = Api(app_client, _key(admin, "contacts:read", "dsar:read"))
    assert (
        dsar.client.get(f"/api/v1/contacts/{contact['id']}/dsar", headers=dsar.headers)
        .headers["content-type"]
        .startswith("application/zip")
    )
    # signed-in users keep their role-based permissions
    assert admin.get("/decisions") is not None


def test_undeclared_route_refuses_api_keys(app_client: TestClient, workspace: Workspace) -> None:
    """Fail closed: a route added without a declaration is not open to API keys."""
    app: Any = app_client.app

    @app.get("/api/v1/undeclared-probe")
    def probe(principal: CurrentPrincipal) -> dict[str, str]:
        return {"id": principal.id}

    admin = sign_in(app_client, workspace.users["admin"].email)
    assert admin.get("/undeclared-probe")["id"]
    key = Api(app_client, _key(admin, "*"))
    problem = key.get("/undeclared-probe", expected=403)
    assert problem["detail"] == "API keys may not call this route"
