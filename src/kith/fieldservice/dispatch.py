"""Dispatch: who should take a work order (``recommend``), and a greedy plan for a day's
orders (``plan_day``). Both read only; assigning is ``FieldService.assign``.

``day_candidates`` turns engineers into the ranker's view of one local day (built once
per day, shared by that day's orders): the position (the live fix on the day itself when
under ``LIVE_FRESH`` old, else the home base), working hours, busy blocks (calendar and
orders already booked) and minutes booked; ``job_for`` is the order's side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import as_utc
from kith.db.uow import UnitOfWork
from kith.fieldservice.models import WorkOrder
from kith.fieldservice.ranking import Candidate, Job, Ranking, rank
from kith.fieldservice.repository import FieldRepository
from kith.fieldservice.routing import TravelTime
from kith.fieldservice.rules import BOOKED, FINISHED

LIVE_FRESH = timedelta(hours=2)
ZONE = "Asia/Shanghai"  # the dispatch day's calendar (orders' local day)


def epoch_min(at: datetime) -> float:
    """Minutes since the Unix epoch: the ranker's clock."""
    return as_utc(at).timestamp() / 60.0


def local_day(at: datetime, zone: str = ZONE) -> date:
    return as_utc(at).astimezone(ZoneInfo(zone)).date()


def _work_hours(
    engineer: Any, day: date, memo: dict[tuple[str, str, str], tuple[float, float]]
) -> tuple[float, float] | None:
    if day.isoweekday() not in (engineer.work_days or ()):
        return None
    key = (engineer.timezone, engineer.work_start, engineer.work_end)
    if key not in memo:
        zone = ZoneInfo(engineer.timezone)
        start = datetime.combine(day, time.fromisoformat(engineer.work_start), zone)
        end = datetime.combine(day, time.fromisoformat(engineer.work_end), zone)
        memo[key] = (epoch_min(start), epoch_min(end))
    return memo[key]


def day_candidates(
    engineers: Sequence[Any],
    day: date,
    booked: Mapping[str, Iterable[WorkOrder]],
    on_asset: set[str],
    now: datetime,
    *,
    skip_order: str | None = None,
) -> tuple[list[Candidate], dict[str, str]]:
    """The engineers as the ranker sees them on local ``day``: hours, busy blocks
    (calendar and booked orders, except ``skip_order``), minutes booked, and position —
    the live fix when the day is today and the fix is under ``LIVE_FRESH`` old, else the
    home base. Also where each engineer is taken to be ("live" or "home")."""
    live_day = local_day(now) == day
    memo: dict[tuple[str, str, str], tuple[float, float]] = {}
    out: list[Candidate] = []
    positions: dict[str, str] = {}
    for e in engineers:
        work = _work_hours(e, day, memo)
        busy: list[tuple[float, float]] = []
        minutes = 0.0
        if work is not None:
            for block in e.calendar or ():
                start = epoch_min(datetime.fromisoformat(block["start"]))
                end = epoch_min(datetime.fromisoformat(block["end"]))
                if end > work[0] and start < work[1]:
                    busy.append((start, end))
            for other in booked.get(e.id, ()):
                if other.id == skip_order or other.scheduled_start is None:
                    continue
                start = epoch_min(other.scheduled_start)
                if work[0] - 60 <= start <= work[1]:
                    busy.append((start, start + other.duration_min))
                    minutes += other.duration_min
        fresh = (
            live_day
            and e.live_at is not None
            and e.live_lat is not None
            and e.live_lon is not None
            and now - as_utc(e.live_at) <= LIVE_FRESH
        )
        positions[e.id] = "live" if fresh else "home"
        out.append(
            Candidate(
                id=e.id,
                name=e.name,
                lat=float(e.live_lat if fresh else e.home_lat),
                lon=float(e.live_lon if fresh else e.home_lon),
                skills=frozenset(e.skills or ()),
                certifications={
                    c["skill"]: date.fromisoformat(c["expires_on"]) for c in e.certifications or ()
                },
                regions=frozenset(e.regions or ()),
                work=work,
                busy=tuple(sorted(busy)),
                booked_min=minutes,
                worked_on_asset=e.id in on_asset,
            )
        )
    return out, positions


def job_for(order: WorkOrder, now: datetime) -> Job:
    t0 = epoch_min(order.window_start)
    return Job(
        lat=order.lat,
        lon=order.lon,
        day=local_day(order.window_start),
        window_min=epoch_min(order.window_end) - t0,
        duration_min=float(order.duration_min),
        required_skills=tuple(order.required_skills or ()),
        region=order.region,
        preferred=frozenset(order.preferred_engineer_ids or ()),
        not_before_min=epoch_min(now) - t0,
        t0=t0,
    )


def _booked_by_engineer(repo: FieldRepository, around: datetime) -> dict[str, list[WorkOrder]]:
    rows = repo.booked_between(around - timedelta(days=1), around + timedelta(days=1), BOOKED)
    by: dict[str, list[WorkOrder]] = defaultdict(list)
    for row in rows:
        if row.engineer_id:
            by[row.engineer_id].append(row)
    return by


def recommend(
    uow: UnitOfWork,
    principal: Principal,
    order_id: str,
    now: datetime,
    weights: Mapping[str, float] | None = None,
    limit: int = 10,
    travel_time: TravelTime | None = None,
) -> dict[str, Any]:
    """The ranked engineers for one order, explained (factors, weights, exclusions,
    and where travel times came from: ``travel_source``)."""
    from kith.core.errors import Conflict, NotFound

    policy.require(principal, "work_order", "read")
    repo = FieldRepository(uow.session, principal.tenant_id)
    order = repo.work_order(order_id)
    if order is None:
        raise NotFound(f"No work order {order_id}")
    if order.status not in {"proposed", "scheduled"}:
        raise Conflict(f"A {order.status} work order is not dispatched any more")
    engineers = repo.engineers_for_dispatch()
    booked = _booked_by_engineer(repo, as_utc(order.window_start))
    on_asset = repo.engineers_on_asset(order.asset_serial, FINISHED)
    day = local_day(order.window_start)
    candidates, positions = day_candidates(
        engineers, day, booked, on_asset, now, skip_order=order.id
    )
    ranking = rank(candidates, job_for(order, now), weights, limit, travel_time)
    return _explained(order, ranking, positions)


def _explained(order: WorkOrder, ranking: Ranking, positions: Mapping[str, str]) -> dict[str, Any]:
    out = ranking.as_dict()
    t0 = as_utc(order.window_start)
    for item in out["ranked"]:
        item["position"] = positions.get(item["engineer_id"], "home")
        arrival = t0 + timedelta(minutes=round(item["arrival_offset_min"]))
        item["arrival"] = arrival.isoformat()
    out["work_order_id"] = order.id
    out["work_order_number"] = order.number
    out["top_engineer_id"] = out["ranked"][0]["engineer_id"] if out["ranked"] else None
    return out


def plan_day(
    orders: Sequence[WorkOrder],
    engineers: Sequence[Any],
    now: datetime,
    booked: Mapping[str, list[WorkOrder]] | None = None,
) -> list[dict[str, Any]]:
    """A greedy plan: orders by priority then earliest deadline (window end); each goes
    to its best-ranked engineer, whose time is then taken for the next orders. Not an
    optimiser (no re-ordering, no route chaining: travel is from the engineer's
    position, not the previous site); read only."""
    rank_of = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    queue = sorted(orders, key=lambda o: (rank_of.get(o.priority, 2), as_utc(o.window_end), o.id))
    days: dict[date, list[Candidate]] = {}
    plan: list[dict[str, Any]] = []
    for order in queue:
        day = local_day(order.window_start)
        if day not in days:
            days[day] = day_candidates(engineers, day, booked or {}, set(), now)[0]
        candidates = days[day]
        ranking = rank(candidates, job_for(order, now), limit=1)
        if not ranking.ranked:
            plan.append(
                {
                    "work_order_id": order.id,
                    "engineer_id": None,
                    "unplanned": ranking.excluded_counts,
                }
            )
            continue
        best = ranking.ranked[0]
        start = as_utc(order.window_start) + timedelta(minutes=round(best["arrival_offset_min"]))
        index = next(i for i, c in enumerate(candidates) if c.id == best["engineer_id"])
        taken = candidates[index]
        begin = epoch_min(start)
        candidates[index] = replace(
            taken,
            busy=tuple(sorted((*taken.busy, (begin, begin + order.duration_min)))),
            booked_min=taken.booked_min + order.duration_min,
        )
        plan.append(
            {
                "work_order_id": order.id,
                "engineer_id": best["engineer_id"],
                "scheduled_start": start.isoformat(),
                "score": best["score"],
                "travel_min": best["travel_min"],
            }
        )
    return plan


def plan_for_day(
    uow: UnitOfWork, principal: Principal, day: date, now: datetime, zone: str = "Asia/Shanghai"
) -> dict[str, Any]:
    """The greedy plan of the proposed orders whose window opens on local ``day``."""
    policy.require(principal, "work_order", "read")
    repo = FieldRepository(uow.session, principal.tenant_id)
    start = datetime.combine(day, time(0), ZoneInfo(zone))
    end = start + timedelta(days=1)
    orders = repo.window_opening_between(start, end, ("proposed",))
    engineers = repo.engineers_for_dispatch()
    booked = _booked_by_engineer(repo, start + timedelta(hours=12))
    plan = plan_day(orders, engineers, now, booked)
    planned = sum(1 for p in plan if p["engineer_id"])
    return {
        "day": day.isoformat(),
        "method": "greedy: priority, then earliest window end; each order to its best-ranked "
        "engineer, whose time is then taken (not an optimiser)",
        "orders": len(plan),
        "planned": planned,
        "unplanned": len(plan) - planned,
        "plan": plan,
    }
