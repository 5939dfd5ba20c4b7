"""OAuth 2.1 client credentials: an API key is the client; its tokens carry a subset of
its scopes, expire, and die with the key."""

from __future__ import annotations

import base64
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Api, Workspace, sign_in


def _client_key(admin: Api, *scopes: str) -> dict[str, Any]:
    created = admin.post("/api-keys", {"name": "back end", "scopes": list(scopes)})
    return {"id": created["prefix"], "secret": created["secret"], "key_id": created["id"]}


def _token(client: TestClient, **form: str) -> Any:
    return client.post("/api/v1/oauth/token", data=form)


def test_a_client_gets_a_narrower_token_that_works_like_its_key(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    key = _client_key(admin, "contacts:write", "deals:read")
    answer = _token(
        app_client,
        grant_type="client_credentials",
        client_id=key["id"],
        client_secret=key["secret"],
        scope="contacts:read",
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["scope"] == "contacts:read"
    assert 3500 < body["expires_in"] <= 3600
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    assert app_client.get("/api/v1/contacts", headers=bearer).status_code == 200
    # narrower than the key: no writes, and not the key's other scopes
    assert (
        app_client.post("/api/v1/contacts", json={"name": "x"}, headers=bearer).status_code == 403
    )
    assert app_client.get("/api/v1/deals", headers=bearer).status_code == 403

    # HTTP Basic works too; no scope asked: the key's own
    basic = base64.b64encode(f"{key['id']}:{key['secret']}".encode()).decode()
    whole = app_client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    ).json()
    assert whole["scope"] == "contacts:write deals:read"

    # revoking the key ends its tokens at once
    admin.delete(f"/api-keys/{key['key_id']}")
    gone = app_client.get("/api/v1/contacts", headers=bearer)
    assert gone.status_code == 401


def test_bad_requests_get_rfc_6749_errors(app_client: TestClient, workspace: Workspace) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    key = _client_key(admin, "contacts:read")
    wrong_grant = _token(app_client, grant_type="password", client_id=key["id"])
    assert (wrong_grant.status_code, wrong_grant.json()["error"]) == (400, "unsupported_grant_type")
    missing = _token(app_client, grant_type="client_credentials")
    assert missing.json()["error"] == "invalid_request"
    bad_secret = _token(
        app_client,
        grant_type="client_credentials",
        client_id=key["id"],
        client_secret=key["secret"] + "x",
    )
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    wider = _token(
        app_client,
        grant_type="client_credentials",
        client_id=key["id"],
        client_secret=key["secret"],
        scope="contacts:write",
    )
    assert (wider.status_code, wider.json()["error"]) == (400, "invalid_scope")
    forged = {"Authorization": "Bearer kat_" + key["id"] + ".9999999999.Kg.forged"}
    assert app_client.get("/api/v1/contacts", headers=forged).status_code == 401
