"""Dependencies: the container, a unit of work per request, the acting principal,
and the access every route declares (``requires_scope`` and friends).

Every route declares who may call it with one marker dependency:
``requires_scope("decisions:read")`` (an API key needs one of the scopes),
``any_principal()`` (any signed-in user or key: ``/me``, sign-out),
``public_route()`` (no credential: sign-in, the preference page behind its
signed link) or ``session_only()`` (HTML pages of the UI; API keys are refused).
``get_principal`` enforces the declaration for API keys in one place and refuses
a key on a route that declares nothing, so a forgotten declaration fails closed
(and ``tests/e2e/test_api_scopes.py`` fails). Users signed in with a session keep
their role-based permissions (``kith.access.policy``) and are not narrowed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from fastapi import Depends, Request

from kith.access.principal import Principal
from kith.access.service import API_KEY_PREFIX, authenticate
from kith.container import Container
from kith.core.errors import PermissionDenied, Unauthenticated
from kith.db.uow import UnitOfWork

SESSION_COOKIE = "kith_session"


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def get_now(container: Annotated[Container, Depends(get_container)]) -> datetime:
    return container.now()


def get_uow(container: Annotated[Container, Depends(get_container)]) -> Iterator[UnitOfWork]:
    with container.uow() as uow:
        yield uow


CSRF_HEADER = "x-kith-client"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def bearer_from(request: Request) -> str | None:
    """The ``Authorization: Bearer`` credential, if any (doors that take no cookie)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def credential_from(request: Request) -> str | None:
    return bearer_from(request) or request.cookies.get(SESSION_COOKIE)


def _cookie_request_is_forgeable(request: Request) -> bool:
    """A cross-site form can send our cookie but cannot set a custom header."""
    uses_cookie = not request.headers.get("authorization") and SESSION_COOKIE in request.cookies
    return uses_cookie and request.method not in SAFE_METHODS and CSRF_HEADER not in request.headers


class RequestLimiter(Protocol):
    """Request rate limits (``kith.platform.ratelimit``, installed by ``kith.bootstrap``):
    each method returns when the request may go on and raises ``TooManyRequests``
    otherwise."""

    def principal(self, request: Request, principal: Principal) -> None: ...

    def sign_in(self, request: Request, account: str) -> None: ...


_limiters: list[RequestLimiter] = []


def use_request_limiter(limiter: RequestLimiter | None) -> None:
    """Install (or, with None, remove) the request limiter."""
    _limiters.clear()
    if limiter is not None:
        _limiters.append(limiter)


def limit_sign_in(request: Request, account: str) -> None:
    """Count a sign-in attempt for the account and the client address."""
    for limiter in _limiters:
        limiter.sign_in(request, account)


def get_principal(request: Request, uow: Annotated[UnitOfWork, Depends(get_uow)]) -> Principal:
    credential = credential_from(request)
    if not credential:
        raise Unauthenticated()
    if _cookie_request_is_forgeable(request):
        raise PermissionDenied(f"cookie-authenticated writes need the {CSRF_HEADER} header")
    principal = authenticate(uow.session, credential)
    if principal.api_scopes is not None:
        _check_api_key_scope(request, principal)
    for limiter in _limiters:
        limiter.principal(request, principal)
    return principal


# --- route access declarations ------------------------------------------------

ACCESS_ATTR = "__kith_route_access__"
AccessKind = Literal["scoped", "any", "public", "session"]


@dataclass(frozen=True)
class RouteAccess:
    """Who may call a route; ``scopes`` are alternatives (one suffices)."""

    kind: AccessKind
    scopes: tuple[str, ...] = ()


def route_access(dependant: Any) -> RouteAccess | None:
    """The access a route's dependency tree declares, or None when it declares none."""
    pending = list(getattr(dependant, "dependencies", ()))
    while pending:
        sub = pending.pop(0)
        access = getattr(sub.call, ACCESS_ATTR, None)
        if isinstance(access, RouteAccess):
            return access
        pending.extend(sub.dependencies)
    return None


def _check_api_key_scope(request: Request, principal: Principal) -> None:
    access = route_access(getattr(request.scope.get("route"), "dependant", None))
    if access is None or access.kind not in ("scoped", "any"):
        raise PermissionDenied("API keys may not call this route")
    if access.kind == "scoped" and not principal.has_api_scope(*access.scopes):
        raise PermissionDenied(f"this API key lacks the scope {' or '.join(access.scopes)}")


def requires_scope(*scopes: str) -> Any:
    """Declare the API-key scope a route needs (``<resource>:read|write``; any one of
    several). Users signed in with a session are not narrowed by it."""
    if not scopes or not all(s.count(":") == 1 for s in scopes):
        raise ValueError(f"requires_scope needs <resource>:<action> scopes, got {scopes!r}")

    def scope_declared(principal: Annotated[Principal, Depends(get_principal)]) -> None:
        return None  # get_principal enforces the declaration

    setattr(scope_declared, ACCESS_ATTR, RouteAccess("scoped", tuple(scopes)))
    return Depends(scope_declared)


def any_principal() -> Any:
    """Any signed-in user or API key, whatever its scopes (``/me``, sign-out)."""

    def any_declared(principal: Annotated[Principal, Depends(get_principal)]) -> None:
        return None

    setattr(any_declared, ACCESS_ATTR, RouteAccess("any"))
    return Depends(any_declared)


def public_route() -> Any:
    """No credential needed (sign-in, health, docs, signed preference links)."""

    def public_declared() -> None:
        return None

    setattr(public_declared, ACCESS_ATTR, RouteAccess("public"))
    return Depends(public_declared)


def session_only() -> Any:
    """Pages of the web UI, for people signed in with a session; API keys get 403."""

    def session_declared(request: Request) -> None:
        credential = credential_from(request)
        if credential and credential.startswith(API_KEY_PREFIX):
            raise PermissionDenied("API keys may not call this route")

    setattr(session_declared, ACCESS_ATTR, RouteAccess("session"))
    return Depends(session_declared)


UoW = Annotated[UnitOfWork, Depends(get_uow)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
Now = Annotated[datetime, Depends(get_now)]
