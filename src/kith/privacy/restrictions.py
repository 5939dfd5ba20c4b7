"""Restriction of processing (GDPR Art. 18, PIPL Art. 44): is a person restricted now?

The history in ``processing_restrictions`` is append-only; a person is restricted while
their latest step is ``applied`` and its ``until`` (if any) has not passed. A restricted
person is excluded from automated decisions: the gateway's consent hook refuses calls by
agents and profiling calls about them, the agent runtime skips them before reasoning,
and scoring uses ``restricted_ids`` to leave them out. People may still act.

These functions only read; they are cheap enough to ask on every gateway call (one
indexed query by tenant and contact).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.core.clock import utcnow
from kith.privacy.models import ProcessingRestriction

# Enough ids per IN clause to keep any backend's parameter limit far away.
_CHUNK = 500
# Why a restricted person is left out, for decision records and agent logs.
LEGAL_NOTE = "GDPR Art. 18, PIPL Art. 44"
CACHE_KEY = "kith.privacy.restrictions"


def _order(row: ProcessingRestriction) -> tuple[datetime, str]:
    return (row.at, row.id)


def is_live(row: ProcessingRestriction, now: datetime) -> bool:
    return row.action == "applied" and (row.until is None or row.until > now)


def history(session: Session, tenant_id: str, contact_id: str) -> Sequence[ProcessingRestriction]:
    """Every step for the person, newest first."""
    r = ProcessingRestriction
    stmt = (
        select(r)
        .where(r.tenant_id == tenant_id, r.contact_id == contact_id)
        .order_by(r.at.desc(), r.id.desc())
    )
    return session.scalars(stmt).all()


def live_restrictions(
    session: Session,
    tenant_id: str,
    contact_ids: Iterable[str],
    now: datetime | None = None,
) -> dict[str, ProcessingRestriction]:
    """The restriction in force for each restricted contact among ``contact_ids``."""
    ids = sorted({c for c in contact_ids if c})
    if not ids:
        return {}
    r = ProcessingRestriction
    rows: list[ProcessingRestriction] = []
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        rows.extend(
            session.scalars(select(r).where(r.tenant_id == tenant_id, r.contact_id.in_(chunk)))
        )
    latest = _latest(rows)
    moment = now or utcnow()
    return {cid: row for cid, row in latest.items() if is_live(row, moment)}


def _latest(rows: Iterable[ProcessingRestriction]) -> dict[str, ProcessingRestriction]:
    latest: dict[str, ProcessingRestriction] = {}
    for row in rows:
        known = latest.get(row.contact_id)
        if known is None or _order(row) > _order(known):
            latest[row.contact_id] = row
    return latest


def live_in_transaction(
    session: Session, tenant_id: str, contact_ids: Iterable[str], now: datetime
) -> dict[str, ProcessingRestriction]:
    """``live_restrictions`` with the tenant's steps read once per transaction: the
    gateway asks on every call and a consumer batch makes many. Restrictions are rare,
    so the tenant's whole history is small; applying or lifting one forgets the copy."""
    transaction = session.get_transaction()
    cache: tuple[object, dict[str, dict[str, ProcessingRestriction]]] | None = session.info.get(
        CACHE_KEY
    )
    if cache is None or cache[0] is not transaction:
        cache = (transaction, {})
        session.info[CACHE_KEY] = cache
    latest = cache[1].get(tenant_id)
    if latest is None:
        r = ProcessingRestriction
        latest = _latest(session.scalars(select(r).where(r.tenant_id == tenant_id)))
        cache[1][tenant_id] = latest
    return {
        c: latest[c]
        for c in sorted({c for c in contact_ids if c})
        if c in latest and is_live(latest[c], now)
    }


def forget(session: Session) -> None:
    """Drop the transaction's copy (a restriction was just applied or lifted)."""
    session.info.pop(CACHE_KEY, None)


def restricted_ids(
    session: Session,
    tenant_id: str,
    contact_ids: Iterable[str],
    now: datetime | None = None,
) -> set[str]:
    """Which of ``contact_ids`` are restricted now (leave them out of automated decisions)."""
    return set(live_restrictions(session, tenant_id, contact_ids, now))


def is_restricted(
    session: Session, tenant_id: str, contact_id: str, now: datetime | None = None
) -> bool:
    return bool(live_restrictions(session, tenant_id, [contact_id], now))


def describe(row: ProcessingRestriction) -> str:
    until = f" until {row.until.isoformat()}" if row.until is not None else ""
    return (
        f"processing of this person is restricted since {row.at.date().isoformat()}{until} "
        f"({row.reason})"
    )
