"""Resolved principals cached between requests, valid while their workspace's access
generation (``AccessGeneration``) is unchanged.

Every flush that adds, changes or deletes a role, grant, field rule, team or
membership, or switches a user on or off, raises the generation in the same
transaction (``install``); a request then costs its credential's row and one read
of the generation instead of six queries. The credential itself (session expiry and
revocation, API key hash, expiry and revocation) is still checked on every request.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any, cast

from sqlalchemy import Connection, Table, event, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from kith.access.models import (
    AccessGeneration,
    FieldRule,
    Role,
    RolePermission,
    Team,
    TeamMember,
    User,
    UserRole,
)
from kith.access.principal import Principal

# Rows whose change alters what someone may do. A user only counts when switched off
# or on: a name or a sign-in time does not change a principal's rights.
ACCESS_ROWS = (Role, UserRole, RolePermission, FieldRule, Team, TeamMember)
CHANGED = "kith.access_changed"  # session.info key: tenants whose access changed
SIZE = 4096


class PrincipalCache:
    def __init__(self, size: int = SIZE) -> None:
        self._rows: OrderedDict[tuple[str, ...], tuple[int, Principal]] = OrderedDict()
        self._size = size
        self._lock = Lock()

    def get(self, key: tuple[str, ...], generation: int) -> Principal | None:
        with self._lock:
            hit = self._rows.get(key)
            if hit is None or hit[0] != generation:
                return None
            self._rows.move_to_end(key)
            return hit[1]

    def put(self, key: tuple[str, ...], generation: int, principal: Principal) -> None:
        with self._lock:
            self._rows[key] = (generation, principal)
            self._rows.move_to_end(key)
            while len(self._rows) > self._size:
                self._rows.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


CACHE = PrincipalCache()


def generation_of(session: Session, tenant_id: str) -> int:
    stmt = select(AccessGeneration.generation).where(AccessGeneration.tenant_id == tenant_id)
    return int(session.scalar(stmt) or 0)


def cache_key(session: Session, user_id: str) -> tuple[str, ...]:
    """One database's user (tests and tools may hold several databases in a process)."""
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return (str(engine.url), user_id)


def access_changed(session: Session, tenant_id: str) -> None:
    """Record that ``tenant_id``'s access changes in this flush (for writes the ORM does
    not see, such as a Core ``delete``)."""
    session.info.setdefault(CHANGED, set()).add(tenant_id)


def install() -> None:
    """Raise the generation of every workspace whose access a flush changes."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    tenants: set[str] = set(session.info.pop(CHANGED, set()))
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ACCESS_ROWS) or (
            isinstance(obj, User) and _active_flag_changed(session, obj)
        ):
            tenant_id = getattr(obj, "tenant_id", None)
            if tenant_id:
                tenants.add(tenant_id)
    for tenant_id in sorted(tenants):
        _raise(session, tenant_id)


def _active_flag_changed(session: Session, user: User) -> bool:
    if user in session.deleted:
        return True
    if user in session.new:
        return False  # nobody holds a principal of a user who did not exist
    return bool(inspect(user).attrs.is_active.history.has_changes())


def _raise(session: Session, tenant_id: str) -> None:
    """One upsert (both supported databases have ON CONFLICT): no read-then-write race."""
    table = cast(Table, AccessGeneration.__table__)
    dialect = session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    session.execute(
        insert.values(tenant_id=tenant_id, generation=1).on_conflict_do_update(
            index_elements=["tenant_id"], set_={"generation": table.c.generation + 1}
        )
    )
