"""Resolved principals and per-tenant configuration cached between transactions, valid
while their workspace's access generation (``AccessGeneration``) is unchanged.

Every flush that adds, changes or deletes a role, grant, field rule, team or
membership, or switches a user on or off, raises the generation in the same
transaction (``install``); a request then costs its credential's row and one read
of the generation instead of six queries. The credential itself (session expiry and
revocation, API key hash, expiry and revocation) is still checked on every request.

The same generation guards ``TENANT_CACHE``: configuration that hot paths read on
every call (the gateway's risk rules, SLA policies, custom field definitions, teams)
is kept per tenant. Higher layers name their configuration rows with ``watch`` (from
``kith.bootstrap.wire``): a flush that adds, changes or deletes one raises the
generation like an access row does. The generation is read once per transaction
(``tenant_generation``), so a consumer transaction of a hundred events pays one
statement for all its configuration. A transaction that changed a tenant's
configuration reads that tenant's configuration from the database until it ends;
a write to a watched table that bypasses the ORM (a Core ``update``, a migration on
a raw connection) drops this process's cached copies when it commits and, made
through a session, raises every workspace's generation (other processes).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    event,
    exists,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, object_mapper

from kith.access.models import (
    AccessGeneration,
    FieldRule,
    Role,
    RolePermission,
    Team,
    TeamMember,
    Tenant,
    User,
    UserRole,
)
from kith.access.principal import Principal

# Rows whose change alters what someone may do. A user only counts when switched off
# or on: a name or a sign-in time does not change a principal's rights.
ACCESS_ROWS = (Role, UserRole, RolePermission, FieldRule, Team, TeamMember)
CHANGED = "kith.access_changed"  # session.info key: tenants whose access changed
GENERATIONS = "kith.generations"  # session.info key: {tenant: generation} this transaction
STALE = "kith.config_changed"  # session.info key: tenants whose configuration changed here
DIRTY = "kith.config_written"  # connection.info key: a watched table was written
SIZE = 4096
T = TypeVar("T")


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

# Configuration row types whose change raises the generation (``watch``), and their tables.
_watched: list[type] = []
_watched_tables: set[str] = set()


def watch(*models: type) -> None:
    """Cache configuration of these row types per tenant: their changes raise the
    generation (called by ``kith.bootstrap.wire``; calling it again adds nothing)."""
    for model in models:
        if model not in _watched:
            _watched.append(model)
            _watched_tables.add(str(getattr(model, "__tablename__")))  # noqa: B009


class TenantCache:
    """Per (database, tenant, name): a value loaded from the database, reused while the
    tenant's generation is the one it was loaded at. Values must be immutable snapshots
    (tuples, frozen dataclasses, transient objects), never rows attached to a session."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], tuple[int, Any]] = {}
        self._lock = Lock()

    def get(self, session: Session, tenant_id: str, name: str, load: Callable[[], T]) -> T:
        if not _watched or tenant_id in session.info.get(STALE, ()):
            # Not wired (nothing would invalidate it), or changed in this transaction:
            # read what the database holds.
            return load()
        generation = tenant_generation(session, tenant_id)
        key = (_database(session), tenant_id, name)
        with self._lock:
            hit = self._rows.get(key)
        if hit is not None and hit[0] == generation:
            return cast(T, hit[1])
        value = load()
        with self._lock:
            self._rows[key] = (generation, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()


TENANT_CACHE = TenantCache()


def snapshot(row: T) -> T:
    """A transient copy of a row's columns, safe to keep across sessions and threads."""
    mapper = object_mapper(row)
    return type(row)(**{a.key: getattr(row, a.key) for a in mapper.column_attrs})


def tenant_generation(session: Session, tenant_id: str) -> int:
    """The tenant's generation, read once per transaction of ``session``."""
    seen: dict[str, int] = session.info.setdefault(GENERATIONS, {})
    generation = seen.get(tenant_id)
    if generation is None:
        generation = seen[tenant_id] = generation_of(session, tenant_id)
    return generation


def cached_principal(
    session: Session, tenant_id: str, user_id: str, load: Callable[[], Principal | None]
) -> Principal | None:
    """The user's principal from ``CACHE`` while the tenant's generation is unchanged
    (read once per transaction), else ``load()``. Only users' principals are kept (None
    — no longer may act — and an API key's, whose revocation raises no generation, are
    not). A transaction that changed the tenant's access loads it."""
    if tenant_id in session.info.get(STALE, ()):
        return load()
    generation = tenant_generation(session, tenant_id)
    key = cache_key(session, user_id)
    cached = CACHE.get(key, generation)
    if cached is not None and cached.kind == "user" and cached.tenant_id == tenant_id:
        return cached
    principal = load()
    if principal is not None and principal.kind == "user":
        CACHE.put(key, generation, principal)
    return principal


def _database(session: Session) -> str:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return str(engine.url)


_GENERATION = select(AccessGeneration.generation).where(
    AccessGeneration.tenant_id == bindparam("tenant_id")
)


def generation_of(session: Session, tenant_id: str) -> int:
    return int(session.scalar(_GENERATION, {"tenant_id": tenant_id}) or 0)


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
    """Raise the generation of every workspace whose access or watched configuration a
    flush changes; forget generations read when a transaction ends; drop cached
    configuration when a write to a watched table bypassing the ORM commits."""
    for target, name, listener in (
        (Session, "before_flush", _before_flush),
        (Session, "after_transaction_end", _transaction_ended),
        (Session, "do_orm_execute", _orm_statement),
        (Engine, "before_cursor_execute", _cursor_statement),
        (Engine, "commit", _connection_committed),
        (Engine, "rollback", _connection_rolled_back),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    tenants: set[str] = set(session.info.pop(CHANGED, set()))
    watched = tuple(_watched)
    for obj in (*session.new, *session.dirty, *session.deleted):
        if (
            isinstance(obj, ACCESS_ROWS)
            or (watched and isinstance(obj, watched))
            or (isinstance(obj, User) and _active_flag_changed(session, obj))
        ):
            tenant_id = getattr(obj, "tenant_id", None)
            if tenant_id:
                tenants.add(tenant_id)
    if tenants:
        session.info.setdefault(STALE, set()).update(tenants)
    for tenant_id in sorted(tenants):
        _raise(session, tenant_id)


def _transaction_ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(GENERATIONS, None)
        session.info.pop(STALE, None)


def _orm_statement(state: Any) -> None:
    """A bulk ``update``/``delete``/``insert`` of a watched row type through a session:
    its tenant is not known, so every workspace's generation is raised."""
    if not (state.is_update or state.is_delete or state.is_insert) or not _watched:
        return
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ not in _watched:
        return
    table = cast(Table, AccessGeneration.__table__)
    session = state.session
    session.execute(update(table).values(generation=table.c.generation + 1))
    missing = select(Tenant.id, literal(1)).where(~exists().where(table.c.tenant_id == Tenant.id))
    session.execute(insert(table).from_select(["tenant_id", "generation"], missing))
    session.info[STALE] = _EveryTenant()


class _EveryTenant(set[str]):
    def __contains__(self, _item: object) -> bool:
        return True


def _cursor_statement(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if not _watched_tables or statement[:6].upper() not in ("UPDATE", "INSERT", "DELETE"):
        return
    head = statement[:80].lower()
    if any(table in head for table in _watched_tables):
        conn.info[DIRTY] = True


def _connection_committed(conn: Connection) -> None:
    if conn.info.pop(DIRTY, False):
        TENANT_CACHE.clear()


def _connection_rolled_back(conn: Connection) -> None:
    conn.info.pop(DIRTY, None)


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
