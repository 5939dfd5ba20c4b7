"""Tables of the intelligence context: the model registry, scores, drift checks.

Artifacts live in the registry row itself (``artifact`` blob, skops format,
SHA-256 checked on load): one transaction writes the version and its model, a
PostgreSQL deployment with several app servers needs no shared disk, backups
include the models, and a rolled-back training leaves no orphan file. Models
here are small (kilobytes to a few megabytes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class ModelVersion(IdMixin, TenantMixin, Base):
    __tablename__ = "model_versions"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name", "number"),
        Index("ix_model_versions_tenant_name_status", "tenant_id", "name", "status"),
    )

    name: Mapped[str] = mapped_column(String(100))  # "churn", "deal_win", a CSV's stem
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per name
    kind: Mapped[str] = mapped_column(String(16))  # classifier | forecast
    algorithm: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12))  # champion | challenger | retired
    source: Mapped[str] = mapped_column(String(300))  # a file name or "kith:<query>"
    data_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    features: Mapped[dict[str, Any]]
    params: Mapped[dict[str, Any]]
    metrics: Mapped[dict[str, Any]]
    baseline: Mapped[dict[str, Any]]
    importance: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Training-time distribution of each feature and of the score, for PSI drift checks.
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    training_seconds: Mapped[float] = mapped_column(Float)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    artifact_format: Mapped[str] = mapped_column(String(16))  # skops | json
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    promoted_at: Mapped[datetime | None] = mapped_column(default=None)
    created_by: Mapped[str | None] = mapped_column(String(200))


class Score(IdMixin, TenantMixin, Base):
    """The current score of one record for one kind (churn, deal_win, lead_conversion...)."""

    __tablename__ = "scores"
    __table_args__ = (
        UniqueConstraint("tenant_id", "object_type", "record_id", "kind"),
        Index("ix_scores_tenant_kind_score", "tenant_id", "kind", "score"),
    )

    object_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(12))
    model_version_id: Mapped[str | None] = mapped_column(ID)
    model_version: Mapped[str] = mapped_column(String(120))  # "churn@3" or "sentiment-rules/1"
    factors: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)


class DriftCheck(IdMixin, TenantMixin, Base):
    __tablename__ = "model_drift_checks"
    __table_args__ = (Index("ix_model_drift_checks_version", "tenant_id", "model_version_id"),)

    model_version_id: Mapped[str] = mapped_column(ID)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    rows: Mapped[int] = mapped_column(Integer)
    psi: Mapped[dict[str, Any]]  # feature (and "score") -> PSI
    max_psi: Mapped[float] = mapped_column(Float)
    alert: Mapped[bool]
    note: Mapped[str | None] = mapped_column(Text)


class Segment(IdMixin, TenantMixin, Base):
    """A saved, refreshable filter over contacts or accounts (issue 6, segmentation).

    ``name`` is the stable key agents and tools use (``in_segment(..., "at_risk_vip")``);
    the labels are what people read. ``definition`` is the validated JSON of
    ``segments.schemas.Definition``.
    """

    __tablename__ = "segments"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(80))
    label_zh: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    object_type: Mapped[str] = mapped_column(String(32))  # contact | account
    definition: Mapped[dict[str, Any]]
    description: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[str | None] = mapped_column(ID)
    refresh_policy: Mapped[str] = mapped_column(String(16))  # manual | hourly | daily
    member_count: Mapped[int] = mapped_column(Integer, default=0)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))


class SegmentMember(IdMixin, TenantMixin, Base):
    """One record in a segment since ``since``; ``snapshot`` is what qualified it then."""

    __tablename__ = "segment_members"
    __table_args__ = (
        UniqueConstraint("segment_id", "record_id"),
        Index("ix_segment_members_tenant_record", "tenant_id", "record_id"),
    )

    segment_id: Mapped[str] = mapped_column(ID)
    record_id: Mapped[str] = mapped_column(ID)
    since: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[float | None] = mapped_column(Float, default=None)
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)


class SegmentRefresh(IdMixin, TenantMixin, Base):
    __tablename__ = "segment_refreshes"
    __table_args__ = (Index("ix_segment_refreshes_segment_at", "segment_id", "at"),)

    segment_id: Mapped[str] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    added: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    trigger: Mapped[str] = mapped_column(String(40))  # api | cli | job | ...


class ModelOutcome(IdMixin, TenantMixin, Base):
    """A prediction meeting reality: the score a record had *before* its outcome
    (a deal won or lost, a lead converted or disqualified), for live performance.

    One row per record and kind: the first outcome counts, a later reopening does
    not rewrite history. ``event_id`` is the outcome event, so a redelivered event
    is recognised.
    """

    __tablename__ = "model_outcomes"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "object_type", "record_id"),
        UniqueConstraint("event_id"),
        Index("ix_model_outcomes_version", "tenant_id", "model_version_id"),
    )

    model_version_id: Mapped[str] = mapped_column(ID)
    model_ref: Mapped[str] = mapped_column(String(120))  # "deal_win@3"
    kind: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(ID)
    score: Mapped[float] = mapped_column(Float)
    outcome: Mapped[int] = mapped_column(Integer)  # 1: the positive class happened
    outcome_label: Mapped[str] = mapped_column(String(40))  # won | lost | converted | ...
    scored_at: Mapped[datetime]
    at: Mapped[datetime]
    event_id: Mapped[str] = mapped_column(String(64))
