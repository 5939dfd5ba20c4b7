"""Audit retention: delete entries older than the policy, leaving an anchor.

The log is a hash chain, so only a prefix can go: a prune deletes each tenant's
oldest entries up to the last one written before the cutoff, records an anchor
(the last pruned position and its hash, which the first remaining entry links
to) and appends an ``audit.pruned`` entry that repeats the anchor inside the
chain. ``verify`` then starts from the anchor; rows removed any other way are
still reported. The entries a prune would delete (and the link from the first
kept one) are checked first: a break there is never pruned, the deletion would
erase the evidence. The rest of the chain is verify's business, so a prune holds
the head lock (and so blocks the tenant's audited writes) only for the old segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from kith.audit.chain import (
    GENESIS,
    PRUNED_ACTION,
    canonical_time,
    hold_head,
    latest_anchors,
    verify_segment,
)
from kith.audit.models import AuditChainAnchor, AuditEntry
from kith.core.errors import Conflict, FieldError, ValidationFailed
from kith.db.uow import UnitOfWork
from kith.events.types import Actor


class ChainBroken(Conflict):
    """The chain does not verify; pruning it would destroy the evidence."""


@dataclass(frozen=True)
class PruneResult:
    tenant_id: str
    before: datetime
    # The last position deleted (or that would be, on a dry run); None: nothing to prune.
    through_seq: int | None
    hash: str | None
    count: int
    dry_run: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "tenant_id": self.tenant_id,
            "before": canonical_time(self.before),
            "through_seq": self.through_seq,
            "hash": self.hash,
            "pruned": self.count,
            "dry_run": self.dry_run,
        }


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """The latest moment whose entries the policy lets go."""
    return now - timedelta(days=retention_days)


def checked_before(before: datetime | None, now: datetime, retention_days: int) -> datetime:
    """``before`` (default: the cutoff), refused when the policy still keeps those entries."""
    cutoff = retention_cutoff(now, retention_days)
    if before is None:
        return cutoff
    if before > cutoff:
        raise ValidationFailed(
            f"entries are kept for {retention_days} days: --before must be on or before "
            f"{canonical_time(cutoff)}",
            [FieldError(["before"], f"later than the retention allows ({retention_days} days)")],
        )
    return before


def prune(
    uow: UnitOfWork,
    tenant_id: str,
    *,
    now: datetime,
    retention_days: int,
    actor: Actor,
    before: datetime | None = None,
    dry_run: bool = False,
) -> PruneResult:
    """Delete the tenant's entries written before ``before`` (the oldest prefix of its
    chain), record the anchor and audit the prune. The caller commits."""
    before = checked_before(before, now, retention_days)
    session = uow.session
    if not dry_run:
        hold_head(session, tenant_id)  # one prune (or writer) at a time per tenant
    anchor = latest_anchors(session, tenant_id).get(tenant_id)
    start = (int(anchor.through_seq), str(anchor.hash)) if anchor is not None else (0, GENESIS)
    through = _last_prunable(uow, tenant_id, start[0], before)
    if through is None:
        return PruneResult(tenant_id, before, None, None, 0, dry_run)
    broken = verify_segment(session, tenant_id, start, through)
    if broken is not None:
        raise ChainBroken(
            f"the audit chain is broken ({broken.describe()}); "
            "nothing was pruned so the evidence stays"
        )
    start_seq = start[0]
    a = AuditEntry
    in_range = (a.tenant_id == tenant_id, a.seq > start_seq, a.seq <= through)
    count = int(session.scalar(select(func.count()).select_from(a).where(*in_range)) or 0)
    last_hash = session.scalar(select(a.hash).where(a.tenant_id == tenant_id, a.seq == through))
    assert last_hash is not None, "verify_segment saw every position"
    result = PruneResult(tenant_id, before, through, last_hash, count, dry_run)
    if not dry_run:
        _apply(uow, result, now, retention_days, actor)
    return result


def _last_prunable(uow: UnitOfWork, tenant_id: str, start: int, before: datetime) -> int | None:
    """The last position before the first entry the policy keeps (times are not
    strictly ordered by position, so the first kept entry bounds the prefix)."""
    a = AuditEntry
    session = uow.session
    first_kept = session.scalar(
        select(func.min(a.seq)).where(a.tenant_id == tenant_id, a.seq > start, a.at >= before)
    )
    if first_kept is not None:
        through = int(first_kept) - 1
    else:
        last = session.scalar(select(func.max(a.seq)).where(a.tenant_id == tenant_id))
        through = int(last) if last is not None else start
    return through if through > start else None


def _apply(
    uow: UnitOfWork, result: PruneResult, now: datetime, retention_days: int, actor: Actor
) -> None:
    assert result.through_seq is not None and result.hash is not None
    session = uow.session
    session.execute(
        delete(AuditEntry)
        .where(AuditEntry.tenant_id == result.tenant_id, AuditEntry.seq <= result.through_seq)
        .execution_options(synchronize_session=False)
    )
    session.add(
        AuditChainAnchor(
            tenant_id=result.tenant_id,
            through_seq=result.through_seq,
            hash=result.hash,
            count=result.count,
            before=result.before,
            at=now,
            actor_kind=actor.kind,
            actor_id=actor.id,
        )
    )
    uow.audit(
        result.tenant_id,
        actor,
        PRUNED_ACTION,
        through_seq=result.through_seq,
        hash=result.hash,
        count=result.count,
        before=canonical_time(result.before),
        retention_days=retention_days,
    )
