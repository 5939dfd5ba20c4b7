"""Kill -9 the process that drives flow runs in the middle of its work; a restarted
process completes every run, and no tool step was executed twice (SQLite and
PostgreSQL): each tool step commits with its step row and the gateway's idempotency key
in one transaction, so a killed transaction leaves nothing, and a committed one is
never run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from kith.container import Container
from kith.flows.models import FlowRun, FlowStep
from kith.gateway.models import DecisionRecord
from tests.conftest import Workspace
from tests.integration.flows_support import Clock, principal, publish, service

RUNS = 60
ROOT = Path(__file__).resolve().parents[2]


def _flow() -> dict:
    def task(node: str, nxt: str) -> dict:
        return {
            "id": node,
            "kind": "tool",
            "tool": "tasks.create",
            "purpose": "sales",
            "args": {"subject": f'="{node} for " + string(event.payload.n)'},
            "next": nxt,
        }

    return {
        "key": "crash_test",
        "name": "Crash test",
        "nodes": [
            {"id": "start", "kind": "trigger", "on": "manual", "next": "one"},
            task("one", "two"),
            task("two", "pause"),
            {"id": "pause", "kind": "wait", "duration": "1m", "next": "three"},
            task("three", "done"),
            {"id": "done", "kind": "end"},
        ],
    }


def _child(url: str, phase: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "tests/integration/flows_crash_child.py"), url, phase],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_runs_survive_kill_9_and_no_tool_step_runs_twice(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    publish(container, admin, clock, _flow())
    with container.uow() as uow:
        flows = service(uow, admin, container, clock)
        for n in range(RUNS):
            flows.start("crash_test", {"n": n})
        uow.commit()
    url = container.engine.url.render_as_string(hide_password=False)

    victim = _child(url, "drive")
    assert victim.stdout is not None
    seen = 0
    for line in victim.stdout:
        seen += line.startswith("step")
        if seen >= RUNS // 2:  # half-way through the first tool steps
            break
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL

    with container.uow() as uow:
        statuses = Counter(uow.session.scalars(select(FlowRun.status)).all())
    assert statuses["completed"] == 0 and sum(statuses.values()) == RUNS, statuses

    survivor = _child(url, "finish")
    out, _ = survivor.communicate(timeout=600)
    assert survivor.returncode == 0 and out.strip().endswith("idle")

    with container.uow() as uow:
        statuses = Counter(uow.session.scalars(select(FlowRun.status)).all())
        assert statuses == {"completed": RUNS}
        executed = uow.session.scalars(
            select(DecisionRecord.idempotency_key).where(
                DecisionRecord.tool == "tasks.create", DecisionRecord.status == "executed"
            )
        ).all()
        assert len(executed) == 3 * RUNS == len(set(executed))  # each step once, none twice
        per_run = uow.session.execute(
            select(FlowStep.run_id, func.count()).group_by(FlowStep.run_id)
        ).all()
        assert {count for _, count in per_run} == {6}  # start, one, two, pause, three, done
