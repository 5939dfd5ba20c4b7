"""Every query of the events context: outbox, consumer bookkeeping, inbound events."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, func, insert, select, union_all, update
from sqlalchemy.orm import Session

from kith.core.ids import new_id
from kith.db.dialects import upsert_insert
from kith.events.models import (
    ConsumedEvent,
    DeadLetter,
    EventDelivery,
    InboundReceipt,
    InboundRejection,
    OutboxEvent,
)

# Bound IN lists: SQLite allows 32k parameters, and long lists plan badly anyway.
CHUNK = 500


@dataclass(frozen=True)
class AttemptHistory:
    last_number: int
    failures_since_requeue: int


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- outbox ---------------------------------------------------------------

    def unpublished(self, limit: int) -> Sequence[OutboxEvent]:
        stmt = (
            select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.seq)
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def mark_published(self, seqs: Sequence[int], now: datetime) -> None:
        # Explicit seqs, never a range: a row with a smaller seq may become
        # visible later (a concurrent transaction) and must stay unpublished.
        for part in _chunks(seqs):
            self.session.execute(
                update(OutboxEvent).where(OutboxEvent.seq.in_(part)).values(published_at=now)
            )

    def outbox_page(
        self, after_seq: int, limit: int, event_type: str | None, tenant_id: str | None
    ) -> Sequence[OutboxEvent]:
        stmt = select(OutboxEvent).where(OutboxEvent.seq > after_seq)
        if tenant_id is not None:
            stmt = stmt.where(OutboxEvent.tenant_id == tenant_id)
        if event_type:
            stmt = stmt.where(OutboxEvent.type == event_type)
        return self.session.scalars(stmt.order_by(OutboxEvent.seq).limit(limit)).all()

    def event_ids_since(self, since: datetime, event_types: Collection[str] | None) -> list[str]:
        stmt = select(OutboxEvent.event_id).where(OutboxEvent.occurred_at >= since)
        if event_types is not None:
            stmt = stmt.where(OutboxEvent.type.in_(event_types))
        return list(self.session.scalars(stmt.order_by(OutboxEvent.seq)))

    # --- consumer bookkeeping --------------------------------------------------

    def settled(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Events the bus must not hand to the consumer again: consumed, dead-lettered,
        or waiting for a scheduled attempt (the retry path owns those)."""
        found: set[str] = set()
        for part in _chunks(event_ids):
            # One round trip: this runs for every batch the bus delivers.
            params = {"consumer": consumer, "event_ids": list(part)}
            found.update(self.session.scalars(_SETTLED, params))
        return found

    def consumed(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for part in _chunks(event_ids):
            found.update(
                self.session.scalars(
                    select(ConsumedEvent.event_id).where(
                        ConsumedEvent.consumer == consumer, ConsumedEvent.event_id.in_(part)
                    )
                )
            )
        return found

    def mark_consumed(self, consumer: str, event_ids: Sequence[str], now: datetime) -> None:
        self.session.execute(
            insert(ConsumedEvent),
            [{"consumer": consumer, "event_id": e, "consumed_at": now} for e in event_ids],
        )

    def due(self, consumer: str, now: datetime, limit: int) -> Sequence[OutboxEvent]:
        """Outbox rows of the consumer's scheduled attempts that are due, oldest first."""
        stmt = (
            select(OutboxEvent)
            .join(EventDelivery, EventDelivery.event_id == OutboxEvent.event_id)
            .where(EventDelivery.consumer == consumer, EventDelivery.next_attempt_at <= now)
            .order_by(EventDelivery.next_attempt_at, OutboxEvent.seq)
            .limit(limit)
        )
        return self.session.scalars(stmt).unique().all()

    def unschedule(self, consumer: str, event_ids: Sequence[str]) -> None:
        for part in _chunks(event_ids):
            self.session.execute(
                update(EventDelivery)
                .where(
                    EventDelivery.consumer == consumer,
                    EventDelivery.event_id.in_(part),
                    EventDelivery.next_attempt_at.is_not(None),
                )
                .values(next_attempt_at=None)
            )

    def attempt_history(self, consumer: str, event_id: str) -> AttemptHistory:
        rows = self.session.execute(
            select(EventDelivery.attempt, EventDelivery.error)
            .where(EventDelivery.consumer == consumer, EventDelivery.event_id == event_id)
            .order_by(EventDelivery.attempt)
        ).all()
        failures = 0
        for _number, error in rows:
            # A row without an error is a re-queue (replay or manual retry): it
            # gives the event a fresh set of attempts.
            failures = failures + 1 if error is not None else 0
        return AttemptHistory(rows[-1].attempt if rows else 0, failures)

    def add_attempt(
        self,
        consumer: str,
        event_id: str,
        number: int,
        error: str | None,
        attempted_at: datetime | None,
        next_attempt_at: datetime | None,
    ) -> None:
        self.session.add(
            EventDelivery(
                consumer=consumer,
                event_id=event_id,
                attempt=number,
                error=error,
                attempted_at=attempted_at,
                next_attempt_at=next_attempt_at,
            )
        )

    def add_dead_letter(
        self,
        consumer: str,
        event_id: str,
        reason: str,
        last_error: str,
        attempts: int,
        now: datetime,
    ) -> None:
        self.session.add(
            DeadLetter(
                consumer=consumer,
                event_id=event_id,
                reason=reason,
                last_error=last_error,
                attempts=attempts,
                failed_at=now,
            )
        )

    def dead_letters(self, consumer: str | None, include_requeued: bool) -> Sequence[Any]:
        stmt = select(DeadLetter, OutboxEvent.type, OutboxEvent.seq).join(
            OutboxEvent, OutboxEvent.event_id == DeadLetter.event_id
        )
        if consumer:
            stmt = stmt.where(DeadLetter.consumer == consumer)
        if not include_requeued:
            stmt = stmt.where(DeadLetter.requeued_at.is_(None))
        return self.session.execute(stmt.order_by(DeadLetter.failed_at, DeadLetter.id)).all()

    def dead_letter(self, dead_letter_id: str) -> DeadLetter | None:
        return self.session.get(DeadLetter, dead_letter_id)

    def requeue(self, consumer: str, event_ids: Sequence[str], now: datetime) -> None:
        """Schedule a fresh delivery of each event to the consumer, due now, and close
        its open dead letters; the consumer's retry path picks them up."""
        for part in _chunks(event_ids):
            rows = self.session.execute(
                select(EventDelivery.event_id, func.max(EventDelivery.attempt))
                .where(EventDelivery.consumer == consumer, EventDelivery.event_id.in_(part))
                .group_by(EventDelivery.event_id)
            )
            # Result objects have .keys(), which dict() would take for a mapping.
            last = dict(rows.tuples().all())
            self.unschedule(consumer, part)
            self.session.execute(
                update(DeadLetter)
                .where(
                    DeadLetter.consumer == consumer,
                    DeadLetter.event_id.in_(part),
                    DeadLetter.requeued_at.is_(None),
                )
                .values(requeued_at=now)
            )
            self.session.execute(
                insert(EventDelivery),
                [
                    {
                        "id": new_id(),
                        "consumer": consumer,
                        "event_id": event_id,
                        "attempt": last.get(event_id, 0) + 1,
                        "error": None,
                        "attempted_at": None,
                        "next_attempt_at": now,
                    }
                    for event_id in part
                ],
            )

    def forget_consumed(self, consumer: str, event_ids: Sequence[str]) -> None:
        for part in _chunks(event_ids):
            self.session.execute(
                delete(ConsumedEvent).where(
                    ConsumedEvent.consumer == consumer, ConsumedEvent.event_id.in_(part)
                )
            )

    # --- inbound events ---------------------------------------------------------

    def claim_idempotency_key(
        self, tenant_id: str, key: str, event_type: str, now: datetime
    ) -> bool:
        """Insert the receipt unless one exists. A concurrent request with the same
        key waits on the row until the first commits, then finds it taken."""
        values = {
            "tenant_id": tenant_id,
            "idempotency_key": key,
            "event_type": event_type,
            "received_at": now,
        }
        dialect = self.session.get_bind().dialect.name
        builder = upsert_insert(dialect)
        stmt = (
            builder(InboundReceipt)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(InboundReceipt.idempotency_key)
        )
        # RETURNING, not rowcount: ORM-enabled inserts report rowcount -1 on psycopg.
        return self.session.execute(stmt).first() is not None

    def receipt(self, tenant_id: str, key: str) -> InboundReceipt | None:
        return self.session.get(InboundReceipt, (tenant_id, key))

    def attach_interaction(self, tenant_id: str, key: str, interaction_id: str) -> None:
        self.session.execute(
            update(InboundReceipt)
            .where(InboundReceipt.tenant_id == tenant_id, InboundReceipt.idempotency_key == key)
            .values(interaction_id=interaction_id)
        )

    def add_rejection(self, rejection: InboundRejection) -> None:
        self.session.add(rejection)

    def rejections(self, tenant_id: str) -> Sequence[InboundRejection]:
        stmt = select(InboundRejection).where(InboundRejection.tenant_id == tenant_id)
        return self.session.scalars(stmt.order_by(InboundRejection.received_at)).all()


def _chunks(items: Sequence[Any]) -> list[Sequence[Any]]:
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


def _settled_statement() -> Any:
    """``settled``'s query, built once: the consumer and the ids are bound parameters
    (the ids expanded at execution), so no batch rebuilds or re-keys the statement."""
    consumer: BindParameter[str] = bindparam("consumer")
    ids: BindParameter[list[str]] = bindparam("event_ids", expanding=True)
    return union_all(
        select(ConsumedEvent.event_id).where(
            ConsumedEvent.consumer == consumer, ConsumedEvent.event_id.in_(ids)
        ),
        select(DeadLetter.event_id).where(
            DeadLetter.consumer == consumer,
            DeadLetter.event_id.in_(ids),
            DeadLetter.requeued_at.is_(None),
        ),
        select(EventDelivery.event_id).where(
            EventDelivery.consumer == consumer,
            EventDelivery.event_id.in_(ids),
            EventDelivery.next_attempt_at.is_not(None),
        ),
    )


_SETTLED = _settled_statement()
