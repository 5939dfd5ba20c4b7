"""Shared fixtures: a migrated database per backend, the app, users and clients.

Integration and e2e tests run on SQLite and, when ``KITH_TEST_PG_URL`` is set
(``make test`` sets it), on a throw-away PostgreSQL database created for this
run and dropped after it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from kith.access import service as access
from kith.access.models import User
from kith.app import create_app
from kith.bootstrap import build_container, wire
from kith.container import Container
from kith.core.settings import Settings
from kith.db.engine import make_engine
from kith.db.migrate import upgrade

# Sensitive fields are encrypted at rest; in-process tests use a fixed test key
# (CLI subprocesses get their key from their own mode and environment).
os.environ.setdefault("KITH_FIELD_KEYS", "test:" + "dGVzdC1maWVsZC1rZXktMzItYnl0ZXMtbG9uZy4uLi4=")

PG_URL = os.environ.get("KITH_TEST_PG_URL")


@pytest.fixture(autouse=True, scope="session")
def _wired() -> None:
    """The registrations every Kith process makes at start-up (kith.bootstrap.wire)."""
    wire()


@pytest.fixture(autouse=True, scope="session")
def _cheap_argon2() -> Iterator[None]:
    """Real argon2, with test-sized cost: production parameters take ~50 ms per hash."""
    original = access._hasher
    access._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    access._hasher = original


PASSWORD = "correct-horse-9"
BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("KITH_TEST_PG_URL not set (make test sets it)")
    name = f"kith_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}'"
                )
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def container(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Container]:
    """A freshly migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'kith.db'}"
    else:
        url = request.getfixturevalue("pg_database")
        _reset_postgres(url)
    settings = Settings(home=tmp_path, database_url=url, mode="test")
    engine = make_engine(url)
    upgrade(engine)
    yield build_container(settings, engine=engine)
    engine.dispose()


@dataclass
class Workspace:
    tenant_id: str
    users: dict[str, User]


def make_workspace(container: Container, slug: str) -> Workspace:
    """A tenant with one user per built-in role plus a second sales rep in a team."""
    with container.uow() as uow:
        tenant = access.ensure_tenant(uow.session, slug, slug.title())
        users: dict[str, User] = {}
        for role in ("admin", "manager", "sales", "service", "marketing", "analyst", "viewer"):
            users[role] = access.create_user(
                uow.session,
                tenant.id,
                email=f"{role}@{slug}.example.com",
                name=f"{role} {slug}",
                password=PASSWORD,
                roles=[role],
            )
        users["sales2"] = access.create_user(
            uow.session,
            tenant.id,
            email=f"sales2@{slug}.example.com",
            name=f"sales2 {slug}",
            password=PASSWORD,
            roles=["sales"],
        )
        users["sales3"] = access.create_user(
            uow.session,
            tenant.id,
            email=f"sales3@{slug}.example.com",
            name=f"sales3 {slug}",
            password=PASSWORD,
            roles=["sales"],
        )
        access.add_team(
            uow.session, tenant.id, "East", users["manager"], [users["sales"], users["sales2"]]
        )
        uow.commit()
        return Workspace(tenant.id, users)


@pytest.fixture
def workspace(container: Container) -> Workspace:
    return make_workspace(container, "acme")


@pytest.fixture
def other_workspace(container: Container) -> Workspace:
    return make_workspace(container, "globex")


@pytest.fixture
def app_client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as client:
        yield client


class Api:
    """A signed-in HTTP client that returns parsed JSON and checks status codes."""

    def __init__(self, client: TestClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, expected: int | None = None, **kw: Any) -> Any:
        response = self.client.request(method, f"/api/v1{path}", headers=self.headers, **kw)
        if expected is not None:
            assert response.status_code == expected, response.text
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    def get(self, path: str, expected: int | None = 200, **kw: Any) -> Any:
        return self.call("GET", path, expected, **kw)

    def post(self, path: str, body: Any, expected: int | None = 201) -> Any:
        return self.call("POST", path, expected, json=body)

    def patch(self, path: str, body: Any, expected: int | None = 200) -> Any:
        return self.call("PATCH", path, expected, json=body)

    def delete(self, path: str, expected: int | None = 204, **kw: Any) -> Any:
        return self.call("DELETE", path, expected, **kw)


def sign_in(client: TestClient, email: str) -> Api:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return Api(client, response.json()["token"])


@pytest.fixture
def as_role(app_client: TestClient, workspace: Workspace) -> Any:
    def _as(role: str) -> Api:
        return sign_in(app_client, workspace.users[role].email)

    return _as
