"""FastAPI dependencies of the gateway: the gateway instance and the purpose of a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from kith.api.deps import SESSION_COOKIE
from kith.gateway.gateway import Gateway


def get_gateway(request: Request) -> Gateway:
    """One gateway per application; tests and the privacy issue may set their own
    (e.g. with a consent ledger) on ``app.state.gateway``."""
    state = request.app.state
    if getattr(state, "gateway", None) is None:
        state.gateway = Gateway()
    gateway: Gateway = state.gateway
    return gateway


def request_purpose(request: Request) -> str:
    """People in the web UI act for "crm_ui"; everything else over HTTP is "api"."""
    uses_cookie = not request.headers.get("authorization") and SESSION_COOKIE in request.cookies
    return "crm_ui" if uses_cookie else "api"


GatewayDep = Annotated[Gateway, Depends(get_gateway)]
Purpose = Annotated[str, Depends(request_purpose)]
