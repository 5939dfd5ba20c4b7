"""Idempotency keys: the first use of a key claims it before the tool runs; a repeated
call answers with the first one's outcome.

Key rows are written with Core statements built once and are never held by the
session, so ``first_use`` always reads what has been written (no stale identity-map
copy of a key whose outcome was settled by a Core ``UPDATE``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from kith.core.ids import new_id
from kith.gateway.models import IdempotencyKey

_KEYS = cast(Table, IdempotencyKey.__table__)
_FIRST_USE = select(IdempotencyKey).where(
    IdempotencyKey.tenant_id == bindparam("tenant_id"),
    IdempotencyKey.principal_id == bindparam("principal_id"),
    IdempotencyKey.key == bindparam("key"),
)
_INSERT = insert(_KEYS)
_UPDATE = update(_KEYS).where(_KEYS.c.id == bindparam("key_id"))


def first_use(
    session: Session, tenant_id: str, principal_id: str, key: str | None
) -> IdempotencyKey | None:
    params = {"tenant_id": tenant_id, "principal_id": principal_id, "key": key}
    return session.scalars(_FIRST_USE, params).first()


def claim(
    session: Session,
    *,
    tenant_id: str,
    principal_id: str,
    key: str | None,
    tool: str,
    args_digest: str,
    decision_id: str,
    at: datetime,
    savepoint: bool,
) -> str:
    """Insert the key ``running`` (its row's id). A concurrent claim raises
    ``IntegrityError`` on the unique key; ``savepoint=False`` when the caller's own
    savepoint rolls a failed claim back."""
    key_id = new_id()
    values = {
        "id": key_id,
        "tenant_id": tenant_id,
        "principal_id": principal_id,
        "key": key,
        "tool": tool,
        "args_digest": args_digest,
        "decision_id": decision_id,
        "status": "running",
        "approval_id": None,
        "output": None,
        "created_at": at,
    }
    if savepoint:
        with session.begin_nested():
            session.execute(_INSERT, values)
    else:
        session.execute(_INSERT, values)
    return key_id


def settle(session: Session, key_id: str, **values: Any) -> None:
    """The claimed key's outcome: what a repeated call will answer with."""
    session.execute(_UPDATE, {**values, "key_id": key_id})
