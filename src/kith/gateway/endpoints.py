"""HTTP routes of the gateway: tools, approvals, decisions, messages, notifications.

``/decisions/{id}`` (no ``/api/v1``) is the printable decision passport page; the
rest is JSON under ``/api/v1``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from sqlalchemy.exc import IntegrityError

from kith.access import policy
from kith.access.models import User
from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.problems import problem_extra
from kith.api.responses import KithJSON, ProblemJSON
from kith.core.errors import FieldError, KithError, NotFound, PermissionDenied
from kith.crm.service import RecordService
from kith.gateway.approvals import STATUSES, ApprovalService
from kith.gateway.authz import Refusal, with_gateway_grants
from kith.gateway.calls import parse_args
from kith.gateway.decisions import DecisionReader, override_decision
from kith.gateway.deps import GatewayDep
from kith.gateway.gateway import GatewayResult
from kith.gateway.ics import meeting_ics
from kith.gateway.passport import render_passport
from kith.gateway.repository import GatewayRepository
from kith.gateway.schemas import (
    ApprovalDecisionOut,
    ApprovalOut,
    ApproveIn,
    CallPreviewIn,
    CallPreviewOut,
    ExecutionOut,
    InvokeIn,
    Items,
    MessageOut,
    NotificationOut,
    OverrideIn,
    PreviewConsentOut,
    RejectIn,
    ToolOut,
)

API = "/api/v1"
router = APIRouter(default_response_class=KithJSON)

Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ToolName = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")]
Limit = Annotated[int, Query(ge=1, le=200)]


def _execution(result: GatewayResult) -> ExecutionOut:
    return ExecutionOut(
        status=result.status,
        decision_id=result.decision_id,
        output=dict(result.output) if result.output is not None else None,
        approval_id=result.approval_id,
        reason=result.reason,
    )


def _outcome_problem(request: Request, result: GatewayResult) -> ProblemJSON:
    """A refused or failed call as problem+json, with its decision id for the passport."""
    error = result.error
    if isinstance(error, KithError):
        status, title = error.status, error.title
    elif isinstance(error, IntegrityError):
        status, title = 409, "Conflict"
    else:
        status, title = 500, "Tool failed"
    body: dict[str, Any] = {
        "type": f"https://kith.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": result.reason or title,
        "instance": request.url.path,
        "outcome": result.status,
        "decision_id": result.decision_id,
    }
    if result.errors:
        body["errors"] = list(result.errors)
    body.update(problem_extra(error) or {})
    return ProblemJSON(body, status_code=status)


# --- tools ---------------------------------------------------------------------------------


@router.get(
    f"{API}/tools",
    tags=["Tools"],
    response_model=Items[ToolOut],
    dependencies=[requires_scope("tools:read")],
)
def list_tools(principal: CurrentPrincipal, gateway: GatewayDep) -> Items[ToolOut]:
    """Every tool: annotations, purposes, touched objects and JSON schemas."""
    return Items[ToolOut](items=[ToolOut(**spec.describe()) for spec in gateway.registry])


@router.post(
    f"{API}/tools/{{name}}/invoke",
    tags=["Tools"],
    response_model=ExecutionOut,
    responses={202: {"model": ExecutionOut, "description": "Waiting for approval"}},
    dependencies=[requires_scope("tools:write")],
)
def invoke_tool(
    name: ToolName,
    body: InvokeIn,
    request: Request,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
) -> Any:
    """Call a tool through the gateway. Refused and failed calls are problem+json
    carrying ``decision_id``; a call waiting for approval answers 202."""
    result = gateway.execute(
        uow,
        principal,
        name,
        body.args,
        purpose=body.purpose,
        idempotency_key=body.idempotency_key,
    )
    uow.commit()
    if result.status in ("refused", "failed"):
        return _outcome_problem(request, result)
    status = 202 if result.status == "pending_approval" else 200
    return KithJSON(_execution(result).model_dump(), status_code=status)


@router.post(
    f"{API}/gateway/preview",
    tags=["Tools"],
    response_model=CallPreviewOut,
    dependencies=[requires_scope("tools:read", "tools:write")],
)
def preview_call(
    body: CallPreviewIn, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> Any:
    """Would the caller's call be allowed, wait for approval, or be refused — under which
    risk rule, with what consent, and can it be undone? The gateway's checks without
    running the tool: nothing is written (no decision record, approval or audit entry).
    An unknown tool is 404 and arguments that do not fit its schema are 422, both
    problem+json with field paths; a call the caller may not make is an answer
    (``status: refused``), not an error."""
    spec = gateway.registry.get(body.tool)
    if spec is None:
        missing = NotFound(f"no tool named {body.tool!r}")
        missing.errors.append(FieldError(["body", "tool"], "no such tool"))
        raise missing
    try:
        parse_args(spec, body.args)
    except Refusal as refusal:
        invalid = refusal.error
        invalid.errors = [FieldError(["body", *e.path], e.message, e.type) for e in invalid.errors]
        raise invalid from None
    answer = gateway.preview(uow, principal, body.tool, body.args, purpose=body.purpose)
    consent = (
        PreviewConsentOut(
            allowed=answer.consent_allowed,
            reason=answer.consent_reason,
            basis=answer.consent_basis,
        )
        if answer.consent_allowed is not None
        else None
    )
    return CallPreviewOut(
        status=answer.status,
        tool=answer.tool,
        allowed=answer.status == "allowed",
        needs_approval=answer.status == "needs_approval",
        reasons=list(answer.reasons),
        errors=list(answer.errors),
        risk_level=answer.risk_level,
        rule_id=answer.rule_id,
        rule_name=answer.rule_name,
        approver_role=answer.approver_role,
        consent=consent,
        reversible=spec.reversible,
    )


# --- approvals -----------------------------------------------------------------------------


@router.get(
    f"{API}/approvals",
    tags=["Approvals"],
    response_model=Items[ApprovalOut],
    dependencies=[requires_scope("approvals:read")],
)
def list_approvals(
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    status: Annotated[str | None, Query(pattern=f"^({'|'.join(STATUSES)})$")] = None,
    limit: Limit = 100,
) -> Items[ApprovalOut]:
    """Requests routed to your roles, and your own; overdue ones are marked expired."""
    rows = ApprovalService(gateway, uow, principal).list(status, limit)
    out = Items[ApprovalOut](items=[ApprovalOut.of(r) for r in rows])
    uow.commit()
    return out


@router.get(
    f"{API}/approvals/{{approval_id}}",
    tags=["Approvals"],
    response_model=ApprovalOut,
    dependencies=[requires_scope("approvals:read")],
)
def get_approval(
    approval_id: Id, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> ApprovalOut:
    return ApprovalOut.of(ApprovalService(gateway, uow, principal).get(approval_id))


@router.post(
    f"{API}/approvals/{{approval_id}}/approve",
    tags=["Approvals"],
    response_model=ApprovalDecisionOut,
    dependencies=[requires_scope("approvals:write")],
)
def approve(
    approval_id: Id,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    body: ApproveIn | None = None,
) -> ApprovalDecisionOut:
    """Approve and run the call once, re-authorised with the requester's current rights."""
    service = ApprovalService(gateway, uow, principal)
    result = service.approve(approval_id, body.reason if body else None)
    out = ApprovalDecisionOut(
        approval=ApprovalOut.of(service.get(approval_id)), result=_execution(result)
    )
    uow.commit()
    return out


@router.post(
    f"{API}/approvals/{{approval_id}}/reject",
    tags=["Approvals"],
    response_model=ApprovalOut,
    dependencies=[requires_scope("approvals:write")],
)
def reject(
    approval_id: Id, body: RejectIn, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> ApprovalOut:
    service = ApprovalService(gateway, uow, principal)
    service.reject(approval_id, body.reason)
    out = ApprovalOut.of(service.get(approval_id))
    uow.commit()
    return out


# --- decisions -----------------------------------------------------------------------------


@router.get(
    f"{API}/decisions",
    tags=["Decisions"],
    response_model=None,
    dependencies=[requires_scope("decisions:read")],
)
def list_decisions(
    uow: UoW,
    principal: CurrentPrincipal,
    contact_id: Annotated[str | None, Query()] = None,
    account_id: Annotated[str | None, Query()] = None,
    subject_type: Annotated[str | None, Query()] = None,
    subject_id: Annotated[str | None, Query()] = None,
    actor_id: Annotated[str | None, Query()] = None,
    before: Annotated[str | None, Query(description="decision id to page before")] = None,
    limit: Limit = 50,
) -> dict[str, Any]:
    """Decisions about a customer, a record or by an actor, newest first."""
    reader = DecisionReader(uow, principal)
    rows = reader.search(
        contact_id=contact_id,
        account_id=account_id,
        subject_type=subject_type,
        subject_id=subject_id,
        actor_id=actor_id,
        limit=limit,
        before=before,
    )
    items = [reader.view(r) for r in rows]
    uow.commit()
    return {"items": items}


@router.get(
    f"{API}/decisions/{{decision_id}}",
    tags=["Decisions"],
    response_model=None,
    dependencies=[requires_scope("decisions:read")],
)
def get_decision(decision_id: Id, uow: UoW, principal: CurrentPrincipal) -> dict[str, Any]:
    reader = DecisionReader(uow, principal)
    data = reader.view(reader.get(decision_id))
    uow.commit()
    return data


@router.post(
    f"{API}/decisions/{{decision_id}}/override",
    tags=["Decisions"],
    status_code=201,
    response_model=None,
    dependencies=[requires_scope("decisions:write")],
)
def override(
    decision_id: Id, body: OverrideIn, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> dict[str, Any]:
    """Record a person's override next to the decision (the decision itself is kept)."""
    row = override_decision(
        uow, principal, decision_id, reason=body.reason, outcome=body.outcome, clock=gateway.clock
    )
    uow.commit()
    return {"id": row.id, "decision_id": decision_id, "reason": row.reason, "outcome": row.outcome}


@router.get(
    "/decisions/{decision_id}",
    include_in_schema=False,
    response_class=HTMLResponse,
    dependencies=[requires_scope("decisions:read")],
)
def decision_page(
    decision_id: Id,
    request: Request,
    uow: UoW,
    principal: CurrentPrincipal,
    lang: Annotated[str | None, Query(pattern="^(zh|en)$")] = None,
) -> HTMLResponse:
    """The decision passport as a plain printable page (zh / en)."""
    reader = DecisionReader(uow, principal)
    view = reader.view(reader.get(decision_id))
    uow.commit()
    html = render_passport(view, lang or _page_language(request))
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "Cache-Control": "no-store",
        },
    )


def _page_language(request: Request) -> str:
    chosen = request.cookies.get("kith_lang") or request.headers.get("accept-language", "")
    return "en" if chosen.lower().startswith("en") else "zh"


# --- messages, notifications, calendar -----------------------------------------------------


@router.get(
    f"{API}/messages",
    tags=["Messages"],
    response_model=Items[MessageOut],
    dependencies=[requires_scope("messages:read")],
)
def list_messages(
    uow: UoW,
    principal: CurrentPrincipal,
    contact_id: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query(pattern="^(draft|sending|sent)$")] = None,
    limit: Limit = 50,
) -> Items[MessageOut]:
    """The outbound mailbox: every message sent or drafted (yours, or all for managers)."""
    scope = policy.scope_for(with_gateway_grants(principal), "message", "read")
    if scope is None:
        raise PermissionDenied("you may not read outbound messages")
    rows = GatewayRepository(uow.session, principal).messages(
        own_only=scope != "all", contact_id=contact_id, status=status, limit=limit
    )
    return Items[MessageOut](items=[MessageOut.of(r) for r in rows])


@router.get(
    f"{API}/notifications",
    tags=["Notifications"],
    response_model=Items[NotificationOut],
    dependencies=[requires_scope("notifications:read")],
)
def list_notifications(
    uow: UoW,
    principal: CurrentPrincipal,
    unread: Annotated[bool, Query()] = False,
    limit: Limit = 50,
) -> Items[NotificationOut]:
    """Notifications for the signed-in user, newest first."""
    if principal.user_id is None:
        return Items[NotificationOut](items=[])
    rows = GatewayRepository(uow.session, principal).notifications(unread=unread, limit=limit)
    return Items[NotificationOut](items=[NotificationOut.of(r) for r in rows])


@router.get(
    f"{API}/activities/{{record_id}}/ics",
    tags=["Activities"],
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
    dependencies=[requires_scope("activities:read")],
)
def meeting_calendar_file(
    record_id: Id, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> Response:
    """A meeting as an .ics file (attendees with an email address are invited)."""
    records = RecordService(uow, principal)
    meeting = records.get("activity", record_id)
    if meeting.get("kind") != "meeting" or not meeting.get("starts_at"):
        raise NotFound(f"activity {record_id} is not a meeting")
    attendees = [_attendee_address(uow, records, a) for a in meeting.get("attendees") or []]
    owner = uow.session.get(User, meeting["owner_id"]) if meeting.get("owner_id") else None
    body = meeting_ics(
        meeting,
        [a for a in attendees if a is not None],
        owner.email if owner else None,
        gateway.clock(),
    )
    uow.commit()
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="meeting-{record_id}.ics"'},
    )


def _attendee_address(
    uow: Any, records: RecordService, attendee: dict[str, Any]
) -> tuple[str, str] | None:
    """(name, email) of an attendee, or None when they have no email or are not visible."""
    kind, ref = attendee.get("kind"), str(attendee.get("ref", ""))
    if kind == "email":
        return ref, ref
    if kind == "user":
        user = uow.session.get(User, ref)
        ok = user is not None and user.tenant_id == records.principal.tenant_id
        return (user.name, user.email) if ok and user else None
    try:
        contact = records.get("contact", ref)
    except NotFound:
        return None
    return (contact["name"], contact["email"]) if contact.get("email") else None
