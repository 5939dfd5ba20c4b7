"""The event runtime on SQLite and PostgreSQL: relay order, exactly-once effects,
retries with backoff, dead letters, re-queue, replay, relay failover, clean stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, update

from kith.container import Container
from kith.core.clock import utcnow
from kith.core.ids import new_id
from kith.db.uow import UnitOfWork
from kith.events import consumers as registry
from kith.events import service
from kith.events.bus import Bus
from kith.events.delivery import BatchLimits, ConsumerRunner, RetryPolicy
from kith.events.envelope import Consumer, Envelope
from kith.events.inprocess import InProcessBus
from kith.events.models import ConsumedEvent, DeadLetter, EventDelivery, OutboxEvent
from kith.events.runtime import EventRuntime, RuntimeOptions
from kith.events.types import Actor, DomainEvent
from kith.runtime import start_embedded

TENANT = "t" * 32
effects = Table(
    "test_event_effects",
    MetaData(),
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("consumer", String(64), nullable=False),
    Column("event_id", String(32), nullable=False),
    Column("seq", Integer, nullable=False),
)
FAST = RuntimeOptions(
    worker="test-worker",
    idle_wait=0.05,
    poll_interval=0.05,
    retry_poll=0.02,
    retry=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05),
)


@dataclass
class RecordingConsumer:
    """Writes one row per event it handles: its effects, counted by the tests."""

    name: str = "recorder"
    event_types: frozenset[str] | None = None
    fails: Callable[[Envelope], bool] = lambda _envelope: False
    calls: list[str] = field(default_factory=list)

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        self.calls.append(envelope.event_id)
        if self.fails(envelope):
            raise RuntimeError(f"cannot handle event {envelope.payload.get('n')}")
        uow.session.execute(
            insert(effects).values(consumer=self.name, event_id=envelope.event_id, seq=envelope.seq)
        )


def commit_events(
    container: Container, count: int, event_type: str = "account.updated"
) -> list[str]:
    """Commit ``count`` events in one transaction; returns their ids in seq order.

    Only registered types can be emitted; the default is one no consumer here selects."""
    events = [
        DomainEvent(
            type=event_type,
            tenant_id=TENANT,
            subject_type="test",
            subject_id=new_id(),
            actor=Actor.system(),
            payload={"n": n},
        )
        for n in range(count)
    ]
    with container.uow() as uow:
        for event in events:
            uow.emit(event)
        uow.commit()
    return [e.id for e in events]


def applied(container: Container, consumer: str = "recorder") -> list[str]:
    """Event ids in the order their effects were written (duplicates kept)."""
    with container.engine.connect() as conn:
        rows = conn.execute(
            select(effects.c.event_id).where(effects.c.consumer == consumer).order_by(effects.c.id)
        )
        return [r.event_id for r in rows]


def count(container: Container, model: Any, *conditions: Any) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model).where(*conditions)))


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.01)


def kith_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("kith-")]


@pytest.fixture
def events_db(container: Container) -> Container:
    effects.create(container.engine)
    return container


@pytest.fixture
def start_runtime(events_db: Container) -> Iterator[Callable[..., EventRuntime]]:
    started: list[EventRuntime] = []

    def start(
        *consumers: Consumer, bus: Bus | None = None, options: RuntimeOptions = FAST
    ) -> EventRuntime:
        runtime = EventRuntime(events_db, bus or InProcessBus(), consumers, options)
        runtime.start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        runtime.stop()
    assert kith_threads() == []


def envelopes_of(container: Container, event_ids: list[str]) -> list[Envelope]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_id.in_(event_ids)).order_by(OutboxEvent.seq)
        )
        return [Envelope.from_outbox(row) for row in rows]


# --- delivery ------------------------------------------------------------------------


def test_every_committed_event_is_applied_once_in_commit_order(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    committed = commit_events(events_db, 40) + commit_events(events_db, 40)
    start_runtime(RecordingConsumer())
    committed += commit_events(events_db, 40)

    wait_until(lambda: len(applied(events_db)) == len(committed))
    assert applied(events_db) == committed
    assert count(events_db, ConsumedEvent) == len(committed)
    wait_until(lambda: count(events_db, OutboxEvent, OutboxEvent.published_at.is_(None)) == 0)


def test_a_commit_wakes_the_relay_without_waiting_for_its_poll(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    slow_poll = RuntimeOptions(worker="w", idle_wait=0.05, poll_interval=60.0)
    start_runtime(RecordingConsumer(), options=slow_poll)
    time.sleep(0.1)  # let the relay find nothing and settle into its 60 s wait

    committed = commit_events(events_db, 1)
    wait_until(lambda: applied(events_db) == committed, timeout=10.0)


def test_events_published_again_are_not_applied_again(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    committed = commit_events(events_db, 25)
    first = start_runtime(RecordingConsumer())
    wait_until(lambda: len(applied(events_db)) == 25)
    first.stop()
    with events_db.uow() as uow:  # as if the relay died before marking them published
        uow.session.execute(update(OutboxEvent).values(published_at=None))
        uow.commit()

    consumer = RecordingConsumer()
    start_runtime(consumer)
    wait_until(lambda: count(events_db, OutboxEvent, OutboxEvent.published_at.is_(None)) == 0)
    assert applied(events_db) == committed
    assert consumer.calls == []


def test_a_consumer_gets_only_the_types_it_subscribes_to(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    commit_events(events_db, 3, "deal.created")
    wanted = commit_events(events_db, 2, "ticket.created")
    start_runtime(RecordingConsumer(event_types=frozenset({"ticket.created"})))
    wait_until(lambda: count(events_db, OutboxEvent, OutboxEvent.published_at.is_(None)) == 0)
    assert applied(events_db) == wanted
    assert count(events_db, ConsumedEvent) == 2


# --- failures --------------------------------------------------------------------------


def test_a_failing_event_is_retried_with_backoff_until_it_succeeds(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    committed = commit_events(events_db, 5)
    failures_left = {committed[2]: 2}

    def flaky(envelope: Envelope) -> bool:
        left = failures_left.get(envelope.event_id, 0)
        failures_left[envelope.event_id] = left - 1
        return left > 0

    start_runtime(RecordingConsumer(fails=flaky))
    wait_until(lambda: len(applied(events_db)) == 5)

    assert sorted(applied(events_db)) == sorted(committed)
    assert applied(events_db)[-1] == committed[2], "the others did not wait for the retries"
    with events_db.uow() as uow:
        attempts = uow.session.execute(
            select(
                EventDelivery.attempt,
                EventDelivery.error,
                EventDelivery.attempted_at,
                EventDelivery.next_attempt_at,
            )
            .where(EventDelivery.event_id == committed[2])
            .order_by(EventDelivery.attempt)
        ).all()
    assert [a.attempt for a in attempts] == [1, 2]
    assert all("cannot handle event 2" in a.error for a in attempts)
    assert all(a.next_attempt_at is None for a in attempts), "retries left scheduled"
    assert attempts[1].attempted_at - attempts[0].attempted_at >= timedelta(seconds=0.01)
    assert count(events_db, DeadLetter) == 0


def test_an_event_that_keeps_failing_is_dead_lettered_and_can_be_requeued(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    committed = commit_events(events_db, 4)
    broken = {committed[1]}
    start_runtime(RecordingConsumer(fails=lambda e: e.event_id in broken))

    wait_until(lambda: count(events_db, DeadLetter) == 1)
    wait_until(lambda: len(applied(events_db)) == 3)
    with events_db.uow() as uow:
        [letter] = service.dead_letters(uow)
    assert letter["event_id"] == committed[1]
    assert letter["consumer"] == "recorder"
    assert letter["attempts"] == FAST.retry.max_attempts
    assert letter["reason"] == "gave up after 3 failed attempts"
    assert "RuntimeError: cannot handle event 1" in letter["last_error"]

    broken.clear()  # the cause is fixed; an operator re-queues the event
    with events_db.uow() as uow:
        service.requeue_dead_letter(uow, letter["id"])
        uow.commit()
    wait_until(lambda: len(applied(events_db)) == 4)
    assert sorted(applied(events_db)) == sorted(committed)
    with events_db.uow() as uow:
        assert service.dead_letters(uow) == []
        assert service.dead_letters(uow, include_requeued=True)[0]["requeued_at"] is not None


def test_a_failure_inside_a_batch_keeps_the_other_events_applied_once(
    events_db: Container,
) -> None:
    committed = commit_events(events_db, 6)
    consumer = RecordingConsumer(fails=lambda e: e.event_id == committed[3])
    runner = ConsumerRunner(events_db, consumer, limits=BatchLimits(max_events=100, max_seconds=5))

    runner.apply(envelopes_of(events_db, committed))

    assert applied(events_db) == committed[:3] + committed[4:]
    assert count(events_db, EventDelivery, EventDelivery.event_id == committed[3]) == 1
    runner.apply(envelopes_of(events_db, committed))  # redelivered by the bus
    assert applied(events_db) == committed[:3] + committed[4:]


def test_two_workers_racing_on_the_same_events_apply_them_once(events_db: Container) -> None:
    committed = commit_events(events_db, 3)
    both_inside = threading.Barrier(2, timeout=10)

    class RacingConsumer(RecordingConsumer):
        def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
            if not self.calls:  # both workers are inside their first transaction
                both_inside.wait()
            super().handle(envelope, uow)

    runners = [ConsumerRunner(events_db, RacingConsumer()) for _ in range(2)]
    envelopes = envelopes_of(events_db, committed)
    threads = [threading.Thread(target=r.apply, args=(envelopes,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(applied(events_db)) == sorted(committed)
    assert count(events_db, ConsumedEvent) == 3
    assert count(events_db, EventDelivery) == 0


# --- replay -------------------------------------------------------------------------------


def test_replay_delivers_past_events_again_to_the_named_consumer_only(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    before = utcnow()
    older = commit_events(events_db, 3, "deal.created")
    replayed = commit_events(events_db, 2, "ticket.created")
    first, second = RecordingConsumer("first"), RecordingConsumer("second")
    start_runtime(first, second)
    wait_until(lambda: len(applied(events_db, "first")) == len(applied(events_db, "second")) == 5)

    with events_db.uow() as uow:
        scheduled = service.replay(uow, [first], before, "ticket.created")
        uow.commit()

    assert scheduled == {"first": 2}
    wait_until(lambda: len(applied(events_db, "first")) == 7)
    assert applied(events_db, "first") == older + replayed + replayed
    assert applied(events_db, "second") == older + replayed


# --- relay ----------------------------------------------------------------------------


def test_one_relay_at_a_time_and_a_standby_takes_over(
    events_db: Container, start_runtime: Callable[..., EventRuntime]
) -> None:
    active = start_runtime(RecordingConsumer())
    commit_events(events_db, 10)
    wait_until(lambda: len(applied(events_db)) == 10)
    standby = RecordingConsumer()
    start_runtime(standby)

    commit_events(events_db, 10)
    wait_until(lambda: len(applied(events_db)) == 20)
    assert standby.calls == [], "the standby relayed while the active relay was running"

    active.stop()
    later = commit_events(events_db, 10)
    wait_until(lambda: len(applied(events_db)) == 30)
    assert standby.calls == later


def test_stop_ends_every_thread_even_while_the_relay_waits_for_a_busy_consumer(
    events_db: Container,
) -> None:
    release = threading.Event()

    class SlowConsumer(RecordingConsumer):
        def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
            release.wait(10)
            super().handle(envelope, uow)

    runtime = EventRuntime(events_db, InProcessBus(), [SlowConsumer()], FAST)
    runtime.start()
    commit_events(events_db, 3)
    time.sleep(0.2)
    stopper = threading.Thread(target=runtime.stop)
    stopper.start()
    release.set()
    stopper.join(15)

    assert kith_threads() == []
    # What the consumer finished is kept; the rest is relayed again next time.
    assert count(events_db, ConsumedEvent) == len(applied(events_db))


def test_embedded_start_runs_the_registered_consumers(
    events_db: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "_factories", [])
    registry.register_consumer_factory(lambda _container: RecordingConsumer("registered"))

    stop = start_embedded(events_db)
    try:
        committed = commit_events(events_db, 5)
        wait_until(lambda: applied(events_db, "registered") == committed)
    finally:
        stop()
    assert kith_threads() == []


def test_consumer_names_must_be_unique_and_known(
    events_db: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry, "_factories", [])
    registry.register_consumer_factory(lambda _c: RecordingConsumer("a"))
    registry.register_consumer_factory(lambda _c: RecordingConsumer("b"))

    assert [c.name for c in registry.build_consumers(events_db, ["b"])] == ["b"]
    with pytest.raises(ValueError, match="unknown consumer"):
        registry.build_consumers(events_db, ["c"])
    registry.register_consumer_factory(lambda _c: RecordingConsumer("a"))
    with pytest.raises(ValueError, match="two consumers are named 'a'"):
        registry.build_consumers(events_db)
