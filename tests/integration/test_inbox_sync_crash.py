"""Kill ``kith inbox mailbox sync`` with SIGKILL in the middle of a sync, twice: after the
restarts every message is stored exactly once, with exactly one interaction (the batch,
its interactions and the folder cursor commit together; the per-mailbox message key makes
a replayed batch a no-op). The IMAP server is a real pymap process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kith.container import Container
from kith.crm import models as m
from kith.inbox.models import InboxMessage
from tests.conftest import Workspace
from tests.integration.test_inbox_sync import NOW, OWN, add_mailbox, customers, sync
from tests.mailservers import ImapServer, mail, running_imap

ROOT = Path(__file__).resolve().parents[2]
TOTAL = 150


@pytest.fixture(scope="module")
def imap() -> Iterator[ImapServer]:
    with running_imap() as server:
        yield server


def counts(container: Container) -> tuple[int, int, int]:
    with container.uow() as uow:
        stored = int(uow.session.scalar(select(func.count()).select_from(InboxMessage)) or 0)
        keys = int(
            uow.session.scalar(select(func.count(func.distinct(InboxMessage.message_key)))) or 0
        )
        interactions = int(
            uow.session.scalar(select(func.count()).where(m.Interaction.channel == "email")) or 0
        )
    return stored, keys, interactions


def start_sync(container: Container, mailbox_id: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
        "KITH_DATABASE_URL": container.engine.url.render_as_string(hide_password=False),
        "KITH_HOME": str(container.settings.home),
        "KITH_MODE": "test",
    }
    args = ["-m", "kith", "inbox", "mailbox", "sync", mailbox_id, "--batch", "3"]
    return subprocess.Popen(
        [sys.executable, *args, "--tenant", "acme"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def kill_when_stored(container: Container, proc: subprocess.Popen[bytes], at_least: int) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = counts(container)[0]
        if stored >= at_least:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            return stored
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"sync ended before it was killed: {err[-2000:]}")
        time.sleep(0.02)
    proc.kill()
    raise AssertionError("the sync stored nothing in time")


def test_a_sync_killed_twice_stores_every_message_once(
    container: Container, workspace: Workspace, imap: ImapServer
) -> None:
    customers(container, workspace)
    folder = imap.new_folder()
    imap.append(
        folder,
        *(
            mail(
                sender="li.na@customer.cn",
                to=OWN,
                subject=f"车辆 {n} 的保养问题",
                body=f"第 {n} 台车需要保养。",
                message_id=f"<crash-{n}@customer.cn>",
                date=NOW - timedelta(minutes=TOTAL - n),
            )
            for n in range(TOTAL)
        ),
    )
    mailbox_id = add_mailbox(container, workspace, imap, folder)

    first = kill_when_stored(container, start_sync(container, mailbox_id), 10)
    second = kill_when_stored(container, start_sync(container, mailbox_id), first + 10)
    assert first < second < TOTAL, (first, second)
    stored, keys, interactions = counts(container)
    assert stored == keys == interactions  # nothing half-written

    step, status = sync(container, workspace, mailbox_id)
    assert status == "ok"
    assert counts(container) == (TOTAL, TOTAL, TOTAL)
    assert step.stored == TOTAL - stored
