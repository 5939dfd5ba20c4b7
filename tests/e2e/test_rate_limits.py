"""Rate limits over HTTP: per API key, per workspace, sign-in per address and per
account. Over a limit: 429 problem+json with Retry-After and RateLimit-* headers;
under it, the RateLimit-* headers of the tightest limit. Limits are settings (data)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kith.app import create_app
from kith.container import Container
from tests.conftest import PASSWORD, Api, Workspace, sign_in


@pytest.fixture
def limited(container: Container) -> Iterator[Any]:
    clients: list[TestClient] = []

    def client(**limits: Any) -> TestClient:
        container.settings = container.settings.model_copy(update=limits)
        app_client = TestClient(create_app(container))
        app_client.__enter__()
        clients.append(app_client)
        return app_client

    yield client
    for app_client in clients:
        app_client.__exit__(None, None, None)


def test_an_api_key_over_its_limit_gets_429_with_retry_after(
    limited: Any, workspace: Workspace
) -> None:
    client = limited(rate_limit_api_key="3/minute")
    admin = sign_in(client, workspace.users["admin"].email)
    key = Api(client, admin.post("/api-keys", {"name": "erp", "scopes": ["*"]})["secret"])
    other = Api(client, admin.post("/api-keys", {"name": "bi", "scopes": ["*"]})["secret"])

    remaining = []
    for _ in range(3):
        response = client.get("/api/v1/me", headers=key.headers)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "3"
        remaining.append(response.headers["RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]

    refused = client.get("/api/v1/me", headers=key.headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert refused.headers["RateLimit-Remaining"] == "0"
    assert refused.json()["retry_after"] == retry_after
    assert "API key" in refused.json()["detail"]
    # another key, and the people, are not held back by this key's limit
    assert client.get("/api/v1/me", headers=other.headers).status_code == 200
    assert client.get("/api/v1/me", headers=admin.headers).status_code == 200


def test_a_workspace_limit_counts_everyone_in_it_and_no_one_else(
    limited: Any, workspace: Workspace, other_workspace: Workspace
) -> None:
    client = limited(rate_limit_tenant="4/minute")
    admin = sign_in(client, workspace.users["admin"].email)
    sales = sign_in(client, workspace.users["sales"].email)
    elsewhere = sign_in(client, other_workspace.users["admin"].email)
    statuses = [
        client.get("/api/v1/me", headers=who.headers).status_code
        for who in (admin, sales, admin, sales, admin)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    assert client.get("/api/v1/me", headers=elsewhere.headers).status_code == 200


def _login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_sign_in_guessing_is_slowed_per_address_and_per_account(
    limited: Any, workspace: Workspace
) -> None:
    client = limited(rate_limit_signin_ip="6/minute", rate_limit_signin_account="3/minute")
    victim = workspace.users["sales"].email
    # Per account: the fourth attempt on one e-mail is refused before the password is
    # checked, even with the right password.
    assert [_login(client, victim, "wrong-guess").status_code for _ in range(3)] == [401] * 3
    blocked = _login(client, victim, PASSWORD)
    assert blocked.status_code == 429 and "account" in blocked.json()["detail"]
    assert int(blocked.headers["Retry-After"]) >= 1
    # Per address: guesses spread over other accounts run out at six from this client.
    spread = [_login(client, f"nobody{n}@acme.example.com", "x").status_code for n in range(3)]
    assert spread == [401, 401, 429]
    refused = _login(client, workspace.users["admin"].email, PASSWORD)
    assert refused.status_code == 429 and "address" in refused.json()["detail"]


def test_limits_can_be_switched_off(limited: Any, workspace: Workspace) -> None:
    client = limited(rate_limits_enabled=False, rate_limit_user="1/minute")
    admin = sign_in(client, workspace.users["admin"].email)
    for _ in range(3):
        response = client.get("/api/v1/me", headers=admin.headers)
        assert response.status_code == 200 and "RateLimit-Limit" not in response.headers


REDIS_URL = os.environ.get("KITH_TEST_REDIS_URL")


@pytest.mark.broker
def test_two_servers_share_counters_in_redis(limited: Any, workspace: Workspace) -> None:
    if not REDIS_URL:
        pytest.skip("KITH_TEST_REDIS_URL not set (the broker lane sets it)")
    one = limited(rate_limit_user="3/minute", rate_limit_storage_url=REDIS_URL)
    two = limited(rate_limit_user="3/minute", rate_limit_storage_url=REDIS_URL)
    admin = sign_in(one, workspace.users["admin"].email)
    statuses = [
        server.get("/api/v1/me", headers=admin.headers).status_code
        for server in (one, two, one, two)
    ]
    assert statuses == [200, 200, 200, 429]
