"""HTTP routes of the identity graph.

- ``GET /api/v1/identity/quality``: resolution rate, cluster sizes (suspicious large
  clusters listed), review backlog, precision estimated from reviewed proposals.
- ``GET /api/v1/identity/proposals``: the review inbox, strongest first, with the
  fields that agreed and disagreed and their match weights.
- ``POST /api/v1/identity/proposals/{id}/confirm|reject|never-link``: a decision.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.identity.schemas import ProposalOut, ProposalsOut, QualityOut
from kith.identity.service import IdentityService

API = "/api/v1"
router = APIRouter(default_response_class=KithJSON)
LinkId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
DECISIONS = {"confirm": "confirm", "reject": "reject", "never-link": "never_link"}


@router.get(
    f"{API}/identity/quality",
    tags=["Identity"],
    response_model=QualityOut,
    dependencies=[requires_scope("contacts:read")],
)
def quality(uow: UoW, principal: CurrentPrincipal) -> QualityOut:
    """How well the identity graph resolves people (see the module doc)."""
    return QualityOut(**IdentityService(uow, principal).quality())


@router.get(
    f"{API}/identity/proposals",
    tags=["Identity"],
    response_model=ProposalsOut,
    dependencies=[requires_scope("contacts:read")],
)
def proposals(
    uow: UoW, principal: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> ProposalsOut:
    """Proposed links awaiting review, strongest first."""
    items = IdentityService(uow, principal).proposals(limit)
    return ProposalsOut(items=[ProposalOut(**item) for item in items])


@router.post(
    f"{API}/identity/proposals/{{link_id}}/{{decision}}",
    tags=["Identity"],
    response_model=ProposalOut,
    dependencies=[requires_scope("contacts:write")],
)
def decide(
    link_id: LinkId,
    decision: Literal["confirm", "reject", "never-link"],
    uow: UoW,
    principal: CurrentPrincipal,
) -> ProposalOut:
    """Confirm (the two persons become one), reject, or never link these two."""
    out = IdentityService(uow, principal).decide(link_id, DECISIONS[decision])  # type: ignore[arg-type]
    uow.commit()
    return ProposalOut(**out)
