"""Backup and restore on both backends: what was written comes back row for row, the
restored audit chain verifies, a tampered backup is caught, and bad input is refused
before anything is touched."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from kith.access.service import system_principal
from kith.api.deps import Container
from kith.audit.models import AuditEntry
from kith.crm.schemas import AccountIn, ContactIn
from kith.crm.service import RecordService
from kith.db.engine import make_engine
from kith.db.migrate import upgrade
from kith.events.types import Actor
from kith.ops import service as ops
from tests.conftest import PG_URL, Workspace

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def fresh_url(container: Container, tmp_path: Path) -> Iterator[str]:
    """An empty database of the container's kind to restore into."""
    if container.engine.dialect.name == "sqlite":
        (tmp_path / "restored").mkdir()
        yield f"sqlite:///{tmp_path / 'restored' / 'kith.db'}"
        return
    assert PG_URL is not None
    name = f"kith_restore_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}'"
                )
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _url(container: Container) -> str:
    return container.engine.url.render_as_string(hide_password=False)


def _fill(container: Container, workspace: Workspace) -> None:
    """Records (with their events and timeline) and audit entries in the source."""
    with container.uow() as uow:
        records = RecordService(uow, system_principal(workspace.tenant_id))
        account = records.create("account", AccountIn(name="上海明远贸易有限公司"))
        records.create("contact", ContactIn(name="李娜", account_id=account["id"]))
        for i in range(3):
            uow.audit(workspace.tenant_id, Actor.system(), "test.checked", round=i)
        uow.commit()


def _snapshot(url: str) -> dict[str, int]:
    """Row counts of every table plus the audit log's hashes."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            counts = {
                name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in inspect(engine).get_table_names()
                if name != "sqlite_sequence"
            }
            hashes = conn.execute(select(AuditEntry.hash).order_by(AuditEntry.seq)).scalars()
            counts["audit hashes"] = hash(tuple(hashes))
        return counts
    finally:
        engine.dispose()


def test_round_trip_restores_every_row_and_the_audit_chain_verifies(
    container: Container, workspace: Workspace, fresh_url: str, tmp_path: Path
) -> None:
    _fill(container, workspace)
    out = tmp_path / "kith.backup"
    lines: list[str] = []

    made = ops.backup(_url(container), out, progress=lines.append)
    assert made.bytes == out.stat().st_size > 0 and lines
    assert not out.with_name(out.name + ".partial").exists()

    restored = ops.restore(fresh_url, out)
    assert restored.audit_ok and restored.audit_entries >= 3 and not restored.migrated
    assert restored.revisions == made.revisions
    before, after = _snapshot(_url(container)), _snapshot(fresh_url)
    assert after == before
    assert before["accounts"] == 1 and before["contacts"] == 1 and before["audit_log"] >= 3


def test_a_tampered_backup_restores_but_fails_verification(
    container: Container, workspace: Workspace, fresh_url: str, tmp_path: Path
) -> None:
    _fill(container, workspace)
    engine = make_engine(_url(container))
    with engine.begin() as conn:  # someone edits history behind the application's back
        conn.execute(
            text("UPDATE audit_log SET action = 'test.forgotten' WHERE action = 'test.checked'")
        )
    engine.dispose()
    tampered = tmp_path / "tampered.backup"
    ops.backup(_url(container), tampered)

    with pytest.raises(ops.RestoredChainBroken) as caught:
        ops.restore(fresh_url, tampered)
    assert "altered" in caught.value.detail and not caught.value.result.audit_ok


def test_restore_refuses_a_non_empty_target_unless_forced(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    _fill(container, workspace)
    out = tmp_path / "kith.backup"
    ops.backup(_url(container), out)
    with container.uow() as uow:  # written after the backup: a forced restore undoes it
        RecordService(uow, system_principal(workspace.tenant_id)).create(
            "account", AccountIn(name="Later Ltd")
        )
        uow.commit()

    with pytest.raises(ops.BackupProblem, match="not empty"):
        ops.restore(_url(container), out)
    assert _snapshot(_url(container))["accounts"] == 2  # untouched

    container.engine.dispose()  # the server's pool would hold the old pages
    assert ops.restore(_url(container), out, force=True).audit_ok
    assert _snapshot(_url(container))["accounts"] == 1


def test_backup_refuses_an_existing_file_and_a_missing_directory(
    container: Container, tmp_path: Path
) -> None:
    existing = tmp_path / "there.backup"
    existing.write_text("keep me")
    with pytest.raises(ops.BackupProblem, match="already exists"):
        ops.backup(_url(container), existing)
    assert existing.read_text() == "keep me"
    with pytest.raises(ops.BackupProblem, match="does not exist"):
        ops.backup(_url(container), tmp_path / "missing" / "kith.backup")
    with pytest.raises(ops.BackupProblem, match="is a directory"):
        ops.backup(_url(container), tmp_path)
    ops.backup(_url(container), existing, force=True)
    assert ops.backup_kind(existing) == ("sqlite" if "sqlite" in _url(container) else "postgresql")


def test_restore_refuses_foreign_and_missing_files(
    container: Container, fresh_url: str, tmp_path: Path
) -> None:
    with pytest.raises(ops.BackupProblem, match="no backup file"):
        ops.restore(fresh_url, tmp_path / "nope.backup")
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"PK\x03\x04 not a database")
    with pytest.raises(ops.BackupProblem, match="not a Kith backup"):
        ops.restore(fresh_url, junk)
    with pytest.raises(ops.BackupProblem, match="not a file"):
        ops.restore(fresh_url, tmp_path)


def test_sqlite_backup_is_self_contained_and_checked_for_its_revision(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'kith.db'}"
    engine = make_engine(source)
    upgrade(engine)
    engine.dispose()
    out = tmp_path / "kith.backup"
    ops.backup(source, out)
    with sqlite3.connect(out) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        db.execute(
            "UPDATE alembic_version SET version_num = '0099_from_the_future' "
            "WHERE version_num = (SELECT max(version_num) FROM alembic_version)"
        )
    db.close()
    target = tmp_path / "target"
    target.mkdir()
    with pytest.raises(ops.BackupProblem, match="0099_from_the_future"):
        ops.restore(f"sqlite:///{target / 'kith.db'}", out)
    assert not (target / "kith.db").exists()  # refused before anything was written

    not_kith = tmp_path / "other.db"
    sqlite3.connect(not_kith).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ops.BackupProblem, match="not a backup of a Kith database"):
        ops.restore(f"sqlite:///{target / 'kith.db'}", not_kith)


def test_an_older_backup_is_migrated_to_the_current_schema(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(source)
    upgrade(engine, "0013_scheduling")
    engine.dispose()
    out = tmp_path / "old.backup"
    ops.backup(source, out)
    target = f"sqlite:///{tmp_path / 'new.db'}"
    restored = ops.restore(target, out)
    assert restored.migrated and restored.audit_ok
    assert "segments" in _snapshot(target)


def test_a_sqlite_backup_cannot_be_restored_into_postgres(tmp_path: Path) -> None:
    source = f"sqlite:///{tmp_path / 'kith.db'}"
    engine = make_engine(source)
    upgrade(engine)
    engine.dispose()
    out = tmp_path / "kith.backup"
    ops.backup(source, out)
    with pytest.raises(ops.BackupProblem, match="same kind"):
        ops.restore("postgresql+psycopg://kith:secret@127.0.0.1:1/none", out)


def test_postgres_tools_missing_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ops.BackupProblem, match="pg_dump was not found"):
        ops.backup("postgresql+psycopg://kith:secret@127.0.0.1:1/none", tmp_path / "x.backup")


def test_postgres_credentials_go_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KITH_SECRET_KEY", "not-for-pg_dump")
    env = ops.pg_environment(
        "postgresql+psycopg://kith:s%40cret@db.internal:6543/crm?sslmode=require"
    )
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"]) == ("db.internal", "6543", "kith")
    assert (env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "s@cret",
        "crm",
        "require",
    )
    assert "KITH_SECRET_KEY" not in env
