"""Saved segments: the use cases — create, change, preview, refresh, membership pages.

Stored membership is tenant-wide (evaluated as the system); a preview is
evaluated as the person asking, so it shows only records they may read.
Definitions and results are in ``schemas.py``, their validation in ``compiler.py``,
every query in ``repository.py``. Services never commit.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.core.clock import utcnow
from kith.core.errors import Conflict, NotFound
from kith.core.ids import new_id
from kith.crm.repository import RecordRepository
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.intelligence.models import Segment, SegmentRefresh
from kith.intelligence.segments.compiler import (
    compile_definition,
    concept_match,
    diff,
    keep_behaviour,
)
from kith.intelligence.segments.concepts import concept_values
from kith.intelligence.segments.repository import (
    SegmentRepository,
    known_score_models,
    member_ids,
)
from kith.intelligence.segments.schemas import (
    Compiled,
    Definition,
    Diff,
    PreviewIn,
    Qualified,
    RefreshResult,
    SegmentIn,
    SegmentPatch,
)

if TYPE_CHECKING:
    import pandas as pd

# Seconds between scheduled refreshes; "manual" segments refresh only when asked.
REFRESH_INTERVALS: dict[str, int | None] = {"manual": None, "hourly": 3600, "daily": 86400}
# Per refresh and direction, at most this many member_added/member_removed events; the
# rest is summed up in segment.refreshed. Agents have hourly budgets (120 steps by
# default): thousands of per-member events would mostly become refused steps and
# outbox churn, while a few hundred are what an agent can act on one by one.
MEMBER_EVENT_CAP = 200
PREVIEW_SAMPLE = 20


# --- evaluation --------------------------------------------------------------------------


def _behaviour_table(
    repo: SegmentRepository, object_type: str, now: datetime, with_clusters: bool
) -> pd.DataFrame:
    """RFM (and cluster) per customer over every order of the workspace."""
    import pandas as pd

    from kith.intelligence.segments import behaviour

    rows = repo.orders(object_type)
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
    repo = SegmentRepository(session, principal.tenant_id)
    ids = repo.matching_ids(principal, compiled)
    # Each score condition is its own range scan of (tenant, kind, score), intersected
    # here: joined to the records in SQL, PostgreSQL without statistics (right after a
    # bulk load) planned a nested loop over every score per record, minutes for 50,000.
    for cond in compiled.scores:
        ids &= repo.scored_ids(compiled.object_type, cond)
    concept_of: dict[str, dict[str, Any]] = {}
    if compiled.concepts:
        provider = concept_values()
        for c in compiled.concepts:
            raw = (
                provider.values(session, principal.tenant_id, c.concept, compiled.object_type)
                if provider is not None
                else {}
            )
            matched = concept_match(c, raw)
            ids &= set(matched)
            for record_id, (value, band) in matched.items():
                concept_of.setdefault(record_id, {})[c.concept] = {"value": value, "band": band}
    snapshots: dict[str, dict[str, Any]] = {
        i: ({"concepts": concept_of[i]} if i in concept_of else {}) for i in sorted(ids)
    }
    if compiled.rfm or compiled.clusters:
        table = _behaviour_table(repo, compiled.object_type, now, bool(compiled.clusters))
        snapshots = keep_behaviour(snapshots, table, compiled)
    kinds = sorted({c.model for c in compiled.scores})
    scores = repo.scores_of(compiled.object_type, kinds, list(snapshots)) if kinds else {}
    first = compiled.scores[0].model if compiled.scores else None
    out: dict[str, Qualified] = {}
    for record_id, snap in snapshots.items():
        mine = scores.get(record_id, {})
        if mine:
            snap = {**snap, "scores": mine}
        out[record_id] = Qualified(mine.get(first) if first else None, snap)
    return out


def _concept_bands(session: Session, tenant_id: str) -> dict[str, frozenset[str]]:
    provider = concept_values()
    return dict(provider.keys(session, tenant_id)) if provider is not None else {}


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

    @property
    def repo(self) -> SegmentRepository:
        return SegmentRepository(self.session, self.tenant_id)

    # -- reads -------------------------------------------------------------
    def get(self, ref: str) -> Segment:
        """A segment by id or name."""
        policy.require(self.principal, "segment", "read")
        return self._find(ref)

    def all(self) -> list[Segment]:
        policy.require(self.principal, "segment", "read")
        return self.repo.all()

    def _find(self, ref: str) -> Segment:
        segment = self.repo.find(ref)
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
            concept_bands=_concept_bands(self.session, self.tenant_id),
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
        rows = self.repo.members_page(segment, self.principal, limit, after)
        more = len(rows) > limit
        rows = rows[:limit]
        qualified = {r.record_id: Qualified(r.score, r.snapshot) for r in rows}
        items = self._describe(segment.object_type, [r.record_id for r in rows], qualified)
        for item, row in zip(items, rows, strict=True):
            item["since"] = row.since
        return segment, items, (rows[-1].record_id if more and rows else None)

    def refreshes(self, ref: str, limit: int = 20) -> list[SegmentRefresh]:
        segment = self.get(ref)
        return self.repo.refreshes(segment.id, limit)

    def _describe(
        self, object_type: str, ids: Sequence[str], found: Mapping[str, Qualified]
    ) -> list[dict[str, Any]]:
        titles = self.repo.titles(object_type, ids)
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
        if self.repo.name_taken(data.name):
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
        self._emit_about_segment(EventType.SEGMENT_CREATED, segment, definition=segment.definition)
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
        self._emit_about_segment(EventType.SEGMENT_UPDATED, segment, changed=sorted(changes))
        return segment

    def delete(self, ref: str) -> None:
        segment = self._writable(ref, "delete")
        self.repo.delete_members_and_refreshes(segment.id)
        self._emit_about_segment(EventType.SEGMENT_DELETED, segment)
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
            concept_bands=_concept_bands(self.session, self.tenant_id),
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
                EventType.SEGMENT_REFRESHED,
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
        for segment in self.repo.all():
            every = REFRESH_INTERVALS.get(segment.refresh_policy)
            if every is None:
                continue
            last = segment.last_refreshed_at
            if last is None or now - last >= timedelta(seconds=every):
                out.append(segment)
        return out

    def _remove(self, segment: Segment, removed: Sequence[str]) -> None:
        self.repo.remove_members(segment.id, removed)

    def _add(
        self,
        segment: Segment,
        added: Sequence[str],
        target: Mapping[str, Qualified],
        now: datetime,
    ) -> None:
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
        self.repo.add_members(rows)

    # -- events ------------------------------------------------------------
    def _emit_about_segment(self, event_type: EventType, segment: Segment, **payload: Any) -> None:
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
            EventType.SEGMENT_MEMBER_ADDED: change.added[:MEMBER_EVENT_CAP],
            EventType.SEGMENT_MEMBER_REMOVED: change.removed[:MEMBER_EVENT_CAP],
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
        return self.repo.accounts_of_contacts(ids)
