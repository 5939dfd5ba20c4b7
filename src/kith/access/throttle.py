"""Brute-force protection for sign-in: per-account lockouts and per-address throttling.

Every failed sign-in (a wrong password, an unknown e-mail, a wrong second-factor
code) is a row in ``auth_failures``, keyed by the SHA-256 of the normalised e-mail and
of the client address, so the limits hold across workers and processes.

- Per address: ``auth_max_failures_per_ip`` failures within the sliding window
  (``auth_window_seconds``) → 429 until enough of them have left the window.
- Per account (the e-mail as typed, known or not, so unknown and known e-mails behave
  the same): ``auth_max_failures_per_account`` failures within the window lock it for
  ``auth_lockout_seconds``, doubling with each further lockout up to
  ``auth_lockout_max_seconds``. While locked every attempt gets 429 with
  ``Retry-After``, without the password being checked. A successful sign-in, or a
  full maximum lockout period without a new lockout, starts the doubling over.

The arithmetic is in pure functions (``lockout_duration``, ``window_retry_after``);
``Throttle`` applies it to the database with "now" handed in, never read here.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from kith.access.models import AccountLock, SignInFailure
from kith.core.errors import TooManyRequests
from kith.core.settings import Settings
from kith.db.dialects import upsert_insert


@dataclass(frozen=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    max_per_account: int = 5
    max_per_ip: int = 20
    lockout: timedelta = timedelta(minutes=5)
    lockout_max: timedelta = timedelta(hours=24)

    @classmethod
    def from_settings(cls, settings: Settings) -> ThrottlePolicy:
        return cls(
            window=timedelta(seconds=settings.auth_window_seconds),
            max_per_account=settings.auth_max_failures_per_account,
            max_per_ip=settings.auth_max_failures_per_ip,
            lockout=timedelta(seconds=settings.auth_lockout_seconds),
            lockout_max=timedelta(seconds=settings.auth_lockout_max_seconds),
        )


def lockout_duration(policy: ThrottlePolicy, level: int) -> timedelta:
    """The ``level``-th lockout in a row (0 = first): the base doubled ``level`` times."""
    if level >= 64:
        return policy.lockout_max
    return min(policy.lockout * (1 << level), policy.lockout_max)


def window_retry_after(
    failures: Iterable[datetime], now: datetime, window: timedelta, limit: int
) -> timedelta | None:
    """``None`` while fewer than ``limit`` failures lie in the window ending at ``now``;
    otherwise how long until enough have left the window for one more attempt."""
    recent = sorted(at for at in failures if at > now - window)
    if len(recent) < limit:
        return None
    # Fewer than `limit` remain once the (len - limit + 1) oldest have expired.
    return recent[len(recent) - limit] + window - now


def seconds(delta: timedelta) -> int:
    """Whole seconds for ``Retry-After``, rounded up and at least one."""
    return max(1, math.ceil(delta.total_seconds()))


def account_key(email: str) -> str:
    return hashlib.sha256(b"kith-account:" + email.strip().lower().encode()).hexdigest()


def address_key(address: str) -> str:
    return hashlib.sha256(b"kith-address:" + address.encode()).hexdigest()


def _refusal(wait: timedelta) -> TooManyRequests:
    return TooManyRequests(
        f"Too many failed sign-ins; try again in {seconds(wait)} seconds", seconds(wait)
    )


class Throttle:
    """The throttle for one sign-in attempt, inside the attempt's transaction."""

    def __init__(
        self, session: Session, policy: ThrottlePolicy, now: datetime, email: str, address: str
    ) -> None:
        self.session = session
        self.policy = policy
        self.now = now
        self.account = account_key(email)
        self.address = address_key(address)
        self._lock: tuple[datetime | None, int] | None = None

    def _hold(self) -> tuple[datetime | None, int]:
        """Create the account's lock row if missing, lock it and read it, in one statement
        (PostgreSQL keeps the row lock to the end of the transaction; SQLite's write lock
        serialises writers anyway), so concurrent attempts on one account queue up."""
        if self._lock is None:
            dialect = self.session.get_bind().dialect.name
            insert = upsert_insert(dialect)
            lock = AccountLock.__table__
            stmt = insert(AccountLock).values(account_key=self.account, level=0)
            stmt = stmt.on_conflict_do_update(
                index_elements=[lock.c.account_key], set_={"level": lock.c.level}
            )
            row = self.session.execute(
                stmt.returning(AccountLock.locked_until, AccountLock.level)
            ).one()
            self._lock = (row.locked_until, int(row.level))
        return self._lock

    def check(self) -> None:
        """Refuse (429) a locked account or a throttled address, before any password check."""
        locked_until, _ = self._hold()
        if locked_until is not None and locked_until > self.now:
            raise _refusal(locked_until - self.now)
        recent = self.session.scalars(
            select(SignInFailure.at).where(
                SignInFailure.ip_key == self.address,
                SignInFailure.at > self.now - self.policy.window,
            )
        ).all()
        wait = window_retry_after(recent, self.now, self.policy.window, self.policy.max_per_ip)
        if wait is not None:
            raise _refusal(wait)

    def failed(self) -> timedelta | None:
        """Record a failure; the lockout it starts, if it starts one."""
        self.session.add(SignInFailure(account_key=self.account, ip_key=self.address, at=self.now))
        self.session.flush()
        self.session.execute(
            delete(SignInFailure).where(SignInFailure.at <= self.now - self.policy.window)
        )
        count = self.session.scalar(
            select(func.count()).where(
                SignInFailure.account_key == self.account,
                SignInFailure.at > self.now - self.policy.window,
            )
        )
        if (count or 0) < self.policy.max_per_account:
            return None
        locked_until, level = self._hold()
        if locked_until is not None and self.now - locked_until > self.policy.lockout_max:
            level = 0  # quiet for a full maximum lockout: start the doubling over
        duration = lockout_duration(self.policy, level)
        self._set(self.now + duration, level + 1)
        return duration

    def refusal(self, duration: timedelta) -> TooManyRequests:
        return _refusal(duration)

    def succeeded(self) -> None:
        """A full sign-in: forget the account's failures and lockout history."""
        self._hold()
        self.session.execute(delete(SignInFailure).where(SignInFailure.account_key == self.account))
        self._set(None, 0)

    def _set(self, locked_until: datetime | None, level: int) -> None:
        self.session.execute(
            update(AccountLock)
            .where(AccountLock.account_key == self.account)
            .values(locked_until=locked_until, level=level)
        )
        self._lock = (locked_until, level)


def unlock(session: Session, email: str) -> bool:
    """Lift an account's lockout and forget its failures (``kith user unlock``)."""
    key = account_key(email)
    removed = session.execute(delete(AccountLock).where(AccountLock.account_key == key))
    session.execute(delete(SignInFailure).where(SignInFailure.account_key == key))
    return bool(getattr(removed, "rowcount", 0))
