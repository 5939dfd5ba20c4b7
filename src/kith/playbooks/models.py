"""Tables of the playbooks context (scenario S12): micro-practice units (MPUs), their
reviews and applications, the tenant's quality gate, and value anchors with their
daily readings.

A practice's four elements (situation tags, actions, verification points, circuit
breaker) are JSON documents validated by ``schemas.PracticeBody`` on every write; the
state (private → in_review → published → retired) is a column so visibility can be
enforced in the query (``repository.PlaybookRepository.visible``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class Practice(IdMixin, TenantMixin, Base):
    __tablename__ = "practices"
    __table_args__ = (Index("ix_practices_tenant_state", "tenant_id", "state"),)

    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))  # private | in_review | published | retired
    situation: Mapped[dict[str, Any]] = mapped_column(JSON)  # vocabulary dimension -> values
    free_tags: Mapped[list[Any]] = mapped_column(JSON)
    actions: Mapped[list[Any]] = mapped_column(JSON)
    verification: Mapped[list[Any]] = mapped_column(JSON)
    breaker: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attachments: Mapped[list[Any]] = mapped_column(JSON)
    source_type: Mapped[str | None] = mapped_column(String(16))  # deal | ticket | account
    source_id: Mapped[str | None] = mapped_column(ID)
    created_by: Mapped[str] = mapped_column(ID, index=True)  # a user id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    retired_at: Mapped[datetime | None] = mapped_column(default=None)
    value_confirmation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PracticeReview(IdMixin, TenantMixin, Base):
    """One reviewer's verdict on a practice (a later verdict replaces the earlier one)."""

    __tablename__ = "practice_reviews"
    __table_args__ = (UniqueConstraint("practice_id", "reviewer_id"),)

    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), index=True)
    reviewer_id: Mapped[str] = mapped_column(ID)
    verdict: Mapped[str] = mapped_column(String(16))  # effective | not_effective
    comment: Mapped[str] = mapped_column(Text)
    counted: Mapped[bool] = mapped_column(Boolean)  # reviewer held a senior role then
    reviewer_roles: Mapped[list[Any]] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class PracticeGate(IdMixin, TenantMixin, Base):
    """The tenant's quality gate, as data (absent: ``gate.DEFAULT_GATE``)."""

    __tablename__ = "practice_gates"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    required_reviews: Mapped[int] = mapped_column(Integer)
    reviewer_roles: Mapped[list[Any]] = mapped_column(JSON)
    require_customer_value: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PracticeApplication(IdMixin, TenantMixin, Base):
    """A practice applied to a deal: the tasks it created, its verification points'
    state and its circuit breaker."""

    __tablename__ = "practice_applications"
    __table_args__ = (
        UniqueConstraint("practice_id", "deal_id"),
        Index("ix_practice_applications_tenant_status", "tenant_id", "status"),
    )

    practice_id: Mapped[str] = mapped_column(ForeignKey("practices.id"), index=True)
    deal_id: Mapped[str] = mapped_column(ID, index=True)
    account_id: Mapped[str | None] = mapped_column(ID)
    applied_by: Mapped[str] = mapped_column(ID)  # user id
    applied_at: Mapped[datetime]
    stage_id: Mapped[str | None] = mapped_column(ID)  # the deal's stage when applied
    status: Mapped[str] = mapped_column(String(12))  # active | completed | stopped
    points: Mapped[list[Any]] = mapped_column(JSON)  # [{key, met_at, how, event_id}]
    task_ids: Mapped[list[Any]] = mapped_column(JSON)
    calls: Mapped[list[Any]] = mapped_column(JSON)  # [{tool, status, decision_id}]
    breaker_due_at: Mapped[datetime | None] = mapped_column(default=None)
    breaker_cleared_at: Mapped[datetime | None] = mapped_column(default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)
    stop_reason: Mapped[str | None] = mapped_column(String(300))


class ValueAnchor(IdMixin, TenantMixin, Base):
    __tablename__ = "value_anchors"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(48))  # a key of anchors.METRICS
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # filters, window, threshold
    dimensions: Mapped[list[Any]] = mapped_column(JSON)  # what the gap is decomposed over
    baseline: Mapped[float] = mapped_column(Float)
    target: Mapped[float] = mapped_column(Float)
    starts_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    owner_id: Mapped[str] = mapped_column(ID)
    state: Mapped[str] = mapped_column(String(12))  # active | achieved | retired
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnchorReading(IdMixin, TenantMixin, Base):
    """One day's value of an anchor's metric, with the drivers of the gap."""

    __tablename__ = "anchor_readings"
    __table_args__ = (UniqueConstraint("anchor_id", "day"),)

    anchor_id: Mapped[str] = mapped_column(ForeignKey("value_anchors.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    sample: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)  # where the straight path says it should be
    on_track: Mapped[bool] = mapped_column(Boolean)
    drivers: Mapped[list[Any]] = mapped_column(JSON)
    sentence_zh: Mapped[str | None] = mapped_column(Text)
    sentence_en: Mapped[str | None] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
