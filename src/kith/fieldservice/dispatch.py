"""Dispatch: who should take a work order (``recommend``), and a greedy plan for a day's
orders (``plan_day``). Both read only; assigning is ``FieldService.assign``.

``candidates_for`` turns engineers into the ranker's view of one order's day: the
position (live when measured in the last ``LIVE_FRESH`` and the window starts within
``LIVE_HORIZON``, else the home base), working hours of that local day, busy blocks
(calendar and orders already booked) and minutes booked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import as_utc
from kith.db.uow import UnitOfWork
from kith.fieldservice.models import FieldEngineer, WorkOrder
from kith.fieldservice.ranking import Candidate, Job, Ranking, rank
from kith.fieldservice.repository import FieldRepository
from kith.fieldservice.rules import BOOKED, FINISHED

LIVE_FRESH = timedelta(hours=2)
LIVE_HORIZON = timedelta(hours=6)


def _minutes(at: datetime, t0: datetime) -> float:
    return (at - t0).total_seconds() / 60.0


def _local_day(order: WorkOrder, zone: str) -> date:
    return as_utc(order.window_start).astimezone(ZoneInfo(zone)).date()


def _work_hours(engineer: FieldEngineer, day: date, t0: datetime) -> tuple[float, float] | None:
    if day.isoweekday() not in set(engineer.work_days or ()):
        return None
    zone = ZoneInfo(engineer.timezone)
    start = datetime.combine(day, time.fromisoformat(engineer.work_start), zone)
    end = datetime.combine(day, time.fromisoformat(engineer.work_end), zone)
    return _minutes(start, t0), _minutes(end, t0)


def candidates_for(
    order: WorkOrder,
    engineers: Sequence[FieldEngineer],
    booked: Mapping[str, Iterable[WorkOrder]],
    on_asset: set[str],
    now: datetime,
) -> tuple[list[Candidate], Job, dict[str, str]]:
    """The ranker's inputs for ``order``, and where each engineer is taken to be."""
    t0 = as_utc(order.window_start)
    day = _local_day(order, engineers[0].timezone if engineers else "Asia/Shanghai")
    live_ok = t0 - now <= LIVE_HORIZON
    out: list[Candidate] = []
    positions: dict[str, str] = {}
    for e in engineers:
        work = _work_hours(e, day, t0)
        busy: list[tuple[float, float]] = []
        minutes = 0.0
        if work is not None:
            for block in e.calendar or ():
                start = _minutes(datetime.fromisoformat(block["start"]), t0)
                end = _minutes(datetime.fromisoformat(block["end"]), t0)
                if end > work[0] and start < work[1]:
                    busy.append((start, end))
            for other in booked.get(e.id, ()):
                if other.id == order.id or other.scheduled_start is None:
                    continue
                start = _minutes(as_utc(other.scheduled_start), t0)
                if start < work[0] - 60 or start > work[1]:
                    continue
                busy.append((start, start + other.duration_min))
                minutes += other.duration_min
        fresh = e.live_at is not None and now - as_utc(e.live_at) <= LIVE_FRESH and live_ok
        lat, lon = (e.live_lat, e.live_lon) if fresh else (e.home_lat, e.home_lon)
        positions[e.id] = "live" if fresh else "home"
        out.append(
            Candidate(
                id=e.id,
                name=e.name,
                lat=float(lat if lat is not None else e.home_lat),
                lon=float(lon if lon is not None else e.home_lon),
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
    job = Job(
        lat=order.lat,
        lon=order.lon,
        day=day,
        window_min=_minutes(as_utc(order.window_end), t0),
        duration_min=float(order.duration_min),
        required_skills=tuple(order.required_skills or ()),
        region=order.region,
        preferred=frozenset(order.preferred_engineer_ids or ()),
        not_before_min=_minutes(now, t0),
    )
    return out, job, positions


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
) -> dict[str, Any]:
    """The ranked engineers for one order, explained (factors, weights, exclusions)."""
    from kith.core.errors import Conflict, NotFound

    policy.require(principal, "work_order", "read")
    repo = FieldRepository(uow.session, principal.tenant_id)
    order = repo.work_order(order_id)
    if order is None:
        raise NotFound(f"No work order {order_id}")
    if order.status not in {"proposed", "scheduled"}:
        raise Conflict(f"A {order.status} work order is not dispatched any more")
    engineers = repo.engineers(active_only=True)
    booked = _booked_by_engineer(repo, as_utc(order.window_start))
    on_asset = repo.engineers_on_asset(order.asset_serial, FINISHED)
    candidates, job, positions = candidates_for(order, engineers, booked, on_asset, now)
    ranking = rank(candidates, job, weights, limit)
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
    engineers: Sequence[FieldEngineer],
    now: datetime,
    booked: Mapping[str, list[WorkOrder]] | None = None,
) -> list[dict[str, Any]]:
    """A greedy plan: orders by priority then earliest deadline (window end); each goes
    to its best-ranked engineer, whose time is then taken for the next orders. Not an
    optimiser (no re-ordering, no route chaining beyond the busy blocks); read only."""
    rank_of = {"urgent": 0, "high": 1, "normal": 2, "low": 3}
    queue = sorted(orders, key=lambda o: (rank_of.get(o.priority, 2), as_utc(o.window_end), o.id))
    taken: dict[str, list[WorkOrder]] = defaultdict(
        list, {k: list(v) for k, v in (booked or {}).items()}
    )
    plan: list[dict[str, Any]] = []
    for order in queue:
        candidates, job, _ = candidates_for(order, engineers, taken, set(), now)
        ranking = rank(candidates, job, limit=1)
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
        taken[best["engineer_id"]].append(_placeholder(order, best["engineer_id"], start))
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


def _placeholder(order: WorkOrder, engineer_id: str, start: datetime) -> WorkOrder:
    """A detached copy of ``order`` booked for the engineer (the plan's working state)."""
    return WorkOrder(
        id=order.id + "~",
        duration_min=order.duration_min,
        engineer_id=engineer_id,
        scheduled_start=start,
        status="scheduled",
    )


def plan_for_day(
    uow: UnitOfWork, principal: Principal, day: date, now: datetime, zone: str = "Asia/Shanghai"
) -> dict[str, Any]:
    """The greedy plan of the proposed orders whose window opens on local ``day``."""
    policy.require(principal, "work_order", "read")
    repo = FieldRepository(uow.session, principal.tenant_id)
    start = datetime.combine(day, time(0), ZoneInfo(zone))
    end = start + timedelta(days=1)
    orders = repo.window_opening_between(start, end, ("proposed",))
    engineers = repo.engineers(active_only=True)
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
