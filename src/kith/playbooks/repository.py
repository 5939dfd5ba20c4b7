"""Queries of the playbooks context, tenant-filtered, and the visibility of practices.

Who sees a practice is decided here, in the query, so no list, search, recommendation
or CLI can leak a draft: a private practice is visible to its creator only; one in
review to its creator and to the gate's senior reviewers; published and retired ones
to everyone who may read practices.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.core.errors import NotFound
from kith.playbooks.gate import DEFAULT_GATE, Gate
from kith.playbooks.models import (
    AnchorReading,
    Practice,
    PracticeApplication,
    PracticeGate,
    PracticeReview,
    ValueAnchor,
)


class PlaybookRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- the gate ------------------------------------------------------------------
    def gate_row(self) -> PracticeGate | None:
        return self.session.scalar(
            select(PracticeGate).where(PracticeGate.tenant_id == self.tenant_id)
        )

    def gate(self) -> Gate:
        row = self.gate_row()
        if row is None:
            return DEFAULT_GATE
        return Gate(row.required_reviews, tuple(row.reviewer_roles), row.require_customer_value)

    # --- practices and their visibility ------------------------------------------
    def _visible_to(self, principal: Principal, gate: Gate) -> ColumnElement[bool]:
        mine = Practice.created_by == (principal.user_id or "")
        shared = Practice.state.in_(("published", "retired"))
        if gate.is_senior(principal.roles):
            return or_(shared, mine, Practice.state == "in_review")
        return or_(shared, mine)

    def visible(
        self, principal: Principal, *, state: str | None = None, limit: int = 200
    ) -> Sequence[Practice]:
        query = select(Practice).where(
            Practice.tenant_id == self.tenant_id, self._visible_to(principal, self.gate())
        )
        if state:
            query = query.where(Practice.state == state)
        return self.session.scalars(
            query.order_by(Practice.updated_at.desc(), Practice.id).limit(limit)
        ).all()

    def practice_for(self, principal: Principal, practice_id: str) -> Practice:
        """The practice if ``principal`` may see it; otherwise 404, as if it did not exist."""
        row = self.session.scalar(
            select(Practice).where(
                and_(
                    Practice.id == practice_id,
                    Practice.tenant_id == self.tenant_id,
                    self._visible_to(principal, self.gate()),
                )
            )
        )
        if row is None:
            raise NotFound(f"practice {practice_id} not found")
        return row

    def practice(self, practice_id: str) -> Practice | None:
        """Unscoped by person (consumers and jobs acting for the system)."""
        row = self.session.get(Practice, practice_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def published(self) -> Sequence[Practice]:
        return self.session.scalars(
            select(Practice)
            .where(Practice.tenant_id == self.tenant_id, Practice.state == "published")
            .order_by(Practice.published_at, Practice.id)
        ).all()

    def reviews(self, practice_id: str) -> Sequence[PracticeReview]:
        return self.session.scalars(
            select(PracticeReview)
            .where(
                PracticeReview.tenant_id == self.tenant_id,
                PracticeReview.practice_id == practice_id,
            )
            .order_by(PracticeReview.at, PracticeReview.id)
        ).all()

    def review_by(self, practice_id: str, reviewer_id: str) -> PracticeReview | None:
        return self.session.scalar(
            select(PracticeReview).where(
                PracticeReview.tenant_id == self.tenant_id,
                PracticeReview.practice_id == practice_id,
                PracticeReview.reviewer_id == reviewer_id,
            )
        )

    # --- applications ----------------------------------------------------------------
    def applications(
        self, *, practice_id: str | None = None, deal_id: str | None = None
    ) -> Sequence[PracticeApplication]:
        query = select(PracticeApplication).where(PracticeApplication.tenant_id == self.tenant_id)
        if practice_id:
            query = query.where(PracticeApplication.practice_id == practice_id)
        if deal_id:
            query = query.where(PracticeApplication.deal_id == deal_id)
        return self.session.scalars(
            query.order_by(PracticeApplication.applied_at, PracticeApplication.id)
        ).all()

    def application(self, practice_id: str, deal_id: str) -> PracticeApplication | None:
        return self.session.scalar(
            select(PracticeApplication).where(
                PracticeApplication.tenant_id == self.tenant_id,
                PracticeApplication.practice_id == practice_id,
                PracticeApplication.deal_id == deal_id,
            )
        )

    def active_for_deal(self, deal_id: str) -> Sequence[PracticeApplication]:
        return self.session.scalars(
            select(PracticeApplication).where(
                PracticeApplication.tenant_id == self.tenant_id,
                PracticeApplication.deal_id == deal_id,
                PracticeApplication.status == "active",
            )
        ).all()

    def breakers_due(self, now: datetime) -> Sequence[PracticeApplication]:
        return self.session.scalars(
            select(PracticeApplication)
            .where(
                PracticeApplication.tenant_id == self.tenant_id,
                PracticeApplication.status == "active",
                PracticeApplication.breaker_due_at.is_not(None),
                PracticeApplication.breaker_due_at <= now,
                PracticeApplication.breaker_cleared_at.is_(None),
            )
            .order_by(PracticeApplication.breaker_due_at, PracticeApplication.id)
        ).all()

    # --- anchors ---------------------------------------------------------------------
    def anchors(self) -> Sequence[ValueAnchor]:
        return self.session.scalars(
            select(ValueAnchor)
            .where(ValueAnchor.tenant_id == self.tenant_id)
            .order_by(ValueAnchor.created_at, ValueAnchor.id)
        ).all()

    def anchor(self, anchor_id: str) -> ValueAnchor:
        row = self.session.get(ValueAnchor, anchor_id)
        if row is None or row.tenant_id != self.tenant_id:
            raise NotFound(f"anchor {anchor_id} not found")
        return row

    def anchor_by_name(self, name: str) -> ValueAnchor | None:
        return self.session.scalar(
            select(ValueAnchor).where(
                ValueAnchor.tenant_id == self.tenant_id, ValueAnchor.name == name
            )
        )

    def readings(self, anchor_id: str, limit: int = 400) -> Sequence[AnchorReading]:
        return self.session.scalars(
            select(AnchorReading)
            .where(AnchorReading.tenant_id == self.tenant_id, AnchorReading.anchor_id == anchor_id)
            .order_by(AnchorReading.day.desc())
            .limit(limit)
        ).all()

    def reading(self, anchor_id: str, day: object) -> AnchorReading | None:
        return self.session.scalar(
            select(AnchorReading).where(
                AnchorReading.tenant_id == self.tenant_id,
                AnchorReading.anchor_id == anchor_id,
                AnchorReading.day == day,
            )
        )
