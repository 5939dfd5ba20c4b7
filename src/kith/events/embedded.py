"""The embedded runtime `kith serve` starts next to the API.

The relay and every registered consumer run in background threads of the
server process, over the in-process bus (or the broker ``KITH_BUS_URL``
names, so an API process can also relay for scale-out workers). The
scheduler's ticker (``kith.scheduling.ticker``) starts and stops with them.
"""

from __future__ import annotations

from collections.abc import Callable

from kith.api.deps import Container
from kith.events.bus import bus_from_settings
from kith.events.consumers import build_consumers
from kith.events.runtime import EventRuntime
from kith.scheduling import ticker as scheduler


def start(container: Container) -> Callable[[], None]:
    runtime = EventRuntime(
        container, bus_from_settings(container.settings), build_consumers(container)
    )
    runtime.start()
    stop_scheduler = scheduler.start(container)  # KITH_SCHEDULER_TICK_SECONDS=0: off

    def stop() -> None:
        stop_scheduler()
        runtime.stop()

    return stop
