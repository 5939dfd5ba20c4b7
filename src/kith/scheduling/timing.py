"""When a schedule runs: parsing "every" and "daily at" and computing the next run.

Pure functions (no database, no clock of their own), so the runner and the unit
tests share them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from kith.core.errors import FieldError, ValidationFailed

MIN_MINUTES = 1
MAX_MINUTES = 366 * 24 * 60
_UNITS = {"m": 1, "h": 60, "d": 24 * 60}
_EVERY = re.compile(r"^\s*(\d{1,6})\s*(m|min|h|d)\s*$", re.IGNORECASE)
_DAILY = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class Cadence:
    every_minutes: int | None = None
    daily_at: str | None = None  # "HH:MM" UTC

    def describe(self) -> str:
        if self.daily_at is not None:
            return f"daily at {self.daily_at} UTC"
        return f"every {format_every(self.every_minutes or 0)}"


def _bad(path: list[str | int], message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(path, message)])


def parse_every(text: str, path: list[str | int]) -> int:
    """``"15m"``, ``"6h"``, ``"1d"`` -> minutes."""
    match = _EVERY.match(text)
    if match is None:
        raise _bad(path, f"interval {text!r} is not like 15m, 6h or 1d")
    minutes = int(match.group(1)) * _UNITS[match.group(2)[0].lower()]
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise _bad(path, f"interval must be between 1 minute and 366 days, not {text!r}")
    return minutes


def parse_daily(text: str, path: list[str | int]) -> str:
    """``"2:30"`` -> ``"02:30"`` (UTC)."""
    match = _DAILY.match(text)
    if match is None:
        raise _bad(path, f"daily time {text!r} is not HH:MM (UTC)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise _bad(path, f"daily time {text!r} is not a valid time of day")
    return f"{hour:02d}:{minute:02d}"


def cadence_of(
    every: str | None, daily_at: str | None, path: list[str | int] | None = None
) -> Cadence:
    """Exactly one of ``every`` / ``daily_at``; errors carry ``path`` + the field name."""
    base = list(path or [])
    if (every is None) == (daily_at is None):
        raise _bad([*base, "every"], "give exactly one of every (15m, 6h, 1d) or daily_at (HH:MM)")
    if every is not None:
        return Cadence(every_minutes=parse_every(every, [*base, "every"]))
    return Cadence(daily_at=parse_daily(daily_at or "", [*base, "daily_at"]))


def format_every(minutes: int) -> str:
    if minutes % _UNITS["d"] == 0:
        return f"{minutes // _UNITS['d']}d"
    if minutes % _UNITS["h"] == 0:
        return f"{minutes // _UNITS['h']}h"
    return f"{minutes}m"


def first_run(cadence: Cadence, now: datetime) -> datetime:
    """A new schedule runs one interval from now, or at the next daily time."""
    return next_run(cadence, now, now)


def next_run(cadence: Cadence, scheduled: datetime, now: datetime) -> datetime:
    """The first occurrence strictly after ``now``.

    A periodic schedule keeps its phase (``scheduled + k * interval``) so runs do
    not drift by the time each one takes; occurrences missed while nothing was
    running are skipped, not replayed one after another.
    """
    if cadence.daily_at is not None:
        hour, minute = (int(p) for p in cadence.daily_at.split(":"))
        candidate = datetime.combine(now.date(), time(hour, minute), tzinfo=now.tzinfo)
        return candidate if candidate > now else candidate + timedelta(days=1)
    step = timedelta(minutes=cadence.every_minutes or 0)
    if step <= timedelta(0):
        raise ValueError("a periodic schedule needs a positive interval")
    if scheduled > now:
        return scheduled
    missed = (now - scheduled) // step
    return scheduled + (missed + 1) * step
