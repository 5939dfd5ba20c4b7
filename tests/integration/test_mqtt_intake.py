"""MQTT intake against the machine's real Mosquitto (127.0.0.1:1883): messages become
interactions exactly as POST /events makes them, refusals are recorded and
dead-lettered with their reason, and messages sent while Kith is down arrive when it
comes back (persistent session, QoS 1, acknowledged only after the commit)."""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

from kith.access import service as access
from kith.container import Container
from kith.crm.models import Interaction
from kith.events.models import InboundRejection
from kith.platform.mqtt import MqttIntake, MqttOptions, body_of, event_type_of
from tests.conftest import Workspace

BROKER = ("127.0.0.1", 1883)


def _broker_up() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def options() -> MqttOptions:
    if not _broker_up():
        pytest.skip("no MQTT broker at 127.0.0.1:1883")
    run = uuid.uuid4().hex[:8]
    return MqttOptions(
        prefix=f"test/{run}/events",
        dead_letter=f"test/{run}/dead-letter",
        client_id=f"kith-test-{run}",
    )


@pytest.fixture
def key(container: Container, workspace: Workspace) -> str:
    with container.uow() as uow:
        user = uow.session.merge(workspace.users["admin"])
        _, secret = access.create_api_key(uow.session, user, "mqtt", ["events:write"])
        uow.commit()
    return secret


def _publisher(client_id: str) -> Any:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id)
    client.connect(*BROKER)
    client.loop_start()
    return client


def _publish(client: Any, topic: str, bodies: list[bytes]) -> None:
    infos = [client.publish(topic, body, qos=1) for body in bodies]
    for info in infos:
        info.wait_for_publish(timeout=10)


def _reading(n: int) -> bytes:
    return json.dumps(
        {"data": {"device_id": f"dev-{n}", "metrics": {"soc_pct": 50 + n % 40}}}
    ).encode()


def _count(container: Container, model: Any) -> int:
    with container.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def _wait_for(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.fixture
def intake(
    container: Container, key: str, options: MqttOptions
) -> Iterator[Callable[[], MqttIntake]]:
    started: list[MqttIntake] = []

    def start() -> MqttIntake:
        one = MqttIntake(container, key, options)
        one.start()
        assert one.connected.wait(10), "the intake did not connect"
        started.append(one)
        return one

    yield start
    for one in started:
        one.stop()


def test_topic_gives_the_type_the_payload_leaves_out() -> None:
    assert event_type_of("kith/events/telemetry.reading", "kith/events") == "telemetry.reading"
    assert event_type_of("kith/events/a/b", "kith/events") is None
    body = json.loads(body_of("kith/events/telemetry.reading", b'{"data": {}}', "kith/events"))
    assert body["type"] == "telemetry.reading"
    assert body_of("kith/events/x", b"not json", "kith/events") == b"not json"


def test_messages_become_interactions_and_refusals_are_dead_lettered(
    container: Container, options: MqttOptions, intake: Callable[[], MqttIntake]
) -> None:
    running = intake()
    dead: list[dict[str, Any]] = []
    listener = _publisher(f"{options.client_id}-dl")
    listener.on_message = lambda c, u, m: dead.append(json.loads(m.payload))
    listener.subscribe(options.dead_letter, qos=1)
    publisher = _publisher(f"{options.client_id}-pub")
    topic = f"{options.prefix}/telemetry.reading"
    bodies = [_reading(n) for n in range(40)]
    bodies.append(b'{"data": {"device_id": "dev-x", "metrics": {"soc_pct": 180}}}')  # out of range
    bodies.append(b"\xff not json")
    try:
        _publish(publisher, topic, bodies)
        assert _wait_for(lambda: _count(container, Interaction) == 40)
        assert _wait_for(lambda: len(dead) == 2)
    finally:
        publisher.loop_stop()
        listener.loop_stop()
    assert running.counts.accepted == 40 and running.counts.rejected == 2
    assert _count(container, InboundRejection) == 2
    reasons = {d["topic"]: d for d in dead}
    assert topic in reasons
    soc = [d for d in dead if "soc_pct" in json.dumps(d["errors"])]
    assert soc, dead  # the field path says which value was refused


def test_messages_sent_while_kith_is_down_arrive_when_it_returns(
    container: Container, options: MqttOptions, intake: Callable[[], MqttIntake]
) -> None:
    first = intake()  # registers the persistent session and its subscription
    first.stop()
    publisher = _publisher(f"{options.client_id}-pub")
    try:
        _publish(publisher, f"{options.prefix}/telemetry.reading", [_reading(n) for n in range(25)])
    finally:
        publisher.loop_stop()
    assert _count(container, Interaction) == 0
    intake()
    assert _wait_for(lambda: _count(container, Interaction) == 25)
