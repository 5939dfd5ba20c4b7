"""Request rate limits with the ``limits`` library: per API key, per signed-in user,
per workspace, and sign-in attempts per client address and per e-mail.

Limits are data (``KITH_RATE_LIMIT_*`` settings in ``limits`` notation, e.g.
``600/minute;20000/day``). Counters use a moving window (exact: no burst at a window
edge) in this process's memory (embedded) or in Redis (``KITH_RATE_LIMIT_STORAGE_URL``,
else ``KITH_BUS_URL`` when it is Redis), so every worker shares them. Over a limit the answer is
``429`` problem+json with ``Retry-After`` and ``RateLimit-Limit``,
``RateLimit-Remaining`` and ``RateLimit-Reset`` (seconds); answers under the limits
carry the ``RateLimit-*`` headers of the tightest one (``RateLimitHeaders``).

Sign-in attempts are counted before the password is checked, so a guesser is slowed
whether the guesses fail or not; ``kith.access.throttle`` still locks accounts after
failures. Agents' hourly budgets are separate (``kith.gateway``).
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kith.access.principal import Principal
from kith.core.errors import TooManyRequests
from kith.core.settings import Settings

if TYPE_CHECKING:
    from fastapi import Request
    from limits import RateLimitItem
    from limits.strategies import RateLimiter

STATE_KEY = "kith_rate_limit"


@dataclass(frozen=True)
class Verdict:
    limit: int
    remaining: int
    reset: int  # seconds until the window frees a request

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


def storage_url(settings: Settings) -> str:
    if settings.rate_limit_storage_url:
        return settings.rate_limit_storage_url
    bus = settings.bus_url or ""
    if bus.startswith(("redis://", "rediss://")):
        return bus.split("?", 1)[0]
    return "memory://"


class Limits:
    """The configured limits over one storage; ``check`` counts a hit on each."""

    def __init__(self, settings: Settings) -> None:
        from limits import parse_many
        from limits.storage import storage_from_string
        from limits.strategies import MovingWindowRateLimiter

        self.enabled = settings.rate_limits_enabled
        self.limiter: RateLimiter = MovingWindowRateLimiter(
            storage_from_string(storage_url(settings))
        )
        self.items: dict[str, list[RateLimitItem]] = {
            "api_key": parse_many(settings.rate_limit_api_key),
            "user": parse_many(settings.rate_limit_user),
            "tenant": parse_many(settings.rate_limit_tenant),
            "signin_ip": parse_many(settings.rate_limit_signin_ip),
            "signin_account": parse_many(settings.rate_limit_signin_account),
        }

    def check(self, kind: str, key: str, what: str) -> Verdict | None:
        """Count one request for ``key``; the tightest limit's state, or 429."""
        if not self.enabled:
            return None
        tightest: Verdict | None = None
        for item in self.items[kind]:
            allowed = self.limiter.hit(item, "kith", kind, key)
            stats = self.limiter.get_window_stats(item, "kith", kind, key)
            reset = max(1, math.ceil(stats.reset_time - time.time()))
            verdict = Verdict(item.amount, max(0, stats.remaining), reset)
            if not allowed:
                raise TooManyRequests(
                    f"rate limit exceeded: {item.amount} per {item.get_expiry()} s for this "
                    f"{what}; retry in {reset} s",
                    reset,
                    verdict.headers(),
                )
            if tightest is None or verdict.remaining < tightest.remaining:
                tightest = verdict
        return tightest


class RequestLimits:
    """The API's ``RequestLimiter`` hook: one ``Limits`` per app (its container's
    settings), built on the first request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def _limits(self, request: Request) -> Limits:
        state = request.app.state
        limits: Limits | None = getattr(state, "kith_limits", None)
        if limits is None:
            with self._lock:
                limits = getattr(state, "kith_limits", None)
                if limits is None:
                    limits = Limits(state.container.settings)
                    state.kith_limits = limits
        return limits

    def principal(self, request: Request, principal: Principal) -> None:
        limits = self._limits(request)
        verdicts = [limits.check("tenant", principal.tenant_id, "workspace")]
        if principal.kind == "api_key":
            verdicts.append(limits.check("api_key", principal.id, "API key"))
        elif principal.kind == "user":
            verdicts.append(limits.check("user", principal.id, "user"))
        _remember(request, verdicts)

    def sign_in(self, request: Request, account: str) -> None:
        limits = self._limits(request)
        address = request.client.host if request.client else "unknown"
        digest = hashlib.sha256(account.strip().lower().encode()).hexdigest()
        _remember(
            request,
            [
                limits.check("signin_ip", address, "address"),
                limits.check("signin_account", digest, "account"),
            ],
        )


def _remember(request: Request, verdicts: list[Verdict | None]) -> None:
    known = [v for v in verdicts if v is not None]
    if known:
        setattr(request.state, STATE_KEY, min(known, key=lambda v: v.remaining))


class RateLimitHeaders:
    """ASGI middleware: the ``RateLimit-*`` headers of the request's tightest limit on
    its answer (a 429 already carries its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state: Any = scope.get("state") or {}
                verdict = state.get(STATE_KEY) if isinstance(state, dict) else None
                if isinstance(verdict, Verdict):
                    headers = list(message.get("headers", []))
                    present = {name.lower() for name, _ in headers}
                    for name, value in verdict.headers().items():
                        if name.lower().encode() not in present:
                            headers.append((name.lower().encode(), value.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
