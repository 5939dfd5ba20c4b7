"""The container: what a process shares — settings, the engine, the session factory
and the clock. It is built in one place, ``kith.bootstrap.build_container``, which
also wires the registries; everything else receives it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from kith.core.clock import utcnow
from kith.core.settings import Settings
from kith.db.uow import UnitOfWork


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    # "Now" for request handlers: tests pin it, so no answer depends on the wall clock.
    clock: Callable[[], datetime] = field(default=utcnow)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def now(self) -> datetime:
        return self.clock()
