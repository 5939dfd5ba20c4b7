"""The background processes: the embedded runtime ``kith serve`` starts next to the
API, and ``kith worker``.

The relay and every consumer the composition root registered run in background
threads, over the in-process bus (or the broker ``KITH_BUS_URL`` names, so an API
process can also relay for scale-out workers). The scheduler's ticker
(``kith.scheduling.ticker``) starts and stops with them. This module composes the
events runtime and the scheduler, so it sits above both.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlsplit

import typer

from kith.bootstrap import build_container
from kith.clikit import fail
from kith.container import Container
from kith.core.settings import get_settings
from kith.events.bus_factory import bus_from_settings
from kith.events.command import ConsumerOpt
from kith.events.consumers import build_consumers
from kith.events.runtime import EventRuntime, RuntimeOptions
from kith.scheduling import ticker as scheduler


def start_embedded(container: Container) -> Callable[[], None]:
    runtime = EventRuntime(
        container, bus_from_settings(container.settings), build_consumers(container)
    )
    runtime.start()
    stop_scheduler = scheduler.start(container)  # KITH_SCHEDULER_TICK_SECONDS=0: off

    def stop() -> None:
        stop_scheduler()
        runtime.stop()

    return stop


def worker(
    consumer: ConsumerOpt = None,
    reclaim_after: Annotated[
        float,
        typer.Option(
            min=1.0, help="Seconds before a silent worker's unacknowledged events are taken over."
        ),
    ] = 30.0,
    poll_interval: Annotated[
        float,
        typer.Option(
            min=0.01,
            help="Seconds between looks at the outbox (commits of other processes "
            "cannot wake this relay).",
        ),
    ] = 0.1,
) -> None:
    """Run the relay and the consumers against the configured bus (scale-out mode).

    Start as many as you like: one of them relays at a time (the others stand
    by), and each consumer's events are spread over all of them (KITH_BUS_URL).
    Stops cleanly on SIGTERM or Ctrl-C.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    settings = get_settings()
    container = build_container(settings)
    try:
        consumers = build_consumers(container, consumer or ())
    except ValueError as exc:
        fail(str(exc))
    runtime = EventRuntime(
        container,
        bus_from_settings(settings, reclaim_after=reclaim_after),
        consumers,
        RuntimeOptions(poll_interval=poll_interval),
    )
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    runtime.start()
    stop_scheduler = scheduler.start(container)  # KITH_SCHEDULER_TICK_SECONDS=0: off
    logging.getLogger("kith.events").info(
        "worker %s: bus %s, consumers %s",
        runtime.options.worker,
        _redacted(settings.bus_url),
        ", ".join(c.name for c in consumers) or "none",
    )
    while not stopping.wait(1.0):
        pass
    stop_scheduler()
    runtime.stop()


def _redacted(url: str | None) -> str:
    """Scheme, host and path of the bus URL: never its password."""
    if not url:
        return "in-process"
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
