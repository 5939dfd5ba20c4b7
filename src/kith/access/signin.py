"""Signing in: password, throttling, and the optional TOTP second step.

``sign_in`` checks the throttle (``kith.access.throttle``), then the password. A
wrong password, an unknown e-mail and a disabled user get the same 401 and count
the same against the e-mail and the address; a workspace is only asked for once
the password matched in more than one. A correct password then either opens a
session, or, when the user has two-factor sign-in (or a role that requires it),
returns a short-lived pending token for the second step: a code (``second_factor``)
or, for a user who must enrol, enrolment (``start_enrolment_at_sign_in`` and
``confirm_enrolment_at_sign_in``). Failed codes count like failed passwords.

Audit entries (through the ORM session, so they join the hash chain): ``login.failed``
and ``login.locked`` for known users (an unknown e-mail has no workspace to log it
in; it is counted all the same), ``2fa.enrolled``, ``2fa.disabled``,
``2fa.recovery_code_used``, ``2fa.recovery_codes_regenerated``, ``2fa.reset``.
``login`` itself is written by the endpoint, as before.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kith.access import twofactor
from kith.access.models import RecoveryCode, SignInChallenge, User
from kith.access.repository import AccessRepository
from kith.access.service import LoginResult, open_session, sha256, verify_password
from kith.access.throttle import Throttle, ThrottlePolicy
from kith.core.clock import as_utc
from kith.core.domain import Actor
from kith.core.errors import Conflict, FieldError, Unauthenticated, ValidationFailed
from kith.core.settings import Settings
from kith.db.uow import audit_in

log = logging.getLogger(__name__)

PENDING_PREFIX = "ksp_"
MAX_CODE_ATTEMPTS = 5
Step = Literal["totp", "enrol"]
WRONG_CREDENTIALS = "Wrong email or password"
STEP_EXPIRED = "This sign-in step expired or was already used; sign in again"


@dataclass(frozen=True)
class SignInContext:
    """What a sign-in attempt needs besides its input: the clock's "now", the client
    address and the limits (from settings)."""

    now: datetime
    address: str
    policy: ThrottlePolicy
    session_ttl_hours: int
    pending_ttl: timedelta
    issuer: str

    @classmethod
    def of(cls, settings: Settings, now: datetime, address: str) -> SignInContext:
        return cls(
            now=now,
            address=address,
            policy=ThrottlePolicy.from_settings(settings),
            session_ttl_hours=settings.session_ttl_hours,
            pending_ttl=timedelta(seconds=settings.auth_pending_ttl_seconds),
            issuer=settings.totp_issuer,
        )


@dataclass(frozen=True)
class PendingSignIn:
    """The password was right; ``step`` is what must follow (a code, or enrolment)."""

    token: str
    user: User
    expires_at: datetime
    step: Step


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


@dataclass(frozen=True)
class TwoFactorState:
    enabled: bool
    required: bool
    pending_enrolment: bool
    recovery_codes_left: int


SYSTEM_SIGN_IN = Actor("system", None, "sign-in")


def _audit(
    session: Session,
    user: User,
    action: str,
    actor: Actor = SYSTEM_SIGN_IN,
    **detail: Any,
) -> None:
    audit_in(session, user.tenant_id, actor, action, "user", user.id, **detail)


def _failed(
    session: Session,
    throttle: Throttle,
    users: Sequence[User],
    ctx: SignInContext,
    reason: str,
) -> Exception:
    """Count a failure, audit it for each known user, and return the error to raise."""
    lockout = throttle.failed()
    for user in users:
        _audit(session, user, "login.failed", reason=reason, address=ctx.address)
        if lockout is not None:
            _audit(
                session,
                user,
                "login.locked",
                address=ctx.address,
                seconds=int(lockout.total_seconds()),
                until=(ctx.now + lockout).isoformat(),
            )
    if not users:
        log.info("failed sign-in for an unknown e-mail from %s", ctx.address)
    if lockout is not None:
        return throttle.refusal(lockout)
    if reason in ("password", "unknown", "inactive"):
        return Unauthenticated(WRONG_CREDENTIALS)
    return Unauthenticated("Wrong code")


def requires_2fa(session: Session, user: User) -> bool:
    return any(role.requires_2fa for role in AccessRepository(session).roles_of(user.id))


def sign_in(
    session: Session, email: str, password: str, tenant_slug: str | None, ctx: SignInContext
) -> LoginResult | PendingSignIn:
    throttle = Throttle(session, ctx.policy, ctx.now, email, ctx.address)
    throttle.check()
    repo = AccessRepository(session)
    candidates = list(repo.users_by_email(email.strip()))
    if tenant_slug:
        tenant = repo.tenant_by_slug(tenant_slug)
        candidates = [u for u in candidates if tenant and u.tenant_id == tenant.id]
    if candidates:
        matches = [u for u in candidates if verify_password(u.password_hash, password)]
    else:
        verify_password(None, password)  # the same work as for a known e-mail
        matches = []
    if len(matches) > 1:
        raise ValidationFailed(
            "This email exists in several workspaces; name one",
            [FieldError(["body", "tenant"], "required for this email")],
        )
    user = matches[0] if matches else None
    if user is None or not user.is_active:
        reason = "inactive" if user is not None else ("password" if candidates else "unknown")
        raise _failed(session, throttle, [user] if user else candidates, ctx, reason)
    if user.totp_enabled_at is not None:
        return _pending(session, user, "totp", ctx)
    if requires_2fa(session, user):
        return _pending(session, user, "enrol", ctx)
    throttle.succeeded()
    return open_session(session, user, ctx.session_ttl_hours)


def _pending(session: Session, user: User, step: Step, ctx: SignInContext) -> PendingSignIn:
    token = PENDING_PREFIX + secrets.token_urlsafe(32)
    expires = ctx.now + ctx.pending_ttl
    session.add(
        SignInChallenge(
            tenant_id=user.tenant_id,
            token_hash=sha256(token),
            user_id=user.id,
            purpose=step,
            expires_at=expires,
            created_at=ctx.now,
        )
    )
    session.flush()
    return PendingSignIn(token, user, expires, step)


def _challenge(
    session: Session, token: str, step: Step, ctx: SignInContext
) -> tuple[SignInChallenge, User]:
    challenge = session.scalars(
        select(SignInChallenge).where(SignInChallenge.token_hash == sha256(token))
    ).first()
    if (
        challenge is None
        or challenge.purpose != step
        or challenge.used_at is not None
        or as_utc(challenge.expires_at) <= ctx.now
        or challenge.attempts >= MAX_CODE_ATTEMPTS
    ):
        raise Unauthenticated(STEP_EXPIRED)
    user = session.get(User, challenge.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated(STEP_EXPIRED)
    return challenge, user


def _accept_totp(user: User, code: str, now: datetime) -> bool:
    if not user.totp_secret:
        return False
    step = twofactor.matching_step(user.totp_secret, code, now, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def _accept_recovery_code(session: Session, user: User, code: str, now: datetime) -> int | None:
    """Spend a recovery code; the number left, or ``None`` if it is not an unused code."""
    digest = twofactor.recovery_code_hash(code)
    rows = session.scalars(
        select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    ).all()
    spent = next((r for r in rows if secrets.compare_digest(r.code_hash, digest)), None)
    if spent is None:
        return None
    spent.used_at = now
    return len(rows) - 1


def _check_second_factor(
    session: Session,
    user: User,
    code: str | None,
    recovery_code: str | None,
    ctx: SignInContext,
    actor: Actor = SYSTEM_SIGN_IN,
) -> bool:
    if code:
        return _accept_totp(user, code, ctx.now)
    if recovery_code:
        left = _accept_recovery_code(session, user, recovery_code, ctx.now)
        if left is None:
            return False
        _audit(session, user, "2fa.recovery_code_used", actor, remaining=left)
        return True
    return False


def second_factor(
    session: Session,
    token: str,
    code: str | None,
    recovery_code: str | None,
    ctx: SignInContext,
) -> LoginResult:
    """The code step: a TOTP code or one unused recovery code opens the session."""
    challenge, user = _challenge(session, token, "totp", ctx)
    throttle = Throttle(session, ctx.policy, ctx.now, user.email, ctx.address)
    throttle.check()
    if not _check_second_factor(session, user, code, recovery_code, ctx):
        challenge.attempts += 1
        raise _failed(session, throttle, [user], ctx, "recovery_code" if recovery_code else "totp")
    challenge.used_at = ctx.now
    throttle.succeeded()
    return open_session(session, user, ctx.session_ttl_hours)


# --- enrolment ------------------------------------------------------------------------------


def start_enrolment(session: Session, user: User, issuer: str) -> Enrolment:
    """A new secret (not yet in force) and its otpauth:// URI; a first code confirms it."""
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is already on; disable it first to enrol a new device")
    user.totp_secret = twofactor.new_secret()
    user.totp_last_step = None
    session.flush()
    return Enrolment(
        user.totp_secret, twofactor.provisioning_uri(user.totp_secret, user.email, issuer)
    )


def confirm_enrolment(
    session: Session, user: User, code: str, ctx: SignInContext, actor: Actor
) -> list[str]:
    """Turn two-factor sign-in on with the first code; returns the recovery codes (once)."""
    if user.totp_enabled_at is not None:
        raise Conflict("Two-factor sign-in is already on")
    if not user.totp_secret:
        raise Conflict("Start enrolment first")
    throttle = Throttle(session, ctx.policy, ctx.now, user.email, ctx.address)
    throttle.check()
    if not _accept_totp(user, code, ctx.now):
        _wrong_code(session, throttle, user, ctx)
    user.totp_enabled_at = ctx.now
    codes = _replace_recovery_codes(session, user, ctx.now)
    _audit(session, user, "2fa.enrolled", actor)
    return codes


def _wrong_code(session: Session, throttle: Throttle, user: User, ctx: SignInContext) -> None:
    lockout = throttle.failed()
    _audit(session, user, "2fa.code_rejected", address=ctx.address)
    if lockout is not None:
        _audit(
            session, user, "login.locked", address=ctx.address, seconds=int(lockout.total_seconds())
        )
        raise throttle.refusal(lockout)
    raise ValidationFailed("Wrong code", [FieldError(["body", "code"], "does not match")])


def start_enrolment_at_sign_in(session: Session, token: str, ctx: SignInContext) -> Enrolment:
    _, user = _challenge(session, token, "enrol", ctx)
    return start_enrolment(session, user, ctx.issuer)


def confirm_enrolment_at_sign_in(
    session: Session, token: str, code: str, ctx: SignInContext
) -> tuple[LoginResult, list[str]]:
    """Enrolment of a user whose role requires 2FA, finishing their sign-in."""
    challenge, user = _challenge(session, token, "enrol", ctx)
    try:
        codes = confirm_enrolment(session, user, code, ctx, Actor("user", user.id, user.name))
    except ValidationFailed:
        challenge.attempts += 1
        raise
    challenge.used_at = ctx.now
    Throttle(session, ctx.policy, ctx.now, user.email, ctx.address).succeeded()
    return open_session(session, user, ctx.session_ttl_hours), codes


# --- managing it once signed in --------------------------------------------------------------


def _require_code(
    session: Session,
    user: User,
    code: str | None,
    recovery_code: str | None,
    ctx: SignInContext,
    actor: Actor,
) -> None:
    if user.totp_enabled_at is None:
        raise Conflict("Two-factor sign-in is not on")
    throttle = Throttle(session, ctx.policy, ctx.now, user.email, ctx.address)
    throttle.check()
    if not _check_second_factor(session, user, code, recovery_code, ctx, actor):
        _wrong_code(session, throttle, user, ctx)


def disable(
    session: Session,
    user: User,
    code: str | None,
    recovery_code: str | None,
    ctx: SignInContext,
    actor: Actor,
) -> None:
    """Turn two-factor sign-in off, proven with a current code (or a recovery code)."""
    if requires_2fa(session, user):
        raise Conflict("Your role requires two-factor sign-in; it cannot be turned off")
    _require_code(session, user, code, recovery_code, ctx, actor)
    _clear(session, user)
    _audit(session, user, "2fa.disabled", actor)


def regenerate_recovery_codes(
    session: Session, user: User, code: str, ctx: SignInContext, actor: Actor
) -> list[str]:
    _require_code(session, user, code, None, ctx, actor)
    codes = _replace_recovery_codes(session, user, ctx.now)
    _audit(session, user, "2fa.recovery_codes_regenerated", actor)
    return codes


def reset(session: Session, user: User, actor: Actor) -> bool:
    """An administrator turns a user's two-factor sign-in off (lost device); the user
    enrols again (at the next sign-in if their role requires it)."""
    had = user.totp_enabled_at is not None or user.totp_secret is not None
    _clear(session, user)
    _audit(session, user, "2fa.reset", actor, was_enabled=had)
    return had


def state(session: Session, user: User) -> TwoFactorState:
    left = session.scalars(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    ).all()
    return TwoFactorState(
        enabled=user.totp_enabled_at is not None,
        required=requires_2fa(session, user),
        pending_enrolment=user.totp_enabled_at is None and user.totp_secret is not None,
        recovery_codes_left=len(left) if user.totp_enabled_at is not None else 0,
    )


def _clear(session: Session, user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()


def _replace_recovery_codes(session: Session, user: User, now: datetime) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = twofactor.new_recovery_codes()
    session.add_all(
        RecoveryCode(
            tenant_id=user.tenant_id,
            user_id=user.id,
            code_hash=twofactor.recovery_code_hash(c),
            created_at=now,
        )
        for c in codes
    )
    session.flush()
    return codes
