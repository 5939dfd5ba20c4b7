"""Use cases of the consent ledger: read a person's consents, record a change, and
make a revocation take effect at once on everything still waiting to run."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.core.clock import utcnow
from kith.core.errors import FieldError, ValidationFailed
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.gateway.approvals import cancel_approval
from kith.gateway.models import ApprovalRequest
from kith.gateway.registry import REGISTRY, message_of
from kith.privacy.ledger import (
    CALL_PURPOSES,
    LEGAL_BASES,
    MARKETING,
    classify_message,
    effective,
    evaluate,
    latest_by_pair,
    purpose_for,
    state_of,
)
from kith.privacy.models import ConsentCancellation, ConsentEvent
from kith.privacy.promotional import classify_task
from kith.privacy.repository import PrivacyRepository
from kith.privacy.schemas import (
    CancellationOut,
    ConsentChangeOut,
    ConsentCurrentOut,
    ConsentEventOut,
    ConsentIn,
    ConsentsOut,
    ConsentState,
)

CLOCK_SKEW = timedelta(minutes=5)
CONSENT_EVENTS: dict[ConsentState, EventType] = {
    "granted": EventType.CONSENT_GRANTED,
    "revoked": EventType.CONSENT_REVOKED,
}


def evidence_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def event_out(event: ConsentEvent) -> ConsentEventOut:
    return ConsentEventOut.model_validate(event, from_attributes=True)


class PersonService:
    """What the privacy use cases about one person share: records read through the crm
    service (so row scoping and sensitive-read audit apply) and the privacy tables."""

    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.records = RecordService(uow, principal, clock)
        self.repo = PrivacyRepository(uow.session, principal.tenant_id)


class ConsentService(PersonService):
    # --- reading --------------------------------------------------------------------------

    def consents(self, contact_id: str) -> ConsentsOut:
        self.records.load(SPECS["contact"], contact_id, "read")
        return self._state(contact_id)

    def _state(self, contact_id: str) -> ConsentsOut:
        history = self.repo.consent_history(contact_id)
        now = self.clock()
        current = sorted(
            latest_by_pair(history).values(), key=lambda e: (e.purpose, e.channel != "*", e.channel)
        )
        return ConsentsOut(
            current=[
                ConsentCurrentOut(
                    purpose=e.purpose,
                    channel=e.channel,
                    state=state_of(e, now),
                    source=e.source,
                    at=e.at,
                    expires_at=e.expires_at,
                    legal_basis=e.legal_basis,
                )
                for e in current
            ],
            history=[event_out(e) for e in history],
        )

    # --- recording ------------------------------------------------------------------------

    def record(self, contact_id: str, data: ConsentIn) -> ConsentChangeOut:
        # Withdrawing must be as easy as giving (GDPR Art. 7(3)): whoever may see the person
        # may record their revocation; a grant needs the right to change the record.
        action = "read" if data.state == "revoked" else "update"
        contact = self.records.load(SPECS["contact"], contact_id, action)
        now = self.clock()
        at = data.at or now
        if at > now + CLOCK_SKEW:
            raise ValidationFailed(
                "a consent cannot be recorded in the future",
                [FieldError(["body", "at"], "is in the future")],
            )
        if data.expires_at is not None and data.expires_at <= at:
            raise ValidationFailed(
                "a grant must expire after it was given",
                [FieldError(["body", "expires_at"], "must be later than at")],
            )
        event = ConsentEvent(
            tenant_id=self.principal.tenant_id,
            contact_id=contact_id,
            purpose=data.purpose,
            channel=data.channel,
            state=data.state,
            source=data.source,
            at=at,
            expires_at=data.expires_at,
            legal_basis=data.legal_basis,
            evidence_hash=evidence_digest(data.evidence) if data.evidence else data.evidence_hash,
            note=data.note,
            recorded_by_kind=self.principal.kind,
            recorded_by_id=self.principal.id,
            recorded_at=now,
        )
        self.uow.session.add(event)
        self.uow.session.flush()
        where = "every channel" if data.channel == "*" else data.channel
        self.uow.emit(
            DomainEvent(
                type=CONSENT_EVENTS[data.state],
                tenant_id=self.principal.tenant_id,
                subject_type="contact",
                subject_id=contact_id,
                actor=self.principal.actor,
                payload={
                    "consent_event_id": event.id,
                    "purpose": data.purpose,
                    "channel": data.channel,
                    "source": data.source,
                    "legal_basis": data.legal_basis,
                    "at": at.isoformat(),
                    "expires_at": data.expires_at.isoformat() if data.expires_at else None,
                },
                account_id=contact.account_id,
                contact_id=contact_id,
                summary=f"{data.purpose} consent {data.state} on {where} ({data.source})",
                occurred_at=now,
            )
        )
        # The ledger row is committed to by the audit chain too.
        self.uow.audit(
            self.principal.tenant_id,
            self.principal.actor,
            "consent.recorded",
            "contact",
            contact_id,
            consent_event_id=event.id,
            purpose=data.purpose,
            channel=data.channel,
            state=data.state,
            source=data.source,
            evidence_hash=event.evidence_hash,
        )
        cancelled = self._enforce(contact_id, event) if data.state == "revoked" else []
        state = self._state(contact_id)
        return ConsentChangeOut(
            current=state.current,
            history=state.history,
            event=event_out(event),
            cancelled=cancelled,
        )

    # --- the preference page -------------------------------------------------------------

    def granted_grid(
        self, contact_id: str, purposes: tuple[str, ...], channels: tuple[str, ...]
    ) -> dict[tuple[str, str], bool]:
        """Whether each (purpose, channel) is on now; purposes with a legal basis of their
        own are on until the person switches them off."""
        current = latest_by_pair(self.repo.consent_history(contact_id))
        now = self.clock()
        grid: dict[tuple[str, str], bool] = {}
        for purpose in purposes:
            for channel in channels:
                event = effective(current, purpose, channel)
                if event is None:
                    grid[(purpose, channel)] = purpose in LEGAL_BASES
                else:
                    grid[(purpose, channel)] = state_of(event, now) == "granted"
        return grid

    def apply_grid(
        self,
        contact_id: str,
        wanted: set[tuple[str, str]],
        purposes: tuple[str, ...],
        channels: tuple[str, ...],
        evidence: str,
    ) -> int:
        """Record one event per cell the person changed; returns how many."""
        grid = self.granted_grid(contact_id, purposes, channels)
        changed = 0
        for cell, on in grid.items():
            if (cell in wanted) == on:
                continue
            purpose, channel = cell
            self.record(
                contact_id,
                ConsentIn(
                    purpose=purpose,
                    channel=channel,
                    state="granted" if cell in wanted else "revoked",
                    source="preference_page",
                    evidence=evidence,
                ),
            )
            changed += 1
        return changed

    # --- a revocation takes effect -----------------------------------------------------------

    def _enforce(self, contact_id: str, event: ConsentEvent) -> list[CancellationOut]:
        """Cancel what waits to run for this person and purpose and would now be refused.
        A promotional message counts as marketing whatever purpose it was queued with."""
        tenant_id, now = self.principal.tenant_id, self.clock()
        out: list[CancellationOut] = []
        for request in self.repo.pending_approvals_about(contact_id):
            channel, sent = _call_of(request)
            purpose = purpose_for(request.purpose, classify_message(sent))
            if CALL_PURPOSES.get(purpose) != event.purpose:
                continue
            verdict = evaluate(self.uow, tenant_id, purpose, channel, contact_id, now)
            if not verdict.decision.allowed:
                cancelled = self._cancel_approval(
                    contact_id, request, event, verdict.decision.reason, now
                )
                if cancelled is not None:
                    out.append(cancelled)
        for message in self.repo.draft_messages_to(contact_id):
            content = {"subject": message.subject, "body": message.body}
            purpose = purpose_for(message.purpose or "", classify_message(content))
            if CALL_PURPOSES.get(purpose) != event.purpose:
                continue
            verdict = evaluate(self.uow, tenant_id, purpose, message.channel, contact_id, now)
            if not verdict.decision.allowed:
                message.status = "cancelled"
                out.append(
                    self._note(
                        contact_id,
                        event,
                        "draft_message",
                        message.id,
                        None,
                        verdict.decision.reason,
                    )
                )
        if event.purpose == MARKETING:
            verdict = evaluate(self.uow, tenant_id, MARKETING, None, contact_id, now)
            if not verdict.decision.allowed:
                out.extend(self._unenroll(contact_id, event, verdict.decision.reason, now))
                out.extend(self._cancel_activities(contact_id, event, verdict.decision.reason))
        return out

    def _cancel_activities(
        self, contact_id: str, event: ConsentEvent, reason: str
    ) -> list[CancellationOut]:
        """Queued marketing work about the person (open tasks, calls, meetings created for
        marketing or whose text is marketing) is cancelled; the reason is recorded in the
        cancellation, on the activity and in its ``activity.updated`` event."""
        activities = self.repo.open_activities_about(contact_id)
        created_for = self.repo.purposes_of_activities([a.id for a in activities])
        system = system_principal(self.principal.tenant_id, "consent ledger")
        records = RecordService(self.uow, system, self.clock)
        patch = PATCH_SCHEMAS["activity"]
        out: list[CancellationOut] = []
        for activity in activities:
            classification = classify_task(activity.subject, activity.body)
            by_purpose = CALL_PURPOSES.get(created_for.get(activity.id, "")) == MARKETING
            if not (by_purpose or classification.promotional):
                continue
            why = (
                f"created for marketing; {reason}"
                if by_purpose
                else f"marketing task ({classification.explain()}); {reason}"
            )
            stamp = f"[{self.clock().date().isoformat()}] 已取消 / cancelled: {why}"
            body = f"{activity.body}\n\n{stamp}" if activity.body else stamp
            records.update(
                "activity",
                activity.id,
                patch(status="cancelled", body=body[:20_000], version=activity.version),
            )
            out.append(
                self._note(
                    contact_id,
                    event,
                    "activity",
                    activity.id,
                    None,
                    why[:2000],
                    activity_kind=activity.kind,
                    subject=activity.subject,
                )
            )
        return out

    def _cancel_approval(
        self,
        contact_id: str,
        request: ApprovalRequest,
        event: ConsentEvent,
        reason: str,
        now: datetime,
    ) -> CancellationOut | None:
        why = f"cancelled: consent revoked ({reason})"[:2000]
        decision_id = cancel_approval(
            self.uow,
            self.principal,
            request,
            why=why,
            consent_reason=reason,
            consent_basis=f"consent:{event.purpose}/{event.channel} revoked {event.at.isoformat()}",
            now=now,
            consent_event_id=event.id,
        )
        if decision_id is None:
            return None  # decided by someone else a moment ago
        return self._note(contact_id, event, "approval", request.id, decision_id, why)

    def _unenroll(
        self, contact_id: str, event: ConsentEvent, reason: str, now: datetime
    ) -> list[CancellationOut]:
        out: list[CancellationOut] = []
        for enrollment in self.repo.enrollments_of(contact_id):
            out.append(
                self._note(
                    contact_id,
                    event,
                    "campaign_enrollment",
                    enrollment.id,
                    enrollment.decision_id,
                    reason,
                    campaign=enrollment.campaign,
                )
            )
            self.uow.session.delete(enrollment)
            self.uow.emit(
                DomainEvent(
                    type=EventType.CAMPAIGN_UNENROLLED,
                    tenant_id=self.principal.tenant_id,
                    subject_type="contact",
                    subject_id=contact_id,
                    actor=self.principal.actor,
                    payload={"campaign": enrollment.campaign, "consent_event_id": event.id},
                    contact_id=contact_id,
                    summary=f"left campaign {enrollment.campaign}: marketing consent revoked",
                    occurred_at=now,
                )
            )
        return out

    def _note(
        self,
        contact_id: str,
        event: ConsentEvent,
        kind: str,
        target_id: str,
        decision_id: str | None,
        reason: str,
        **detail: Any,
    ) -> CancellationOut:
        row = ConsentCancellation(
            tenant_id=self.principal.tenant_id,
            contact_id=contact_id,
            consent_event_id=event.id,
            kind=kind,
            target_id=target_id,
            decision_id=decision_id,
            reason=reason,
            detail=detail,
            at=self.clock(),
        )
        self.uow.session.add(row)
        return CancellationOut(
            kind=kind, target_id=target_id, decision_id=decision_id, reason=reason, at=row.at
        )


def _call_of(request: ApprovalRequest) -> tuple[str | None, dict[str, Any] | None]:
    """The channel a waiting call would use and the message it would send."""
    spec = REGISTRY.get(request.tool)
    if spec is None:
        return None, None
    try:
        args = spec.input_schema.model_validate(request.args)
    except ValidationError:
        return None, None
    return spec.channel_for(args), message_of(spec, args)
