"""The unit of work: the only place that commits.

Services change state through ``uow.session`` and append domain events with
``uow.emit``; ``commit`` writes each event to the outbox and projects it onto
the timeline in the same transaction, so a committed change is never without
its event, and an event never exists for a change that rolled back.

The rows themselves are written by the layers that own them — the outbox
(``kith.events.outbox``), the timeline (``kith.timeline.projection``) and the audit log
(``kith.audit.log``) — through hooks the composition root (``kith.bootstrap.wire``)
installs once per process, so this module depends on nothing above the database.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from kith.core.domain import Actor, DomainEvent

EventWriter = Callable[[Session, Sequence[DomainEvent]], None]


class AuditWriter(Protocol):
    """Adds one audit entry to the session (``kith.audit.log.write_entry``)."""

    def __call__(
        self,
        session: Session,
        tenant_id: str,
        actor: Actor,
        action: str,
        object_type: str | None,
        record_id: str | None,
        detail: Mapping[str, Any],
    ) -> None: ...


@dataclass(frozen=True)
class UowHooks:
    """What a commit writes besides the session's own changes, in order."""

    event_writers: tuple[EventWriter, ...] = ()
    audit_writer: AuditWriter | None = None


_hooks: list[UowHooks] = [UowHooks()]


def install_hooks(hooks: UowHooks) -> None:
    """Called by the composition root; every unit of work of the process uses them."""
    _hooks[:] = [hooks]


def installed_hooks() -> UowHooks:
    return _hooks[0]


def audit_in(
    session: Session,
    tenant_id: str,
    actor: Actor,
    action: str,
    object_type: str | None = None,
    record_id: str | None = None,
    **detail: Any,
) -> None:
    """Add an audit entry to ``session`` through the installed writer (for code that
    holds a session rather than a unit of work, such as the sign-in flow)."""
    writer = _hooks[0].audit_writer
    if writer is None:
        raise RuntimeError("no audit writer installed (kith.bootstrap.wire)")
    writer(session, tenant_id, actor, action, object_type, record_id, detail)


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

    def event_mark(self) -> int:
        """A mark to pass to ``discard_events_since`` (before a savepoint)."""
        return len(self._pending)

    def discard_events_since(self, mark: int) -> None:
        """Forget the events emitted since ``mark``: their savepoint rolled back."""
        del self._pending[mark:]

    def audit(
        self,
        tenant_id: str,
        actor: Actor,
        action: str,
        object_type: str | None = None,
        record_id: str | None = None,
        **detail: Any,
    ) -> None:
        audit_in(self.session, tenant_id, actor, action, object_type, record_id, **detail)

    def commit(self) -> None:
        events = self._pending
        if events:
            writers = _hooks[0].event_writers
            if not writers:
                raise RuntimeError("no event writers installed (kith.bootstrap.wire)")
            self.session.flush()
            for write in writers:
                write(self.session, events)
        self.session.commit()
        self.committed_events.extend(events)
        self._pending = []

    def rollback(self) -> None:
        self._pending = []
        self.session.rollback()
