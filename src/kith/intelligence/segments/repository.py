"""Every query of saved segments, each scoped to one tenant.

``SegmentRepository`` serves the service (segments, members, refresh log, the rows
evaluation reads); the module-level functions are the lookups agents and tools use
(membership as of the last refresh, no recomputation). Record filters are the CRM's
own conditions (``RecordRepository.filter_condition``) under its row scoping.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, select
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.crm import models as crm
from kith.crm.repository import IN_CHUNK, RecordRepository
from kith.crm.specs import SPECS
from kith.intelligence.models import ModelVersion, Score, Segment, SegmentMember, SegmentRefresh
from kith.intelligence.repository import IntelligenceRepository
from kith.intelligence.segments.schemas import BUILTIN_SCORE_KINDS, Compiled, ScoreCondition


def _score_condition(cond: ScoreCondition) -> ColumnElement[bool]:
    column = Score.score
    ops: dict[str, Callable[[], ColumnElement[bool]]] = {
        "gt": lambda: column > cond.value,
        "gte": lambda: column >= cond.value,
        "lt": lambda: column < cond.value,
        "lte": lambda: column <= cond.value,
    }
    return ops[cond.op]()


class SegmentRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # -- segments ----------------------------------------------------------
    def find(self, ref: str) -> Segment | None:
        """A segment by id or name."""
        stmt = select(Segment).where(
            Segment.tenant_id == self.tenant_id, (Segment.id == ref) | (Segment.name == ref)
        )
        return self.session.scalars(stmt.limit(1)).first()

    def all(self) -> list[Segment]:
        stmt = select(Segment).where(Segment.tenant_id == self.tenant_id).order_by(Segment.name)
        return list(self.session.scalars(stmt))

    def name_taken(self, name: str) -> bool:
        return (
            self.session.scalar(
                select(Segment.id).where(Segment.tenant_id == self.tenant_id, Segment.name == name)
            )
            is not None
        )

    def delete_members_and_refreshes(self, segment_id: str) -> None:
        for table in (SegmentMember, SegmentRefresh):
            self.session.execute(
                delete(table).where(
                    table.tenant_id == self.tenant_id, table.segment_id == segment_id
                )
            )

    def refreshes(self, segment_id: str, limit: int) -> list[SegmentRefresh]:
        stmt = (
            select(SegmentRefresh)
            .where(
                SegmentRefresh.tenant_id == self.tenant_id,
                SegmentRefresh.segment_id == segment_id,
            )
            .order_by(SegmentRefresh.at.desc(), SegmentRefresh.id.desc())
        )
        return list(self.session.scalars(stmt.limit(limit)))

    # -- members -----------------------------------------------------------
    def members_page(
        self, segment: Segment, principal: Principal, limit: int, after: str | None
    ) -> list[SegmentMember]:
        """Up to ``limit + 1`` stored members the principal may read, by record id."""
        spec = SPECS[segment.object_type]
        readable = (
            RecordRepository(self.session, principal)
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
        return list(self.session.scalars(stmt.order_by(SegmentMember.record_id).limit(limit + 1)))

    def remove_members(self, segment_id: str, removed: Sequence[str]) -> None:
        for start in range(0, len(removed), IN_CHUNK):
            self.session.execute(
                delete(SegmentMember).where(
                    SegmentMember.tenant_id == self.tenant_id,
                    SegmentMember.segment_id == segment_id,
                    SegmentMember.record_id.in_(removed[start : start + IN_CHUNK]),
                )
            )

    def add_members(self, rows: list[dict[str, Any]]) -> None:
        # Core executemany: a first refresh of a large segment inserts thousands of rows.
        if rows:
            self.session.execute(insert(SegmentMember), rows)

    # -- records -----------------------------------------------------------
    def titles(self, object_type: str, ids: Sequence[str]) -> dict[str, str | None]:
        spec = SPECS[object_type]
        title = getattr(spec.model, spec.title_field)
        return dict(
            self.session.execute(  # type: ignore[arg-type]
                select(spec.model.id, title).where(
                    spec.model.tenant_id == self.tenant_id, spec.model.id.in_(list(ids))
                )
            ).all()
        )

    def accounts_of_contacts(self, ids: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """(account_id, contact_id) of each contact, for the customer timelines."""
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

    # -- what evaluation reads --------------------------------------------
    def matching_ids(self, principal: Principal, compiled: Compiled) -> set[str]:
        """Ids of the records the filters select, among those the principal may read."""
        spec = SPECS[compiled.object_type]
        repo = RecordRepository(self.session, principal)
        stmt: Select[Any] = repo.scoped(spec, "read").with_only_columns(spec.model.id)
        stmt = stmt.where(*(repo.filter_condition(spec, f) for f in compiled.filters))
        return set(self.session.scalars(stmt))

    def _usable(self) -> ColumnElement[bool]:
        """Scores not written by a model version unfit to score (training/guards.py)."""
        return IntelligenceRepository(self.session, self.tenant_id).usable_scores()

    def scored_ids(self, object_type: str, cond: ScoreCondition) -> set[str]:
        """Records whose stored, usable score of ``cond.model`` meets the condition."""
        return set(
            self.session.scalars(
                select(Score.record_id).where(
                    Score.tenant_id == self.tenant_id,
                    Score.kind == cond.model,
                    Score.object_type == object_type,
                    _score_condition(cond),
                    self._usable(),
                )
            )
        )

    def scores_of(
        self, object_type: str, kinds: Sequence[str], ids: Sequence[str]
    ) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        usable = self._usable()
        for start in range(0, len(ids), IN_CHUNK):
            rows = self.session.execute(
                select(Score.record_id, Score.kind, Score.score).where(
                    Score.tenant_id == self.tenant_id,
                    Score.object_type == object_type,
                    Score.kind.in_(kinds),
                    Score.record_id.in_(ids[start : start + IN_CHUNK]),
                    usable,
                )
            )
            for record_id, kind, score in rows:
                out.setdefault(record_id, {})[kind] = float(score)
        return out

    def orders(self, object_type: str) -> list[Any]:
        """(customer, ordered_at, total) of every order of the workspace's customers."""
        key = crm.Order.contact_id if object_type == "contact" else crm.Order.account_id
        return self.session.execute(
            select(key, crm.Order.ordered_at, crm.Order.total).where(
                crm.Order.tenant_id == self.tenant_id,
                crm.Order.deleted_at.is_(None),
                key.is_not(None),
                crm.Order.ordered_at.is_not(None),
            )
        ).all()  # type: ignore[return-value]


def known_score_models(session: Session, tenant_id: str) -> set[str]:
    """Score kinds a condition may name: built-in ones, stored ones, registered models."""
    kinds = set(session.scalars(select(Score.kind).where(Score.tenant_id == tenant_id).distinct()))
    names = set(
        session.scalars(
            select(ModelVersion.name).where(ModelVersion.tenant_id == tenant_id).distinct()
        )
    )
    return set(BUILTIN_SCORE_KINDS) | kinds | names


# --- membership lookups for agents and tools ----------------------------------------------


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


def count_members(session: Session, tenant_id: str, segment_id: str) -> int:
    stmt = select(func.count()).where(
        SegmentMember.tenant_id == tenant_id, SegmentMember.segment_id == segment_id
    )
    return int(session.scalar(stmt) or 0)
