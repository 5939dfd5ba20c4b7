"""Tables of the concepts context: concept versions, the current value of a concept per
customer (contact or account) with each indicator's contribution, and its history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class ConceptVersion(IdMixin, TenantMixin, Base):
    """One version of a concept (``customer_health``). ``definition`` holds the indicators
    (source, normalisation, freshness, weight), the bands and the minimum coverage.
    A draft may be edited; publishing makes it the concept's one published version and
    retires the previous one; published and retired versions are never edited."""

    __tablename__ = "concept_versions"
    __table_args__ = (
        Index(
            "uq_concept_versions_key_version", "tenant_id", "concept_key", "version", unique=True
        ),
    )

    concept_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft|published|retired
    label_en: Mapped[str] = mapped_column(String(200))
    label_zh: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict[str, Any]]
    # Tenant statistics of each source (z-score normalisation), refreshed by batch runs.
    population: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class ConceptValue(IdMixin, TenantMixin, Base):
    """The current value of a concept for one customer (contact or account)."""

    __tablename__ = "concept_values"
    __table_args__ = (
        Index(
            "uq_concept_values_subject",
            "tenant_id",
            "concept_key",
            "subject_type",
            "subject_id",
            unique=True,
        ),
        Index("ix_concept_values_band", "tenant_id", "concept_key", "band"),
    )

    concept_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[str] = mapped_column(String(16))  # contact | account
    subject_id: Mapped[str] = mapped_column(ID)
    value: Mapped[float | None] = mapped_column(Float)  # 0-100; None: not enough sources
    band: Mapped[str] = mapped_column(String(32))  # a band name, or "unknown"
    coverage: Mapped[float] = mapped_column(Float)  # share of the weight that had data
    degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    contributions: Mapped[list[Any]] = mapped_column(default=list)
    reasons: Mapped[list[Any]] = mapped_column(default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    trigger: Mapped[str | None] = mapped_column(String(64))


class ConceptValueHistory(IdMixin, TenantMixin, Base):
    """Every change of a customer's value (a new value, band or version), kept."""

    __tablename__ = "concept_value_history"
    __table_args__ = (
        Index(
            "ix_concept_value_history_subject",
            "tenant_id",
            "concept_key",
            "subject_type",
            "subject_id",
            "computed_at",
        ),
    )

    concept_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    subject_type: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str] = mapped_column(ID)
    value: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(32))
    degraded: Mapped[bool] = mapped_column(Boolean, default=False)
    contributions: Mapped[list[Any]] = mapped_column(default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    trigger: Mapped[str | None] = mapped_column(String(64))
