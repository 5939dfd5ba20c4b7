"""Sign-in on both backends: lockouts and address throttling kept in the database,
unknown and known e-mails treated alike, failures and lockouts audited in the hash
chain, and TOTP two-factor sign-in with one-time recovery codes. Time is handed in."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from sqlalchemy import select

from kith.access import signin, throttle, twofactor
from kith.access.models import Role, User
from kith.access.service import LoginResult
from kith.audit.chain import verify
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.core.errors import Conflict, KithError, TooManyRequests, Unauthenticated
from kith.core.settings import Settings
from kith.events.types import Actor
from tests.conftest import PASSWORD, Workspace

T = TypeVar("T")
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
SETTINGS = Settings(mode="test")  # the defaults: 5 per account, 20 per address, 15 min
ADMIN = Actor("system", None, "test")


def ctx(at: datetime, address: str = "203.0.113.7") -> signin.SignInContext:
    return signin.SignInContext.of(SETTINGS, at, address)


def run(container: Container, action: Callable[[Any], T]) -> T:
    """One request: commit what the attempt recorded even when it is refused."""
    with container.uow() as uow:
        try:
            result = action(uow.session)
        except KithError:
            uow.commit()
            raise
        uow.commit()
        return result


def attempt(
    container: Container, email: str, password: str, at: datetime, address: str = "203.0.113.7"
) -> Any:
    return run(container, lambda s: signin.sign_in(s, email, password, None, ctx(at, address)))


def audit_actions(container: Container, tenant_id: str) -> list[str]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.seq)
        )
        return list(rows)


def test_five_failures_lock_the_account_for_a_growing_period(
    container: Container, workspace: Workspace
) -> None:
    email = workspace.users["sales"].email
    for i in range(4):
        with pytest.raises(Unauthenticated):
            attempt(container, email, "wrong-guess", T0 + timedelta(seconds=i))
    with pytest.raises(TooManyRequests) as locked:
        attempt(container, email, "wrong-guess", T0 + timedelta(seconds=4))
    assert locked.value.retry_after == 300
    # while locked even the right password is refused, and not checked
    with pytest.raises(TooManyRequests) as still:
        attempt(container, email, PASSWORD, T0 + timedelta(seconds=64))
    assert still.value.retry_after == 240
    # after the lockout, one more failure within the window locks for twice as long
    with pytest.raises(TooManyRequests) as again:
        attempt(container, email, "wrong-guess", T0 + timedelta(seconds=304))
    assert again.value.retry_after == 600
    result = attempt(container, email, PASSWORD, T0 + timedelta(seconds=904))
    assert isinstance(result, LoginResult)
    # a successful sign-in forgets the history: the next failure is a plain 401
    with pytest.raises(Unauthenticated):
        attempt(container, email, "wrong-guess", T0 + timedelta(seconds=905))

    actions = audit_actions(container, workspace.tenant_id)
    assert actions.count("login.failed") == 7
    assert actions.count("login.locked") == 2
    with container.uow() as uow:
        entry = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login.locked").order_by(AuditEntry.seq)
        ).first()
        assert entry is not None and entry.record_id == workspace.users["sales"].id
        assert entry.detail["seconds"] == 300 and entry.detail["address"] == "203.0.113.7"
        assert verify(uow.session, workspace.tenant_id).ok


def test_an_unknown_email_is_answered_exactly_like_a_known_one(
    container: Container, workspace: Workspace
) -> None:
    def errors(email: str) -> list[tuple[int, str, int | None]]:
        seen = []
        for i in range(7):
            try:
                attempt(container, email, "wrong-guess", T0 + timedelta(seconds=i), "198.51.100.1")
            except KithError as exc:
                seen.append((exc.status, exc.detail, getattr(exc, "retry_after", None)))
        return seen

    known = errors(workspace.users["viewer"].email)
    unknown = errors("nobody@acme.example.com")
    assert known == unknown
    assert [status for status, _, _ in known] == [401, 401, 401, 401, 429, 429, 429]


def test_a_disabled_user_with_the_right_password_gets_the_same_401(
    container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        user = uow.session.get(User, workspace.users["viewer"].id)
        assert user is not None
        user.is_active = False
        uow.commit()
    with pytest.raises(Unauthenticated) as refused:
        attempt(container, workspace.users["viewer"].email, PASSWORD, T0)
    assert refused.value.detail == "Wrong email or password"


def test_one_address_trying_many_accounts_is_throttled_in_a_sliding_window(
    container: Container, workspace: Workspace
) -> None:
    for i in range(20):
        with pytest.raises(Unauthenticated):
            attempt(container, f"guess{i}@acme.example.com", "x", T0 + timedelta(seconds=i * 30))
    with pytest.raises(TooManyRequests) as throttled:
        attempt(container, workspace.users["admin"].email, PASSWORD, T0 + timedelta(seconds=600))
    # the oldest failure (T0) leaves the 15-minute window at T0 + 900 s
    assert throttled.value.retry_after == 300
    other = attempt(
        container, workspace.users["admin"].email, PASSWORD, T0 + timedelta(seconds=600), "10.0.0.2"
    )
    assert isinstance(other, LoginResult)
    later = attempt(
        container, workspace.users["admin"].email, PASSWORD, T0 + timedelta(seconds=901)
    )
    assert isinstance(later, LoginResult)


def test_an_administrator_can_lift_a_lockout(container: Container, workspace: Workspace) -> None:
    email = workspace.users["sales"].email
    for i in range(5):
        with pytest.raises(KithError):
            attempt(container, email, "wrong-guess", T0 + timedelta(seconds=i))
    assert run(container, lambda s: throttle.unlock(s, email))
    assert isinstance(attempt(container, email, PASSWORD, T0 + timedelta(seconds=10)), LoginResult)


def _enrol(container: Container, user_id: str, at: datetime) -> tuple[str, list[str]]:
    def start(session: Any) -> str:
        user = session.get(User, user_id)
        return signin.start_enrolment(session, user, "Kith").secret

    secret = run(container, start)

    def confirm(session: Any) -> list[str]:
        user = session.get(User, user_id)
        code = twofactor.code_at(secret, at)
        return signin.confirm_enrolment(session, user, code, ctx(at), ADMIN)

    return secret, run(container, confirm)


def test_totp_sign_in_takes_a_code_once_and_each_recovery_code_once(
    container: Container, workspace: Workspace
) -> None:
    user = workspace.users["manager"]
    secret, codes = _enrol(container, user.id, T0)
    assert len(codes) == 10
    with container.uow() as uow:
        stored = uow.session.get(User, user.id)
        assert stored is not None and stored.totp_secret == secret
        raw = uow.session.execute(
            select(User.__table__.c.totp_secret.cast(Role.__table__.c.name.type)).where(
                User.__table__.c.id == user.id
            )
        ).scalar_one()
        assert raw.startswith("enc:v1:") and secret not in raw

    at = T0 + timedelta(minutes=5)
    pending = attempt(container, user.email, PASSWORD, at)
    assert isinstance(pending, signin.PendingSignIn) and pending.step == "totp"
    code = twofactor.code_at(secret, at)

    def second(token: str, code: str | None, recovery: str | None, when: datetime) -> Any:
        return run(container, lambda s: signin.second_factor(s, token, code, recovery, ctx(when)))

    assert isinstance(second(pending.token, code, None, at), LoginResult)
    with pytest.raises(Unauthenticated):  # the pending token is used up
        second(pending.token, code, None, at)
    replay = attempt(container, user.email, PASSWORD, at)
    with pytest.raises(Unauthenticated):  # the same code is never accepted twice
        second(replay.token, code, None, at)

    later = T0 + timedelta(minutes=10)
    first = attempt(container, user.email, PASSWORD, later)
    assert isinstance(second(first.token, None, codes[0].upper(), later), LoginResult)
    again = attempt(container, user.email, PASSWORD, later)
    with pytest.raises(Unauthenticated):
        second(again.token, None, codes[0], later)
    assert isinstance(second(again.token, None, codes[1], later), LoginResult)

    with container.uow() as uow:
        stored = uow.session.get(User, user.id)
        assert stored is not None
        assert signin.state(uow.session, stored).recovery_codes_left == 8
    actions = audit_actions(container, workspace.tenant_id)
    assert actions.count("2fa.enrolled") == 1
    assert actions.count("2fa.recovery_code_used") == 2
    assert actions.count("login.failed") == 2


def test_wrong_codes_lock_the_account_like_wrong_passwords(
    container: Container, workspace: Workspace
) -> None:
    user = workspace.users["analyst"]
    _enrol(container, user.id, T0)
    outcomes = []
    for i in range(6):
        at = T0 + timedelta(minutes=1, seconds=i)
        pending = attempt(container, user.email, PASSWORD, at) if i < 5 else None
        try:
            token = pending.token if pending else "ksp_whatever-token"
            run(
                container,
                lambda s, t=token, a=at: signin.second_factor(s, t, "000000", None, ctx(a)),
            )
        except KithError as exc:
            outcomes.append(exc.status)
    assert outcomes[:5] == [401, 401, 401, 401, 429]
    with pytest.raises(TooManyRequests):
        attempt(container, user.email, PASSWORD, T0 + timedelta(minutes=2))


def test_a_role_that_requires_2fa_makes_its_members_enrol_at_sign_in(
    container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        role = uow.session.scalars(
            select(Role).where(Role.tenant_id == workspace.tenant_id, Role.name == "service")
        ).one()
        role.requires_2fa = True
        uow.commit()
    user = workspace.users["service"]
    pending = attempt(container, user.email, PASSWORD, T0)
    assert isinstance(pending, signin.PendingSignIn) and pending.step == "enrol"
    with pytest.raises(Unauthenticated):  # an enrolment token is not a code token
        run(container, lambda s: signin.second_factor(s, pending.token, "123456", None, ctx(T0)))
    enrolment = run(
        container, lambda s: signin.start_enrolment_at_sign_in(s, pending.token, ctx(T0))
    )
    assert enrolment.otpauth_uri.startswith("otpauth://totp/")
    code = twofactor.code_at(enrolment.secret, T0)
    result, codes = run(
        container, lambda s: signin.confirm_enrolment_at_sign_in(s, pending.token, code, ctx(T0))
    )
    assert isinstance(result, LoginResult) and len(codes) == 10

    def disable(session: Any) -> None:
        stored = session.get(User, user.id)
        signin.disable(session, stored, None, codes[0], ctx(T0), ADMIN)

    with pytest.raises(Conflict):  # the role requires it
        run(container, disable)

    def reset(session: Any) -> bool:
        return signin.reset(session, session.get(User, user.id), ADMIN)

    assert run(container, reset) is True
    after = attempt(container, user.email, PASSWORD, T0 + timedelta(minutes=1))
    assert isinstance(after, signin.PendingSignIn) and after.step == "enrol"
    assert "2fa.reset" in audit_actions(container, workspace.tenant_id)


def test_concurrent_guesses_from_several_workers_cannot_exceed_the_limit(
    container: Container, workspace: Workspace
) -> None:
    """The account's lock row serialises attempts: of ten simultaneous wrong guesses
    four get 401, the fifth locks, and the rest are refused without a password check."""
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time anyway")
    email = workspace.users["sales"].email
    statuses: list[int] = []
    start = threading.Barrier(10)

    def guess(i: int) -> None:
        start.wait()
        try:
            attempt(container, email, f"guess-{i}", T0 + timedelta(seconds=1), f"10.0.0.{i}")
        except KithError as exc:
            statuses.append(exc.status)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [401] * 4 + [429] * 6
    assert audit_actions(container, workspace.tenant_id).count("login.failed") == 5


def test_an_email_in_two_workspaces_is_only_asked_for_one_after_the_right_password(
    container: Container, workspace: Workspace, other_workspace: Workspace
) -> None:
    from kith.access.service import create_user

    email = workspace.users["sales"].email
    with container.uow() as uow:
        create_user(
            uow.session, other_workspace.tenant_id, email=email, name="twin",
            password=PASSWORD, roles=["viewer"],
        )  # fmt: skip
        uow.commit()
    with pytest.raises(Unauthenticated):  # a wrong password reveals nothing
        attempt(container, email, "wrong-guess", T0)
    with pytest.raises(KithError) as ask:
        attempt(container, email, PASSWORD, T0)
    assert ask.value.status == 422 and ask.value.errors[0].path == ["body", "tenant"]
    chosen = run(container, lambda s: signin.sign_in(s, email, PASSWORD, "globex", ctx(T0)))
    assert isinstance(chosen, LoginResult) and chosen.user.tenant_id == other_workspace.tenant_id
