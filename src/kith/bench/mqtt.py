"""``kith bench mqtt``: telemetry through a real broker into Kith's events.

A publisher process sends ``messages`` telemetry readings with QoS 1 to the broker as
fast as it can; the intake (``kith.platform.mqtt``) stores them in a throw-away SQLite
workspace under ``KITH_HOME/temp`` and acknowledges each batch after its commit.
Reports messages/s from the first publish to the last stored interaction, and the
batches it took. The publisher runs in its own process so that its CPU is not this
process's GIL."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from kith.access.repository import AccessRepository
from kith.access.service import create_api_key
from kith.bench.harness import ADMIN_EMAIL, free_port, machine, workspace
from kith.container import Container
from kith.core.settings import Settings
from kith.crm.models import Interaction
from kith.platform.mqtt import MqttIntake, MqttOptions

STALL_S = 5.0

PUBLISHER = """
import json, sys
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
host, port, topic, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=topic.replace("/", "-") + "-pub")
client.max_inflight_messages_set(1000)
client.max_queued_messages_set(0)
client.connect(host, port)
client.loop_start()
infos = []
for n in range(count):
    body = {"data": {"device_id": f"dev-{n % 500}", "metrics": {"soc_pct": n % 100}}}
    infos.append(client.publish(topic, json.dumps(body), qos=1))
for info in infos:
    info.wait_for_publish(timeout=120)
client.loop_stop()
"""


def run(messages: int = 20_000, url: str | None = None) -> dict[str, Any]:
    """Against ``url``, or (None) a Mosquitto of its own that keeps every queued message
    (``max_queued_messages 0``): the machine's broker drops a burst beyond 1,000 queued
    messages for a client that is behind, which would measure the broker's setting."""
    home = Settings().home / "temp"
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kith-bench-mqtt-", dir=home) as tmp:
        broker = None if url else _own_broker(Path(tmp))
        container = workspace(f"sqlite:///{Path(tmp) / 'kith.db'}", Path(tmp))
        try:
            target = url or f"mqtt://127.0.0.1:{broker[1] if broker else 1883}"
            result = _run(container, messages, target)
            result["broker"] = "own (max_queued_messages 0)" if broker else target
            return result
        finally:
            container.engine.dispose()
            if broker is not None:
                broker[0].terminate()
                broker[0].wait(timeout=10)


def _own_broker(home: Path) -> tuple[subprocess.Popen[bytes], int]:
    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = free_port()
    config = home / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "max_queued_messages 0\n"
    )
    process = subprocess.Popen(  # noqa: S603 - the machine's broker, our own config
        [mosquitto, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the benchmark's Mosquitto did not start")


def _stored(container: Container) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Interaction)) or 0)


def _until_stalled(container: Container, messages: int, started: float) -> tuple[int, float]:
    """Stored count and seconds to the last stored message: stops when all arrived or
    nothing new arrived for ``STALL_S`` (a broker that dropped messages sends no more)."""
    stored, last_change = 0, time.perf_counter()
    elapsed = 0.0
    while stored < messages and time.perf_counter() - last_change < STALL_S:
        time.sleep(0.1)
        now = _stored(container)
        if now != stored:
            stored, last_change = now, time.perf_counter()
            elapsed = last_change - started
    return stored, elapsed or time.perf_counter() - started


def _run(container: Container, messages: int, url: str) -> dict[str, Any]:
    with container.uow() as uow:
        access = AccessRepository(uow.session)
        tenant = access.tenant_by_slug("default")
        assert tenant is not None
        admin = access.user_in_tenant(tenant.id, ADMIN_EMAIL)
        assert admin is not None
        _, key = create_api_key(uow.session, admin, "bench mqtt", ["events:write"])
        uow.commit()
    run_id = uuid.uuid4().hex[:8]
    options = MqttOptions(
        url=url,
        prefix=f"kith-bench/{run_id}/events",
        dead_letter=f"kith-bench/{run_id}/dead-letter",
        client_id=f"kith-bench-{run_id}",
    )
    intake = MqttIntake(container, key, options)
    intake.start()
    if not intake.connected.wait(10):
        intake.stop()
        raise RuntimeError(f"no MQTT broker at {url}")
    host, _, port = url.removeprefix("mqtt://").partition(":")
    started = time.perf_counter()
    publisher = subprocess.Popen(  # noqa: S603 - this interpreter and our own script
        [
            sys.executable,
            "-c",
            PUBLISHER,
            host,
            port or "1883",
            f"{options.prefix}/telemetry.reading",
            str(messages),
        ]
    )
    try:
        stored, elapsed = _until_stalled(container, messages, started)
    finally:
        publisher.wait(timeout=120)
        intake.stop()
    return {
        "benchmark": "mqtt",
        "messages": messages,
        "stored": stored,
        # what the broker dropped (Mosquitto drops QoS 1 messages beyond its
        # max_queued_messages for a client that is behind; docs/integrate.md)
        "not_stored": messages - stored,
        "messages_per_second": round(stored / elapsed, 1),
        "seconds": round(elapsed, 2),
        "batches": intake.counts.batches,
        "refused": intake.counts.rejected,
        "target_messages_per_second": 5_000,
        "machine": machine(container),
        "note": json.dumps({"qos": 1, "publisher": "separate process"}),
    }
