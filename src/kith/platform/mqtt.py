"""MQTT intake: telemetry and device events from a broker, accepted exactly as
``POST /api/v1/events`` accepts them.

A message on ``<prefix>/<event type>`` (for example ``kith/events/telemetry``) carries
the body ``POST /events`` takes (``{"data": …, "idempotency_key": …}``; ``type`` may be
left out: the topic gives it). It goes through ``InboundService`` as the API key in
``KITH_MQTT_API_KEY`` — the same validation, the same customer lookup, the same
idempotency keys, the same rejection records — and becomes an interaction that reaches
consumers as ``interaction.received``.

Nothing accepted is lost: the client keeps a persistent MQTT 5 session (a fixed client
id, clean start off, a week's expiry) and subscribes with QoS 1, and a message is
acknowledged to the broker only after the transaction that stored it (or its rejection)
committed. The broker must keep what it queues for the session: Mosquitto drops QoS 1
messages beyond ``max_queued_messages`` (1,000 by default) for a client that is behind,
and says so only in its log ("Outgoing messages are being dropped"); set it to 0
(unlimited) or to more than the largest burst. A
crash before the acknowledgement makes the broker deliver it again; senders that set
``idempotency_key`` get it stored once, others at least once. A message Kith refuses
is recorded in ``inbound_rejections`` and republished with the reason on the
dead-letter topic. Back-pressure: the broker's messages wait in a bounded queue; when
it is full the network thread waits, the broker stops sending (at most its in-flight
window is unacknowledged) and keeps the rest for this session.

Built on ``paho-mqtt`` (the Eclipse client; its manual acknowledgement is what makes
"ack after commit" possible).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from kith.access.service import authenticate
from kith.container import Container
from kith.core.errors import ValidationFailed
from kith.crm.inbound import InboundService, Rejected

log = logging.getLogger("kith.mqtt")

MAX_PAYLOAD = 262_144  # bytes; a larger message is refused, like a larger HTTP body
SESSION_EXPIRY_S = 7 * 24 * 3600  # the broker keeps the session's messages this long


@dataclass(frozen=True)
class MqttOptions:
    url: str = "mqtt://127.0.0.1:1883"
    prefix: str = "kith/events"
    dead_letter: str = "kith/dead-letter"
    client_id: str = "kith-intake"
    queue_size: int = 2_000
    batch_size: int = 200
    batch_wait_s: float = 0.02


@dataclass
class IntakeCounts:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0


def event_type_of(topic: str, prefix: str) -> str | None:
    """``kith/events/telemetry`` → ``telemetry`` (one level under the prefix)."""
    head = prefix.rstrip("/") + "/"
    if not topic.startswith(head):
        return None
    rest = topic[len(head) :]
    return rest if rest and "/" not in rest else None


def body_of(topic: str, payload: bytes, prefix: str) -> bytes:
    """The ``POST /events`` body for a message: the payload, with the topic's event type
    when the payload names none (a payload that is not a JSON object is passed on as it
    is, for InboundService to refuse with its reason)."""
    try:
        body = json.loads(payload)
    except (UnicodeDecodeError, ValueError):
        return payload
    if isinstance(body, dict) and "type" not in body:
        kind = event_type_of(topic, prefix)
        if kind is not None:
            body["type"] = kind
            return json.dumps(body, ensure_ascii=False).encode()
    return payload


class MqttIntake:
    """One subscriber: a paho network thread feeding a bounded queue, and a worker that
    stores batches and acknowledges them after the commit."""

    def __init__(self, container: Container, credential: str, options: MqttOptions) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.enums import CallbackAPIVersion

        self.container = container
        self.credential = credential
        self.options = options
        self.counts = IntakeCounts()
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=options.queue_size)
        self._stop = threading.Event()
        self._worker: threading.Thread | None = None
        self.connected = threading.Event()
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2, client_id=options.client_id, protocol=mqtt.MQTTv5
        )
        self.client.manual_ack_set(True)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.client.on_disconnect = self._on_disconnect

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        url = urlparse(self.options.url)
        # A session that outlives a disconnect (clean start off, expiry a week), and a
        # receive window as large as the queue: the broker may have that many messages
        # unacknowledged with us while a batch commits (its default window is 20).
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        properties.ReceiveMaximum = min(self.options.queue_size, 65_535)
        self.client.reconnect_delay_set(min_delay=1, max_delay=30)
        self.client.connect_async(
            url.hostname or "127.0.0.1",
            url.port or 1883,
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self.client.loop_start()
        self._stop.clear()
        self._worker = threading.Thread(target=self._work, name="kith-mqtt", daemon=True)
        self._worker.start()

    def stop(self) -> None:
        """Stop taking messages: what was stored is acknowledged; what waits in the queue
        is not, so the broker delivers it again to this session."""
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=10)
            self._worker = None
        self.client.disconnect()
        self.client.loop_stop()

    # --- paho callbacks (network thread) ---------------------------------------------

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("mqtt: connection refused: %s", reason)
            return
        client.subscribe(self.options.prefix.rstrip("/") + "/+", qos=1)
        self.connected.set()

    def _on_disconnect(
        self, client: Any, userdata: Any, flags: Any, reason: Any, props: Any
    ) -> None:
        self.connected.clear()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        # Blocks when the queue is full: the broker then holds the rest (back-pressure).
        while not self._stop.is_set():
            try:
                self._queue.put(message, timeout=0.5)
                return
            except queue.Full:
                continue

    # --- the worker ------------------------------------------------------------------

    def _work(self) -> None:
        while not self._stop.is_set():
            batch = self._take()
            if not batch:
                continue
            dead = self._store_until_done(batch)
            if dead is None:
                return  # stopping: the batch stays unacknowledged, the broker keeps it
            for topic_payload in dead:
                self.client.publish(self.options.dead_letter, topic_payload, qos=1)
            for message in batch:
                self.client.ack(message.mid, message.qos)
            self.counts.batches += 1

    def _store_until_done(self, batch: list[Any]) -> list[bytes] | None:
        """Store the batch, trying again (1 s, 2 s, … 30 s apart) while the database
        refuses: an unacknowledged message is redelivered only when the session
        reconnects, so the writer must not drop it. None when stopped first."""
        wait = 1.0
        while not self._stop.is_set():
            try:
                return self._store(batch)
            except Exception:
                log.exception("mqtt: a batch could not be stored; trying again in %.0f s", wait)
                self._stop.wait(wait)
                wait = min(wait * 2, 30.0)
        return None

    def _take(self) -> list[Any]:
        try:
            first = self._queue.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.options.batch_wait_s
        while len(batch) < self.options.batch_size:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self._queue.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def _store(self, batch: list[Any]) -> list[bytes]:
        """One transaction for the batch, a savepoint per message; the dead letters."""
        dead: list[bytes] = []
        with self.container.uow() as uow:
            principal = authenticate(uow.session, self.credential)
            for message in batch:
                outcome = self._one(uow, principal, message)
                if isinstance(outcome, Rejected):
                    dead.append(_dead_letter(message, outcome.error))
            uow.commit()
        return dead

    def _one(self, uow: Any, principal: Any, message: Any) -> Any:
        payload: bytes = message.payload
        service = InboundService(uow, principal)
        if len(payload) > MAX_PAYLOAD:
            self.counts.rejected += 1
            return service.refuse(
                payload[:MAX_PAYLOAD],
                ValidationFailed(f"message larger than {MAX_PAYLOAD} bytes"),
            )
        with uow.session.begin_nested():
            outcome = service.receive(body_of(message.topic, payload, self.options.prefix))
        if isinstance(outcome, Rejected):
            self.counts.rejected += 1
        elif outcome.status == "duplicate":
            self.counts.duplicates += 1
        else:
            self.counts.accepted += 1
        return outcome


def _dead_letter(message: Any, error: ValidationFailed) -> bytes:
    return json.dumps(
        {
            "topic": message.topic,
            "reason": error.detail,
            "errors": [e.as_dict() for e in error.errors],
            "payload": message.payload[:4096].decode("utf-8", errors="replace"),
        },
        ensure_ascii=False,
    ).encode()
