"""FastAPI dependencies: the container (built by ``kith.bootstrap``), a unit of work
per request, the acting principal, "now"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from kith.access.principal import Principal
from kith.access.service import authenticate
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
