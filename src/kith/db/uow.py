"""The unit of work: the only place that commits.

Services change state through ``uow.session`` and append domain events with
``uow.emit``; ``commit`` writes each event to the outbox and projects it onto
the timeline in the same transaction, so a committed change is never without
its event, and an event never exists for a change that rolled back.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from kith.audit.models import AuditEntry
from kith.core.ids import new_id
from kith.events.models import OutboxEvent
from kith.events.types import Actor, DomainEvent
from kith.timeline.models import TimelineEntry


class UnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None
        self._pending: list[DomainEvent] = []
        self.committed_events: list[DomainEvent] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        self._pending = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()
            self._session = None

    def emit(self, event: DomainEvent) -> None:
        self._pending.append(event)

    def audit(
        self,
        tenant_id: str,
        actor: Actor,
        action: str,
        object_type: str | None = None,
        record_id: str | None = None,
        **detail: Any,
    ) -> None:
        self.session.add(
            AuditEntry(
                tenant_id=tenant_id,
                actor_kind=actor.kind,
                actor_id=actor.id,
                action=action,
                object_type=object_type,
                record_id=record_id,
                detail=detail,
            )
        )

    def commit(self) -> None:
        events = self._pending
        if events:
            # Core bulk inserts: an import of 100k rows emits 100k events.
            self.session.flush()
            self.session.execute(insert(OutboxEvent), [_outbox_row(e) for e in events])
            self.session.execute(insert(TimelineEntry), [_timeline_row(e) for e in events])
        self.session.commit()
        self.committed_events.extend(events)
        self._pending = []

    def rollback(self) -> None:
        self._pending = []
        self.session.rollback()


def _outbox_row(event: DomainEvent) -> dict[str, Any]:
    return {
        "event_id": event.id,
        "tenant_id": event.tenant_id,
        "type": event.type,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "actor_kind": event.actor.kind,
        "actor_id": event.actor.id,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
    }


def _timeline_row(event: DomainEvent) -> dict[str, Any]:
    return {
        "id": new_id(),
        "tenant_id": event.tenant_id,
        "event_id": event.id,
        "event_type": event.type,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "account_id": event.account_id,
        "contact_id": event.contact_id,
        "actor_kind": event.actor.kind,
        "actor_id": event.actor.id,
        "actor_name": event.actor.name,
        "summary": event.summary,
        "payload": event.payload,
        "occurred_at": event.occurred_at,
    }
