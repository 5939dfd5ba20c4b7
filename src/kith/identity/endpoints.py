"""HTTP routes of the identity graph.

- ``GET /api/v1/identity/quality``: resolution rate, cluster sizes (suspicious large
  clusters listed), review backlog, precision estimated from reviewed proposals.
- ``GET /api/v1/identity/proposals``: the review inbox, strongest first, with the
  fields that agreed and disagreed and their match weights.
- ``POST /api/v1/identity/proposals/{id}/confirm|reject|never-link``: a decision
  (confirm merges the two persons through the gateway tool ``identity.merge``).
- ``POST /api/v1/identity/merges``, ``POST /api/v1/identity/merges/{id}/unmerge``:
  merge two persons / undo a merge, through the gateway (a high-risk merge waits for
  approval).
- ``GET /api/v1/identity/persons/{id}`` (redirects followed),
  ``GET /api/v1/identity/contacts/{id}``: a person and its linked identities.
- ``POST /api/v1/identity/match`` (stores nothing), ``POST /api/v1/identity/identities``
  (an arriving identity, matched at once).
- ``GET|PUT /api/v1/identity/thresholds``: the thresholds, as data.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.gateway.deps import GatewayDep, Purpose
from kith.gateway.gateway import GatewayResult
from kith.identity.ingest import IdentityIngest
from kith.identity.schemas import (
    ContactPersonOut,
    GatewayOut,
    IdentityIn,
    MatchIn,
    MergeIn,
    PersonOut,
    ProposalOut,
    ProposalsOut,
    QualityOut,
    ThresholdsIn,
    ThresholdsOut,
    UnmergeIn,
)
from kith.identity.service import IdentityService

API = "/api/v1"
router = APIRouter(default_response_class=KithJSON)
LinkId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
MergeId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
PersonId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContactId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
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
    gateway: GatewayDep,
    purpose: Purpose,
) -> ProposalOut:
    """Confirm (the two persons become one, through ``identity.merge``), reject, or
    never link these two."""
    service = IdentityService(uow, principal)
    if decision == "confirm":
        result = gateway.execute(
            uow, principal, "identity.merge", {"link_id": link_id}, purpose=purpose
        )
        _settled(uow, result)
        out = service.proposal(link_id)
        out["merged"] = _merged((result.output or {}).get("merge"))
    else:
        out = service.decide(link_id, DECISIONS[decision])  # type: ignore[arg-type]
        uow.commit()
    return ProposalOut(**out)


def _merged(merge: dict[str, object] | None) -> dict[str, str] | None:
    if not merge:
        return None
    return {
        "person_id": str(merge["survivor_id"]),
        "merged_person_id": str(merge["absorbed_id"]),
        "merge_id": str(merge["id"]),
    }


def _settled(uow: UoW, result: GatewayResult) -> GatewayOut:
    uow.commit()
    result.raise_for_outcome()
    return GatewayOut(
        status=result.status,
        decision_id=result.decision_id,
        approval_id=result.approval_id,
        output=dict(result.output) if result.output is not None else None,
    )


@router.post(
    f"{API}/identity/merges",
    tags=["Identity"],
    response_model=GatewayOut,
    dependencies=[requires_scope("contacts:write")],
)
def merge(
    body: MergeIn, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep, purpose: Purpose
) -> GatewayOut:
    """Merge two persons (or confirm a proposed link) through the gateway:
    ``identity.merge``, or ``identity.merge_high_risk`` with ``high_risk`` (waits for
    approval: high-value customers, contacts with different owners)."""
    args = body.model_dump(exclude_none=True, exclude={"high_risk"})
    tool = "identity.merge_high_risk" if body.high_risk else "identity.merge"
    return _settled(uow, gateway.execute(uow, principal, tool, args, purpose=purpose))


@router.post(
    f"{API}/identity/merges/{{merge_id}}/unmerge",
    tags=["Identity"],
    response_model=GatewayOut,
    dependencies=[requires_scope("contacts:write")],
)
def unmerge(
    merge_id: MergeId,
    body: UnmergeIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    purpose: Purpose,
) -> GatewayOut:
    """Undo a merge: every identity, link state and segment as before it."""
    args = {"merge_id": merge_id, "reason": body.reason}
    return _settled(uow, gateway.execute(uow, principal, "identity.unmerge", args, purpose=purpose))


@router.get(
    f"{API}/identity/persons/{{person_id}}",
    tags=["Identity"],
    response_model=PersonOut,
    dependencies=[requires_scope("contacts:read")],
)
def person(person_id: PersonId, uow: UoW, principal: CurrentPrincipal) -> PersonOut:
    """A person by any id it ever had (a merged id redirects to the survivor)."""
    return PersonOut(**IdentityService(uow, principal).person(person_id))


@router.get(
    f"{API}/identity/contacts/{{contact_id}}",
    tags=["Identity"],
    response_model=ContactPersonOut,
    dependencies=[requires_scope("contacts:read")],
)
def contact_person(
    contact_id: ContactId, uow: UoW, principal: CurrentPrincipal
) -> ContactPersonOut:
    """The person a contact belongs to, with its linked identities (``person`` null
    while the contact is not in the graph; 404 for a contact the caller cannot see)."""
    found = IdentityService(uow, principal).person_of_contact(contact_id)
    return ContactPersonOut(person=PersonOut(**found) if found else None)


@router.post(
    f"{API}/identity/match",
    tags=["Identity"],
    dependencies=[requires_scope("contacts:read")],
)
def match(body: MatchIn, uow: UoW, principal: CurrentPrincipal) -> dict[str, object]:
    """Where an identity would go (attach, propose, leave) and why; stores nothing."""
    return IdentityIngest(uow, principal).match({str(k): v for k, v in body.fields.items()})


@router.post(
    f"{API}/identity/identities",
    tags=["Identity"],
    status_code=201,
    dependencies=[requires_scope("contacts:write")],
)
def receive_identity(body: IdentityIn, uow: UoW, principal: CurrentPrincipal) -> dict[str, object]:
    """An arriving identity (an app user id, a mini-program open id, a device…),
    matched against the graph at once and attached, proposed for review or left."""
    out = IdentityIngest(uow, principal).ingest(
        body.kind, body.ref, {str(k): v for k, v in body.fields.items()}
    )
    uow.commit()
    return out


@router.get(
    f"{API}/identity/thresholds",
    tags=["Identity"],
    response_model=ThresholdsOut,
    dependencies=[requires_scope("contacts:read")],
)
def thresholds(uow: UoW, principal: CurrentPrincipal) -> ThresholdsOut:
    """Auto-link thresholds per segment and the review floor, and which model scores."""
    return ThresholdsOut(**IdentityService(uow, principal).thresholds())


@router.put(
    f"{API}/identity/thresholds",
    tags=["Identity"],
    response_model=ThresholdsOut,
    dependencies=[requires_scope("contacts:write")],
)
def set_thresholds(body: ThresholdsIn, uow: UoW, principal: CurrentPrincipal) -> ThresholdsOut:
    """Change the thresholds (each above the review floor)."""
    out = IdentityService(uow, principal).set_thresholds(body.model_dump())
    uow.commit()
    return ThresholdsOut(**out)
