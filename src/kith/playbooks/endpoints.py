"""HTTP: micro-practice units (capture, edit, review, apply, measure, recommend), the
quality gate, and value anchors. Who sees a practice is decided in the repository: a
practice the caller may not see is a 404 like a missing one."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from kith.api.deps import CurrentPrincipal, Now, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.gateway.deps import GatewayDep
from kith.playbooks import schemas as s
from kith.playbooks.anchors import AnchorService
from kith.playbooks.application import Applications
from kith.playbooks.recommend import recommend
from kith.playbooks.service import PracticeService

router = APIRouter(prefix="/api/v1", tags=["Playbooks"], default_response_class=KithJSON)
Id = Annotated[str, Path(min_length=1, max_length=32)]
READ = [requires_scope("practices:read")]
WRITE = [requires_scope("practices:write")]


def _practices(uow: Any, principal: Any, now: datetime) -> PracticeService:
    return PracticeService(uow, principal, clock=lambda: now)


def _created(uow: Any, out: Any) -> KithJSON:
    uow.commit()
    return KithJSON(out, status_code=201)


def _done(uow: Any, out: dict[str, Any]) -> dict[str, Any]:
    uow.commit()
    return out


@router.get("/practices", dependencies=READ, summary="Practices the caller may see")
def list_practices(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    state: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    return _practices(uow, principal, now).list(state)


@router.post("/practices", status_code=201, dependencies=WRITE, summary="Create a practice")
def create_practice(
    body: s.PracticeBody, uow: UoW, principal: CurrentPrincipal, now: Now
) -> KithJSON:
    return _created(uow, _practices(uow, principal, now).create(body))


@router.get(
    "/deals/{deal_id}/practice-draft",
    dependencies=READ,
    summary="A practice draft pre-filled from a deal (nothing is saved)",
)
def practice_draft(deal_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now) -> dict[str, Any]:
    return _practices(uow, principal, now).draft_from_deal(deal_id)


@router.post(
    "/practices/capture",
    status_code=201,
    dependencies=WRITE,
    summary="Save what I did on a deal as a private practice",
)
def capture_practice(
    body: s.CaptureIn, uow: UoW, principal: CurrentPrincipal, now: Now
) -> KithJSON:
    return _created(uow, _practices(uow, principal, now).capture(body))


@router.get("/practices/gate", dependencies=READ, summary="The quality gate")
def get_gate(uow: UoW, principal: CurrentPrincipal, now: Now) -> dict[str, Any]:
    return _practices(uow, principal, now).gate()


@router.put("/practices/gate", dependencies=WRITE, summary="Change the quality gate (admin)")
def put_gate(body: s.GateIn, uow: UoW, principal: CurrentPrincipal, now: Now) -> dict[str, Any]:
    return _done(uow, _practices(uow, principal, now).set_gate(body))


@router.get(
    "/practices/{practice_id}", dependencies=READ, summary="A practice, its gate and reviews"
)
def get_practice(
    practice_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _practices(uow, principal, now).get(practice_id)


@router.patch("/practices/{practice_id}", dependencies=WRITE, summary="Edit a private practice")
def patch_practice(
    practice_id: Id, body: s.PracticePatch, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _done(uow, _practices(uow, principal, now).update(practice_id, body))


@router.post("/practices/{practice_id}/submit", dependencies=WRITE, summary="Submit for review")
def submit_practice(
    practice_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _done(uow, _practices(uow, principal, now).submit(practice_id))


@router.post("/practices/{practice_id}/withdraw", dependencies=WRITE, summary="Back to private")
def withdraw_practice(
    practice_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _done(uow, _practices(uow, principal, now).withdraw(practice_id))


@router.post("/practices/{practice_id}/reviews", dependencies=WRITE, summary="Review a practice")
def review_practice(
    practice_id: Id, body: s.ReviewIn, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _done(uow, _practices(uow, principal, now).review(practice_id, body))


@router.post(
    "/practices/{practice_id}/value-confirmation",
    dependencies=WRITE,
    summary="Record the customer's written confirmation of the value",
)
def confirm_value(
    practice_id: Id, body: s.ValueConfirmationIn, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _done(uow, _practices(uow, principal, now).confirm_value(practice_id, body))


@router.post("/practices/{practice_id}/retire", dependencies=WRITE, summary="Retire a practice")
def retire_practice(
    practice_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _done(uow, _practices(uow, principal, now).retire(practice_id))


@router.post(
    "/practices/{practice_id}/apply",
    status_code=201,
    dependencies=WRITE,
    summary="Apply a practice to a deal: its tasks through the gateway, its checks armed",
)
def apply_practice(
    practice_id: Id,
    body: s.ApplyIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    now: Now,
) -> KithJSON:
    apps = Applications(uow, principal, gateway, clock=lambda: now)
    return _created(uow, apps.apply(practice_id, body.deal_id))


@router.post(
    "/practices/{practice_id}/deals/{deal_id}/points",
    dependencies=WRITE,
    summary="Confirm a verification point by hand",
)
def confirm_point(
    practice_id: Id,
    deal_id: Id,
    body: s.ConfirmPointIn,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    now: Now,
) -> dict[str, Any]:
    apps = Applications(uow, principal, gateway, clock=lambda: now)
    return _done(uow, apps.confirm_point(practice_id, deal_id, body.key, body.note))


@router.get(
    "/practices/{practice_id}/effect",
    dependencies=READ,
    summary="Adoption and effect against comparable deals (with interval and sample)",
)
def practice_effect(
    practice_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _practices(uow, principal, now).measure(practice_id)


@router.get(
    "/deals/{deal_id}/practices",
    dependencies=READ,
    summary="Practices for situations like this deal's, with their rationale",
)
def deal_recommendations(
    deal_id: Id,
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> list[dict[str, Any]]:
    service = _practices(uow, principal, now)
    service.draft_from_deal(deal_id)  # read checks: practice read and the deal's scope
    return recommend(uow.session, principal.tenant_id, deal_id, limit)


# --- value anchors ------------------------------------------------------------------
ANCHOR_READ = [requires_scope("anchors:read")]
ANCHOR_WRITE = [requires_scope("anchors:write")]


@router.get("/anchors", dependencies=ANCHOR_READ, summary="Value anchors and their latest reading")
def list_anchors(uow: UoW, principal: CurrentPrincipal, now: Now) -> list[dict[str, Any]]:
    return AnchorService(uow, principal, clock=lambda: now).list()


@router.post("/anchors", status_code=201, dependencies=ANCHOR_WRITE, summary="Set a value anchor")
def create_anchor(body: s.AnchorIn, uow: UoW, principal: CurrentPrincipal, now: Now) -> KithJSON:
    return _created(uow, AnchorService(uow, principal, clock=lambda: now).create(body))


@router.get(
    "/anchors/{anchor_id}", dependencies=ANCHOR_READ, summary="An anchor, its history and drivers"
)
def get_anchor(anchor_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now) -> dict[str, Any]:
    return AnchorService(uow, principal, clock=lambda: now).show(anchor_id)


@router.post(
    "/anchors/{anchor_id}/compute",
    dependencies=ANCHOR_WRITE,
    summary="Compute today's reading now (the daily job does it too)",
)
def compute_anchor(
    anchor_id: Id, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    return _done(uow, AnchorService(uow, principal, clock=lambda: now).compute_now(anchor_id))
