"""The container: what a process shares — settings, the engine, the session factory,
the clock, the one gateway and the agents' collaboration hub. It is built in one place,
``kith.bootstrap.build_container``, which also wires the registries; everything else
receives it.

The container sits below the gateway and the agents in the layers, so it cannot name
their types: ``gateway`` and ``hub`` are held as ``object`` and read through typed
accessors in their own packages (``kith.gateway.gateway.gateway_of``,
``kith.agents.collaboration.hub_of``)."""

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
    # The process's one ``kith.gateway.gateway.Gateway`` (or a test's fake), and the
    # agents' ``CollaborationHub``: set by ``kith.bootstrap.build_container``.
    gateway: object | None = None
    hub: object | None = None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def now(self) -> datetime:
        return self.clock()
