"""Hash chain over the audit log.

``entry_hash`` = SHA-256 over the previous entry's hash and the entry's canonical
content (tenant, position, id, time, actor, action, object, detail).

Linking happens inside the writer's transaction, once per transaction rather than
per flush (the gateway flushes several times per call): the first flush with new
entries for a tenant locks and reads that tenant's head row, the running head
(seq, hash) is kept in ``session.info`` for later flushes, and ``before_commit``
writes the head once. A SAVEPOINT that rolls back restores the running head it
started from (its entries are gone, so their positions are reused without a gap);
the end of the outer transaction, committed or rolled back, forgets it all. If the
transaction rolls back, the entries and the head move back together.

An anchor (``audit_chain_anchors``, written by ``kith audit prune``) says where the
remaining log starts after entries older than the retention were deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session, SessionTransaction

from kith.core.clock import utcnow
from kith.core.ids import new_id
from kith.db.dialects import upsert_insert

GENESIS = "0" * 64
PRUNED_ACTION = "audit.pruned"
_STATE_KEY = "kith.audit.chain"


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


# --- linking, once per transaction -----------------------------------------------------


@dataclass(frozen=True)
class Head:
    """A tenant's running head in this transaction; ``stored_seq`` is what the row holds."""

    seq: int
    hash: str
    stored_seq: int


@dataclass
class _ChainState:
    heads: dict[str, Head] = field(default_factory=dict)
    # The running heads as each open SAVEPOINT found them, to restore on its rollback.
    savepoints: dict[SessionTransaction, dict[str, Head]] = field(default_factory=dict)
    # Set by before_commit: entries flushed after it must write their head at once.
    committing: bool = False


def _state(session: Session) -> _ChainState:
    state = session.info.get(_STATE_KEY)
    if state is None:
        state = session.info[_STATE_KEY] = _ChainState()
    assert isinstance(state, _ChainState)
    return state


def _lock_head(session: Session, tenant_id: str) -> Head:
    """Create the head row if missing, lock it and read it, in one statement: the no-op
    ``ON CONFLICT DO UPDATE`` takes the row lock on PostgreSQL (held to the end of the
    transaction) and SQLite's write lock serialises writers anyway."""
    from kith.audit.models import AuditChainHead as H

    dialect = session.get_bind().dialect.name
    insert = upsert_insert(dialect)
    stmt = insert(H).values(tenant_id=tenant_id, seq=0, hash=GENESIS)
    stmt = stmt.on_conflict_do_update(index_elements=[H.tenant_id], set_={"seq": H.seq})
    row = session.execute(stmt.returning(H.seq, H.hash)).one()
    return Head(int(row.seq), str(row.hash), int(row.seq))


def hold_head(session: Session, tenant_id: str) -> Head:
    """The tenant's running head, locking its row on first use in this transaction."""
    state = _state(session)
    head = state.heads.get(tenant_id)
    if head is None:
        head = state.heads[tenant_id] = _lock_head(session, tenant_id)
    return head


def _write_heads(session: Session, state: _ChainState) -> None:
    from kith.audit.models import AuditChainHead as H

    for tenant_id, head in state.heads.items():
        if head.seq != head.stored_seq:
            session.execute(
                update(H).where(H.tenant_id == tenant_id).values(seq=head.seq, hash=head.hash)
            )
            state.heads[tenant_id] = replace(head, stored_seq=head.seq)


def link(session: Session, entries: Iterable[Any]) -> None:
    """Give each new entry its place in its tenant's chain and move the running head."""
    by_tenant: dict[str, list[Any]] = {}
    for entry in entries:
        by_tenant.setdefault(entry.tenant_id, []).append(entry)
    state = _state(session)
    # A fixed order: two transactions writing for the same tenants lock their heads alike.
    for tenant_id, group in sorted(by_tenant.items()):
        head = hold_head(session, tenant_id)
        seq, prev = head.seq, head.hash
        for entry in group:
            entry.id = entry.id or new_id()
            entry.at = entry.at or utcnow()
            entry.detail = entry.detail if entry.detail is not None else {}
            seq += 1
            entry.seq, entry.prev_hash = seq, prev
            entry.hash = prev = hash_of(entry, prev)
        state.heads[tenant_id] = replace(head, seq=seq, hash=prev)
    if state.committing:
        _write_heads(session, state)


def _new_entries(session: Session) -> list[Any]:
    from kith.audit.models import AuditEntry

    return [o for o in session.new if isinstance(o, AuditEntry) and o.hash is None]


def _chain_new_entries(session: Session, flush_context: Any, instances: Any) -> None:
    new = _new_entries(session)
    if new:
        link(session, new)


def _store_heads(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # releasing a SAVEPOINT: the outer transaction goes on
    # before_commit runs before the commit's own flush: link pending entries now so
    # the head written below covers them.
    if _new_entries(session):
        session.flush()
    state = _state(session)
    _write_heads(session, state)
    state.committing = True


def _remember_savepoint(session: Session, transaction: SessionTransaction) -> None:
    # begin_nested() flushes before this event, so the snapshot covers every entry
    # linked outside the savepoint.
    if transaction.nested:
        state = _state(session)
        state.savepoints[transaction] = dict(state.heads)


def _keep_savepoint(session: Session) -> None:
    # Fires for a released SAVEPOINT too, while it is still the current nested one.
    savepoint = session.get_nested_transaction()
    state = session.info.get(_STATE_KEY)
    if savepoint is not None and state is not None:
        state.savepoints.pop(savepoint, None)


def _end(session: Session, transaction: SessionTransaction) -> None:
    state = session.info.get(_STATE_KEY)
    if state is None:
        return
    if transaction.nested:
        snapshot = state.savepoints.pop(transaction, None)
        if snapshot is not None:  # not released: its entries are gone, reuse their places
            state.heads = snapshot
    elif transaction.parent is None:
        # Committed or rolled back, the row locks are gone: start afresh next time.
        del session.info[_STATE_KEY]


_LISTENERS = (
    ("before_flush", _chain_new_entries),
    ("before_commit", _store_heads),
    ("after_transaction_create", _remember_savepoint),
    ("after_commit", _keep_savepoint),
    ("after_transaction_end", _end),
)


def install() -> None:
    """Chain the audit entries of every ORM session: called once by the composition
    root (``kith.bootstrap.wire``); installing twice changes nothing."""
    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


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
    # Tenants whose log starts at a retention anchor: tenant -> last pruned position.
    anchored: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _rows(
    session: Session, tenant_id: str, after: int, upto: int | None = None, batch: int = 5_000
) -> Iterator[Any]:
    """The tenant's entries after position ``after`` in order, as plain rows: nothing is
    added to the session's identity map, so a long walk stays flat in memory."""
    from kith.audit.models import AuditEntry as A

    columns = (
        A.id,
        A.tenant_id,
        A.seq,
        A.at,
        A.actor_kind,
        A.actor_id,
        A.action,
        A.object_type,
        A.record_id,
        A.detail,
        A.prev_hash,
        A.hash,
    )
    last = after
    while True:
        stmt = select(*columns).where(A.tenant_id == tenant_id, A.seq > last)
        if upto is not None:
            stmt = stmt.where(A.seq <= upto)
        rows = session.execute(stmt.order_by(A.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = int(rows[-1].seq or 0)


def latest_anchors(session: Session, tenant_id: str | None = None) -> dict[str, Any]:
    """Each tenant's most recent retention anchor (``AuditChainAnchor``)."""
    from kith.audit.models import AuditChainAnchor as K

    latest = select(K.tenant_id, func.max(K.through_seq).label("through_seq")).group_by(K.tenant_id)
    if tenant_id is not None:
        latest = latest.where(K.tenant_id == tenant_id)
    sub = latest.subquery()
    stmt = select(K).join(
        sub, (K.tenant_id == sub.c.tenant_id) & (K.through_seq == sub.c.through_seq)
    )
    return {a.tenant_id: a for a in session.scalars(stmt)}


def _confirms(row: Any, anchor: Any) -> bool:
    detail = row.detail or {}
    return bool(
        row.action == PRUNED_ACTION
        and detail.get("through_seq") == anchor.through_seq
        and detail.get("hash") == anchor.hash
    )


@dataclass(frozen=True)
class _TenantWalk:
    entries: int
    first_break: Break | None


def _walk(session: Session, tenant: str, head: tuple[int, str], anchor: Any) -> _TenantWalk:
    """One tenant's chain from its anchor (or the genesis) to its head."""
    head_seq, head_hash = head
    start, prev = (int(anchor.through_seq), str(anchor.hash)) if anchor else (0, GENESIS)
    expected_seq, total, confirmed = start, 0, anchor is None
    for row in _rows(session, tenant, start):
        expected_seq += 1
        total += 1
        if row.seq != expected_seq:
            problem = f"entry #{expected_seq} is missing (next present is #{row.seq})"
            if expected_seq == start + 1 and start == 0:
                problem += "; no retention anchor covers the removal"
            return _TenantWalk(total, Break(tenant, expected_seq, None, problem))
        if row.prev_hash != prev:
            problem = (
                "does not link to the retention anchor"
                if expected_seq == start + 1 and anchor is not None
                else "does not link to the entry before it"
            )
            return _TenantWalk(total, Break(tenant, row.seq, row.id, problem))
        if hash_of(row, prev) != row.hash:
            problem = "content was altered after it was written"
            return _TenantWalk(total, Break(tenant, row.seq, row.id, problem))
        confirmed = confirmed or _confirms(row, anchor)
        prev = str(row.hash)
    if expected_seq != head_seq or prev != head_hash:
        problem = (
            f"the log ends at #{expected_seq} but its head says #{head_seq}: "
            "entries were removed from the end"
        )
        return _TenantWalk(total, Break(tenant, expected_seq + 1, None, problem))
    if not confirmed:
        problem = (
            f"the retention anchor at #{start} is not confirmed by an "
            f"{PRUNED_ACTION} entry in the log"
        )
        return _TenantWalk(total, Break(tenant, start, None, problem))
    return _TenantWalk(total, None)


def verify_segment(
    session: Session, tenant_id: str, after: tuple[int, str], through: int
) -> Break | None:
    """Check entries ``after[0]+1 .. through`` link from ``after`` (position, hash) and
    are unaltered, and that the entry after ``through`` links to it: what a prune
    deletes must not hide a break."""
    expected_seq, prev = after
    for row in _rows(session, tenant_id, expected_seq, through + 1):
        expected_seq += 1
        if row.seq != expected_seq:
            problem = f"entry #{expected_seq} is missing (next present is #{row.seq})"
            return Break(tenant_id, expected_seq, None, problem)
        if row.prev_hash != prev:
            return Break(tenant_id, row.seq, row.id, "does not link to the entry before it")
        if row.seq <= through and hash_of(row, prev) != row.hash:
            return Break(tenant_id, row.seq, row.id, "content was altered after it was written")
        prev = str(row.hash)
    if expected_seq < through:
        return Break(tenant_id, expected_seq + 1, None, f"entry #{expected_seq + 1} is missing")
    return None


def verify(session: Session, tenant_id: str | None = None) -> VerifyReport:
    """Walk each tenant's chain from its retention anchor (or the start); stop at the
    first entry that does not match: altered content, a missing position, a wrong link,
    a head ahead of the log, or an anchor no prune entry vouches for."""
    from kith.audit.models import AuditChainHead, AuditEntry

    heads = {
        h.tenant_id: (int(h.seq), h.hash)
        for h in session.execute(select(AuditChainHead)).scalars()
        if tenant_id is None or h.tenant_id == tenant_id
    }
    anchors = latest_anchors(session, tenant_id)
    anchored = {t: int(a.through_seq) for t, a in anchors.items()}
    unchained = session.execute(
        select(AuditEntry.id, AuditEntry.tenant_id)
        .where(AuditEntry.hash.is_(None))
        .where(*([AuditEntry.tenant_id == tenant_id] if tenant_id else []))
        .limit(1)
    ).first()
    if unchained is not None:
        return VerifyReport(
            0,
            len(heads),
            Break(unchained.tenant_id, None, unchained.id, "entry is not chained"),
            anchored,
        )
    total = 0
    for tenant in sorted(set(heads) | set(anchors)):
        walk = _walk(session, tenant, heads.get(tenant, (0, GENESIS)), anchors.get(tenant))
        total += walk.entries
        if walk.first_break is not None:
            return VerifyReport(total, len(heads), walk.first_break, anchored)
    return VerifyReport(total, len(heads), None, anchored)
