"""The decision log's write-behind for "pass" decisions.

A pass decision changes nothing and needs no passport, so its compact log row need
not cost the checkout a commit: rows are queued and written in batches (one
transaction every ``interval_s``, or sooner when ``max_batch`` rows wait) by a
background thread. Non-pass decisions are written in the request's own transaction
with their passport and event. What is lost on a crash: at most the last interval's
pass rows. Readers of the log (figures, labels, replays) ``flush`` first.
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from kith.realtime.models import RealtimeDecision

log = logging.getLogger("kith.realtime")


class DecisionLog:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        interval_s: float = 0.2,
        max_batch: int = 2_000,
    ) -> None:
        self.session_factory = session_factory
        self.interval_s = interval_s
        self.max_batch = max_batch
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0

    def append(self, row: dict[str, Any]) -> None:
        with self._lock:
            self._pending.append(row)
            full = len(self._pending) >= self.max_batch
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="kith-decision-log", daemon=True
                )
                self._thread.start()
                atexit.register(self.flush)
        if full:
            self._wake.set()

    def flush(self) -> int:
        """Write what waits now; the number of rows written."""
        with self._write_lock:
            with self._lock:
                rows, self._pending = self._pending, []
            if not rows:
                return 0
            with self.session_factory() as session:
                session.execute(insert(RealtimeDecision), rows)
                session.commit()
            self.written += len(rows)
            return len(rows)

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval_s)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # keep the writer alive; the rows are reported lost
                log.exception("decision log: a batch could not be written")
