"""Tables of real-time decisions: rule-set versions, the route of each decision key
(champion, challenger, experiment), the generation counter every process polls for
hot reload, risk lists, the decision log and shipment holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class RuleSetVersion(IdMixin, TenantMixin, Base):
    """One version of a decision key's rule set; ``definition`` is the rule set as data
    (rules in CEL, thresholds, actions, fallback, test cases). Published versions are
    never edited: a change is a new version."""

    __tablename__ = "realtime_rulesets"
    __table_args__ = (
        Index(
            "uq_realtime_rulesets_key_version", "tenant_id", "decision_key", "version", unique=True
        ),
    )

    decision_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published
    definition: Mapped[dict[str, Any]]
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    published_by: Mapped[str | None] = mapped_column(String(200))


class DecisionRoute(IdMixin, TenantMixin, Base):
    """Which version serves a decision key: the champion, and optionally a challenger
    in an A/B split, a canary or shadow mode, split by a stable hash of ``split_key``."""

    __tablename__ = "realtime_routes"
    __table_args__ = (Index("uq_realtime_routes_key", "tenant_id", "decision_key", unique=True),)

    decision_key: Mapped[str] = mapped_column(String(64))
    champion: Mapped[int | None] = mapped_column(Integer, default=None)
    previous_champion: Mapped[int | None] = mapped_column(Integer, default=None)
    challenger: Mapped[int | None] = mapped_column(Integer, default=None)
    mode: Mapped[str] = mapped_column(String(8), default="off")  # off | ab | canary | shadow
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    split_key: Mapped[str] = mapped_column(String(32), default="customer_id")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class RealtimeGeneration(TenantMixin, Base):
    """Bumped by every publish, rollback, experiment change and list change of the
    tenant; each process compares it with what it has loaded (hot reload)."""

    __tablename__ = "realtime_generations"

    tenant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)


class RiskListEntry(IdMixin, TenantMixin, Base):
    """A blocklist or allowlist entry: an IP, a CIDR range, a device fingerprint or a
    card token hash, with the reason and an optional expiry."""

    __tablename__ = "realtime_list_entries"
    __table_args__ = (
        Index("uq_realtime_list_entries", "tenant_id", "list_name", "kind", "value", unique=True),
    )

    list_name: Mapped[str] = mapped_column(String(12))  # blocklist | allowlist
    kind: Mapped[str] = mapped_column(String(8))  # ip | cidr | device | card
    value: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(500))
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))


class RealtimeDecision(IdMixin, TenantMixin, Base):
    """The decision log: one compact row per decision (the full, explained record of a
    non-pass decision is its decision passport, ``passport_id``). ``label`` arrives
    later (chargeback, fraud, delivered) and feeds precision/recall."""

    __tablename__ = "realtime_decisions"
    __table_args__ = (
        Index("ix_realtime_decisions_key_at", "tenant_id", "decision_key", "at"),
        Index("ix_realtime_decisions_order", "tenant_id", "order_id"),
        Index("ix_realtime_decisions_customer", "tenant_id", "customer_id"),
    )

    at: Mapped[datetime]
    decision_key: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    variant: Mapped[str] = mapped_column(String(12))  # champion | challenger
    outcome: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    latency_ms: Mapped[float] = mapped_column(Float)
    fallback: Mapped[str | None] = mapped_column(String(16))  # budget | error
    customer_id: Mapped[str | None] = mapped_column(String(64))
    order_id: Mapped[str | None] = mapped_column(String(64))
    inputs: Mapped[dict[str, Any]]
    features: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    fired: Mapped[list[Any]] = mapped_column(default=list)
    shadow_version: Mapped[int | None] = mapped_column(Integer, default=None)
    shadow_outcome: Mapped[str | None] = mapped_column(String(16))
    passport_id: Mapped[str | None] = mapped_column(ID)
    label: Mapped[str | None] = mapped_column(String(16))  # fraud | legit
    actions_done: Mapped[bool] = mapped_column(Boolean, default=False)


class ShipmentHold(IdMixin, TenantMixin, Base):
    """A shipment held by a risk decision (the ``orders.hold_shipment`` tool)."""

    __tablename__ = "realtime_shipment_holds"

    order_id: Mapped[str] = mapped_column(String(64), index=True)
    decision_id: Mapped[str | None] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(default=None)
