"""``kith mqtt``: the MQTT intake as a long-running process (like ``kith worker``)."""

from __future__ import annotations

import os
import signal
import threading
from typing import Annotated

import typer

from kith.clikit import fail, open_container

mqtt_app = typer.Typer(help="MQTT intake: telemetry and device events from a broker.")


@mqtt_app.command("run")
def run(
    url: Annotated[str, typer.Option(help="Broker, mqtt://host:port.")] = "mqtt://127.0.0.1:1883",
    prefix: Annotated[str, typer.Option(help="Topics <prefix>/<event type>.")] = "kith/events",
    dead_letter: Annotated[str, typer.Option(help="Topic for refused messages.")] = (
        "kith/dead-letter"
    ),
    client_id: Annotated[str, typer.Option(help="Persistent session id.")] = "kith-intake",
) -> None:
    """Take events from the broker as the API key in KITH_MQTT_API_KEY until stopped."""
    from kith.access.service import authenticate
    from kith.core.errors import Unauthenticated
    from kith.platform.mqtt import MqttIntake, MqttOptions

    if not url.startswith("mqtt://"):
        fail("--url must look like mqtt://host:port")
    credential = os.environ.get("KITH_MQTT_API_KEY")
    if not credential:
        fail("set KITH_MQTT_API_KEY to an API key with the events:write scope")
    container = open_container()
    with container.uow() as uow:
        try:
            principal = authenticate(uow.session, credential)
        except Unauthenticated as exc:
            fail(f"KITH_MQTT_API_KEY: {exc.detail}")
        if not principal.has_api_scope("events:write"):
            fail("KITH_MQTT_API_KEY lacks the events:write scope")
    options = MqttOptions(url=url, prefix=prefix, dead_letter=dead_letter, client_id=client_id)
    intake = MqttIntake(container, credential, options)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    intake.start()
    typer.echo(f"taking {prefix}/+ from {url}; Ctrl-C to stop")
    stop.wait()
    intake.stop()
    counts = intake.counts
    typer.echo(
        f"accepted {counts.accepted}, duplicates {counts.duplicates}, refused {counts.rejected}"
    )
