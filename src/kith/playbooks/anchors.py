"""Value anchors: a named, quantified target on a metric of Kith's data, tracked daily
with history, and — when off track — the gap attributed to its drivers.

Attribution decomposes the misses (late tickets, lost renewals, leads not contacted
in time) over each dimension of the anchor: for every group, its share of all misses
and its own miss rate against the overall one. The largest contributors are named in
a sentence in Chinese and English ("83% of the 12 late tickets had waiting on =
技术支持部"). The "expected" value is the straight path from the baseline on
``starts_on`` to the target on ``deadline``; a day is on track when the metric is at
least as good as that path.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, ValidationFailed
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.playbooks.metrics import DIMENSION_WORDS, METRICS, NONE, Item, Metric, value_of
from kith.playbooks.models import AnchorReading, ValueAnchor
from kith.playbooks.repository import PlaybookRepository
from kith.playbooks.schemas import AnchorIn

TOP = 3


def decompose(items: Sequence[Item], dimensions: Sequence[str]) -> list[dict[str, Any]]:
    """Every (dimension, group) with misses, largest share of misses first; a dimension
    with a single group (every row alike, e.g. the anchor's own filter) is left out."""
    total_misses = sum(1 for i in items if i.miss)
    if not total_misses:
        return []
    overall = total_misses / len(items)
    drivers: list[dict[str, Any]] = []
    for dimension in dimensions:
        size: Counter[str] = Counter()
        misses: Counter[str] = Counter()
        for item in items:
            group = item.dims.get(dimension, NONE)
            size[group] += 1
            misses[group] += item.miss
        if len(size) < 2:
            continue  # one group for every row (e.g. the filter's own value) explains nothing
        for group, missed in misses.items():
            if not missed:
                continue
            drivers.append(
                {
                    "dimension": dimension,
                    "group": group,
                    "misses": missed,
                    "items": size[group],
                    "share_of_misses": round(missed / total_misses, 4),
                    "miss_rate": round(missed / size[group], 4),
                    "overall_miss_rate": round(overall, 4),
                }
            )
    drivers.sort(
        key=lambda d: (
            -float(d["share_of_misses"]),
            -float(d["miss_rate"]),
            str(d["dimension"]),
            str(d["group"]),
        )
    )
    return drivers


def sentences(
    metric: Metric, drivers: Sequence[dict[str, Any]], total_misses: int
) -> tuple[str | None, str | None]:
    """The largest contributors (named groups, not "(none)") in zh and en."""
    named = [d for d in drivers if d["group"] != NONE][:2]
    if not named or not total_misses:
        return None, None
    en_parts, zh_parts = [], []
    for d in named:
        en_word, zh_word = DIMENSION_WORDS.get(d["dimension"], (d["dimension"], d["dimension"]))
        pct = round(100 * d["share_of_misses"])
        en_parts.append(f"{pct}% had {en_word} = {d['group']}")
        zh_parts.append(f"{pct}% 的{zh_word}为「{d['group']}」")
    en = f"Of the {total_misses} {metric.miss_en}, " + "; ".join(en_parts) + "."
    zh = f"{total_misses} 个{metric.miss_zh}中," + ";".join(zh_parts) + "。"
    return zh, en


def expected_on(anchor: ValueAnchor, day: date) -> float:
    span = (anchor.deadline - anchor.starts_on).days
    done = min(max((day - anchor.starts_on).days, 0), span)
    return anchor.baseline + (anchor.target - anchor.baseline) * done / span


def on_track(anchor: ValueAnchor, value: float | None, expected: float) -> bool:
    if value is None:
        return False
    lower_better = anchor.target < anchor.baseline
    return value <= expected if lower_better else value >= expected


def compute(uow: UnitOfWork, anchor: ValueAnchor, as_of: datetime) -> AnchorReading:
    """The reading of ``anchor`` for ``as_of``'s day (replacing an earlier one)."""
    metric = METRICS[anchor.metric]
    items = metric.items(uow.session, anchor.tenant_id, anchor.params, as_of, anchor.target)
    value = value_of(metric, items)
    day = as_of.date()
    expected = expected_on(anchor, day)
    track = on_track(anchor, value, expected)
    drivers = decompose(items, anchor.dimensions or metric.dimensions)
    misses = sum(1 for i in items if i.miss)
    zh, en = sentences(metric, drivers, misses)
    repo = PlaybookRepository(uow.session, anchor.tenant_id)
    reading = repo.reading(anchor.id, day)
    if reading is None:
        reading = AnchorReading(tenant_id=anchor.tenant_id, anchor_id=anchor.id, day=day)
        uow.session.add(reading)
    reading.value = round(value, 4) if value is not None else None
    reading.sample = len(items)
    reading.expected = round(expected, 4)
    reading.on_track = track
    reading.drivers = drivers[:10]
    reading.sentence_zh = zh
    reading.sentence_en = en
    reading.computed_at = as_of
    uow.session.flush()
    return reading


def compute_all(uow: UnitOfWork, tenant_id: str, now: datetime) -> list[dict[str, Any]]:
    from kith.access.service import system_principal

    actor = system_principal(tenant_id, "anchors").actor
    out = []
    for anchor in PlaybookRepository(uow.session, tenant_id).anchors():
        if anchor.state != "active":
            continue
        reading = compute(uow, anchor, now)
        payload = reading_dict(reading)
        uow.emit(
            DomainEvent(
                EventType.ANCHOR_COMPUTED,
                tenant_id,
                "anchor",
                anchor.id,
                actor,
                {"name": anchor.name, **payload},
                summary=en_summary(anchor, reading),
                occurred_at=now,
            )
        )
        out.append({"anchor_id": anchor.id, **payload})
    return out


def en_summary(anchor: ValueAnchor, reading: AnchorReading) -> str:
    track = "on track" if reading.on_track else "off track"
    return f"{anchor.name}: {reading.value} ({track}, expected {reading.expected})"


def reading_dict(r: AnchorReading) -> dict[str, Any]:
    return {
        "day": r.day.isoformat(),
        "value": r.value,
        "sample": r.sample,
        "expected": r.expected,
        "on_track": r.on_track,
        "drivers": r.drivers,
        "sentence_zh": r.sentence_zh,
        "sentence_en": r.sentence_en,
    }


def anchor_dict(a: ValueAnchor, latest: AnchorReading | None) -> dict[str, Any]:
    progress = None
    if latest is not None and latest.value is not None:
        progress = round((latest.value - a.baseline) / (a.target - a.baseline), 4)
    return {
        "id": a.id,
        "name": a.name,
        "metric": a.metric,
        "params": a.params,
        "dimensions": a.dimensions,
        "baseline": a.baseline,
        "target": a.target,
        "starts_on": a.starts_on.isoformat(),
        "deadline": a.deadline.isoformat(),
        "owner_id": a.owner_id,
        "state": a.state,
        "progress": progress,
        "latest": reading_dict(latest) if latest is not None else None,
    }


class AnchorService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = PlaybookRepository(uow.session, principal.tenant_id)

    def create(self, body: AnchorIn) -> dict[str, Any]:
        policy.require(self.principal, "anchor", "create")
        if self.repo.anchor_by_name(body.name) is not None:
            raise Conflict(
                "an anchor with this name exists", [FieldError(["body", "name"], "taken")]
            )
        metric = METRICS[body.metric]
        unknown = [d for d in body.dimensions if d not in metric.dimensions]
        if unknown:
            raise ValidationFailed(
                "unknown dimension",
                [
                    FieldError(
                        ["body", "dimensions", body.dimensions.index(d)],
                        f"one of {', '.join(metric.dimensions)}",
                    )
                    for d in unknown
                ],
            )
        if metric.kind == "rate" and (body.baseline > 1 or body.target > 1):
            raise ValidationFailed(
                "a rate is a share between 0 and 1",
                [FieldError(["body", "target" if body.target > 1 else "baseline"], "at most 1")],
            )
        self._check_owner(body.owner_id)
        anchor = ValueAnchor(
            tenant_id=self.principal.tenant_id,
            name=body.name,
            metric=body.metric,
            params=body.params,
            dimensions=list(body.dimensions) or list(metric.dimensions),
            baseline=body.baseline,
            target=body.target,
            starts_on=body.starts_on,
            deadline=body.deadline,
            owner_id=body.owner_id,
            state="active",
            created_by=self.principal.id,
            created_at=self.clock(),
        )
        self.uow.session.add(anchor)
        self.uow.session.flush()
        detail = {
            "name": anchor.name,
            "metric": anchor.metric,
            "baseline": anchor.baseline,
            "target": anchor.target,
        }
        self.uow.emit(
            DomainEvent(
                EventType.ANCHOR_CREATED,
                anchor.tenant_id,
                "anchor",
                anchor.id,
                self.principal.actor,
                detail,
                summary=anchor.name,
                occurred_at=self.clock(),
            )
        )
        self.uow.audit(
            anchor.tenant_id, self.principal.actor, "anchor.create", "anchor", anchor.id, **detail
        )
        return anchor_dict(anchor, None)

    def _check_owner(self, owner_id: str) -> None:
        from kith.access.models import User

        user = self.uow.session.get(User, owner_id)
        if user is None or user.tenant_id != self.principal.tenant_id:
            raise ValidationFailed(
                "unknown owner", [FieldError(["body", "owner_id"], "no such user")]
            )

    def list(self) -> list[dict[str, Any]]:
        policy.require(self.principal, "anchor", "read")
        out = []
        for anchor in self.repo.anchors():
            latest = self.repo.readings(anchor.id, limit=1)
            out.append(anchor_dict(anchor, latest[0] if latest else None))
        return out

    def show(self, anchor_id: str) -> dict[str, Any]:
        policy.require(self.principal, "anchor", "read")
        anchor = self.repo.anchor(anchor_id)
        readings = self.repo.readings(anchor.id)
        out = anchor_dict(anchor, readings[0] if readings else None)
        out["history"] = [
            {
                "day": r.day.isoformat(),
                "value": r.value,
                "expected": r.expected,
                "on_track": r.on_track,
                "sample": r.sample,
            }
            for r in reversed(readings)
        ]
        return out

    def compute_now(self, anchor_id: str) -> dict[str, Any]:
        policy.require(self.principal, "anchor", "update")
        anchor = self.repo.anchor(anchor_id)
        reading = compute(self.uow, anchor, self.clock())
        self.uow.emit(
            DomainEvent(
                EventType.ANCHOR_COMPUTED,
                anchor.tenant_id,
                "anchor",
                anchor.id,
                self.principal.actor,
                {"name": anchor.name, **reading_dict(reading)},
                summary=en_summary(anchor, reading),
                occurred_at=self.clock(),
            )
        )
        return self.show(anchor.id)


def by_dimension(drivers: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in drivers:
        grouped[d["dimension"]].append(d)
    return dict(grouped)
