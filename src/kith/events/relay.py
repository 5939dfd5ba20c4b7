"""The outbox relay: publishes committed events to the bus in ``seq`` order.

At least once: rows are published first and marked ``published_at`` after the
bus has them, so a crash in between republishes them (consumers skip what they
already applied). One relay at a time: a second relay would interleave batches
and break the order, so each relay first takes the relay lock, which the
operating system or the database releases when its process dies.

Order: rows go out in ``seq`` order among the rows visible when the relay
reads. On PostgreSQL two transactions that overlap may commit in the other
order than their seqs; the relay never skips the late one (it reads
``published_at IS NULL``, not ``seq > last``), it publishes it next. Causal
order holds: a transaction that saw another's effects got a larger seq and
became visible after it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, Engine, text

from kith.container import Container
from kith.core.clock import utcnow
from kith.events.bus import Bus
from kith.events.envelope import Envelope
from kith.events.repository import EventRepository

# pg_try_advisory_lock takes a signed 64-bit key; derive a stable one from a name.
ADVISORY_KEY = int.from_bytes(hashlib.sha256(b"kith.events.relay").digest()[:8], signed=True)


class Relay:
    def __init__(
        self,
        container: Container,
        bus: Bus,
        batch_size: int = 500,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.container = container
        self.bus = bus
        self.batch_size = batch_size
        self.clock = clock

    def publish_batch(self) -> int:
        """Publish the oldest unpublished events; returns how many."""
        with self.container.uow() as uow:
            rows = EventRepository(uow.session).unpublished(self.batch_size)
            envelopes = [Envelope.from_outbox(row) for row in rows]
        if not envelopes:
            return 0
        # No transaction is open while the bus works (the in-process bus waits
        # for the consumers, whose own transactions need the SQLite write lock).
        self.bus.publish(envelopes)
        with self.container.uow() as uow:
            EventRepository(uow.session).mark_published([e.seq for e in envelopes], self.clock())
            uow.commit()
        return len(envelopes)


class RelayLock(Protocol):
    def acquire(self) -> bool:
        """Take the lock if free (never blocks); True while this process holds it."""

    def release(self) -> None: ...


def relay_lock_for(engine: Engine) -> RelayLock:
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine)
    database = engine.url.database
    if not database or database == ":memory:":
        raise ValueError("the event runtime needs a database file or server, not in-memory SQLite")
    return FileLock(Path(f"{database}.relay-lock"))


class AdvisoryLock:
    """A PostgreSQL session-level advisory lock, held on a connection of its own:
    the server releases it when the process (and so the connection) dies."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None

    def acquire(self) -> bool:
        if self._connection is not None:
            if self._still_held():
                return True
            self.release()
        connection = self.engine.connect()
        taken = connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY})
        connection.commit()
        if taken:
            self._connection = connection
            return True
        connection.close()
        return False

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
            connection.commit()
            connection.close()  # back to the pool, without the lock
        except Exception:
            # Ending the server session is what frees a session-level lock for sure;
            # a pooled connection could otherwise keep it.
            connection.invalidate()

    def _still_held(self) -> bool:
        """A lost connection (server restart) loses the lock with it."""
        assert self._connection is not None
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception:
            return False
        return True


class FileLock:
    """An exclusive ``flock`` on a file next to the SQLite database; the kernel
    releases it when the process dies, however it dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor drops the flock
