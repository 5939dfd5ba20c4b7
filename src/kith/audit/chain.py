"""Hash chain over the audit log.

``entry_hash`` = SHA-256 over the previous entry's hash and the entry's canonical
content (tenant, position, id, time, actor, action, object, detail). A
``before_flush`` hook on every ORM session links new entries to their tenant's
chain head inside the writer's transaction: if the transaction rolls back, the
entries and the head move back together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kith.core.clock import utcnow
from kith.core.ids import new_id

GENESIS = "0" * 64


def canonical_time(value: datetime) -> str:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str,
    *,
    tenant_id: str,
    seq: int,
    entry_id: str,
    at: datetime,
    actor_kind: str,
    actor_id: str | None,
    action: str,
    object_type: str | None,
    record_id: str | None,
    detail: Any,
) -> str:
    content = [
        prev_hash,
        tenant_id,
        seq,
        entry_id,
        canonical_time(at),
        actor_kind,
        actor_id,
        action,
        object_type,
        record_id,
        detail,
    ]
    data = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode()).hexdigest()


def hash_of(entry: Any, prev_hash: str) -> str:
    """The hash an ``AuditEntry`` (or a row with its columns) should carry."""
    return entry_hash(
        prev_hash,
        tenant_id=entry.tenant_id,
        seq=int(entry.seq),
        entry_id=entry.id,
        at=entry.at,
        actor_kind=entry.actor_kind,
        actor_id=entry.actor_id,
        action=entry.action,
        object_type=entry.object_type,
        record_id=entry.record_id,
        detail=entry.detail,
    )


def _lock_head(session: Session, tenant_id: str) -> tuple[int, str]:
    from kith.audit.models import AuditChainHead

    dialect = session.get_bind().dialect.name
    values = {"tenant_id": tenant_id, "seq": 0, "hash": GENESIS}
    if dialect == "postgresql":
        session.execute(postgresql.insert(AuditChainHead).values(values).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(AuditChainHead).values(values).on_conflict_do_nothing())
    h = AuditChainHead
    row = session.execute(
        select(h.seq, h.hash).where(h.tenant_id == tenant_id).with_for_update()
    ).one()
    return int(row.seq), str(row.hash)


def link(session: Session, entries: Iterable[Any]) -> None:
    """Give each new entry its place in its tenant's chain and move the head."""
    from kith.audit.models import AuditChainHead

    by_tenant: dict[str, list[Any]] = {}
    for entry in entries:
        by_tenant.setdefault(entry.tenant_id, []).append(entry)
    for tenant_id, group in by_tenant.items():
        seq, prev = _lock_head(session, tenant_id)
        for entry in group:
            entry.id = entry.id or new_id()
            entry.at = entry.at or utcnow()
            entry.detail = entry.detail if entry.detail is not None else {}
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = hash_of(entry, prev)
        session.execute(
            update(AuditChainHead)
            .where(AuditChainHead.tenant_id == tenant_id)
            .values(seq=seq, hash=prev)
        )


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session: Session, flush_context: Any, instances: Any) -> None:
    from kith.audit.models import AuditEntry

    new = [o for o in session.new if isinstance(o, AuditEntry) and o.hash is None]
    if new:
        link(session, new)


# --- verification ----------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    tenant_id: str
    seq: int | None
    entry_id: str | None
    problem: str

    def describe(self) -> str:
        where = f"entry {self.entry_id} (#{self.seq})" if self.entry_id else f"#{self.seq}"
        return f"tenant {self.tenant_id}: {where}: {self.problem}"


@dataclass(frozen=True)
class VerifyReport:
    entries: int
    tenants: int
    first_break: Break | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _rows(session: Session, tenant_id: str, batch: int = 5_000) -> Iterator[Any]:
    from kith.audit.models import AuditEntry as A

    last = 0
    while True:
        rows = (
            session.execute(
                select(A).where(A.tenant_id == tenant_id, A.seq > last).order_by(A.seq).limit(batch)
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        yield from rows
        last = int(rows[-1].seq or 0)
        session.expunge_all()


def verify(session: Session, tenant_id: str | None = None) -> VerifyReport:
    """Walk each tenant's chain from the start; stop at the first entry that does not
    match: altered content, a missing position, a wrong link, or a head ahead of the log."""
    from kith.audit.models import AuditChainHead, AuditEntry

    heads = {
        h.tenant_id: (int(h.seq), h.hash)
        for h in session.execute(select(AuditChainHead)).scalars()
        if tenant_id is None or h.tenant_id == tenant_id
    }
    unchained = session.execute(
        select(AuditEntry.id, AuditEntry.tenant_id)
        .where(AuditEntry.hash.is_(None))
        .where(*([AuditEntry.tenant_id == tenant_id] if tenant_id else []))
        .limit(1)
    ).first()
    if unchained is not None:
        return VerifyReport(
            0, len(heads), Break(unchained.tenant_id, None, unchained.id, "entry is not chained")
        )
    total = 0
    for tenant, (head_seq, head_hash) in sorted(heads.items()):
        expected_seq, prev = 0, GENESIS
        for row in _rows(session, tenant):
            expected_seq += 1
            total += 1
            if row.seq != expected_seq:
                problem = f"entry #{expected_seq} is missing (next present is #{row.seq})"
                return VerifyReport(total, len(heads), Break(tenant, expected_seq, None, problem))
            if row.prev_hash != prev:
                problem = "does not link to the entry before it"
                return VerifyReport(total, len(heads), Break(tenant, row.seq, row.id, problem))
            if hash_of(row, prev) != row.hash:
                problem = "content was altered after it was written"
                return VerifyReport(total, len(heads), Break(tenant, row.seq, row.id, problem))
            prev = str(row.hash)
        if expected_seq != head_seq or prev != head_hash:
            problem = (
                f"the log ends at #{expected_seq} but its head says #{head_seq}: "
                "entries were removed from the end"
            )
            return VerifyReport(total, len(heads), Break(tenant, expected_seq + 1, None, problem))
    return VerifyReport(total, len(heads), None)
