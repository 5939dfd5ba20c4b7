"""Approval requests: high-risk calls wait here for a person.

Approving executes the stored call exactly once. Two people approving at the same
moment race on one conditional ``UPDATE … WHERE status = 'pending'``: the database
lets exactly one of them change the row (PostgreSQL row lock, SQLite write lock),
the other sees zero rows updated and gets a conflict. The winner re-authorises the
call with the requester's rights as they are *now* and runs it in the same
transaction that holds the lock. Rejected and expired requests never run.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select, true, update

from kith.access.principal import Principal
from kith.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from kith.db.uow import UnitOfWork
from kith.events.types import EventType
from kith.gateway.decisions import (
    finish_decision,
    new_decision,
    set_subject,
    subject_from_args,
    with_customer,
)
from kith.gateway.events import approval_event
from kith.gateway.gateway import (
    Approved,
    Call,
    Gateway,
    GatewayResult,
    record_execution_of_approval,
)
from kith.gateway.models import ApprovalRequest, DecisionRecord, IdempotencyKey
from kith.gateway.notify import notify
from kith.gateway.principals import resolve_principal

STATUSES = ("pending", "approved", "rejected", "expired", "executed", "cancelled")


class ApprovalService:
    def __init__(self, gateway: Gateway, uow: UnitOfWork, principal: Principal) -> None:
        self.gateway = gateway
        self.uow = uow
        self.principal = principal

    # --- reading -------------------------------------------------------------------

    def list(self, status: str | None = None, limit: int = 100) -> Sequence[ApprovalRequest]:
        expire_overdue(self.uow, self.principal.tenant_id, self.gateway.clock())
        a = ApprovalRequest
        stmt = select(a).where(a.tenant_id == self.principal.tenant_id, self._visible())
        if status:
            stmt = stmt.where(a.status == status)
        return self.uow.session.scalars(
            stmt.order_by(a.created_at.desc(), a.id.desc()).limit(limit)
        ).all()

    def get(self, approval_id: str) -> ApprovalRequest:
        a = ApprovalRequest
        stmt = select(a).where(
            a.id == approval_id, a.tenant_id == self.principal.tenant_id, self._visible()
        )
        request = self.uow.session.scalars(stmt).first()
        if request is None:
            raise NotFound(f"approval {approval_id} not found")
        return request

    def _visible(self) -> ColumnElement[bool]:
        """Approvers see what is routed to their roles; requesters see their own."""
        me, a = self.principal, ApprovalRequest
        if me.is_admin or me.kind == "system":
            return true()
        return or_(
            a.approver_role.in_(sorted(me.roles)),
            a.requester_id == me.id,
            a.requester_user_id == me.user_id,
            a.on_behalf_of_id == me.user_id,
        )

    # --- deciding --------------------------------------------------------------------

    def approve(self, approval_id: str, reason: str | None = None) -> GatewayResult:
        request = self.get(approval_id)
        self._require_approver(request)
        self._transition(request, "approved", self.gateway.clock(), reason)
        approved = Approved(request, self.principal, reason)
        requester, person = self._current_principals(request)
        if requester is None or (request.on_behalf_of_id and person is None):
            result = self.gateway.refuse_approved(
                self.uow,
                _stored_call(request, *_stand_ins(request)),
                approved,
                "the requester may no longer act; nothing was run",
            )
        else:
            call = _stored_call(request, requester, person)
            result = self.gateway.execute_approved(self.uow, call, approved)
        record_execution_of_approval(self.uow, request, result)
        self._announce(request, EventType.APPROVAL_APPROVED, reason, result_status=result.status)
        self._tell_requester(request, f"approved by {self.principal.name}: {result.status}")
        return result

    def _current_principals(
        self, request: ApprovalRequest
    ) -> tuple[Principal | None, Principal | None]:
        """The requester and the person it acted for, with the rights they hold now."""
        session, tenant_id = self.uow.session, request.tenant_id
        requester = resolve_principal(
            session, tenant_id, request.requester_kind, request.requester_id
        )
        person = (
            resolve_principal(session, tenant_id, "user", request.on_behalf_of_id)
            if request.on_behalf_of_id
            else None
        )
        return requester, person

    def reject(self, approval_id: str, reason: str) -> str:
        """Reject with a reason; returns the id of the decision record of the rejection."""
        if not reason.strip():
            raise ValidationFailed(
                "a rejection needs a reason", [FieldError(["body", "reason"], "required")]
            )
        request = self.get(approval_id)
        self._require_approver(request)
        now = self.gateway.clock()
        self._transition(request, "rejected", now, reason)
        decision = decision_about(self.uow, request, now)
        decision.approver_id = self.principal.id
        decision.approver_name = self.principal.name
        decision.approver_decision = "rejected"
        decision.approver_reason = reason
        finish_decision(
            self.uow, decision, "rejected", f"rejected by {self.principal.name}: {reason}"
        )
        request.result_decision_id, request.result_status = decision.id, "rejected"
        self._announce(request, EventType.APPROVAL_REJECTED, reason)
        self._tell_requester(request, f"rejected by {self.principal.name}: {reason}")
        return decision.id

    def _require_approver(self, request: ApprovalRequest) -> None:
        me = self.principal
        if me.kind != "user":
            raise PermissionDenied("approvals are decided by a person, signed in as themselves")
        if request.approver_role not in me.roles and not me.is_admin:
            raise PermissionDenied(f"approving this needs the {request.approver_role} role")
        if me.user_id in (request.requester_user_id, request.on_behalf_of_id):
            raise PermissionDenied("a request cannot be approved by the person it is for")

    def _transition(
        self, request: ApprovalRequest, status: str, now: datetime, reason: str | None
    ) -> None:
        """Move a pending, unexpired request to ``status`` — at most one caller ever can."""
        a = ApprovalRequest
        changed = self.uow.session.execute(
            update(a)
            .where(a.id == request.id, a.status == "pending", a.expires_at > now)
            .values(
                status=status,
                decided_by_id=self.principal.id,
                decided_by_name=self.principal.name,
                decided_at=now,
                decision_reason=reason,
            )
            .execution_options(synchronize_session=False)
        )
        self.uow.session.refresh(request)
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            if request.status == "pending":
                raise Conflict(f"approval {request.id} expired at {request.expires_at.isoformat()}")
            raise Conflict(f"approval {request.id} is already {request.status}")

    def _announce(
        self, request: ApprovalRequest, type_: EventType, reason: str | None, **payload: Any
    ) -> None:
        requested = self.uow.session.get(DecisionRecord, request.decision_id)
        assert requested is not None, "every approval request has its decision record"
        self.uow.emit(
            approval_event(
                type_,
                request,
                requested,
                self.principal.actor,
                self.gateway.clock(),
                reason=reason,
                **payload,
            )
        )

    def _tell_requester(self, request: ApprovalRequest, title: str) -> None:
        people = {p for p in (request.requester_user_id, request.on_behalf_of_id) if p}
        for user_id in sorted(people):
            notify(
                self.uow,
                self.principal,
                user_id,
                kind="approval_decided",
                title=f"{request.tool} {title}"[:300],
                link=f"/decisions/{request.decision_id}",
                decision_id=request.decision_id,
            )


def _stored_call(request: ApprovalRequest, requester: Principal, person: Principal | None) -> Call:
    return Call(
        principal=requester,
        tool=request.tool,
        args=request.args,
        purpose=request.purpose,
        on_behalf_of=person,
        trigger_event_id=request.trigger_event_id,
        rationale=request.rationale,
    )


def _stand_ins(request: ApprovalRequest) -> tuple[Principal, Principal | None]:
    """Requester and person as stored on the request: for the record only, no rights."""

    def stand_in(kind: str, principal_id: str, name: str | None, user_id: str | None) -> Principal:
        return Principal(
            kind=kind,  # type: ignore[arg-type]
            id=principal_id,
            tenant_id=request.tenant_id,
            name=name or principal_id,
            user_id=user_id,
            roles=frozenset(),
            grants={},
        )

    requester = stand_in(
        request.requester_kind,
        request.requester_id or "",
        request.requester_name,
        request.requester_user_id,
    )
    person = (
        stand_in(
            "user", request.on_behalf_of_id, request.on_behalf_of_name, request.on_behalf_of_id
        )
        if request.on_behalf_of_id
        else None
    )
    return requester, person


def decision_about(uow: UnitOfWork, request: ApprovalRequest, at: datetime) -> DecisionRecord:
    """A new decision record for what happens to a waiting call without running it
    (rejected, cancelled): the stored call, its subject, risk and approval."""
    requester, person = _stand_ins(request)
    decision = new_decision(
        requester,
        at=at,
        on_behalf_of=person,
        tool=request.tool,
        purpose=request.purpose,
        args=request.args,
        rationale=request.rationale,
        trigger_event_id=request.trigger_event_id,
    )
    set_subject(decision, with_customer(uow, request.tenant_id, subject_from_args(request.args)))
    decision.approval_id = request.id
    decision.risk_level = request.risk_level
    decision.risk_rule_id = request.risk_rule_id
    return decision


def cancel_approval(
    uow: UnitOfWork,
    actor: Principal,
    request: ApprovalRequest,
    *,
    why: str,
    consent_reason: str,
    consent_basis: str,
    now: datetime,
    **event_detail: Any,
) -> str | None:
    """Cancel a pending approval and record why (decision record, idempotency key,
    ``approval.cancelled``); the cancelling decision's id, or None if someone decided
    it a moment ago. The privacy context cancels with it when consent is revoked or
    processing is restricted."""
    a = ApprovalRequest
    changed = uow.session.execute(
        update(a)
        .where(a.id == request.id, a.status == "pending")
        .values(
            status="cancelled",
            decided_by_id=actor.id,
            decided_by_name=actor.name,
            decided_at=now,
            decision_reason=why,
            result_status="cancelled",
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    uow.session.refresh(request)
    decision = decision_about(uow, request, now)
    decision.consent_allowed = False
    decision.consent_reason = consent_reason[:500]
    decision.consent_basis = consent_basis
    finish_decision(uow, decision, "cancelled", why)
    request.result_decision_id = decision.id
    uow.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.approval_id == request.id)
        .values(status="cancelled", decision_id=decision.id)
        .execution_options(synchronize_session=False)
    )
    requested = uow.session.get(DecisionRecord, request.decision_id)
    if requested is not None:
        uow.emit(
            approval_event(
                EventType.APPROVAL_CANCELLED,
                request,
                requested,
                actor.actor,
                now,
                reason=why,
                **event_detail,
            )
        )
    return decision.id


def expire_overdue(uow: UnitOfWork, tenant_id: str, now: datetime) -> int:
    """Mark pending requests past their deadline as expired; they can never run."""
    a = ApprovalRequest
    result = uow.session.execute(
        update(a)
        .where(a.tenant_id == tenant_id, a.status == "pending", a.expires_at <= now)
        .values(status="expired")
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
