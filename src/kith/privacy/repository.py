"""Every query of the privacy context (consent history, what a revocation may cancel)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.crm.models import Activity
from kith.gateway.models import ApprovalRequest, CampaignEnrollment, DecisionRecord, OutboundMessage
from kith.privacy.models import ConsentCancellation, ConsentEvent


class PrivacyRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    def consent_history(self, contact_id: str) -> Sequence[ConsentEvent]:
        c = ConsentEvent
        stmt = (
            select(c)
            .where(c.tenant_id == self.tenant_id, c.contact_id == contact_id)
            .order_by(c.at.desc(), c.recorded_at.desc(), c.id.desc())
        )
        return self.session.scalars(stmt).all()

    def cancellations(self, contact_id: str) -> Sequence[ConsentCancellation]:
        c = ConsentCancellation
        stmt = (
            select(c)
            .where(c.tenant_id == self.tenant_id, c.contact_id == contact_id)
            .order_by(c.at, c.id)
        )
        return self.session.scalars(stmt).all()

    def pending_approvals_about(self, contact_id: str) -> Sequence[ApprovalRequest]:
        a, d = ApprovalRequest, DecisionRecord
        stmt = (
            select(a)
            .join(d, d.id == a.decision_id)
            .where(
                a.tenant_id == self.tenant_id,
                a.status == "pending",
                d.tenant_id == self.tenant_id,
                d.contact_id == contact_id,
            )
            .order_by(a.created_at, a.id)
        )
        return self.session.scalars(stmt).all()

    def draft_messages_to(self, contact_id: str) -> Sequence[OutboundMessage]:
        m = OutboundMessage
        stmt = (
            select(m)
            .where(m.tenant_id == self.tenant_id, m.contact_id == contact_id, m.status == "draft")
            .order_by(m.created_at, m.id)
        )
        return self.session.scalars(stmt).all()

    def enrollments_of(self, contact_id: str) -> Sequence[CampaignEnrollment]:
        e = CampaignEnrollment
        stmt = (
            select(e)
            .where(e.tenant_id == self.tenant_id, e.contact_id == contact_id)
            .order_by(e.created_at, e.id)
        )
        return self.session.scalars(stmt).all()

    def open_activities_about(self, contact_id: str) -> Sequence[Activity]:
        """Queued work about the person: open tasks, calls and meetings."""
        a = Activity
        stmt = (
            select(a)
            .where(
                a.tenant_id == self.tenant_id,
                a.contact_id == contact_id,
                a.deleted_at.is_(None),
                a.status == "open",
                a.kind.in_(("task", "call", "meeting")),
            )
            .order_by(a.created_at, a.id)
        )
        return self.session.scalars(stmt).all()

    def purposes_of_activities(self, activity_ids: Sequence[str]) -> dict[str, str]:
        """The purpose of the gateway call that created each activity (when one did)."""
        if not activity_ids:
            return {}
        d = DecisionRecord
        stmt = select(d.subject_id, d.purpose).where(
            d.tenant_id == self.tenant_id,
            d.subject_type == "activity",
            d.subject_id.in_(list(activity_ids)),
            d.status == "executed",
        )
        return {str(sid): str(purpose) for sid, purpose in self.session.execute(stmt) if purpose}
