"""Ranking field engineers for one work order: pure, in memory, vectorised with numpy.

Every candidate first passes hard checks (works that day, holds every required skill
with no expired certification, serves the order's region, has a gap in the time
window long enough for the trip and the job); the eligible are scored on five
factors in [0, 1], combined with weights that sum to 1:

- ``travel``: 1 − travel minutes / 240, where travel comes from a ``TravelTime``
  (``kith.fieldservice.routing``): haversine × a road factor at an average speed
  offline, or a routing service's table when configured (haversine when it fails; the
  explanation says which was used);
- ``skill``: per required skill 1 when certified and valid on the day, 0.5 when held
  without a certificate; the mean;
- ``load``: 1 − minutes already booked that day / working minutes;
- ``window``: how early in the time window (the SLA) the engineer can arrive;
- ``preference``: 1 if the customer asked for this engineer, 0.5 if the engineer
  worked on the same asset before.

Times are minutes on one clock (the service uses minutes since the Unix epoch, so one
day's candidates serve every order of that day); ``Job.t0`` is the window's start on
that clock, and the job's own times are minutes after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from kith.core.lazy import lazy_module
from kith.fieldservice.routing import HAVERSINE_METHOD, TravelTime, haversine_km

__all__ = ["Candidate", "Job", "Ranking", "check_weights", "haversine_km", "rank"]

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")

MAX_TRAVEL_MIN = 240.0  # travel beyond this scores 0
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "travel": 0.35,
    "skill": 0.20,
    "load": 0.20,
    "window": 0.15,
    "preference": 0.10,
}
FACTORS = tuple(DEFAULT_WEIGHTS)
EXCLUDED_SHOWN = 20  # excluded engineers listed by name (all are counted)
OFFLINE = TravelTime()


@dataclass(frozen=True)
class Candidate:
    """One engineer as the ranker sees them for one day (minutes on the job's clock).

    ``work`` is None when the engineer does not work that day; ``busy`` are blocks
    already taken (calendar and scheduled work orders) as (start, end) minutes."""

    id: str
    name: str
    lat: float
    lon: float
    skills: frozenset[str]
    certifications: Mapping[str, date]
    regions: frozenset[str]
    work: tuple[float, float] | None
    busy: tuple[tuple[float, float], ...] = ()
    booked_min: float = 0.0
    worked_on_asset: bool = False


@dataclass(frozen=True)
class Job:
    """The work order as the ranker sees it."""

    lat: float
    lon: float
    day: date  # the window's local date: certifications must be valid on it
    window_min: float  # latest arrival, minutes after t0
    duration_min: float
    required_skills: tuple[str, ...] = ()
    region: str | None = None
    preferred: frozenset[str] = frozenset()
    not_before_min: float = 0.0  # now, minutes after t0 (a window already open)
    t0: float = 0.0  # the window's start on the candidates' clock


@dataclass
class Ranking:
    weights: dict[str, float]
    ranked: list[dict[str, Any]] = field(default_factory=list)
    excluded: list[dict[str, Any]] = field(default_factory=list)
    excluded_counts: dict[str, int] = field(default_factory=dict)
    considered: int = 0
    travel_source: str = "haversine"
    travel_method: str = HAVERSINE_METHOD
    travel_note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "weights": self.weights,
            "travel_source": self.travel_source,
            "travel_note": self.travel_note,
            "method": {
                "travel": f"{self.travel_method}; 0 at ≥ {MAX_TRAVEL_MIN:g} min",
                "skill": "per required skill: 1 certified and valid, 0.5 held uncertified",
                "load": "1 − booked minutes / working minutes that day",
                "window": "1 − arrival offset / window length (earlier is better)",
                "preference": "1 customer's preferred engineer, 0.5 worked on this asset",
            },
            "considered": self.considered,
            "eligible": len(self.ranked),
            "ranked": self.ranked,
            "excluded_counts": self.excluded_counts,
            "excluded": self.excluded,
        }


def check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    """The weights to use: the defaults, or ``weights`` (every factor, ≥ 0, sum 1)."""
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if set(weights) != set(FACTORS):
        raise ValueError(f"weights need exactly the factors {', '.join(FACTORS)}")
    if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1.0) > 1e-6:
        raise ValueError("weights must be ≥ 0 and sum to 1")
    return {f: float(weights[f]) for f in FACTORS}


def _skill_check(c: Candidate, job: Job) -> tuple[str | None, float]:
    """(reason excluded or None, skill factor)."""
    if not job.required_skills:
        return None, 1.0
    total = 0.0
    for skill in job.required_skills:
        if skill not in c.skills:
            return "missing_skill", 0.0
        expires = c.certifications.get(skill)
        if expires is None:
            total += 0.5
        elif expires < job.day:
            return "certification_expired", 0.0
        else:
            total += 1.0
    return None, total / len(job.required_skills)


def rank(
    candidates: Sequence[Candidate],
    job: Job,
    weights: Mapping[str, float] | None = None,
    limit: int = 10,
    travel_time: TravelTime | None = None,
) -> Ranking:
    """The eligible candidates best first (at most ``limit``), each explained; travel
    from ``travel_time`` (default: haversine, offline)."""
    w = check_weights(weights)
    result = Ranking(weights=w, considered=len(candidates))
    keep: list[Candidate] = []
    skill_scores: list[float] = []
    for c in candidates:
        reason: str | None
        if c.work is None:
            reason = "not_working"
        elif job.region and c.regions and job.region not in c.regions:
            reason = "outside_region"
        else:
            reason, skill = _skill_check(c, job)
            if reason is None:
                keep.append(c)
                skill_scores.append(skill)
                continue
        _exclude(result, c, reason)
    if not keep:
        return result

    n = len(keep)
    lat = np.fromiter((c.lat for c in keep), float, n)
    lon = np.fromiter((c.lon for c in keep), float, n)
    trip = (travel_time or OFFLINE).travel(lat, lon, job.lat, job.lon)
    km, travel = trip.km, trip.minutes
    result.travel_source, result.travel_method, result.travel_note = (
        trip.source,
        trip.method,
        trip.note,
    )
    work = np.array([c.work for c in keep], dtype=float) - job.t0  # n × 2
    k = max(1, max(len(c.busy) for c in keep))
    busy = np.full((n, k, 2), np.inf)
    for i, c in enumerate(keep):
        if c.busy:
            busy[i, : len(c.busy)] = c.busy
    busy -= job.t0
    arrival = _earliest_arrival(work, busy, travel, job)
    fits = np.isfinite(arrival)

    working = np.maximum(work[:, 1] - work[:, 0], 1.0)
    booked = np.fromiter((c.booked_min for c in keep), float, n)
    factors = {
        "travel": np.clip(1.0 - travel / MAX_TRAVEL_MIN, 0.0, 1.0),
        "skill": np.asarray(skill_scores, dtype=float),
        "load": np.clip(1.0 - booked / working, 0.0, 1.0),
        "window": np.where(fits, np.clip(1.0 - arrival / max(job.window_min, 1.0), 0.0, 1.0), 0.0),
        "preference": np.fromiter(
            (1.0 if c.id in job.preferred else 0.5 if c.worked_on_asset else 0.0 for c in keep),
            float,
            n,
        ),
    }
    weighted = np.zeros(n)
    for f in FACTORS:
        weighted += w[f] * factors[f]
    score = np.where(fits, weighted, -1.0)
    order = np.lexsort((np.arange(n), -score))  # best first; ties: input order
    for unfit in np.flatnonzero(~fits):
        _exclude(result, keep[int(unfit)], "no_slot_in_window")
    for pos in order:
        i = int(pos)
        if not fits[i]:
            continue
        if len(result.ranked) >= limit:
            break
        c = keep[i]
        values = {f: round(float(factors[f][i]), 4) for f in FACTORS}
        result.ranked.append(
            {
                "rank": len(result.ranked) + 1,
                "engineer_id": c.id,
                "name": c.name,
                "score": round(float(score[i]), 4),
                "factors": values,
                "contributions": {f: round(w[f] * values[f], 4) for f in FACTORS},
                "distance_km": round(float(km[i]), 2),
                "travel_min": round(float(travel[i]), 1),
                "arrival_offset_min": round(float(arrival[i]), 1),
                "booked_min": round(float(booked[i]), 1),
            }
        )
    return result


def _earliest_arrival(work: Any, busy: Any, travel: Any, job: Job) -> Any:
    """Per engineer, the earliest arrival (minutes after t0) such that the trip and the
    job fit inside working hours and between busy blocks, arriving by the window's end;
    ``inf`` where there is none. Departures tried: the earliest possible one and the
    end of each busy block."""
    # leave no earlier than work starts, than now, nor to arrive before the window opens
    lo = np.maximum(np.maximum(work[:, 0], job.not_before_min), -travel)
    ends = busy[:, :, 1]
    departures = np.concatenate([lo[:, None], np.where(np.isfinite(ends), ends, np.inf)], 1)
    departures = np.maximum(departures, lo[:, None])
    finish = departures + travel[:, None] + job.duration_min
    arrive = departures + travel[:, None]
    starts, stops = busy[:, None, :, 0], busy[:, None, :, 1]
    clash = (departures[:, :, None] < stops) & (finish[:, :, None] > starts)
    ok = (
        np.isfinite(departures)
        & ~clash.any(axis=2)
        & (finish <= work[:, 1:2])
        & (arrive <= job.window_min)
    )
    return np.where(ok, arrive, np.inf).min(axis=1)


def _exclude(result: Ranking, c: Candidate, reason: str) -> None:
    result.excluded_counts[reason] = result.excluded_counts.get(reason, 0) + 1
    if len(result.excluded) < EXCLUDED_SHOWN:
        result.excluded.append({"engineer_id": c.id, "name": c.name, "reason": reason})
