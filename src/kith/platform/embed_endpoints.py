"""HTTP: embed tokens (``POST /api/v1/embed/tokens``) and the catalogue of embeddable
components (``GET /api/v1/embed/components``). See ``kith.platform.embed``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from kith.api.deps import CurrentPrincipal, UoW, get_container, requires_scope
from kith.api.responses import KithJSON
from kith.container import Container
from kith.platform import embed

router = APIRouter(prefix="/api/v1/embed", default_response_class=KithJSON, tags=["Embed"])
ContainerDep = Annotated[Container, Depends(get_container)]


class EmbedTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    component: Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
    record_id: Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
    ttl_minutes: Annotated[int, Field(ge=1, le=60)] = 15


class EmbedTokenOut(BaseModel):
    token: str
    token_id: str
    component: str
    record_id: str
    expires_at: datetime
    script: str
    element: str


class EmbedComponentOut(BaseModel):
    name: str
    record_type: str
    scope: str
    script: str
    element: str


@router.post(
    "/tokens",
    status_code=201,
    response_model=EmbedTokenOut,
    dependencies=[requires_scope("embed_tokens:write")],
    summary="Mint a short-lived token for one embeddable component on one record",
)
def mint_token(
    body: EmbedTokenIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    """The host system's back end calls this with its API key (scopes
    ``embed_tokens:write`` and the component's own, e.g. ``work_orders:write`` for
    ``dispatch``), then gives the token to its page: ``<kith-dispatch work-order=…
    token=…>`` from the returned ``script``. The token acts as the key (or the signed-in
    person) on that one record, 1-60 minutes; minting is audited
    (``embed_token.issued``)."""
    token, claims, component = embed.mint(
        uow,
        principal,
        container.settings,
        body.component,
        body.record_id,
        timedelta(minutes=body.ttl_minutes),
        container.clock(),
    )
    out = EmbedTokenOut(
        token=token,
        token_id=claims.token_id,
        component=component.name,
        record_id=claims.record_id,
        expires_at=claims.expires_at,
        script=component.script,
        element=component.element,
    )
    uow.commit()
    return out


@router.get(
    "/components",
    response_model=list[EmbedComponentOut],
    dependencies=[requires_scope("embed_tokens:read")],
    summary="The components a host page can embed, with the scope a key needs for each",
)
def list_components(principal: CurrentPrincipal) -> Any:
    return [
        EmbedComponentOut(
            name=c.name,
            record_type=c.record_type,
            scope=c.scope,
            script=c.script,
            element=c.element,
        )
        for c in embed.components()
    ]
