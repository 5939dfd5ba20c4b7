"""The decision log's write-behind: log rows of every decision and the passports of
the decisions that did not pass.

What must be in the request's transaction, and what may follow in a batch:
- **In the request** (one commit): a non-pass decision's ``risk_decision.flagged``
  event — its outbox row and its entry on the customer's timeline. The event is what
  makes the outcome's actions run (step-up SMS, held shipment, the analyst's notice),
  so it is never lost once the caller has its answer; its payload carries what the
  actions and the timeline need (customer, order, outcome, rules fired, actions) and
  the ids the decision's log row and passport will have.
- **Behind, in batches** (one transaction every ``interval_s``, or sooner when
  ``max_batch`` items wait, written by a background thread): every decision's compact
  log row (``realtime_decisions``, one Core insert for the batch) and the non-pass
  decisions' passports (``decision_records`` with their ``decision.recorded`` audit
  entries, through the ORM so the audit chain links them: one chain-head lock per
  batch instead of one per decision). A pass decision needs no commit at all.

What is lost on a crash: at most the last interval's log rows and passports; the
flagged events (and so the actions and the timeline entries) are not. Readers of the
log (figures, labels, replays) ``flush`` first; a passport is readable within
``interval_s`` of the answer. The actions consumer never flushes (it would wait for the
locks its own transaction holds): it acts from the event's payload and marks the row
done here while it waits, or in the table once it is written.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from kith.db.uow import UnitOfWork
from kith.realtime.models import RealtimeDecision

log = logging.getLogger("kith.realtime")

# Writes one passport into the batch's unit of work (``kith.realtime.explain``).
PassportWriter = Callable[[UnitOfWork], None]


@dataclass(frozen=True)
class _Batch:
    rows: list[dict[str, Any]]
    passports: list[PassportWriter]


class DecisionLog:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        interval_s: float = 0.05,
        max_batch: int = 2_000,
    ) -> None:
        self.session_factory = session_factory
        self.interval_s = interval_s
        self.max_batch = max_batch
        self._pending: list[dict[str, Any]] = []
        self._passports: list[PassportWriter] = []
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.passports_written = 0

    def append(self, row: dict[str, Any], passport: PassportWriter | None = None) -> None:
        """Queue a decision's log row (and the writer of its passport)."""
        with self._lock:
            self._pending.append(row)
            if passport is not None:
                self._passports.append(passport)
            full = len(self._pending) >= self.max_batch
            if self._thread is None:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name="kith-decision-log", daemon=True
                )
                self._thread.start()
                atexit.register(self.flush)
        if full:
            self._wake.set()

    def mark_actions_done(self, decision_id: str) -> bool:
        """A decision's actions ran: if its row still waits here, it is written so."""
        with self._lock:
            for row in self._pending:
                if row["id"] == decision_id:
                    row["actions_done"] = True
                    return True
        return False

    def flush(self) -> int:
        """Write what waits now, in one transaction; the number of log rows written."""
        with self._write_lock:
            with self._lock:
                batch = _Batch(self._pending, self._passports)
                self._pending, self._passports = [], []
            if not batch.rows:
                return 0
            with UnitOfWork(self.session_factory) as uow:
                # Reads and Python first, the writes last: SQLite takes its one write lock
                # at the first INSERT and holds it to the commit, and a flagged decision's
                # request waits for that lock (its event must commit before the answer).
                with uow.session.no_autoflush:
                    for write in batch.passports:
                        write(uow)
                        time.sleep(0)  # let a waiting request have the GIL between passports
                uow.session.execute(insert(RealtimeDecision), batch.rows)
                uow.commit()
            self.written += len(batch.rows)
            self.passports_written += len(batch.passports)
            return len(batch.rows)

    def close(self) -> None:
        """Write what waits and stop the writer (a benchmark's or a test's runtime)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=5)
            self._thread = None
        atexit.unregister(self.flush)
        self.flush()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval_s)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # keep the writer alive; the rows are reported lost
                log.exception("decision log: a batch could not be written")
