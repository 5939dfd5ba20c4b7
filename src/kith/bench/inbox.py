"""``kith bench inbox``: IMAP sync of a mailbox from a real IMAP server.

A pymap server (its in-memory ``dict`` backend, a subprocess on a free port) is filled
with N messages from 50 known contacts (Chinese and English, some GBK, some replies in a
thread) — appending is not measured. Initial sync: every message fetched, parsed,
matched, threaded and stored as an interaction, committed per batch; incremental sync:
M new messages after that. Figures are messages per second of each phase and the
CPU time of the Kith process per message (the IMAP server's is its own process's). The workspace
is a throw-away SQLite database under ``KITH_HOME/temp``. Needs ``pymap`` installed
(a development dependency)."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from kith.access.service import system_principal
from kith.bench.harness import machine, workspace
from kith.container import Container
from kith.core.settings import Settings
from kith.crm.schemas import ContactIn
from kith.crm.service import RecordService
from kith.inbox.models import Mailbox
from kith.inbox.sync import run_sync

USER, PASSWORD = "bench", "bench-imap-pass"
OWN = "sales@bench.example.com"
CONTACTS = 50
ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
PYMAP = "from pymap.main import main; main()"


@dataclass(frozen=True)
class Options:
    messages: int = 10_000
    incremental: int = 100
    batch: int = 500


def run(options: Options) -> dict[str, Any]:
    home = Settings().home / "temp"
    home.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="kith-bench-inbox-", dir=home) as tmp,
        running_pymap(USER, PASSWORD) as port,
    ):
        container = workspace(f"sqlite:///{Path(tmp) / 'kith.db'}", Path(tmp))
        try:
            return _run(container, port, options)
        finally:
            container.engine.dispose()


def _run(container: Container, port: int, options: Options) -> dict[str, Any]:
    tenant_id, mailbox_id = _set_up(container, port)
    _append(port, 0, options.messages)
    clock = container.clock
    began, cpu = time.perf_counter(), time.process_time()
    first, status = run_sync(container.uow, tenant_id, mailbox_id, clock, batch=options.batch)
    initial_s, initial_cpu = time.perf_counter() - began, time.process_time() - cpu
    _append(port, options.messages, options.incremental)
    began, cpu = time.perf_counter(), time.process_time()
    second, status2 = run_sync(container.uow, tenant_id, mailbox_id, clock, batch=options.batch)
    incremental_s, incremental_cpu = time.perf_counter() - began, time.process_time() - cpu
    began = time.perf_counter()
    idle, _ = run_sync(container.uow, tenant_id, mailbox_id, clock, batch=options.batch)
    nothing_s = time.perf_counter() - began
    return {
        "benchmark": "inbox",
        "server": "pymap (dict backend, local subprocess)",
        "initial": {
            "messages": options.messages,
            "stored": first.stored,
            "status": status,
            "seconds": round(initial_s, 2),
            "messages_per_second": round(first.fetched / initial_s, 1),
            "kith_cpu_ms_per_message": round(initial_cpu * 1000 / max(first.fetched, 1), 2),
        },
        "incremental": {
            "messages": options.incremental,
            "stored": second.stored,
            "status": status2,
            "seconds": round(incremental_s, 3),
            "messages_per_second": round(second.fetched / incremental_s, 1),
            "kith_cpu_ms_per_message": round(incremental_cpu * 1000 / max(second.fetched, 1), 2),
        },
        "nothing_new_seconds": round(nothing_s, 3),
        "nothing_new_fetched": idle.fetched,
        "batch": options.batch,
        "targets": {"initial_10000_seconds": 120, "incremental_100_seconds": 5},
        "machine": machine(container),
    }


def _set_up(container: Container, port: int) -> tuple[str, str]:
    from kith.access.repository import AccessRepository

    with container.uow() as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug("default")
        assert tenant is not None
        records = RecordService(uow, system_principal(tenant.id, "bench"), container.clock)
        for n in range(CONTACTS):
            records.create("contact", ContactIn(name=f"客户 {n}", email=_sender(n)))
        mailbox = Mailbox(
            tenant_id=tenant.id,
            name="Bench",
            address=OWN,
            imap_host="127.0.0.1",
            imap_port=port,
            imap_security="none",
            imap_user=USER,
            imap_password=PASSWORD,
            folders=["INBOX"],
            only_matched=True,
        )
        uow.session.add(mailbox)
        uow.commit()
        return tenant.id, mailbox.id


def _sender(n: int) -> str:
    return f"customer{n}@fleet{n % 7}.example"


def _message(n: int) -> bytes:
    msg = EmailMessage()
    sender = n % CONTACTS
    msg["From"] = f"客户 {sender} <{_sender(sender)}>"
    msg["To"] = OWN
    msg["Subject"] = f"车辆 {n} 保养预约" if n % 2 else f"Service booking for vehicle {n}"
    msg["Message-ID"] = f"<bench-{n}@fleet.example>"
    msg["Date"] = format_datetime(ANCHOR - timedelta(minutes=n))
    if n % 5 == 4:  # a reply in the thread of the message before
        msg["In-Reply-To"] = f"<bench-{n - 1}@fleet.example>"
        msg["References"] = f"<bench-{n - 1}@fleet.example>"
    body = f"第 {n} 台车需要在下周保养，请安排服务站。\n" * 5
    msg.set_content(body, charset="gbk" if n % 3 == 0 else "utf-8")
    return msg.as_bytes()


def _append(port: int, start: int, count: int) -> None:
    from imapclient import IMAPClient

    client = IMAPClient("127.0.0.1", port=port, ssl=False, timeout=60)
    client.login(USER, PASSWORD)
    try:
        for i in range(start, start + count, 500):
            client.multiappend(
                "INBOX", [_message(n) for n in range(i, min(i + 500, start + count))]
            )
    finally:
        client.logout()


@contextmanager
def running_pymap(user: str, password: str) -> Iterator[int]:
    """A pymap IMAP server (in-memory ``dict`` backend, one user) in a subprocess on a free
    port, once it greets; stopped afterwards. Also what the inbox tests run against."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    args = [sys.executable, "-c", PYMAP, "--host", "127.0.0.1", "--port", str(port), "--no-tls"]
    proc = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
        [*args, "dict", "--demo-user", user, "--demo-password", password],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                    if s.recv(64).startswith(b"* OK"):
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the pymap IMAP server did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
