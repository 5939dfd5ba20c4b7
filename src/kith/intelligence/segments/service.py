"""Saved segments: definitions, validation, evaluation, refresh and membership.

A segment's definition combines, all of which must hold:

- ``filters``: record filters in the list filter language of ``kith.crm.query``
  (``{"field": "city", "op": "eq", "value": "上海"}`` or the text form
  ``"city:eq:上海"``), so a filtered contacts list can be saved as it is;
- ``scores``: conditions on the latest stored score of a model
  (``{"model": "churn", "op": "gte", "value": 0.6}``);
- ``rfm`` / ``clusters``: labels of the RFM segmentation or k-means cluster ids
  of the behavioural segmentation (``kith.intelligence.segments.behaviour``), computed over
  the whole workspace's orders at evaluation time.

Stored membership is tenant-wide (evaluated as the system); a preview is
evaluated as the person asking, so it shows only records they may read.
Services never commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.core.clock import utcnow
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.ids import new_id
from kith.crm import models as crm
from kith.crm.query import OPS, Filter, parse_filter
from kith.crm.repository import IN_CHUNK, RecordRepository
from kith.crm.specs import SPECS
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent
from kith.intelligence.models import ModelVersion, Score, Segment, SegmentMember, SegmentRefresh

if TYPE_CHECKING:
    import pandas as pd

OBJECT_TYPES = ("contact", "account")
# Seconds between scheduled refreshes; "manual" segments refresh only when asked.
REFRESH_INTERVALS: dict[str, int | None] = {"manual": None, "hourly": 3600, "daily": 86400}
SCORE_OPS = ("gt", "gte", "lt", "lte")
# Kinds the built-in models write (kith.intelligence.scoring.builtin), valid before the
# first scoring.
BUILTIN_SCORE_KINDS = frozenset({"churn", "deal_win", "lead_conversion", "sentiment"})
# The names of kith.intelligence.segments.behaviour.SEGMENTS, spelt out so that importing this
# module (the gateway does, for its tools) does not load pandas and scikit-learn.
RFM_LABELS = ("champions", "loyal", "new", "at_risk", "hibernating", "potential")
MAX_CLUSTER = 5  # clusters() picks k in 2..6
# Per refresh and direction, at most this many member_added/member_removed events; the
# rest is summed up in segment.refreshed. Agents have hourly budgets (120 steps by
# default): thousands of per-member events would mostly become refused steps and
# outbox churn, while a few hundred are what an agent can act on one by one.
MEMBER_EVENT_CAP = 200
PREVIEW_SAMPLE = 20

Name = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z][a-z0-9_]{1,79}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Scalar = str | int | float | bool | None


class FilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    op: str
    value: Scalar | list[str | int | float] = None


class ScoreCondition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    op: str
    value: float


class Definition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filters: list[FilterIn | str] = Field(default_factory=list, max_length=50)
    scores: list[ScoreCondition] = Field(default_factory=list, max_length=10)
    rfm: list[str] = Field(default_factory=list, max_length=len(RFM_LABELS))
    clusters: list[int] = Field(default_factory=list, max_length=MAX_CLUSTER + 1)


class SegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    label_zh: Label
    label_en: Label
    object_type: Literal["contact", "account"] = "contact"
    definition: Definition
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    refresh_policy: Literal["manual", "hourly", "daily"] = "manual"


class SegmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label_zh: Label | None = None
    label_en: Label | None = None
    definition: Definition | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None
    refresh_policy: Literal["manual", "hourly", "daily"] | None = None


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: Literal["contact", "account"] = "contact"
    definition: Definition


@dataclass(frozen=True)
class Compiled:
    """A validated definition: parsed filters plus the checked score/behaviour parts."""

    object_type: str
    filters: tuple[Filter, ...]
    scores: tuple[ScoreCondition, ...]
    rfm: frozenset[str]
    clusters: frozenset[int]


@dataclass(frozen=True)
class Qualified:
    """Why one record is in: the first score condition's score and a snapshot."""

    score: float | None
    snapshot: dict[str, Any]


@dataclass(frozen=True)
class Diff:
    added: list[str]
    removed: list[str]


@dataclass(frozen=True)
class RefreshResult:
    segment_id: str
    name: str
    added: int
    removed: int
    total: int
    seconds: float
    events_capped: bool


def diff(current: Iterable[str], target: Iterable[str]) -> Diff:
    """Adds and removes that turn ``current`` into ``target`` (each sorted)."""
    now, then = set(current), set(target)
    return Diff(sorted(then - now), sorted(now - then))


def segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "label_zh": segment.label_zh,
        "label_en": segment.label_en,
        "object_type": segment.object_type,
        "definition": segment.definition,
        "description": segment.description,
        "owner_id": segment.owner_id,
        "refresh_policy": segment.refresh_policy,
        "member_count": segment.member_count,
        "last_refreshed_at": segment.last_refreshed_at,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "created_by": segment.created_by,
    }


# --- validation ------------------------------------------------------------------------


def _loc(prefix: Sequence[str | int], *rest: str | int) -> list[str | int]:
    return [*prefix, *rest]


def _filter_text(item: FilterIn) -> str:
    value = item.value
    if isinstance(value, list):
        raw = ",".join(str(v) for v in value)
    elif isinstance(value, bool):
        raw = "true" if value else "false"
    else:
        raw = "" if value is None else str(value)
    return f"{item.field}:{item.op}:{raw}"


def _compile_filter(
    object_type: str,
    item: FilterIn | str,
    index: int,
    custom_fields: Mapping[str, str],
    prefix: Sequence[str | int],
) -> Filter:
    spec = SPECS[object_type]
    at = _loc(prefix, "filters", index)
    if isinstance(item, str):
        parts = item.split(":", 2)
        if len(parts) < 2:
            raise ValidationFailed(
                "Filters look like field:op:value", [FieldError(at, "expected field:op:value")]
            )
        item = FilterIn(field=parts[0], op=parts[1], value=parts[2] if len(parts) == 3 else None)
    name = item.field
    known = (
        name.removeprefix("custom.") in custom_fields
        if name.startswith("custom.")
        else name in spec.filterable
    )
    if not known:
        why = "sensitive fields cannot be filtered" if name in spec.sensitive_fields else ""
        raise ValidationFailed(
            f"{spec.plural} cannot be filtered by {name!r}",
            [FieldError(_loc(at, "field"), why or "unknown field")],
        )
    if item.op not in OPS:
        raise ValidationFailed(
            f"Unknown filter operator {item.op!r}",
            [FieldError(_loc(at, "op"), f"op must be one of {', '.join(sorted(OPS))}")],
        )
    try:
        return parse_filter(spec, _filter_text(item), index, dict(custom_fields))
    except ValidationFailed as exc:
        message = exc.errors[0].message if exc.errors else exc.detail
        raise ValidationFailed(exc.detail, [FieldError(_loc(at, "value"), message)]) from exc


def known_score_models(session: Session, tenant_id: str) -> set[str]:
    """Score kinds a condition may name: built-in ones, stored ones, registered models."""
    kinds = set(session.scalars(select(Score.kind).where(Score.tenant_id == tenant_id).distinct()))
    names = set(
        session.scalars(
            select(ModelVersion.name).where(ModelVersion.tenant_id == tenant_id).distinct()
        )
    )
    return set(BUILTIN_SCORE_KINDS) | kinds | names


def compile_definition(
    definition: Definition,
    object_type: str,
    *,
    custom_fields: Mapping[str, str],
    score_models: set[str],
    prefix: Sequence[str | int] = ("definition",),
) -> Compiled:
    """Check every part of a definition; errors carry the path of the offending part."""
    if object_type not in OBJECT_TYPES:
        raise ValidationFailed(
            f"segments are of {' or '.join(OBJECT_TYPES)}",
            [FieldError(["object_type"], "unknown object type")],
        )
    if not (definition.filters or definition.scores or definition.rfm or definition.clusters):
        raise ValidationFailed(
            "A segment needs at least one condition",
            [FieldError(list(prefix), "give filters, scores, rfm or clusters")],
        )
    filters = tuple(
        _compile_filter(object_type, item, i, custom_fields, prefix)
        for i, item in enumerate(definition.filters)
    )
    for i, cond in enumerate(definition.scores):
        if cond.model not in score_models:
            raise ValidationFailed(
                f"No model or score kind {cond.model!r}",
                [FieldError(_loc(prefix, "scores", i, "model"), "unknown model")],
            )
        if cond.op not in SCORE_OPS:
            raise ValidationFailed(
                f"Unknown score operator {cond.op!r}",
                [FieldError(_loc(prefix, "scores", i, "op"), f"op must be one of {SCORE_OPS}")],
            )
    for i, label in enumerate(definition.rfm):
        if label not in RFM_LABELS:
            raise ValidationFailed(
                f"Unknown RFM segment {label!r}",
                [FieldError(_loc(prefix, "rfm", i), f"one of {', '.join(RFM_LABELS)}")],
            )
    for i, cluster in enumerate(definition.clusters):
        if not 0 <= cluster <= MAX_CLUSTER:
            raise ValidationFailed(
                f"Cluster ids run from 0 to {MAX_CLUSTER}",
                [FieldError(_loc(prefix, "clusters", i), f"between 0 and {MAX_CLUSTER}")],
            )
    return Compiled(
        object_type,
        filters,
        tuple(definition.scores),
        frozenset(definition.rfm),
        frozenset(definition.clusters),
    )


# --- evaluation --------------------------------------------------------------------------


def _score_condition(cond: ScoreCondition) -> ColumnElement[bool]:
    column = Score.score
    ops: dict[str, Callable[[], ColumnElement[bool]]] = {
        "gt": lambda: column > cond.value,
        "gte": lambda: column >= cond.value,
        "lt": lambda: column < cond.value,
        "lte": lambda: column <= cond.value,
    }
    return ops[cond.op]()


def _behaviour_table(
    session: Session, tenant_id: str, object_type: str, now: datetime, with_clusters: bool
) -> pd.DataFrame:
    """RFM (and cluster) per customer over every order of the workspace."""
    import pandas as pd

    from kith.intelligence.segments import behaviour

    key = crm.Order.contact_id if object_type == "contact" else crm.Order.account_id
    rows = session.execute(
        select(key, crm.Order.ordered_at, crm.Order.total).where(
            crm.Order.tenant_id == tenant_id,
            crm.Order.deleted_at.is_(None),
            key.is_not(None),
            crm.Order.ordered_at.is_not(None),
        )
    ).all()
    if not rows:
        return pd.DataFrame(columns=["segment", "cluster"])
    orders = pd.DataFrame(rows, columns=["customer", "ordered_at", "total"])
    orders["ordered_at"] = pd.to_datetime(orders["ordered_at"], utc=True).dt.tz_localize(None)
    orders["total"] = pd.to_numeric(orders["total"], errors="coerce").fillna(0.0)
    table = behaviour.rfm(orders, now)
    table["cluster"] = behaviour.clusters(table)[0] if with_clusters and len(table) > 2 else 0
    return table


def evaluate(
    session: Session,
    principal: Principal,
    compiled: Compiled,
    now: datetime,
) -> dict[str, Qualified]:
    """The records that qualify, as the principal may read them."""
    spec = SPECS[compiled.object_type]
    repo = RecordRepository(session, principal)
    model = spec.model
    stmt = repo.scoped(spec, "read").with_only_columns(model.id)
    stmt = stmt.where(*(repo._condition(spec, f) for f in compiled.filters))
    ids = set(session.scalars(stmt))
    # Each score condition is its own range scan of (tenant, kind, score), intersected
    # here: joined to the records in SQL, PostgreSQL without statistics (right after a
    # bulk load) planned a nested loop over every score per record, minutes for 50,000.
    for cond in compiled.scores:
        ids &= set(
            session.scalars(
                select(Score.record_id).where(
                    Score.tenant_id == principal.tenant_id,
                    Score.kind == cond.model,
                    Score.object_type == compiled.object_type,
                    _score_condition(cond),
                )
            )
        )
    snapshots: dict[str, dict[str, Any]] = {i: {} for i in sorted(ids)}
    if compiled.rfm or compiled.clusters:
        table = _behaviour_table(
            session, principal.tenant_id, compiled.object_type, now, bool(compiled.clusters)
        )
        snapshots = _keep_behaviour(snapshots, table, compiled)
    scores = _scores_of(session, principal.tenant_id, compiled, list(snapshots))
    first = compiled.scores[0].model if compiled.scores else None
    out: dict[str, Qualified] = {}
    for record_id, snap in snapshots.items():
        mine = scores.get(record_id, {})
        if mine:
            snap = {**snap, "scores": mine}
        out[record_id] = Qualified(mine.get(first) if first else None, snap)
    return out


def _keep_behaviour(
    snapshots: dict[str, dict[str, Any]], table: pd.DataFrame, compiled: Compiled
) -> dict[str, dict[str, Any]]:
    kept: dict[str, dict[str, Any]] = {}
    labels = table["segment"].to_dict()
    clusters = table["cluster"].to_dict()
    for record_id, snap in snapshots.items():
        label = labels.get(record_id)
        if label is None:
            continue  # no orders: in no RFM segment and no cluster
        cluster = int(clusters[record_id])
        if compiled.rfm and label not in compiled.rfm:
            continue
        if compiled.clusters and cluster not in compiled.clusters:
            continue
        extra = {"cluster": cluster} if compiled.clusters else {}
        kept[record_id] = {**snap, "rfm": label, **extra}
    return kept


def _scores_of(
    session: Session, tenant_id: str, compiled: Compiled, ids: Sequence[str]
) -> dict[str, dict[str, float]]:
    kinds = sorted({c.model for c in compiled.scores})
    out: dict[str, dict[str, float]] = {}
    if not kinds:
        return out
    for start in range(0, len(ids), IN_CHUNK):
        rows = session.execute(
            select(Score.record_id, Score.kind, Score.score).where(
                Score.tenant_id == tenant_id,
                Score.object_type == compiled.object_type,
                Score.kind.in_(kinds),
                Score.record_id.in_(ids[start : start + IN_CHUNK]),
            )
        )
        for record_id, kind, score in rows:
            out.setdefault(record_id, {})[kind] = float(score)
    return out


# --- membership lookups for agents ------------------------------------------------------


def in_segment(session: Session, tenant_id: str, record_id: str, segment_name: str) -> bool:
    """True when the record is a stored member of the tenant's segment ``segment_name``.

    For agents: membership is as of the segment's last refresh (no recomputation).
    """
    stmt = (
        select(SegmentMember.id)
        .join(Segment, Segment.id == SegmentMember.segment_id)
        .where(
            Segment.tenant_id == tenant_id,
            Segment.name == segment_name,
            SegmentMember.tenant_id == tenant_id,
            SegmentMember.record_id == record_id,
        )
    )
    return session.scalars(stmt.limit(1)).first() is not None


def segments_of(session: Session, tenant_id: str, record_id: str) -> list[str]:
    """Names of the segments the record is a stored member of."""
    stmt = (
        select(Segment.name)
        .join(SegmentMember, SegmentMember.segment_id == Segment.id)
        .where(SegmentMember.tenant_id == tenant_id, SegmentMember.record_id == record_id)
        .order_by(Segment.name)
    )
    return list(session.scalars(stmt))


def member_ids(session: Session, tenant_id: str, segment_id: str) -> list[str]:
    stmt = select(SegmentMember.record_id).where(
        SegmentMember.tenant_id == tenant_id, SegmentMember.segment_id == segment_id
    )
    return sorted(session.scalars(stmt))


# --- use cases ---------------------------------------------------------------------------


class SegmentService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.tenant_id = principal.tenant_id
        self.clock = clock

    @property
    def session(self) -> Session:
        return self.uow.session

    # -- reads -------------------------------------------------------------
    def get(self, ref: str) -> Segment:
        """A segment by id or name."""
        policy.require(self.principal, "segment", "read")
        return self._find(ref)

    def all(self) -> list[Segment]:
        policy.require(self.principal, "segment", "read")
        stmt = select(Segment).where(Segment.tenant_id == self.tenant_id).order_by(Segment.name)
        return list(self.session.scalars(stmt))

    def _find(self, ref: str) -> Segment:
        stmt = select(Segment).where(
            Segment.tenant_id == self.tenant_id, (Segment.id == ref) | (Segment.name == ref)
        )
        segment = self.session.scalars(stmt.limit(1)).first()
        if segment is None:
            raise NotFound(f"no segment {ref!r}")
        return segment

    def compile(
        self, definition: Definition, object_type: str, prefix: Sequence[str | int]
    ) -> Compiled:
        repo = RecordRepository(self.session, self.principal)
        custom = {name: d.type for name, d in repo.custom_fields(object_type).items()}
        return compile_definition(
            definition,
            object_type,
            custom_fields=custom,
            score_models=known_score_models(self.session, self.tenant_id),
            prefix=prefix,
        )

    def preview(
        self, data: PreviewIn, prefix: Sequence[str | int] = ("definition",)
    ) -> dict[str, Any]:
        """Who would be in, among the records the person may read; nothing is saved."""
        policy.require(self.principal, "segment", "read")
        policy.require(self.principal, data.object_type, "read")
        compiled = self.compile(data.definition, data.object_type, prefix)
        found = evaluate(self.session, self.principal, compiled, self.clock())
        sample = sorted(found)[:PREVIEW_SAMPLE]
        return {
            "object_type": data.object_type,
            "total": len(found),
            "sample": self._describe(data.object_type, sample, found),
        }

    def members(
        self, ref: str, limit: int = 50, after: str | None = None
    ) -> tuple[Segment, list[dict[str, Any]], str | None]:
        """A page of stored members the principal may read, by record id."""
        segment = self.get(ref)
        spec = SPECS[segment.object_type]
        readable = (
            RecordRepository(self.session, self.principal)
            .scoped(spec, "read")
            .with_only_columns(spec.model.id)
        )
        stmt = select(SegmentMember).where(
            SegmentMember.tenant_id == self.tenant_id,
            SegmentMember.segment_id == segment.id,
            SegmentMember.record_id.in_(readable),
        )
        if after:
            stmt = stmt.where(SegmentMember.record_id > after)
        rows = list(self.session.scalars(stmt.order_by(SegmentMember.record_id).limit(limit + 1)))
        more = len(rows) > limit
        rows = rows[:limit]
        qualified = {r.record_id: Qualified(r.score, r.snapshot) for r in rows}
        items = self._describe(segment.object_type, [r.record_id for r in rows], qualified)
        for item, row in zip(items, rows, strict=True):
            item["since"] = row.since
        return segment, items, (rows[-1].record_id if more and rows else None)

    def refreshes(self, ref: str, limit: int = 20) -> list[SegmentRefresh]:
        segment = self.get(ref)
        stmt = (
            select(SegmentRefresh)
            .where(
                SegmentRefresh.tenant_id == self.tenant_id,
                SegmentRefresh.segment_id == segment.id,
            )
            .order_by(SegmentRefresh.at.desc(), SegmentRefresh.id.desc())
        )
        return list(self.session.scalars(stmt.limit(limit)))

    def _describe(
        self, object_type: str, ids: Sequence[str], found: Mapping[str, Qualified]
    ) -> list[dict[str, Any]]:
        spec = SPECS[object_type]
        title = getattr(spec.model, spec.title_field)
        titles: dict[str, str | None] = dict(
            self.session.execute(  # type: ignore[arg-type]
                select(spec.model.id, title).where(
                    spec.model.tenant_id == self.tenant_id, spec.model.id.in_(list(ids))
                )
            ).all()
        )
        return [
            {
                "record_id": i,
                "title": titles.get(i),
                "score": found[i].score,
                "snapshot": found[i].snapshot,
            }
            for i in ids
        ]

    # -- writes ------------------------------------------------------------
    def create(self, data: SegmentIn, prefix: Sequence[str | int] = ("definition",)) -> Segment:
        policy.require(self.principal, "segment", "create")
        self.compile(data.definition, data.object_type, prefix)
        taken = self.session.scalar(
            select(Segment.id).where(Segment.tenant_id == self.tenant_id, Segment.name == data.name)
        )
        if taken is not None:
            raise Conflict(f"a segment named {data.name!r} already exists")
        now = self.clock()
        segment = Segment(
            tenant_id=self.tenant_id,
            name=data.name,
            label_zh=data.label_zh,
            label_en=data.label_en,
            object_type=data.object_type,
            definition=data.definition.model_dump(mode="json"),
            description=data.description,
            owner_id=self.principal.user_id,
            refresh_policy=data.refresh_policy,
            member_count=0,
            created_at=now,
            updated_at=now,
            created_by=self.principal.name,
        )
        self.session.add(segment)
        self.session.flush()
        self._emit_about_segment("segment.created", segment, definition=segment.definition)
        return segment

    def update(
        self, ref: str, patch: SegmentPatch, prefix: Sequence[str | int] = ("definition",)
    ) -> Segment:
        segment = self._writable(ref, "update")
        changes = patch.model_dump(exclude_unset=True, mode="json")
        if patch.definition is not None:
            self.compile(patch.definition, segment.object_type, prefix)
        for name, value in changes.items():
            setattr(segment, name, value)
        segment.updated_at = self.clock()
        self.session.flush()
        self._emit_about_segment("segment.updated", segment, changed=sorted(changes))
        return segment

    def delete(self, ref: str) -> None:
        segment = self._writable(ref, "delete")
        for table in (SegmentMember, SegmentRefresh):
            self.session.execute(
                delete(table).where(
                    table.tenant_id == self.tenant_id, table.segment_id == segment.id
                )
            )
        self._emit_about_segment("segment.deleted", segment)
        self.session.delete(segment)
        self.session.flush()

    def _writable(self, ref: str, action: Literal["update", "delete"]) -> Segment:
        policy.require(self.principal, "segment", action)
        segment = self._find(ref)
        policy.require_on_record(self.principal, "segment", action, segment.owner_id)
        return segment

    # -- refresh -----------------------------------------------------------
    def refresh(self, ref: str, trigger: str = "api") -> RefreshResult:
        """Recompute the tenant-wide membership, store the difference and tell the agents."""
        return self.refresh_segment(self._writable(ref, "update"), trigger)

    def refresh_segment(self, segment: Segment, trigger: str) -> RefreshResult:
        started = time.perf_counter()
        now = self.clock()
        definition = Definition.model_validate(segment.definition)
        # Stored membership is the workspace's, whoever presses the button.
        everyone = system_principal(self.tenant_id, "segments")
        repo = RecordRepository(self.session, everyone)
        custom = {name: d.type for name, d in repo.custom_fields(segment.object_type).items()}
        compiled = compile_definition(
            definition,
            segment.object_type,
            custom_fields=custom,
            score_models=known_score_models(self.session, self.tenant_id),
        )
        target = evaluate(self.session, everyone, compiled, now)
        current = member_ids(self.session, self.tenant_id, segment.id)
        change = diff(current, target)
        self._remove(segment, change.removed)
        self._add(segment, change.added, target, now)
        initial = segment.last_refreshed_at is None
        segment.member_count = len(target)
        segment.last_refreshed_at = now
        seconds = round(time.perf_counter() - started, 4)
        self.session.add(
            SegmentRefresh(
                tenant_id=self.tenant_id,
                segment_id=segment.id,
                at=now,
                added=len(change.added),
                removed=len(change.removed),
                total=len(target),
                seconds=seconds,
                trigger=trigger[:40],
            )
        )
        self.session.flush()
        capped = self._emit_members(segment, change, initial, now)
        # An hourly segment that did not move says nothing (the refresh log still has a row).
        if initial or change.added or change.removed:
            self._emit_about_segment(
                "segment.refreshed",
                segment,
                added=len(change.added),
                removed=len(change.removed),
                total=len(target),
                initial=initial,
                member_events_capped=capped,
                member_event_cap=MEMBER_EVENT_CAP,
            )
        return RefreshResult(
            segment.id,
            segment.name,
            len(change.added),
            len(change.removed),
            len(target),
            seconds,
            capped,
        )

    def due(self, now: datetime) -> list[Segment]:
        """Scheduled segments whose interval has passed since their last refresh."""
        out = []
        for segment in self.session.scalars(
            select(Segment).where(Segment.tenant_id == self.tenant_id).order_by(Segment.name)
        ):
            every = REFRESH_INTERVALS.get(segment.refresh_policy)
            if every is None:
                continue
            last = segment.last_refreshed_at
            if last is None or now - last >= timedelta(seconds=every):
                out.append(segment)
        return out

    def _remove(self, segment: Segment, removed: Sequence[str]) -> None:
        for start in range(0, len(removed), IN_CHUNK):
            self.session.execute(
                delete(SegmentMember).where(
                    SegmentMember.tenant_id == self.tenant_id,
                    SegmentMember.segment_id == segment.id,
                    SegmentMember.record_id.in_(removed[start : start + IN_CHUNK]),
                )
            )

    def _add(
        self,
        segment: Segment,
        added: Sequence[str],
        target: Mapping[str, Qualified],
        now: datetime,
    ) -> None:
        # Core executemany: a first refresh of a large segment inserts thousands of rows.
        rows = [
            {
                "id": new_id(),
                "tenant_id": self.tenant_id,
                "segment_id": segment.id,
                "record_id": record_id,
                "since": now,
                "score": target[record_id].score,
                "snapshot": target[record_id].snapshot,
            }
            for record_id in added
        ]
        if rows:
            self.session.execute(insert(SegmentMember), rows)

    # -- events ------------------------------------------------------------
    def _emit_about_segment(self, event_type: str, segment: Segment, **payload: Any) -> None:
        self.uow.emit(
            DomainEvent(
                type=event_type,
                tenant_id=self.tenant_id,
                subject_type="segment",
                subject_id=segment.id,
                actor=self.principal.actor,
                payload={"segment_id": segment.id, "segment": segment.name, **payload},
                summary=f"{event_type.split('.', 1)[1]} segment {segment.name}",
                occurred_at=self.clock(),
            )
        )

    def _emit_members(self, segment: Segment, change: Diff, initial: bool, now: datetime) -> bool:
        """Per-member events up to the cap in each direction; True when some were left out."""
        chosen = {
            "segment.member_added": change.added[:MEMBER_EVENT_CAP],
            "segment.member_removed": change.removed[:MEMBER_EVENT_CAP],
        }
        everyone = [i for ids in chosen.values() for i in ids]
        accounts = self._accounts_of(segment.object_type, everyone)
        for event_type, ids in chosen.items():
            verb = "joined" if event_type.endswith("added") else "left"
            for record_id in ids:
                account_id, contact_id = accounts.get(record_id, (None, None))
                self.uow.emit(
                    DomainEvent(
                        type=event_type,
                        tenant_id=self.tenant_id,
                        subject_type=segment.object_type,
                        subject_id=record_id,
                        actor=self.principal.actor,
                        payload={
                            "segment_id": segment.id,
                            "segment": segment.name,
                            "record_id": record_id,
                            "object_type": segment.object_type,
                            "initial": initial,
                        },
                        account_id=account_id,
                        contact_id=contact_id,
                        summary=f"{verb} segment {segment.label_en or segment.name}"[:500],
                        occurred_at=now,
                    )
                )
        return len(change.added) > MEMBER_EVENT_CAP or len(change.removed) > MEMBER_EVENT_CAP

    def _accounts_of(
        self, object_type: str, ids: Sequence[str]
    ) -> dict[str, tuple[str | None, str | None]]:
        """(account_id, contact_id) of each record, for the customer timelines."""
        if object_type == "account":
            return {i: (i, None) for i in ids}
        out: dict[str, tuple[str | None, str | None]] = {}
        for start in range(0, len(ids), IN_CHUNK):
            rows = self.session.execute(
                select(crm.Contact.id, crm.Contact.account_id).where(
                    crm.Contact.tenant_id == self.tenant_id,
                    crm.Contact.id.in_(ids[start : start + IN_CHUNK]),
                )
            )
            out.update({cid: (aid, cid) for cid, aid in rows})
        return out


def count_members(session: Session, tenant_id: str, segment_id: str) -> int:
    stmt = select(func.count()).where(
        SegmentMember.tenant_id == tenant_id, SegmentMember.segment_id == segment_id
    )
    return int(session.scalar(stmt) or 0)
