"""Kill the worker with SIGKILL while it delivers webhooks: after a restart every
committed event has reached the receiver at least once (receivers de-duplicate on
``Kith-Event-Id``), and each subject's events arrived in commit order (first receipt).

A real ``kith worker`` process runs only the ``webhooks`` consumer; the receiver is a
real HTTP server in this test process."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from kith.container import Container
from kith.core.ids import new_id
from kith.events.types import Actor, DomainEvent
from kith.platform.models import WebhookDelivery
from tests.conftest import Workspace
from tests.integration.test_platform_webhooks import subscribe, wait_until
from tests.webhook_receiver import Received, running_receiver

ROOT = Path(__file__).resolve().parents[2]
# KITH_WEBHOOK_CRASH_BATCHES=400 runs the 10,000 events (docs/benchmarks.md).
SUBJECTS, PER_BATCH, KILLS = 20, 25, 2
BATCHES = int(os.environ.get("KITH_WEBHOOK_CRASH_BATCHES", "12"))
WORKER = """
from kith.runtime import worker
worker(consumer=["webhooks"], reclaim_after=1.0)
"""


def start_worker(container: Container) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "KITH_DATABASE_URL": container.engine.url.render_as_string(hide_password=False),
        "KITH_HOME": str(container.settings.home),
        "KITH_MODE": "test",
        "KITH_WEBHOOK_TIMEOUT_SECONDS": "1",
        "KITH_SCHEDULER_TICK_SECONDS": "0",
    }
    env.pop("KITH_BUS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def commit_batches(container: Container, tenant_id: str, subjects: list[str]) -> list[DomainEvent]:
    chance = random.Random(11)
    events: list[DomainEvent] = []
    for batch in range(BATCHES):
        chunk = [
            DomainEvent(
                type="contact.updated",
                tenant_id=tenant_id,
                subject_type="contact",
                subject_id=chance.choice(subjects),
                actor=Actor.system(),
                payload={"version": batch * PER_BATCH + n, "changes": {"city": ["a", "b"]}},
            )
            for n in range(PER_BATCH)
        ]
        with container.uow() as uow:
            for event in chunk:
                uow.emit(event)
            uow.commit()
        events.extend(chunk)
    return events


def test_sigkill_during_delivery_loses_no_event_and_keeps_subject_order(
    container: Container, workspace: Workspace
) -> None:
    def slowly(_: Received) -> tuple[int, str]:
        time.sleep(0.003)  # a little work per request, so kills land mid-stream
        return 204, ""

    with running_receiver() as receiver:
        receiver.on("/hook", slowly)
        hook_id, _ = subscribe(container, workspace, receiver.url(), ["contact.updated"])
        subjects = [new_id() for _ in range(SUBJECTS)]
        events = commit_batches(container, workspace.tenant_id, subjects)
        chance = random.Random(3)
        for _ in range(KILLS):
            worker = start_worker(container)
            before = len(receiver.at("/hook"))
            wait_until(lambda b=before: len(receiver.at("/hook")) >= b + 40, timeout=90)
            time.sleep(chance.uniform(0, 0.05))
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
        assert len(receiver.distinct) < len(events), "killed too late to test anything"

        worker = start_worker(container)
        try:
            deadline = time.monotonic() + 120 + len(events) / 20
            while len(receiver.distinct) < len(events):  # cheap: no copy of what arrived
                assert time.monotonic() < deadline, f"{len(receiver.distinct)} of {len(events)}"
                time.sleep(0.2)
        finally:
            worker.send_signal(signal.SIGTERM)
            _, stderr = worker.communicate(timeout=30)
        assert worker.returncode == 0, stderr.decode()[-2000:]

    received = receiver.event_ids()
    print(f"\nwebhooks crash: {len(events)} events, {len(received)} requests, {KILLS} kills")
    assert set(received) == {e.id for e in events}  # every event at least once
    first: list[str] = list(dict.fromkeys(received))  # first receipts, in arrival order
    position = {event_id: i for i, event_id in enumerate(first)}
    for subject in subjects:
        committed = [e.id for e in events if e.subject_id == subject]
        assert sorted(committed, key=position.__getitem__) == committed, subject
    with container.uow() as uow:
        states = uow.session.scalars(
            select(WebhookDelivery.status).where(WebhookDelivery.subscription_id == hook_id)
        ).all()
    assert len(states) == len(events) and set(states) == {"succeeded"}
