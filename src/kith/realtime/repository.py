"""Every query of real-time decisions, scoped to one tenant."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.orm import Session

from kith.core.event_types import EventType
from kith.realtime.features.history import is_contact_id
from kith.realtime.models import (
    DecisionRoute,
    RealtimeDecision,
    RealtimeGeneration,
    RiskListEntry,
    RuleSetVersion,
)
from kith.timeline.models import TimelineEntry

HIGH_RISK_LABELS = ("fraud", "chargeback")


class RealtimeRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- rule sets and routes -----------------------------------------------------

    def versions(self, decision_key: str | None = None) -> list[RuleSetVersion]:
        r = RuleSetVersion
        stmt = select(r).where(r.tenant_id == self.tenant_id)
        if decision_key:
            stmt = stmt.where(r.decision_key == decision_key)
        return list(self.session.scalars(stmt.order_by(r.decision_key, r.version)))

    def version(self, decision_key: str, version: int) -> RuleSetVersion | None:
        r = RuleSetVersion
        return self.session.scalar(
            select(r).where(
                r.tenant_id == self.tenant_id, r.decision_key == decision_key, r.version == version
            )
        )

    def last_version(self, decision_key: str) -> int:
        r = RuleSetVersion
        value = self.session.scalar(
            select(func.max(r.version)).where(
                r.tenant_id == self.tenant_id, r.decision_key == decision_key
            )
        )
        return int(value or 0)

    def routes(self) -> list[DecisionRoute]:
        d = DecisionRoute
        return list(
            self.session.scalars(
                select(d).where(d.tenant_id == self.tenant_id).order_by(d.decision_key)
            )
        )

    def route(self, decision_key: str, *, lock: bool = False) -> DecisionRoute | None:
        d = DecisionRoute
        stmt = select(d).where(d.tenant_id == self.tenant_id, d.decision_key == decision_key)
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalar(stmt)

    # --- the generation every process polls ---------------------------------------

    def generation(self) -> int:
        g = RealtimeGeneration
        value = self.session.scalar(select(g.generation).where(g.tenant_id == self.tenant_id))
        return int(value or 0)

    def bump_generation(self) -> None:
        g = RealtimeGeneration
        changed = self.session.execute(
            update(g).where(g.tenant_id == self.tenant_id).values(generation=g.generation + 1)
        )
        if not getattr(changed, "rowcount", 0):
            self.session.add(RealtimeGeneration(tenant_id=self.tenant_id, generation=1))
        self.session.flush()

    # --- lists ----------------------------------------------------------------------

    def list_entries(self, list_name: str | None = None) -> list[RiskListEntry]:
        e = RiskListEntry
        stmt = select(e).where(e.tenant_id == self.tenant_id)
        if list_name:
            stmt = stmt.where(e.list_name == list_name)
        return list(self.session.scalars(stmt.order_by(e.list_name, e.kind, e.value)))

    def list_entry(self, list_name: str, kind: str, value: str) -> RiskListEntry | None:
        e = RiskListEntry
        return self.session.scalar(
            select(e).where(
                e.tenant_id == self.tenant_id,
                e.list_name == list_name,
                e.kind == kind,
                e.value == value,
            )
        )

    # --- decisions ----------------------------------------------------------------

    def decision(self, decision_id: str) -> RealtimeDecision | None:
        row = self.session.get(RealtimeDecision, decision_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def recent_decisions(self, decision_key: str, limit: int) -> list[RealtimeDecision]:
        d = RealtimeDecision
        return list(
            self.session.scalars(
                select(d)
                .where(d.tenant_id == self.tenant_id, d.decision_key == decision_key)
                .order_by(d.at.desc(), d.id.desc())
                .limit(limit)
            )
        )

    def decisions_of_order(self, order_id: str) -> list[RealtimeDecision]:
        d = RealtimeDecision
        return list(
            self.session.scalars(
                select(d).where(d.tenant_id == self.tenant_id, d.order_id == order_id)
            )
        )

    def decision_rows(self, decision_key: str, since: datetime | None) -> list[Any]:
        d = RealtimeDecision
        stmt = select(
            d.version,
            d.variant,
            d.outcome,
            d.latency_ms,
            d.label,
            d.shadow_version,
            d.shadow_outcome,
        ).where(d.tenant_id == self.tenant_id, d.decision_key == decision_key)
        if since is not None:
            stmt = stmt.where(d.at >= since)
        return list(self.session.execute(stmt))

    # --- the customer's history (the CRM's records) --------------------------------

    def history_changes(self, after_id: str) -> tuple[list[tuple[str, str]], list[Any]]:
        """The change feed since timeline id ``after_id``: (entry id, contact id) of
        order, refund and ticket events, and (entry id, payload) of fraud labels."""
        params = {"t": self.tenant_id, "after": after_id}
        changes = [(str(r[0]), str(r[1])) for r in self.session.execute(_CHANGES, params)]
        labels = list(self.session.execute(_LABELS, params))
        return changes, labels

    def disputed_guests(self) -> list[str]:
        """Customer ids without a contact whose decisions got a fraud label."""
        d = RealtimeDecision
        rows = self.session.scalars(
            select(d.customer_id)
            .where(d.tenant_id == self.tenant_id, d.label == "fraud", d.customer_id.is_not(None))
            .distinct()
        )
        return [c for c in rows if c and not is_contact_id(c)]

    def customer_history(self, customer_id: str, now: datetime) -> dict[str, Any]:
        """Orders, deliveries, refunds, tickets and fraud labels of one customer: one
        statement (on the hot path of every decision whose customer is not cached)."""
        row = self.session.execute(_HISTORY, {"t": self.tenant_id, "c": customer_id}).one()
        orders, delivered, first, refunds, tickets, disputes = row
        days = -1
        if first is not None:
            first_at = datetime.fromisoformat(first) if isinstance(first, str) else first
            if first_at.tzinfo is None:
                first_at = first_at.replace(tzinfo=UTC)
            days = max(0, (now - first_at).days)
        return {
            "known": bool(orders),
            "orders": int(orders or 0),
            "delivered": int(delivered or 0),
            "refunds": int(refunds or 0),
            "disputes": int(disputes or 0),
            "tickets": int(tickets or 0),
            "days_since_first_order": days,
        }


# ``tenant_id || ''`` keeps the tenant check but stops SQLite (without statistics)
# from choosing the tenant index over the customer's: the customer's few rows are
# found by contact_id and then checked (measured: 10 ms → 0.2 ms per decision with
# 18,000 orders; PostgreSQL plans by statistics either way).
_ORDERS_OF = "FROM orders WHERE contact_id = :c AND tenant_id || '' = :t AND deleted_at IS NULL"
_HISTORY = text(
    f"""SELECT
    (SELECT count(*) {_ORDERS_OF}),
    (SELECT count(*) {_ORDERS_OF} AND status = 'delivered'),
    (SELECT min(ordered_at) {_ORDERS_OF}),
    (SELECT count(*) FROM orders o JOIN refund_requests r ON r.order_id = o.id
      WHERE o.contact_id = :c AND o.tenant_id || '' = :t AND o.deleted_at IS NULL
      AND r.tenant_id || '' = :t),
    (SELECT count(*) FROM tickets
      WHERE contact_id = :c AND tenant_id || '' = :t AND deleted_at IS NULL),
    (SELECT count(*) FROM realtime_decisions
      WHERE tenant_id = :t AND customer_id = :c AND label = 'fraud')"""  # noqa: S608 - constants
)


# The change feed of customers' histories: statements built once (not per poll).
HISTORY_EVENTS = tuple(
    t.value for t in EventType if t.value.split(".")[0] in ("order", "refund", "ticket")
)
FEED_LIMIT = 5_000
_T = TimelineEntry
_CHANGES = (
    select(_T.id, _T.contact_id)
    .where(
        _T.tenant_id == bindparam("t"),
        _T.id > bindparam("after"),
        _T.event_type.in_(HISTORY_EVENTS),
        _T.contact_id.is_not(None),
    )
    .order_by(_T.id)
    .limit(FEED_LIMIT)
)
_LABELS = (
    select(_T.id, _T.payload)
    .where(
        _T.tenant_id == bindparam("t"),
        _T.id > bindparam("after"),
        _T.event_type == EventType.RISK_DECISION_LABELLED.value,
    )
    .order_by(_T.id)
    .limit(FEED_LIMIT)
)
