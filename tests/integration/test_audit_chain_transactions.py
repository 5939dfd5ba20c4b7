"""The chain is linked once per transaction: SAVEPOINTs that roll back leave no gap,
a rolled-back transaction leaves the head where it was, concurrent writers on
PostgreSQL never share a position, and the head row is touched twice per
transaction however many flushes wrote entries."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from kith.access.models import Tenant
from kith.audit.chain import verify
from kith.audit.models import AuditChainHead, AuditEntry
from kith.container import Container
from kith.db.uow import UnitOfWork
from kith.events.types import Actor
from tests.conftest import Workspace

ACTOR = Actor("user", "u1", "Ann")


def _log(uow: UnitOfWork, tenant_id: str, action: str) -> None:
    uow.audit(tenant_id, ACTOR, action, "contact", None, note="值")
    uow.session.flush()


def _head(container: Container, tenant_id: str) -> tuple[int, str] | None:
    with container.uow() as uow:
        head = uow.session.get(AuditChainHead, tenant_id)
        return (head.seq, head.hash) if head is not None else None


def _actions(container: Container, tenant_id: str) -> list[tuple[int | None, str]]:
    with container.uow() as uow:
        rows = uow.session.execute(
            select(AuditEntry.seq, AuditEntry.action)
            .where(AuditEntry.tenant_id == tenant_id)
            .order_by(AuditEntry.seq)
        ).all()
        return [(r.seq, r.action) for r in rows]


def _assert_intact(container: Container, tenant_id: str) -> None:
    actions = _actions(container, tenant_id)
    assert [seq for seq, _ in actions] == list(range(1, len(actions) + 1))
    head = _head(container, tenant_id)
    assert head is not None and head[0] == len(actions)
    with container.uow() as uow:
        report = verify(uow.session, tenant_id)
    assert report.ok, report.first_break


def test_a_rolled_back_savepoint_between_entries_leaves_no_gap(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with container.uow() as uow:
        _log(uow, tenant, "before")
        savepoint = uow.session.begin_nested()
        _log(uow, tenant, "inside.one")
        _log(uow, tenant, "inside.two")
        savepoint.rollback()
        _log(uow, tenant, "after")
        uow.commit()
    assert [a for _, a in _actions(container, tenant)][-2:] == ["before", "after"]
    _assert_intact(container, tenant)


def test_released_and_nested_savepoints_keep_their_entries(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with container.uow() as uow:
        _log(uow, tenant, "start")
        with uow.session.begin_nested():
            _log(uow, tenant, "outer")
            inner = uow.session.begin_nested()
            _log(uow, tenant, "inner.dropped")
            inner.rollback()
            with uow.session.begin_nested():
                _log(uow, tenant, "inner.kept")
        _log(uow, tenant, "end")
        uow.commit()
    actions = [a for _, a in _actions(container, tenant)]
    assert actions[-4:] == ["start", "outer", "inner.kept", "end"]
    _assert_intact(container, tenant)


def test_a_savepoint_that_first_touched_the_chain_and_rolled_back(
    container: Container, workspace: Workspace
) -> None:
    """The head was first read inside the savepoint: after its rollback the next entry
    reads it again rather than trusting what the savepoint saw."""
    tenant = workspace.tenant_id
    with container.uow() as uow:
        _log(uow, tenant, "seed")
        uow.commit()
    with container.uow() as uow:
        savepoint = uow.session.begin_nested()
        _log(uow, tenant, "dropped")
        savepoint.rollback()
        _log(uow, tenant, "kept")
        uow.commit()
    _assert_intact(container, tenant)


def test_a_failed_flush_inside_a_savepoint_gives_its_positions_back(
    container: Container, workspace: Workspace
) -> None:
    """As in the gateway: a tool's flush fails (here on a duplicate key), its SAVEPOINT
    rolls back, and the decision's audit entry is written after it."""
    tenant = workspace.tenant_id
    with container.uow() as uow:
        _log(uow, tenant, "before")
        savepoint = uow.session.begin_nested()
        uow.audit(tenant, ACTOR, "lost.with.the.savepoint")
        uow.session.add(Tenant(id=tenant, slug="acme", name="duplicate"))
        with pytest.raises(IntegrityError):
            uow.session.flush()
        savepoint.rollback()
        _log(uow, tenant, "after")
        uow.commit()
    assert "lost.with.the.savepoint" not in [a for _, a in _actions(container, tenant)]
    _assert_intact(container, tenant)


def test_a_rolled_back_transaction_leaves_the_head_unchanged(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with container.uow() as uow:
        _log(uow, tenant, "committed")
        uow.commit()
    before = _head(container, tenant)
    with container.uow() as uow:
        _log(uow, tenant, "rolled.back.one")
        with uow.session.begin_nested():
            _log(uow, tenant, "rolled.back.two")
        uow.rollback()
        # The same session goes on with a fresh transaction.
        assert _head(container, tenant) == before
        _log(uow, tenant, "next")
        uow.commit()
    head = _head(container, tenant)
    assert before is not None and head is not None and head[0] == before[0] + 1
    _assert_intact(container, tenant)


def test_entries_added_without_a_flush_move_the_head_at_commit(
    container: Container, workspace: Workspace, other_workspace: Workspace
) -> None:
    with container.uow() as uow:
        for tenant in (workspace.tenant_id, other_workspace.tenant_id):
            uow.audit(tenant, ACTOR, "unflushed")
            uow.audit(tenant, ACTOR, "unflushed")
        uow.commit()
    for tenant in (workspace.tenant_id, other_workspace.tenant_id):
        _assert_intact(container, tenant)


def test_the_head_row_is_read_and_written_once_per_transaction(
    container: Container, workspace: Workspace
) -> None:
    statements: list[str] = []

    def record(_c: Any, _cur: Any, statement: str, *_a: Any) -> None:
        if "audit_chain_heads" in statement:
            statements.append(statement.split()[0].upper())

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        with container.uow() as uow:
            for n in range(5):
                with uow.session.begin_nested():
                    _log(uow, workspace.tenant_id, f"flush.{n}")
            uow.commit()
    finally:
        event.remove(container.engine, "before_cursor_execute", record)
    assert statements == ["INSERT", "UPDATE"]  # lock-and-read upsert, then the new head
    _assert_intact(container, workspace.tenant_id)


def test_concurrent_writers_with_savepoints_never_share_a_position(
    container: Container, workspace: Workspace
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the head lock matters on PostgreSQL")
    tenant = workspace.tenant_id
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(8):
                with container.uow() as uow:
                    _log(uow, tenant, "concurrent")
                    savepoint = uow.session.begin_nested()
                    _log(uow, tenant, "dropped")
                    savepoint.rollback()
                    _log(uow, tenant, "concurrent")
                    uow.commit()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with container.uow() as uow:
        count = uow.session.scalar(
            select(func.count(func.distinct(AuditEntry.seq))).where(
                AuditEntry.tenant_id == tenant, AuditEntry.action == "concurrent"
            )
        )
    assert count == 4 * 8 * 2
    assert "dropped" not in [a for _, a in _actions(container, tenant)]
    _assert_intact(container, tenant)
