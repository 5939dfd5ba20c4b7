"""Choosing the bus from the settings (kept apart from ``bus.py``, which the buses
themselves import)."""

from __future__ import annotations

from kith.core.settings import Settings
from kith.events.bus import Bus
from kith.events.inprocess import InProcessBus


def bus_from_settings(settings: Settings, *, reclaim_after: float = 30.0) -> Bus:
    """The in-process bus unless ``KITH_BUS_URL`` names a broker. ``reclaim_after``:
    seconds before a broker hands a silent worker's unacknowledged events to another."""
    url = settings.bus_url
    if not url:
        return InProcessBus()
    if url.startswith(("redis://", "rediss://", "unix://")):
        from kith.events.redis_bus import RedisStreamsBus  # the redis client loads on demand

        return RedisStreamsBus.from_url(url, reclaim_after=reclaim_after)
    raise ValueError(f"unsupported KITH_BUS_URL {url!r}: expected redis:// (NATS is not built yet)")
