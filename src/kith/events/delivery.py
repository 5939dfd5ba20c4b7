"""Applying events to a consumer exactly once, with retries and dead letters.

Delivery is at least once (the relay republishes after a crash, a broker
redelivers unacknowledged entries). Effects are exactly once because the
consumer's ``handle`` runs in a unit of work that is committed together with
the ``(consumer, event_id)`` mark: a redelivered event whose mark exists is
skipped, and two workers racing on one event cannot both commit (the mark is
a primary key).

Several events share one transaction (up to ``BatchLimits``) for throughput.
If a handler raises, that transaction is rolled back, the events before the
failing one are applied again without it, and the failure is recorded: an
attempt row in ``event_deliveries`` with the time of the next attempt
(exponential backoff), or, after ``max_attempts``, a dead letter. Scheduled
attempts are picked up by ``apply_due`` (the retry path), not by the bus.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from kith.container import Container
from kith.core.clock import utcnow
from kith.db.uow import UnitOfWork
from kith.events.envelope import Consumer, Envelope
from kith.events.repository import EventRepository

log = logging.getLogger("kith.events")
MAX_ERROR_CHARS = 4000


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 1.0  # seconds before the second attempt; doubles each time
    max_delay: float = 600.0

    def delay(self, failures: int) -> timedelta:
        return timedelta(seconds=min(self.base_delay * 2 ** (failures - 1), self.max_delay))


@dataclass(frozen=True)
class BatchLimits:
    """How many events share one transaction: a cap on count and on the time the
    transaction stays open (SQLite has one writer; keep its lock short)."""

    max_events: int = 100
    max_seconds: float = 0.05


class ConsumerRunner:
    def __init__(
        self,
        container: Container,
        consumer: Consumer,
        retry: RetryPolicy | None = None,
        limits: BatchLimits | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.container = container
        self.consumer = consumer
        self.retry = retry or RetryPolicy()
        self.limits = limits or BatchLimits()
        self.clock = clock

    @property
    def name(self) -> str:
        return self.consumer.name

    def wants(self, envelope: Envelope) -> bool:
        types = self.consumer.event_types
        return types is None or envelope.type in types

    def apply(self, envelopes: Sequence[Envelope]) -> None:
        """The bus path: apply every event this consumer has not settled yet."""
        self._apply_all([e for e in envelopes if self.wants(e)], scheduled=False)

    def apply_due(self, limit: int = 100) -> int:
        """The retry path: run the attempts whose time has come; returns how many."""
        with self.container.uow() as uow:
            rows = EventRepository(uow.session).due(self.name, self.clock(), limit)
            due = [Envelope.from_outbox(row) for row in rows]
        unwanted = [e.event_id for e in due if not self.wants(e)]
        if unwanted:
            # Replays schedule every event; this consumer does not subscribe to these.
            with self.container.uow() as uow:
                EventRepository(uow.session).unschedule(self.name, unwanted)
                uow.commit()
        self._apply_all([e for e in due if self.wants(e)], scheduled=True)
        return len(due)

    # --- transactions -----------------------------------------------------------

    def _apply_all(self, envelopes: Sequence[Envelope], scheduled: bool) -> None:
        done = 0
        while done < len(envelopes):
            done += self._apply_some(envelopes[done:], scheduled)

    def _apply_some(self, envelopes: Sequence[Envelope], scheduled: bool) -> int:
        """Settle a prefix of ``envelopes``; returns its length."""
        batch = self._try_batch(envelopes, scheduled)
        if batch.committed:
            return batch.taken
        if batch.failed is not None:
            # The rollback undid the events before the failing one too: apply them again.
            self._apply_all(batch.applied, scheduled)
            self._record_failure(batch.failed, batch.error)
            return batch.taken
        if len(batch.applied) > 1:
            # The commit failed: another worker may have consumed some of these
            # meanwhile; apply the rest one at a time to isolate the culprit.
            for envelope in self._not_consumed(batch.applied):
                self._apply_all([envelope], scheduled)
            return batch.taken
        self._settle_failed_commit(batch.applied[0], batch.error)
        return batch.taken

    def _try_batch(self, envelopes: Sequence[Envelope], scheduled: bool) -> _Batch:
        """One transaction: skip what is settled, handle the rest of the head of
        ``envelopes`` until a limit is reached, commit with the marks."""
        batch = _Batch()
        started = time.monotonic()
        head = envelopes[: self.limits.max_events]
        with self.container.uow() as uow:
            skip = set() if scheduled else self._settled(uow, head)
            for envelope in head:
                batch.taken += 1
                if envelope.event_id in skip:
                    continue
                try:
                    self.consumer.handle(envelope, uow)
                except Exception as exc:
                    batch.failed, batch.error = envelope, exc
                    return batch  # leaving the block rolls the transaction back
                batch.applied.append(envelope)
                if time.monotonic() - started >= self.limits.max_seconds:
                    break
            try:
                self._commit(uow, batch.applied, scheduled)
                batch.committed = True
            except Exception as exc:
                batch.error = exc
        return batch

    def _settled(self, uow: UnitOfWork, envelopes: Sequence[Envelope]) -> set[str]:
        return EventRepository(uow.session).settled(self.name, [e.event_id for e in envelopes])

    def _commit(self, uow: UnitOfWork, applied: Sequence[Envelope], scheduled: bool) -> None:
        if not applied:
            return  # everything was settled already
        repo = EventRepository(uow.session)
        event_ids = [e.event_id for e in applied]
        repo.mark_consumed(self.name, event_ids, self.clock())
        if scheduled:
            repo.unschedule(self.name, event_ids)
        uow.commit()

    def _settle_failed_commit(self, envelope: Envelope, error: Exception | None) -> None:
        """A single event's commit failed: either another worker committed its mark
        first (nothing to do) or the handler's writes were invalid (a failure)."""
        if not self._not_consumed([envelope]):
            log.info("%s: event %s was consumed concurrently", self.name, envelope.event_id)
            return
        self._record_failure(envelope, error)

    def _not_consumed(self, envelopes: Sequence[Envelope]) -> list[Envelope]:
        with self.container.uow() as uow:
            consumed = EventRepository(uow.session).consumed(
                self.name, [e.event_id for e in envelopes]
            )
        return [e for e in envelopes if e.event_id not in consumed]

    # --- failures ---------------------------------------------------------------

    def _record_failure(self, envelope: Envelope, error: Exception | None) -> None:
        text = _describe(error)
        now = self.clock()
        try:
            with self.container.uow() as uow:
                repo = EventRepository(uow.session)
                history = repo.attempt_history(self.name, envelope.event_id)
                failures = history.failures_since_requeue + 1
                given_up = failures >= self.retry.max_attempts
                next_at = None if given_up else now + self.retry.delay(failures)
                repo.unschedule(self.name, [envelope.event_id])
                repo.add_attempt(
                    self.name, envelope.event_id, history.last_number + 1, text, now, next_at
                )
                if given_up:
                    reason = f"gave up after {failures} failed attempts"
                    repo.add_dead_letter(self.name, envelope.event_id, reason, text, failures, now)
                uow.commit()
        except IntegrityError:
            # A concurrent worker recorded this very attempt; one record is enough.
            return
        if given_up:
            log.error(
                "%s: dead-lettered %s %s after %d attempts: %s",
                self.name,
                envelope.type,
                envelope.event_id,
                failures,
                _last_line(text),
            )
        else:
            log.warning(
                "%s: %s %s failed (attempt %d), retrying at %s: %s",
                self.name,
                envelope.type,
                envelope.event_id,
                failures,
                next_at,
                _last_line(text),
            )


@dataclass
class _Batch:
    taken: int = 0  # envelopes this transaction dealt with: skipped, applied or failed
    applied: list[Envelope] = field(default_factory=list)
    committed: bool = False
    failed: Envelope | None = None
    error: Exception | None = None


def _describe(error: Exception | None) -> str:
    if error is None:
        return "unknown error"
    return "".join(traceback.format_exception(error))[-MAX_ERROR_CHARS:]


def _last_line(text: str) -> str:
    return text.strip().splitlines()[-1] if text.strip() else text
