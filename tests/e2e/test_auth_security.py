"""Sign-in over HTTP: 429 with Retry-After after repeated failures, TOTP two-factor
sign-in (enrolment, the code step, recovery codes used once, disable), a role that
requires 2FA, and the administrator's ``kith user reset-2fa`` / ``unlock``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.access import twofactor
from kith.access.models import User
from kith.api.deps import SESSION_COOKIE
from kith.app import create_app
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.db.engine import make_engine, make_session_factory
from tests.conftest import PASSWORD, Api, Workspace, sign_in
from tests.e2e.test_cli import kith

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(container: Container) -> Clock:
    pinned = Clock()
    container.clock = pinned
    return pinned


@pytest.fixture
def client(container: Container, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as http:
        yield http


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"email": email, "password": password})


def audit_actions(container: Container, tenant_id: str) -> list[str]:
    with container.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.tenant_id == tenant_id)
                .order_by(AuditEntry.seq)
            )
        )


def test_repeated_failures_get_429_with_retry_after(
    client: TestClient, clock: Clock, workspace: Workspace, container: Container
) -> None:
    email = workspace.users["sales"].email
    statuses = []
    for _ in range(5):
        statuses.append(login(client, email, "not-my-password").status_code)
        clock.advance(seconds=10)
    assert statuses == [401, 401, 401, 401, 429]
    locked = login(client, email)  # the right password, 10 s into a 300 s lockout
    assert locked.status_code == 429
    assert locked.headers["content-type"].startswith("application/problem+json")
    assert locked.headers["retry-after"] == "290"
    assert locked.json()["title"] == "Too many requests"
    assert SESSION_COOKIE not in locked.cookies
    # an unknown e-mail is throttled the same way, with the same words
    for _ in range(4):
        unknown = login(client, "nobody@acme.example.com", "not-my-password")
        assert unknown.json()["detail"] == "Wrong email or password"
    unknown = login(client, "nobody@acme.example.com", "not-my-password")
    assert unknown.status_code == 429 and unknown.headers["retry-after"] == "300"
    clock.advance(seconds=290)
    assert login(client, email).status_code == 200
    actions = audit_actions(container, workspace.tenant_id)
    assert actions.count("login.failed") == 5 and actions.count("login.locked") == 1


def _enrol(api: Api, clock: Clock) -> tuple[str, list[str]]:
    enrolment = api.post("/auth/2fa/enrol", None, 200)
    assert enrolment["otpauth_uri"].startswith("otpauth://totp/Kith:")
    secret = enrolment["secret"]
    wrong = api.post("/auth/2fa/confirm", {"code": "000000"}, 422)
    assert wrong["errors"][0]["loc"] == ["body", "code"]
    codes = api.post("/auth/2fa/confirm", {"code": twofactor.code_at(secret, clock())}, 200)
    return secret, codes["recovery_codes"]


def test_totp_sign_in_and_single_use_recovery_codes(
    client: TestClient, clock: Clock, workspace: Workspace, container: Container
) -> None:
    user = workspace.users["manager"]
    api = sign_in(client, user.email)
    assert api.get("/auth/2fa") == {
        "enabled": False,
        "required": False,
        "pending_enrolment": False,
        "recovery_codes_left": 0,
    }
    secret, codes = _enrol(api, clock)
    assert len(codes) == 10 and api.get("/auth/2fa")["recovery_codes_left"] == 10
    api.post("/auth/2fa/enrol", None, 409)
    clock.advance(seconds=60)

    fresh = TestClient(client.app)
    first = fresh.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert first.status_code == 200
    body = first.json()
    assert body["status"] == "second_factor_required" and "token" not in body
    assert SESSION_COOKIE not in first.cookies
    pending = body["pending_token"]
    bad = fresh.post("/api/v1/auth/login/2fa", json={"pending_token": pending, "code": "000000"})
    assert bad.status_code == 401
    code = twofactor.code_at(secret, clock())
    done = fresh.post("/api/v1/auth/login/2fa", json={"pending_token": pending, "code": code})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "signed_in" and done.cookies.get(SESSION_COOKIE)
    me = Api(fresh, done.json()["token"]).get("/me")
    assert me["id"] == user.id
    reused = fresh.post("/api/v1/auth/login/2fa", json={"pending_token": pending, "code": code})
    assert reused.status_code == 401

    def with_recovery(recovery: str) -> int:
        step = login(client, user.email).json()
        answer = client.post(
            "/api/v1/auth/login/2fa",
            json={"pending_token": step["pending_token"], "recovery_code": recovery},
        )
        return answer.status_code

    assert with_recovery(codes[0]) == 200
    assert with_recovery(codes[0]) == 401  # each recovery code works once
    assert with_recovery(codes[1]) == 200
    assert api.get("/auth/2fa")["recovery_codes_left"] == 8

    clock.advance(seconds=60)
    renewed = api.post(
        "/auth/2fa/recovery-codes", {"code": twofactor.code_at(secret, clock())}, 200
    )["recovery_codes"]
    assert with_recovery(codes[2]) == 401  # the old set stopped working
    assert with_recovery(renewed[0]) == 200

    api.post("/auth/2fa/disable", {"recovery_code": renewed[1]}, 204)
    assert login(client, user.email).json()["status"] == "signed_in"
    actions = audit_actions(container, workspace.tenant_id)
    for action in ("2fa.enrolled", "2fa.recovery_code_used", "2fa.disabled"):
        assert action in actions, action
    assert "2fa.recovery_codes_regenerated" in actions


def test_a_role_requiring_2fa_makes_its_members_enrol_when_they_sign_in(
    client: TestClient, clock: Clock, workspace: Workspace
) -> None:
    admin = sign_in(client, workspace.users["admin"].email)
    role = next(r for r in admin.get("/roles") if r["name"] == "service")
    assert role["requires_2fa"] is False
    updated = admin.patch(f"/roles/{role['id']}", {"name": "service", "requires_2fa": True})
    assert updated["requires_2fa"] is True

    step = login(client, workspace.users["service"].email).json()
    assert step["status"] == "enrolment_required" and "token" not in step
    token = step["pending_token"]
    # the enrolment token is not a sign-in: it opens nothing else
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    enrolment = client.post("/api/v1/auth/login/enrol", json={"pending_token": token}).json()
    code = twofactor.code_at(enrolment["secret"], clock())
    done = client.post(
        "/api/v1/auth/login/enrol/confirm", json={"pending_token": token, "code": code}
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "signed_in" and len(done.json()["recovery_codes"]) == 10
    service = Api(client, done.json()["token"])
    assert service.get("/auth/2fa")["required"] is True
    clock.advance(seconds=60)
    refused = service.post(
        "/auth/2fa/disable", {"code": twofactor.code_at(enrolment["secret"], clock())}, 409
    )
    assert "requires" in refused["detail"]
    clock.advance(minutes=10)
    assert login(client, workspace.users["service"].email).json()["status"] == (
        "second_factor_required"
    )


def test_an_admin_resets_2fa_and_lifts_a_lockout_from_the_cli(tmp_path: Path) -> None:
    keys = {"KITH_FIELD_KEYS": os.environ["KITH_FIELD_KEYS"]}
    init = kith(tmp_path, "init", "--admin-email", "root@corp.cn", mode="demo",
                KITH_ADMIN_PASSWORD="s3cure-enough-pw", **keys)  # fmt: skip
    assert init.returncode == 0, init.stderr
    engine = make_engine(f"sqlite:///{tmp_path / 'kith.db'}")
    sessions = make_session_factory(engine)
    with sessions() as session:
        user = session.scalars(select(User).where(User.email == "root@corp.cn")).one()
        user.totp_secret = twofactor.new_secret()
        user.totp_enabled_at = T0
        session.commit()
    reset = kith(tmp_path, "user", "reset-2fa", "root@corp.cn", "--json", mode="demo", **keys)
    assert reset.returncode == 0, reset.stderr
    assert json.loads(reset.stdout) == {"email": "root@corp.cn", "two_factor_was_enabled": True}
    with sessions() as session:
        user = session.scalars(select(User).where(User.email == "root@corp.cn")).one()
        assert user.totp_secret is None and user.totp_enabled_at is None
        actions = list(session.scalars(select(AuditEntry.action)))
        assert "2fa.reset" in actions
    engine.dispose()
    missing = kith(tmp_path, "user", "reset-2fa", "nobody@corp.cn", mode="demo", **keys)
    assert missing.returncode == 2 and "no user" in missing.stderr
    unlock = kith(tmp_path, "user", "unlock", "Root@Corp.cn", "--json", mode="demo", **keys)
    assert unlock.returncode == 0 and json.loads(unlock.stdout)["email"] == "root@corp.cn"
