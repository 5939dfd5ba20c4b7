"""Use cases of micro-practice units: capture (from a deal), edit, the state machine
private → in_review → published → retired with the quality gate, reviews and the
customer's value confirmation. Every change emits a domain event and an audit entry.

Application to deals, verification points and the circuit breaker are in
``application.py``; effect and recommendations in ``effect.py`` and ``recommend.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.domain import Actor, DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from kith.core.event_types import EventType
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.playbooks import gate as gates
from kith.playbooks.features import deal_context, recent_activities
from kith.playbooks.models import Practice, PracticeGate, PracticeReview
from kith.playbooks.repository import PlaybookRepository
from kith.playbooks.rules import check_body
from kith.playbooks.schemas import (
    CaptureIn,
    GateIn,
    PracticeBody,
    PracticePatch,
    ReviewIn,
    ValueConfirmationIn,
)

STATES = ("private", "in_review", "published", "retired")


def practice_dict(p: Practice) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "summary": p.summary,
        "state": p.state,
        "situation": p.situation,
        "free_tags": p.free_tags,
        "actions": p.actions,
        "verification": p.verification,
        "breaker": p.breaker,
        "attachments": p.attachments,
        "source_type": p.source_type,
        "source_id": p.source_id,
        "created_by": p.created_by,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
        "submitted_at": p.submitted_at,
        "published_at": p.published_at,
        "retired_at": p.retired_at,
        "value_confirmation": p.value_confirmation,
        "version": p.version,
    }


def pydantic_failed(exc: ValidationError, root: str = "body") -> ValidationFailed:
    return ValidationFailed(
        "invalid input",
        [
            FieldError([root, *[str(x) for x in e["loc"]]], e["msg"], e["type"])
            for e in exc.errors()
        ],
    )


class PracticeService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.tenant_id = principal.tenant_id
        self.repo = PlaybookRepository(uow.session, principal.tenant_id)

    # --- reads ---------------------------------------------------------------------
    def list(self, state: str | None = None) -> list[dict[str, Any]]:
        policy.require(self.principal, "practice", "read")
        if state is not None and state not in STATES:
            raise ValidationFailed(
                "unknown state", [FieldError(["query", "state"], f"one of {', '.join(STATES)}")]
            )
        return [practice_dict(p) for p in self.repo.visible(self.principal, state=state)]

    def get(self, practice_id: str) -> dict[str, Any]:
        policy.require(self.principal, "practice", "read")
        practice = self.repo.practice_for(self.principal, practice_id)
        out = practice_dict(practice)
        out["gate"] = self.gate_status(practice).as_dict()
        out["reviews"] = [
            {
                "reviewer_id": r.reviewer_id,
                "verdict": r.verdict,
                "comment": r.comment,
                "counted": gates.counts(self.repo.gate(), _review(r), practice.created_by),
                "at": r.at,
            }
            for r in self.repo.reviews(practice.id)
        ]
        return out

    def measure(self, practice_id: str) -> dict[str, Any]:
        """Adoption, points met and the effect against comparable deals (``effect.py``)."""
        from kith.playbooks.effect import effect
        from kith.playbooks.features import closed_deals

        policy.require(self.principal, "practice", "read")
        practice = self.repo.practice_for(self.principal, practice_id)
        return effect(
            self.repo.applications(practice_id=practice.id),
            closed_deals(self.uow.session, self.tenant_id),
        )

    def gate_status(self, practice: Practice) -> gates.GateStatus:
        return gates.evaluate(
            self.repo.gate(),
            [_review(r) for r in self.repo.reviews(practice.id)],
            practice.created_by,
            practice.value_confirmation is not None,
        )

    # --- capture and edit ----------------------------------------------------------
    def create(
        self, body: PracticeBody, *, source: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        policy.require(self.principal, "practice", "create")
        user_id = self._user_id()
        check_body(body)
        now = self.clock()
        practice = Practice(
            tenant_id=self.tenant_id,
            state="private",
            created_by=user_id,
            created_at=now,
            updated_at=now,
            source_type=source[0] if source else None,
            source_id=source[1] if source else None,
            version=1,
        )
        _assign(practice, body)
        self.uow.session.add(practice)
        self.uow.session.flush()
        self._changed(practice, EventType.PRACTICE_CREATED, "practice.create")
        return practice_dict(practice)

    def draft_from_deal(self, deal_id: str) -> dict[str, Any]:
        """The pre-filled four elements for a practice captured on ``deal_id``: its
        stage, industry, size and customer type as situation tags, its recent tasks,
        calls and meetings as action steps, its notes as the summary."""
        RecordService(self.uow, self.principal, self.clock).get("deal", deal_id)  # scope
        context = deal_context(self.uow.session, self.tenant_id, deal_id)
        if context is None:
            raise NotFound(f"deal {deal_id} not found")
        activities = list(reversed(recent_activities(self.uow.session, self.tenant_id, deal_id)))
        notes = [a for a in activities if a.kind == "note"]
        steps = [
            {"label": a.subject[:200], "tool": "tasks.create", "due_hours": 24}
            for a in activities
            if a.kind in ("task", "call", "meeting")
        ][:10]
        summary = "\n".join(f"- {n.subject}: {(n.body or '')[:300]}" for n in notes[-5:])
        stage = context.stage.name if context.stage else None
        return {
            "title": f"{context.deal.name} 的做法 / What worked on {context.deal.name}"[:200],
            "summary": summary or None,
            "situation": {k: [v] for k, v in context.features.items()},
            "free_tags": [stage] if stage else [],
            "actions": steps,
            "verification": [
                {
                    "key": "stage_advanced",
                    "label": "商机推进到下一阶段 / The deal moves to the next stage",
                    "kind": "event",
                    "event_type": EventType.DEAL_STAGE_CHANGED.value,
                }
            ],
            "breaker": None,
            "attachments": [],
        }

    def capture(self, body: CaptureIn) -> dict[str, Any]:
        draft = self.draft_from_deal(body.source_id)
        if body.title:
            draft["title"] = body.title
        draft.update(body.overrides)
        try:
            parsed = PracticeBody.model_validate(draft)
        except ValidationError as exc:
            raise pydantic_failed(exc, "overrides") from None
        return self.create(parsed, source=(body.source_type, body.source_id))

    def update(self, practice_id: str, patch: PracticePatch) -> dict[str, Any]:
        practice = self._own(practice_id)
        if practice.state != "private":
            raise Conflict(
                "only a private practice can be edited; withdraw it from review first",
                [FieldError(["body"], f"state is {practice.state}")],
            )
        if patch.version != practice.version:
            raise Conflict(
                f"the practice changed (version {practice.version})",
                [FieldError(["body", "version"], f"current version is {practice.version}")],
            )
        check_body(patch)
        _assign(practice, patch)
        practice.version += 1
        practice.updated_at = self.clock()
        self._changed(practice, EventType.PRACTICE_UPDATED, "practice.update")
        return practice_dict(practice)

    # --- the state machine -----------------------------------------------------------
    def submit(self, practice_id: str) -> dict[str, Any]:
        practice = self._own(practice_id)
        self._expect(practice, "private")
        if not practice.actions and not practice.verification:
            raise ValidationFailed(
                "a practice needs at least one action or verification point before review",
                [FieldError(["body", "actions"], "empty")],
            )
        practice.state = "in_review"
        practice.submitted_at = self.clock()
        self._changed(practice, EventType.PRACTICE_SUBMITTED, "practice.submit")
        self.maybe_publish(practice)
        return practice_dict(practice)

    def withdraw(self, practice_id: str) -> dict[str, Any]:
        practice = self._own(practice_id)
        self._expect(practice, "in_review")
        practice.state = "private"
        self._changed(practice, EventType.PRACTICE_WITHDRAWN, "practice.withdraw")
        return practice_dict(practice)

    def review(self, practice_id: str, body: ReviewIn) -> dict[str, Any]:
        policy.require(self.principal, "practice", "read")
        practice = self.repo.practice_for(self.principal, practice_id)
        user_id = self._user_id()
        self._expect(practice, "in_review")
        if practice.created_by == user_id:
            raise PermissionDenied("the creator of a practice cannot review it")
        gate = self.repo.gate()
        roles = sorted(self.principal.roles)
        row = self.repo.review_by(practice.id, user_id)
        if row is None:
            row = PracticeReview(
                tenant_id=self.tenant_id, practice_id=practice.id, reviewer_id=user_id
            )
            self.uow.session.add(row)
        row.verdict = body.verdict
        row.comment = body.comment
        row.reviewer_roles = roles
        row.counted = gates.counts(gate, _review(row), practice.created_by)
        row.at = self.clock()
        self.uow.session.flush()
        self._changed(
            practice,
            EventType.PRACTICE_REVIEWED,
            "practice.review",
            verdict=body.verdict,
            counted=row.counted,
        )
        self.maybe_publish(practice)
        return self.get(practice.id)

    def confirm_value(self, practice_id: str, body: ValueConfirmationIn) -> dict[str, Any]:
        practice = self._own(practice_id)
        if practice.state not in ("private", "in_review"):
            raise Conflict(
                "value is confirmed before publication", [FieldError(["body"], practice.state)]
            )
        practice.value_confirmation = {
            "kind": "customer_statement",
            "text": body.text,
            "customer": body.customer,
            "source": body.source,
            "by": self._user_id(),
            "at": self.clock().isoformat(),
        }
        self._changed(practice, EventType.PRACTICE_VALUE_CONFIRMED, "practice.confirm_value")
        self.maybe_publish(practice)
        return self.get(practice.id)

    def retire(self, practice_id: str) -> dict[str, Any]:
        policy.require(self.principal, "practice", "update")
        practice = self.repo.practice_for(self.principal, practice_id)
        senior = self.repo.gate().is_senior(self.principal.roles)
        if practice.created_by != self.principal.user_id and not senior:
            raise PermissionDenied("only the creator or a senior reviewer retires a practice")
        self._expect(practice, "published")
        practice.state = "retired"
        practice.retired_at = self.clock()
        self._changed(practice, EventType.PRACTICE_RETIRED, "practice.retire")
        return practice_dict(practice)

    def maybe_publish(self, practice: Practice) -> bool:
        """Publish ``practice`` when it is in review and passes the gate."""
        if practice.state != "in_review" or not self.gate_status(practice).passed:
            return False
        practice.state = "published"
        practice.published_at = self.clock()
        self._changed(practice, EventType.PRACTICE_PUBLISHED, "practice.publish")
        return True

    # --- the gate as data ------------------------------------------------------------
    def set_gate(self, body: GateIn) -> dict[str, Any]:
        if not self.principal.is_admin:
            raise PermissionDenied("only an admin changes the quality gate")
        row = self.repo.gate_row()
        if row is None:
            row = PracticeGate(tenant_id=self.tenant_id)
            self.uow.session.add(row)
        row.required_reviews = body.required_reviews
        row.reviewer_roles = sorted(set(body.reviewer_roles))
        row.require_customer_value = body.require_customer_value
        row.updated_at = self.clock()
        self.uow.session.flush()
        detail = body.model_dump()
        self.uow.emit(
            DomainEvent(
                EventType.PRACTICE_GATE_CHANGED,
                self.tenant_id,
                "practice_gate",
                row.id,
                self.principal.actor,
                detail,
                occurred_at=self.clock(),
            )
        )
        self.uow.audit(
            self.tenant_id, self.principal.actor, "practice.gate", "practice_gate", row.id, **detail
        )
        return self.gate()

    def gate(self) -> dict[str, Any]:
        g = self.repo.gate()
        return {
            "required_reviews": g.required_reviews,
            "reviewer_roles": list(g.reviewer_roles),
            "require_customer_value": g.require_customer_value,
        }

    # --- helpers ---------------------------------------------------------------------
    def _user_id(self) -> str:
        if not self.principal.user_id:
            raise PermissionDenied("practices are captured and reviewed by people")
        return self.principal.user_id

    def _own(self, practice_id: str) -> Practice:
        policy.require(self.principal, "practice", "update")
        practice = self.repo.practice_for(self.principal, practice_id)
        if practice.created_by != self._user_id():
            raise PermissionDenied("only the creator changes this practice")
        return practice

    @staticmethod
    def _expect(practice: Practice, state: str) -> None:
        if practice.state != state:
            raise Conflict(
                f"the practice is {practice.state}, not {state}",
                [FieldError(["state"], f"expected {state}")],
            )

    def _changed(self, practice: Practice, kind: EventType, action: str, **detail: Any) -> None:
        emit_practice(
            self.uow, practice, kind, self.principal.actor, self.clock(), action, **detail
        )


def emit_practice(
    uow: UnitOfWork,
    practice: Practice,
    kind: EventType,
    actor: Actor,
    at: datetime,
    action: str,
    **detail: Any,
) -> None:
    """The event and audit entry of a change to ``practice``."""
    payload = {"title": practice.title, "state": practice.state, **detail}
    uow.emit(
        DomainEvent(
            kind,
            practice.tenant_id,
            "practice",
            practice.id,
            actor,
            payload,
            summary=f"{practice.title} ({practice.state})",
            occurred_at=at,
        )
    )
    uow.audit(practice.tenant_id, actor, action, "practice", practice.id, **payload)


def _assign(practice: Practice, body: PracticeBody) -> None:
    data = body.model_dump(mode="json", exclude={"version"})
    practice.title = body.title
    practice.summary = body.summary
    practice.situation = data["situation"]
    practice.free_tags = data["free_tags"]
    practice.actions = data["actions"]
    practice.verification = data["verification"]
    practice.breaker = data["breaker"]
    practice.attachments = data["attachments"]


def _review(row: PracticeReview) -> gates.Review:
    return gates.Review(row.reviewer_id, row.verdict, row.comment, tuple(row.reviewer_roles or ()))
