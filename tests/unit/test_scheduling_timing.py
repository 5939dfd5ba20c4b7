"""When schedules run: parsing cadences and computing the next run (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kith.core.errors import ValidationFailed
from kith.scheduling.timing import (
    Cadence,
    cadence_of,
    first_run,
    format_every,
    next_run,
    parse_daily,
    parse_every,
)

NOW = datetime(2026, 11, 22, 10, 17, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("15m", 15), ("15min", 15), ("6h", 360), ("1d", 1440), (" 2D ", 2880), ("366d", 527040)],
)
def test_every_is_parsed_to_minutes(text: str, minutes: int) -> None:
    assert parse_every(text, ["every"]) == minutes


@pytest.mark.parametrize("text", ["", "7x", "h", "0m", "-5m", "1.5h", "367d", "every day"])
def test_a_bad_interval_is_refused_with_its_field(text: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_every(text, ["body", "every"])
    assert caught.value.errors[0].path == ["body", "every"]


@pytest.mark.parametrize(("text", "normal"), [("2:30", "02:30"), ("23:59", "23:59")])
def test_daily_time_is_normalised(text: str, normal: str) -> None:
    assert parse_daily(text, ["daily_at"]) == normal


@pytest.mark.parametrize("text", ["24:00", "12:60", "noon", "1230", ""])
def test_a_bad_daily_time_is_refused(text: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_daily(text, ["daily_at"])


def test_exactly_one_of_every_and_daily_at() -> None:
    for every, daily in ((None, None), ("1h", "02:00")):
        with pytest.raises(ValidationFailed, match="exactly one"):
            cadence_of(every, daily, ["body"])
    assert cadence_of("90m", None).every_minutes == 90
    assert cadence_of(None, "2:05").daily_at == "02:05"


def test_describe_and_format() -> None:
    assert format_every(90) == "90m"
    assert format_every(120) == "2h"
    assert format_every(2880) == "2d"
    assert Cadence(every_minutes=60).describe() == "every 1h"
    assert Cadence(daily_at="02:30").describe() == "daily at 02:30 UTC"


def test_a_periodic_schedule_first_runs_one_period_from_now() -> None:
    assert first_run(Cadence(every_minutes=60), NOW) == NOW + timedelta(hours=1)


def test_a_periodic_schedule_keeps_its_phase_and_skips_missed_runs() -> None:
    cadence = Cadence(every_minutes=60)
    scheduled = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    # Due since 07:00 and three runs missed: the next is 11:00, not 08:00.
    assert next_run(cadence, scheduled, NOW) == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)
    # Exactly on time: the next one is a period later.
    on_time = datetime(2026, 11, 22, 10, 17, tzinfo=UTC)
    assert next_run(cadence, on_time, NOW) == on_time + timedelta(hours=1)
    # Not due yet: unchanged.
    later = NOW + timedelta(minutes=5)
    assert next_run(cadence, later, NOW) == later


def test_a_daily_schedule_runs_at_the_next_occurrence_of_its_time() -> None:
    cadence = Cadence(daily_at="02:30")
    assert next_run(cadence, NOW, NOW) == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
    early = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)
    assert next_run(cadence, early, early) == datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
    exactly = datetime(2026, 11, 22, 2, 30, tzinfo=UTC)
    assert next_run(cadence, exactly, exactly) == datetime(2026, 11, 23, 2, 30, tzinfo=UTC)
