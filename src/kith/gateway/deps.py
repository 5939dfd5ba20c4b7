"""FastAPI dependencies of the gateway: the gateway instance and the purpose of a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kith.api.deps import SESSION_COOKIE, get_container
from kith.container import Container
from kith.gateway.gateway import Gateway, gateway_of


def get_gateway(container: Annotated[Container, Depends(get_container)]) -> Gateway:
    """The container's one gateway (``kith.bootstrap.wire_services``; a test passes a fake
    to ``build_container(gateway=...)``)."""
    return gateway_of(container)


def request_purpose(request: Request) -> str:
    """People in the web UI act for "crm_ui"; everything else over HTTP is "api"."""
    uses_cookie = not request.headers.get("authorization") and SESSION_COOKIE in request.cookies
    return "crm_ui" if uses_cookie else "api"


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
Purpose = Annotated[str, Depends(request_purpose)]
