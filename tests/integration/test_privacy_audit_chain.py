"""The audit log is hash-chained: altering, removing or truncating entries is detected
and the first broken entry is named; concurrent writers never fork the chain."""

from __future__ import annotations

import itertools
import threading

import pytest
from sqlalchemy import delete, func, select, update

from kith.audit.chain import GENESIS, verify
from kith.audit.models import AuditChainHead, AuditEntry
from kith.container import Container
from kith.events.types import Actor
from tests.conftest import Workspace


def _write(container: Container, tenant_id: str, n: int, action: str = "test.logged") -> None:
    for i in range(n):
        with container.uow() as uow:
            uow.audit(tenant_id, Actor("user", "u1", "Ann"), action, "contact", None, n=i, 名="值")
            uow.commit()


def _entries(container: Container, tenant_id: str) -> list[AuditEntry]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.seq)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def test_entries_link_to_their_predecessor(container: Container, workspace: Workspace) -> None:
    _write(container, workspace.tenant_id, 3)
    rows = _entries(container, workspace.tenant_id)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    with container.uow() as uow:
        report = verify(uow.session)
    assert report.ok and report.entries >= 3


def test_an_altered_entry_is_named(container: Container, workspace: Workspace) -> None:
    _write(container, workspace.tenant_id, 5)
    victim = _entries(container, workspace.tenant_id)[2]
    with container.uow() as uow:
        uow.session.execute(
            update(AuditEntry).where(AuditEntry.id == victim.id).values(actor_id="someone-else")
        )
        uow.commit()
        report = verify(uow.session)
    assert report.first_break is not None
    assert (report.first_break.entry_id, report.first_break.seq) == (victim.id, victim.seq)
    assert "altered" in report.first_break.problem


def test_a_removed_entry_and_a_truncated_tail_are_detected(
    container: Container, workspace: Workspace
) -> None:
    _write(container, workspace.tenant_id, 4)
    rows = _entries(container, workspace.tenant_id)
    with container.uow() as uow:
        uow.session.execute(delete(AuditEntry).where(AuditEntry.id == rows[-1].id))
        uow.commit()
        tail = verify(uow.session).first_break
    assert tail is not None and "removed from the end" in tail.problem
    with container.uow() as uow:
        uow.session.execute(delete(AuditEntry).where(AuditEntry.id == rows[1].id))
        uow.commit()
        middle = verify(uow.session).first_break
    assert middle is not None and middle.seq == rows[1].seq and "missing" in middle.problem


def test_a_rolled_back_transaction_leaves_the_chain_intact(
    container: Container, workspace: Workspace
) -> None:
    _write(container, workspace.tenant_id, 1)
    with container.uow() as uow:
        uow.audit(workspace.tenant_id, Actor.system(), "never.committed")
        uow.session.flush()
        uow.rollback()
    _write(container, workspace.tenant_id, 1)
    with container.uow() as uow:
        assert verify(uow.session).ok


def test_concurrent_writers_extend_one_chain(container: Container, workspace: Workspace) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the head lock matters on PostgreSQL")
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            _write(container, workspace.tenant_id, 10, "concurrent")
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
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "concurrent")
        )
        head = uow.session.get(AuditChainHead, workspace.tenant_id)
        head_seq = head.seq if head is not None else None
        report = verify(uow.session, workspace.tenant_id)
    assert count == 40
    assert report.ok and head_seq == report.entries


def test_the_migration_chains_entries_written_before_it(tmp_path: object) -> None:
    """Entries logged before 0007 are chained in place, oldest first, and verify."""
    from datetime import UTC, datetime
    from pathlib import Path

    from sqlalchemy import text

    from kith.db.engine import make_engine
    from kith.db.migrate import upgrade

    assert isinstance(tmp_path, Path)
    engine = make_engine(f"sqlite:///{tmp_path / 'legacy.db'}")
    upgrade(engine, "0006")
    with engine.begin() as conn:
        for i, at in enumerate(
            [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, 8, 30, 0, 123456, tzinfo=UTC)]
        ):
            conn.execute(
                text(
                    "INSERT INTO audit_log (id, tenant_id, actor_kind, actor_id, action, "
                    "object_type, record_id, detail, at) VALUES (:id, 't1', 'user', 'u1', "
                    "'login', NULL, NULL, :detail, :at)"
                ),
                {"id": f"{i:032x}", "detail": '{"ip": "10.0.0.1"}', "at": at},
            )
    upgrade(engine)  # 0007 chains them (the later revisions add the anchors table)
    from kith.db.engine import make_session_factory

    with make_session_factory(engine)() as session:
        report = verify(session)
        head = session.get(AuditChainHead, "t1")
    engine.dispose()
    assert report.ok and report.entries == 2
    assert head is not None and head.seq == 2
