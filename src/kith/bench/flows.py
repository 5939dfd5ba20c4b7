"""``kith bench flows``: flow runs on the embedded event runtime (relay, in-process bus,
the flows consumer) over a throw-away database.

- **throughput**: ``runs`` tickets are committed first, then the runtime starts and
  every run goes trigger → condition → ``tasks.create`` → ``users.notify`` → end (five
  steps, two of them tool calls through the gateway); ``steps_per_second`` = step rows
  committed / seconds until the last run completed.
- **latency**: tickets are committed at ``rate`` per second (default: half the runs per
  second the throughput phase reached, so the latency is not queueing) with the runtime
  running;
  ``p99_ms`` = the ticket's commit → the commit of the transaction that wrote the run's
  first step after its trigger (the condition and the first tool step; measured with
  session hooks in this process).
- **kill**: ``kill_runs`` runs (a tool step, a one-minute wait, a tool step) are driven
  by a child process that is sent SIGKILL part-way; a restarted child finishes them.
  ``runs_lost_after_kill`` = runs not completed afterwards; ``tool_steps_twice`` = tool
  steps whose gateway idempotency key executed more than once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from kith.access.repository import AccessRepository
from kith.access.service import principal_for_user
from kith.bench.harness import ADMIN_EMAIL, database, machine, workspace
from kith.container import Container
from kith.core.stats import percentile
from kith.crm.schemas import TicketIn
from kith.crm.service import RecordService
from kith.events.inprocess import InProcessBus
from kith.events.models import ConsumedEvent, OutboxEvent
from kith.events.runtime import EventRuntime
from kith.flows.consumer import CONSUMER_NAME, SUBSCRIBED, flows_consumer
from kith.flows.engine import FlowEngine
from kith.flows.models import FlowRun, FlowStep
from kith.flows.service import FlowService
from kith.gateway.gateway import gateway_of
from kith.gateway.models import DecisionRecord

TARGETS = {"steps_per_second": 500, "p99_ms": 50, "runs_lost_after_kill": 0}


@dataclass(frozen=True)
class Options:
    runs: int = 500
    latency_events: int = 200
    rate: float | None = None  # default: half the throughput phase's runs per second
    kill_runs: int = 200
    backend: str = "sqlite"


def _flow(admin_id: str) -> dict[str, Any]:
    return {
        "key": "bench_tickets",
        "name": "Bench: urgent tickets",
        "nodes": [
            {
                "id": "start",
                "kind": "trigger",
                "event_type": "ticket.created",
                "filter": "event.payload.record.priority == 'urgent'",
                "next": "severe",
            },
            {
                "id": "severe",
                "kind": "condition",
                "when": "event.payload.record.severity == 's1'",
                "then": "task",
                "else": "task",
            },
            {
                "id": "task",
                "kind": "tool",
                "tool": "tasks.create",
                "purpose": "service",
                "args": {
                    "subject": '="Call back: " + event.payload.record.subject',
                    "ticket_id": "=event.subject_id",
                },
                "next": "tell",
            },
            {
                "id": "tell",
                "kind": "tool",
                "tool": "users.notify",
                "args": {
                    "user_id": admin_id,
                    "title": '="Urgent: " + event.payload.record.subject',
                    "subject_type": "ticket",
                    "subject_id": "=event.subject_id",
                },
                "next": "done",
            },
            {"id": "done", "kind": "end"},
        ],
    }


def _kill_flow() -> dict[str, Any]:
    def task(node: str, nxt: str) -> dict[str, Any]:
        return {
            "id": node,
            "kind": "tool",
            "tool": "tasks.create",
            "purpose": "service",
            "args": {"subject": f"={node!r} + string(event.payload.n)"},
            "next": nxt,
        }

    return {
        "key": "bench_kill",
        "name": "Bench: kill -9",
        "nodes": [
            {"id": "start", "kind": "trigger", "on": "manual", "next": "one"},
            task("one", "pause"),
            {"id": "pause", "kind": "wait", "duration": "1m", "next": "two"},
            task("two", "done"),
            {"id": "done", "kind": "end"},
        ],
    }


class FirstSteps:
    """Commit times of transactions that wrote a run's first step after its trigger."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self._lock = threading.Lock()
        event.listen(Session, "after_flush", self._flushed)
        event.listen(Session, "after_commit", self._committed)

    def close(self) -> None:
        event.remove(Session, "after_flush", self._flushed)
        event.remove(Session, "after_commit", self._committed)

    def _flushed(self, session: Session, _context: Any) -> None:
        firsts = [o.run_id for o in session.new if isinstance(o, FlowStep) and o.seq == 2]
        if firsts:
            session.info.setdefault("flow_first_steps", []).extend(firsts)

    def _committed(self, session: Session) -> None:
        runs = session.info.pop("flow_first_steps", None)
        if runs:
            now = time.perf_counter()
            with self._lock:
                for run_id in runs:
                    self.at.setdefault(run_id, now)


def run(options: Options) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kith-bench-flows-") as tmp:
        home = Path(tmp)
        with database(options.backend, home) as url:
            container = workspace(url, home)
            try:
                admin = _admin(container)
                _publish(container, admin, _flow(admin.user_id or ""))
                throughput = _throughput(container, admin, options.runs)
                rate = options.rate or max(0.5, round(throughput["runs_per_second"] / 2, 1))
                latency = _latency(container, admin, options.latency_events, rate)
                kill = _kill(container, admin, url, options.kill_runs)
                facts = machine(container)
            finally:
                container.engine.dispose()
    return {
        "benchmark": "flows",
        "backend": options.backend,
        "steps_per_second": throughput["steps_per_second"],
        "p99_ms": latency["p99_ms"],
        "runs_lost_after_kill": kill["runs_lost_after_kill"],
        "throughput": throughput,
        "latency": latency,
        "kill": kill,
        "targets": TARGETS,
        "machine": facts,
    }


def _admin(container: Container) -> Any:
    with container.uow() as uow:
        repo = AccessRepository(uow.session)
        tenant = repo.tenant_by_slug("default")
        assert tenant is not None
        user = repo.user_in_tenant(tenant.id, ADMIN_EMAIL)
        assert user is not None
        return principal_for_user(uow.session, user)


def _publish(container: Container, admin: Any, definition: dict[str, Any]) -> None:
    with container.uow() as uow:
        flows = FlowService(
            uow, admin, FlowEngine(gateway_of(container), container.clock), container.clock
        )
        flows.save_draft(definition)
        flows.publish(definition["key"])
        uow.commit()


def _ticket(container: Container, admin: Any, n: int) -> tuple[str, float]:
    with container.uow() as uow:
        data = TicketIn(subject=f"Bench ticket {n}", priority="urgent", severity="s1")
        RecordService(uow, admin, container.clock).create("ticket", data)
        uow.commit()
        return uow.committed_events[-1].id, time.perf_counter()


def _completed(container: Container) -> int:
    with container.uow() as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(FlowRun).where(FlowRun.status == "completed")
            )
            or 0
        )


def _wait(container: Container, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _completed(container) < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{_completed(container)} of {count} runs completed")
        time.sleep(0.05)


def _throughput(container: Container, admin: Any, runs: int) -> dict[str, Any]:
    for n in range(runs):
        _ticket(container, admin, n)
    started = time.perf_counter()
    runtime = EventRuntime(container, InProcessBus(), [flows_consumer(container)])
    runtime.start()
    try:
        _wait(container, runs, timeout=1800)
    finally:
        runtime.stop()
    seconds = time.perf_counter() - started
    with container.uow() as uow:
        steps = int(uow.session.scalar(select(func.count()).select_from(FlowStep)) or 0)
    return {
        "runs": runs,
        "steps": steps,
        "seconds": round(seconds, 2),
        "steps_per_second": round(steps / seconds, 1),
        "runs_per_second": round(runs / seconds, 1),
    }


def _backlog(container: Container) -> int:
    """Events the flows consumer has not settled yet (left by the throughput phase)."""
    with container.uow() as uow:
        wanted = uow.session.scalar(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.type.in_(SUBSCRIBED))
        )
        done = uow.session.scalar(
            select(func.count())
            .select_from(ConsumedEvent)
            .where(ConsumedEvent.consumer == CONSUMER_NAME)
        )
        return int(wanted or 0) - int(done or 0)


def _latency(container: Container, admin: Any, count: int, rate: float) -> dict[str, Any]:
    before = _completed(container)
    probe = FirstSteps()
    runtime = EventRuntime(container, InProcessBus(), [flows_consumer(container)])
    runtime.start()
    committed: dict[str, float] = {}
    try:
        deadline = time.monotonic() + 900
        while _backlog(container) > 0 and time.monotonic() < deadline:
            time.sleep(0.1)  # measure an idle consumer, not the previous phase's tail
        started = time.perf_counter()
        for n in range(count):
            event_id, at = _ticket(container, admin, 100_000 + n)
            committed[event_id] = at
            pause = started + (n + 1) / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        _wait(container, before + count, timeout=600)
    finally:
        runtime.stop()
        probe.close()
    with container.uow() as uow:
        by_event: dict[str, str] = {
            str(event_id): run_id
            for event_id, run_id in uow.session.execute(
                select(FlowRun.trigger_event_id, FlowRun.id).where(
                    FlowRun.trigger_event_id.in_(list(committed))
                )
            ).all()
        }
    samples = [
        (probe.at[run_id] - committed[event_id]) * 1000
        for event_id, run_id in by_event.items()
        if run_id in probe.at
    ]
    return {
        "events": count,
        "rate_per_second": rate,
        "measured": len(samples),
        "p50_ms": round(percentile(samples, 0.5), 2) if samples else None,
        "p99_ms": round(percentile(samples, 0.99), 2) if samples else None,
        "max_ms": round(max(samples), 2) if samples else None,
    }


def _kill(container: Container, admin: Any, url: str, runs: int) -> dict[str, Any]:
    _publish(container, admin, _kill_flow())
    with container.uow() as uow:
        flows = FlowService(
            uow, admin, FlowEngine(gateway_of(container), container.clock), container.clock
        )
        ids = [flows.start("bench_kill", {"n": n}).id for n in range(runs)]
        uow.commit()
    victim = _child(url, "drive")
    assert victim.stdout is not None
    seen = 0
    for line in victim.stdout:
        seen += line.startswith("step")
        if seen >= runs // 2:
            break
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=60)
    survivor = _child(url, "finish")
    survivor.communicate(timeout=1800)
    with container.uow() as uow:
        statuses = Counter(
            uow.session.scalars(select(FlowRun.status).where(FlowRun.id.in_(ids))).all()
        )
        keys = uow.session.scalars(
            select(DecisionRecord.idempotency_key).where(
                DecisionRecord.status == "executed",
                DecisionRecord.idempotency_key.like("flow:%"),
            )
        ).all()
    twice = sum(1 for c in Counter(k for k in keys if k).values() if c > 1)
    return {
        "runs": runs,
        "killed_after_commits": seen,
        "killed_exit_code": victim.returncode,
        "statuses_after_restart": dict(statuses),
        "runs_lost_after_kill": runs - statuses.get("completed", 0),
        "tool_steps_twice": twice,
    }


def _child(url: str, phase: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 - this interpreter, a fixed module, no shell
        [sys.executable, "-m", "kith.bench.flows_kill", url, phase],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
