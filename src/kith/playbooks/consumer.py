"""The consumers of the playbooks context (registered by ``kith.bootstrap.wire``).

``practice-verification`` checks every committed event about a deal, or about an
activity or interaction linked to one, against the active applications on that deal.
``practice-stops`` tells the rep and their manager when a circuit breaker stopped a
practice (through the gateway's ``users.notify``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.gateway.contracts import GatewayPort
from kith.gateway.gateway import gateway_of
from kith.playbooks.application import notify_stopped, observe

if TYPE_CHECKING:
    from kith.container import Container


class VerificationConsumer:
    name = "practice-verification"
    event_types: frozenset[str] | None = None  # points may name any registered type

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        observe(
            uow,
            envelope.tenant_id,
            event_id=envelope.event_id,
            event_type=envelope.type,
            subject_type=envelope.subject_type,
            subject_id=envelope.subject_id,
            payload=envelope.payload,
            at=envelope.occurred_at,
        )


class StopNotifier:
    name = "practice-stops"
    event_types: frozenset[str] | None = frozenset({EventType.PRACTICE_STOPPED.value})

    def __init__(self, gateway: GatewayPort) -> None:
        self.gateway = gateway

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        notify_stopped(
            uow,
            self.gateway,
            envelope.tenant_id,
            envelope.subject_id,
            envelope.payload,
            trigger_event_id=envelope.event_id,
        )


def verification_consumer(container: Container) -> VerificationConsumer:
    return VerificationConsumer()


def stop_notifier(container: Container) -> StopNotifier:
    return StopNotifier(gateway_of(container))
