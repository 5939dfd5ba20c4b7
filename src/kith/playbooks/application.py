"""Applying a practice to a deal and following it up.

``apply`` makes one ``Gateway.execute`` call per action step as the applying rep
(tasks, notes, e-mail drafts, meetings: permissions, consent and the decision record
apply), records the application and arms the circuit breaker. ``observe`` is what the
verification consumer runs for every committed event about a deal (or an activity or
interaction on it): it marks the points whose event type and CEL condition match, and
clears the breaker when its awaited event arrives. ``trip_breakers`` (the
``practices.breakers`` job) stops applications whose breaker is due and notifies the
rep and their manager through ``users.notify``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kith.access import policy
from kith.access.models import Team, TeamMember
from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.core.clock import utcnow
from kith.core.domain import Actor
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.core.expressions import ExpressionError, compile_expression
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.contracts import GatewayPort, Rationale
from kith.playbooks.features import DealContext, deal_context
from kith.playbooks.models import Practice, PracticeApplication
from kith.playbooks.repository import PlaybookRepository
from kith.playbooks.schemas import CEL_VARIABLES
from kith.playbooks.service import emit_practice

PURPOSE = "sales"
SYSTEM = "practices"


def application_dict(a: PracticeApplication) -> dict[str, Any]:
    return {
        "id": a.id,
        "practice_id": a.practice_id,
        "deal_id": a.deal_id,
        "applied_by": a.applied_by,
        "applied_at": a.applied_at,
        "status": a.status,
        "points": a.points,
        "task_ids": a.task_ids,
        "calls": a.calls,
        "breaker_due_at": a.breaker_due_at,
        "breaker_cleared_at": a.breaker_cleared_at,
        "stopped_at": a.stopped_at,
        "stop_reason": a.stop_reason,
    }


def step_args(step: Mapping[str, Any], context: DealContext, now: datetime) -> dict[str, Any]:
    """The gateway arguments of one action step on a deal."""
    deal = context.deal
    links = {"deal_id": deal.id, "account_id": deal.account_id}
    args: dict[str, Any] = dict(step.get("args") or {})
    tool = step.get("tool", "tasks.create")
    label = step["label"]
    if tool in ("tasks.create", "notes.add", "meetings.schedule"):
        args = {**links, **args}
    if tool == "tasks.create":
        args.setdefault("subject", label)
        if step.get("due_hours") is not None:
            args.setdefault("due_at", (now + timedelta(hours=step["due_hours"])).isoformat())
    elif tool == "notes.add":
        args.setdefault("body", label)
    elif tool == "meetings.schedule":
        start = now + timedelta(hours=step.get("due_hours") or 24)
        args.setdefault("subject", label)
        args.setdefault("starts_at", start.isoformat())
        args.setdefault("ends_at", (start + timedelta(hours=1)).isoformat())
    elif tool == "email.draft":
        args.setdefault("subject", label)
        args.setdefault("body", label)
        if deal.contact_id:
            args.setdefault("contact_id", deal.contact_id)
    return {k: v for k, v in args.items() if v is not None}


class Applications:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        gateway: GatewayPort,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.gateway = gateway
        self.clock = clock
        self.tenant_id = principal.tenant_id
        self.repo = PlaybookRepository(uow.session, principal.tenant_id)

    def apply(self, practice_id: str, deal_id: str) -> dict[str, Any]:
        """Apply all or nothing: a step the gateway refuses (or that fails) refuses the
        whole application, naming the step; a step waiting for approval is accepted."""
        policy.require(self.principal, "practice", "update")
        practice = self.repo.practice_for(self.principal, practice_id)
        if practice.state != "published" and practice.created_by != self.principal.user_id:
            raise Conflict(
                "only a published practice is applied (its creator may try a draft)",
                [FieldError(["practice_id"], practice.state)],
            )
        if practice.state == "retired":
            raise Conflict(
                "a retired practice is not applied", [FieldError(["practice_id"], "retired")]
            )
        RecordService(self.uow, self.principal, self.clock).get("deal", deal_id)  # scope
        context = deal_context(self.uow.session, self.tenant_id, deal_id)
        if context is None:
            raise NotFound(f"deal {deal_id} not found")
        if self.repo.application(practice.id, deal_id) is not None:
            raise Conflict(
                "this practice is already applied to the deal",
                [FieldError(["body", "deal_id"], "already applied")],
            )
        now = self.clock()
        rationale = Rationale(
            engine="human",
            engine_version="playbooks/1",
            summary=f"应用实践 / Applying practice: {practice.title}"[:300],
            inputs={"practice_id": practice.id},
        )
        calls: list[dict[str, Any]] = []
        task_ids: list[str] = []
        for i, step in enumerate(practice.actions):
            result = self.gateway.execute(
                self.uow,
                self.principal,
                step.get("tool", "tasks.create"),
                step_args(step, context, now),
                purpose=PURPOSE,
                idempotency_key=f"practice:{practice.id}:{deal_id}:{i}",
                rationale=rationale,
            )
            out = dict(result.output or {})
            calls.append(
                {
                    "step": i,
                    "tool": step.get("tool", "tasks.create"),
                    "status": result.status,
                    "decision_id": result.decision_id,
                    "reason": result.reason,
                    "id": out.get("id"),
                }
            )
            if result.status == "executed" and out.get("kind") == "task":
                task_ids.append(str(out["id"]))
        refused = [
            c for c in calls if c["status"] not in ("executed", "duplicate", "pending_approval")
        ]
        if refused:
            raise ValidationFailed(
                "a step of the practice cannot be carried out; nothing was applied",
                [
                    FieldError(
                        ["actions", c["step"], "tool"], f"{c['tool']} {c['status']}: {c['reason']}"
                    )
                    for c in refused
                ],
            )
        breaker = practice.breaker
        application = PracticeApplication(
            tenant_id=self.tenant_id,
            practice_id=practice.id,
            deal_id=deal_id,
            account_id=context.deal.account_id,
            applied_by=self.principal.user_id or self.principal.id,
            applied_at=now,
            stage_id=context.deal.stage_id,
            status="active",
            points=[
                {"key": p["key"], "label": p["label"], "met_at": None, "how": None}
                for p in practice.verification
            ],
            task_ids=task_ids,
            calls=calls,
            breaker_due_at=now + timedelta(hours=breaker["hours"]) if breaker else None,
        )
        self.uow.session.add(application)
        self.uow.session.flush()
        emit_practice(
            self.uow,
            practice,
            EventType.PRACTICE_APPLIED,
            self.principal.actor,
            now,
            "practice.apply",
            deal_id=deal_id,
            application_id=application.id,
            tasks=len(task_ids),
        )
        return application_dict(application)

    def confirm_point(
        self, practice_id: str, deal_id: str, key: str, note: str | None
    ) -> dict[str, Any]:
        """The rep confirms a verification point (any kind) on their application."""
        policy.require(self.principal, "practice", "read")
        practice = self.repo.practice_for(self.principal, practice_id)
        application = self.repo.application(practice.id, deal_id)
        if application is None:
            raise NotFound("this practice is not applied to the deal")
        if application.applied_by != self.principal.user_id and not self.principal.is_admin:
            raise Conflict(
                "only the rep who applied it confirms its points",
                [FieldError(["key"], "not yours")],
            )
        if key not in {p["key"] for p in application.points}:
            raise NotFound(f"no verification point {key}")
        mark_point(
            self.uow,
            practice,
            application,
            key,
            "confirmed",
            self.principal.actor,
            self.clock(),
            note=note,
        )
        return application_dict(application)


def mark_point(
    uow: UnitOfWork,
    practice: Practice,
    application: PracticeApplication,
    key: str,
    how: str,
    actor: Actor,
    at: datetime,
    *,
    event_id: str | None = None,
    note: str | None = None,
) -> bool:
    """Mark ``key`` met (once); completes the application when every point is met and
    confirms the customer's value when the point says it does."""
    points = [dict(p) for p in application.points]
    target = next((p for p in points if p["key"] == key), None)
    if target is None or target.get("met_at"):
        return False
    target.update(met_at=at.isoformat(), how=how, event_id=event_id, note=note)
    application.points = points
    application.breaker_cleared_at = application.breaker_cleared_at or (
        at if not (practice.breaker or {}).get("event_type") else None
    )
    if all(p.get("met_at") for p in points):
        application.status = "completed"
    spec: dict[str, Any] = next((v for v in practice.verification if v["key"] == key), {})
    if spec.get("customer_value") and practice.value_confirmation is None:
        practice.value_confirmation = {
            "kind": "verification_point",
            "key": key,
            "deal_id": application.deal_id,
            "at": at.isoformat(),
        }
    emit_practice(
        uow,
        practice,
        EventType.PRACTICE_POINT_MET,
        actor,
        at,
        "practice.point_met",
        deal_id=application.deal_id,
        key=key,
        how=how,
    )
    return True


def _deal_of(envelope_subject_type: str, subject_id: str, payload: Mapping[str, Any]) -> str | None:
    if envelope_subject_type == "deal":
        return subject_id
    deal = payload.get("deal_id")
    if deal is None and isinstance(payload.get("record"), Mapping):
        deal = payload["record"].get("deal_id")  # a created activity or interaction
    return str(deal) if deal else None


def _matches(
    event_type: str | None, condition: str | None, kind: str, values: Mapping[str, Any]
) -> bool:
    if event_type != kind:
        return False
    if not condition:
        return True
    try:
        return compile_expression(condition, CEL_VARIABLES).test(values)
    except ExpressionError:
        return False  # a condition that cannot be evaluated on this event does not match


def observe(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    event_id: str,
    event_type: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, Any],
    at: datetime,
) -> int:
    """Check the active applications on the event's deal; the number of points met."""
    if subject_type in ("practice", "practice_gate", "anchor"):
        return 0
    deal_id = _deal_of(subject_type, subject_id, payload)
    if not deal_id:
        return 0
    repo = PlaybookRepository(uow.session, tenant_id)
    active = repo.active_for_deal(deal_id)
    if not active:
        return 0
    context = deal_context(uow.session, tenant_id, deal_id)
    values = {
        "event": {
            "type": event_type,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "payload": dict(payload),
        },
        "deal": context.cel() if context else {},
    }
    actor = system_principal(tenant_id, SYSTEM).actor
    met = 0
    for application in active:
        practice = repo.practice(application.practice_id)
        if practice is None or at < application.applied_at:
            continue
        for point in practice.verification:
            if point.get("kind") == "event" and _matches(
                point.get("event_type"), point.get("condition"), event_type, values
            ):
                met += mark_point(
                    uow, practice, application, point["key"], "event", actor, at, event_id=event_id
                )
        breaker = practice.breaker or {}
        if (
            breaker.get("event_type")
            and application.breaker_cleared_at is None
            and _matches(breaker["event_type"], breaker.get("condition"), event_type, values)
        ):
            application.breaker_cleared_at = at
    return met


def trip_breakers(uow: UnitOfWork, tenant_id: str, now: datetime) -> list[dict[str, Any]]:
    """Stop every application whose breaker is due (``practice.stopped``; the
    notification consumer then tells the rep and their manager)."""
    repo = PlaybookRepository(uow.session, tenant_id)
    actor = system_principal(tenant_id, SYSTEM).actor
    stopped = []
    for application in repo.breakers_due(now):
        practice = repo.practice(application.practice_id)
        if practice is None:
            continue
        label = str((practice.breaker or {}).get("label", ""))
        application.status = "stopped"
        application.stopped_at = now
        application.stop_reason = label[:300]
        emit_practice(
            uow,
            practice,
            EventType.PRACTICE_STOPPED,
            actor,
            now,
            "practice.stop",
            deal_id=application.deal_id,
            application_id=application.id,
            applied_by=application.applied_by,
            reason=label,
        )
        stopped.append({"application_id": application.id, "deal_id": application.deal_id})
    return stopped


def notify_stopped(
    uow: UnitOfWork,
    gateway: GatewayPort,
    tenant_id: str,
    practice_id: str,
    payload: Mapping[str, Any],
    *,
    trigger_event_id: str | None = None,
) -> list[dict[str, Any]]:
    """Tell the rep who applied a stopped practice, and their team managers, through
    ``users.notify`` (idempotent per application and person)."""
    principal = system_principal(tenant_id, SYSTEM)
    rep = str(payload.get("applied_by") or "")
    if not rep:
        return []
    out = []
    for user_id in _rep_and_manager(uow, tenant_id, rep):
        result = gateway.execute(
            uow,
            principal,
            "users.notify",
            {
                "user_id": user_id,
                "title": f"实践已熔断 / Practice stopped: {payload.get('title', '')}"[:300],
                "body": f"{payload.get('reason', '')}\n商机 / Deal {payload.get('deal_id')}",
                "subject_type": "deal",
                "subject_id": payload.get("deal_id"),
            },
            purpose="sales",
            idempotency_key=f"practice-stop:{payload.get('application_id')}:{user_id}",
            trigger_event_id=trigger_event_id,
        )
        out.append({"user_id": user_id, "status": result.status, "reason": result.reason})
    return out


def _rep_and_manager(uow: UnitOfWork, tenant_id: str, user_id: str) -> list[str]:
    managers = uow.session.scalars(
        select(Team.manager_id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(
            Team.tenant_id == tenant_id, TeamMember.user_id == user_id, Team.manager_id.is_not(None)
        )
        .order_by(Team.id)
    ).all()
    out = [user_id]
    for m in managers:
        if m and m not in out:
            out.append(m)
    return out
