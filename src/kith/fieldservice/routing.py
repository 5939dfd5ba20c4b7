"""Travel time from engineers to a work order: the ranker asks a ``TravelTime``.

- ``Haversine`` (the default, offline): great-circle distance × a road factor at an
  average speed.
- ``OsrmTable``: an OSRM-compatible routing service's table API
  (``GET {base}/table/v1/driving/{lon,lat;…}?sources=…&destinations=0``), enabled by
  ``KITH_ROUTING_URL``. It waits at most ``KITH_ROUTING_TIMEOUT_SECONDS``; when the
  service fails, times out or answers nonsense, the whole ranking falls back to
  haversine, and a pair the service cannot route (``null``) falls back alone. The
  answer says which was used (``Travel.source``/``note``), and the ranking's
  explanation repeats it.

``kith.bootstrap.wire_services`` builds the process's one ``TravelTime`` from the
settings and hands it to the tools through ``ToolServices``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

EARTH_RADIUS_KM = 6371.0088
ROAD_FACTOR = 1.35  # road distance / great-circle distance, Yangtze delta cities
SPEED_KMH = 38.0  # average door-to-door speed, mixed city and expressway
HAVERSINE_METHOD = f"haversine × {ROAD_FACTOR} road factor at {SPEED_KMH:g} km/h (offline)"
OSRM_MAX_SOURCES = 99  # OSRM's default --max-table-size is 100 coordinates per request


@dataclass(frozen=True)
class Travel:
    """Per origin: road-ish km and minutes to the destination, and how they were had."""

    km: Any  # numpy array
    minutes: Any  # numpy array
    source: str  # "haversine" | "osrm" | "haversine_fallback"
    method: str  # one line for the explanation
    note: str | None = None  # why a fallback happened, or how many pairs fell back


def haversine_km(lat1: Any, lon1: Any, lat2: float, lon2: float) -> Any:
    """Great-circle distance (works on floats and numpy arrays)."""
    p1, p2 = np.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2) - np.radians(lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * math.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def travel_minutes(km: Any) -> Any:
    return km * ROAD_FACTOR / SPEED_KMH * 60.0


class TravelTime:
    """Minutes from each origin to one destination. Subclasses override ``travel``."""

    name = "haversine"

    def travel(self, lat: Any, lon: Any, to_lat: float, to_lon: float) -> Travel:
        km = haversine_km(lat, lon, to_lat, to_lon)
        return Travel(
            km=km,
            minutes=travel_minutes(km),
            source="haversine",
            method=HAVERSINE_METHOD,
        )


Haversine = TravelTime  # the offline default


class OsrmTable(TravelTime):
    """An OSRM-compatible ``/table/v1/driving`` service; haversine when it fails."""

    name = "osrm"

    def __init__(self, base_url: str, timeout_seconds: float = 2.0, profile: str = "driving"):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout_seconds
        self.profile = profile

    def travel(self, lat: Any, lon: Any, to_lat: float, to_lon: float) -> Travel:
        offline = super().travel(lat, lon, to_lat, to_lon)
        try:
            seconds, metres = self._table(lat, lon, to_lat, to_lon)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"[:200]
            return Travel(
                km=offline.km,
                minutes=offline.minutes,
                source="haversine_fallback",
                method=f"{offline.method}; the routing service failed",
                note=f"routing service at {self.base_url} unavailable ({reason})",
            )
        missing = np.isnan(seconds)
        minutes = np.where(missing, offline.minutes, seconds / 60.0)
        km = np.where(np.isnan(metres), offline.km * ROAD_FACTOR, metres / 1000.0)
        km = np.where(missing, offline.km, km)
        gaps = int(missing.sum())
        return Travel(
            km=km,
            minutes=minutes,
            source="osrm",
            method=f"routing service {self.base_url} ({self.profile} durations)",
            note=f"{gaps} engineer(s) not routable: haversine used for them" if gaps else None,
        )

    def _table(self, lat: Any, lon: Any, to_lat: float, to_lon: float) -> tuple[Any, Any]:
        """(seconds, metres) per origin, NaN where the service has no route."""
        import httpx

        n = len(lat)
        seconds = np.full(n, np.nan)
        metres = np.full(n, np.nan)
        with httpx.Client(timeout=self.timeout) as client:
            for start in range(0, n, OSRM_MAX_SOURCES):
                stop = min(n, start + OSRM_MAX_SOURCES)
                coords = [f"{to_lon:.6f},{to_lat:.6f}"] + [
                    f"{float(lon[i]):.6f},{float(lat[i]):.6f}" for i in range(start, stop)
                ]
                sources = ";".join(str(i) for i in range(1, stop - start + 1))
                response = client.get(
                    f"{self.base_url}/table/v1/{self.profile}/{';'.join(coords)}",
                    params={
                        "sources": sources,
                        "destinations": "0",
                        "annotations": "duration,distance",
                    },
                )
                response.raise_for_status()
                body = response.json()
                if body.get("code") != "Ok":
                    raise ValueError(f"code {body.get('code')!r}")
                durations = body["durations"]
                distances = body.get("distances") or [[None]] * len(durations)
                if len(durations) != stop - start:
                    raise ValueError("the table has the wrong number of rows")
                for row, (d, m) in enumerate(zip(durations, distances, strict=True)):
                    if d and d[0] is not None:
                        seconds[start + row] = float(d[0])
                    if m and m[0] is not None:
                        metres[start + row] = float(m[0])
        return seconds, metres


def from_settings(url: str | None, timeout_seconds: float) -> TravelTime:
    """The process's travel time: the routing service when a URL is set, else offline."""
    return OsrmTable(url, timeout_seconds) if url else TravelTime()
