"""The embedded runtime `kith serve` starts next to the API.

The relay and every registered consumer run in background threads of the
server process, over the in-process bus (or the broker ``KITH_BUS_URL``
names, so an API process can also relay for scale-out workers).
"""

from __future__ import annotations

from collections.abc import Callable

from kith.api.deps import Container
from kith.events.bus import bus_from_settings
from kith.events.consumers import build_consumers
from kith.events.runtime import EventRuntime


def start(container: Container) -> Callable[[], None]:
    runtime = EventRuntime(
        container, bus_from_settings(container.settings), build_consumers(container)
    )
    runtime.start()
    return runtime.stop
