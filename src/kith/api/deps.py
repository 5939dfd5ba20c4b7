"""Dependencies: the container, a unit of work per request, the acting principal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kith.access.principal import Principal
from kith.access.service import authenticate
from kith.core.clock import utcnow
from kith.core.errors import PermissionDenied, Unauthenticated
from kith.core.settings import Settings
from kith.db.uow import UnitOfWork

SESSION_COOKIE = "kith_session"


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    # "Now" for request handlers: tests pin it, so no answer depends on the wall clock.
    clock: Callable[[], datetime] = field(default=utcnow)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def now(self) -> datetime:
        return self.clock()


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


def credential_from(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


def _cookie_request_is_forgeable(request: Request) -> bool:
    """A cross-site form can send our cookie but cannot set a custom header."""
    uses_cookie = not request.headers.get("authorization") and SESSION_COOKIE in request.cookies
    return uses_cookie and request.method not in SAFE_METHODS and CSRF_HEADER not in request.headers


def get_principal(request: Request, uow: Annotated[UnitOfWork, Depends(get_uow)]) -> Principal:
    credential = credential_from(request)
    if not credential:
        raise Unauthenticated()
    if _cookie_request_is_forgeable(request):
        raise PermissionDenied(f"cookie-authenticated writes need the {CSRF_HEADER} header")
    return authenticate(uow.session, credential)


UoW = Annotated[UnitOfWork, Depends(get_uow)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
Now = Annotated[datetime, Depends(get_now)]
