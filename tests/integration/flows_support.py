"""Helpers of the flows tests: a pinned clock, a pump that delivers committed events to
the real flows consumer (through the consumer framework, marks included), flows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.events.delivery import ConsumerRunner
from kith.events.envelope import Envelope
from kith.events.models import OutboxEvent
from kith.flows.consumer import FlowsConsumer
from kith.flows.engine import FlowEngine
from kith.flows.service import FlowService
from kith.gateway.gateway import gateway_of

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


class Pump:
    """Delivers every committed outbox event, in order, to the flows consumer."""

    def __init__(self, container: Container, clock: Clock) -> None:
        self.container = container
        self.engine = FlowEngine(gateway_of(container), clock)
        self.runner = ConsumerRunner(container, FlowsConsumer(self.engine), clock=clock)
        self.seq = 0

    def skip_existing(self) -> None:
        with self.container.uow() as uow:
            self.seq = max(uow.session.scalars(select(OutboxEvent.seq)).all() or [0])

    def run(self, rounds: int = 100) -> int:
        delivered = 0
        for _ in range(rounds):
            with self.container.uow() as uow:
                rows = uow.session.scalars(
                    select(OutboxEvent).where(OutboxEvent.seq > self.seq).order_by(OutboxEvent.seq)
                ).all()
                envelopes = [Envelope.from_outbox(r) for r in rows]
            if not envelopes:
                return delivered
            self.seq = envelopes[-1].seq
            self.runner.apply(envelopes)
            delivered += len(envelopes)
        return delivered


def principal(container: Container, user: Any) -> Principal:
    with container.uow() as uow:
        return principal_for_user(uow.session, user)


def service(uow: Any, who: Principal, container: Container, clock: Clock) -> FlowService:
    return FlowService(uow, who, FlowEngine(gateway_of(container), clock), clock)


def publish(container: Container, who: Principal, clock: Clock, definition: dict[str, Any]) -> None:
    with container.uow() as uow:
        flows = service(uow, who, container, clock)
        flows.save_draft(definition)
        flows.publish(definition["key"])
        uow.commit()


def s1_escalation(manager_id: str) -> dict[str, Any]:
    """An s1 ticket without a first response within 2 hours is escalated, and its
    manager is told (the first sentence of the issue)."""
    return {
        "key": "s1_escalation",
        "name": "S1 escalation",
        "nodes": [
            {
                "id": "start",
                "kind": "trigger",
                "event_type": "ticket.created",
                "filter": "event.payload.record.severity == 's1'",
                "next": "wait_response",
            },
            {
                "id": "wait_response",
                "kind": "wait",
                "until_event": {
                    "type": "ticket.updated",
                    "match": "incoming.subject_id == event.subject_id",
                },
                "timeout": "2h",
                "next": "done",
                "on_timeout": "escalate",
            },
            {
                "id": "escalate",
                "kind": "tool",
                "tool": "tickets.escalate",
                "args": {
                    "ticket_id": "=event.subject_id",
                    "reason": "No first response within 2 hours (flow s1_escalation)",
                    "priority": "urgent",
                },
                "next": "tell_manager",
            },
            {
                "id": "tell_manager",
                "kind": "tool",
                "tool": "users.notify",
                "args": {
                    "user_id": manager_id,
                    "title": '="S1 ticket escalated: " + event.payload.record.subject',
                    "subject_type": "ticket",
                    "subject_id": "=event.subject_id",
                },
                "next": "escalated",
            },
            {"id": "escalated", "kind": "end", "outcome": "escalated"},
            {"id": "done", "kind": "end", "outcome": "answered"},
        ],
    }
