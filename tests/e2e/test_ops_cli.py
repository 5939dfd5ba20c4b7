"""`kith backup` and `kith restore` as an operator runs them (SQLite; the PostgreSQL
round trip is in tests/integration/test_ops_backup.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.test_cli import kith


def test_backup_then_restore_into_a_fresh_home(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    init = kith(source, "init", "--admin-email", "root@corp.cn",
                KITH_ADMIN_PASSWORD="s3cure-enough-pw")  # fmt: skip
    assert init.returncode == 0, init.stderr
    exported = kith(source, "audit", "export", "--out", str(tmp_path / "audit.jsonl"))
    assert exported.returncode == 0, exported.stderr  # the export is itself an audit entry
    out = tmp_path / "kith.backup"

    made = kith(source, "backup", str(out), "--json")
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["backend"] == "sqlite" and "pages" in made.stderr
    again = kith(source, "backup", str(out))
    assert again.returncode == 2 and "--force" in again.stderr

    restored = kith(target, "restore", str(out), "--json")
    assert restored.returncode == 0, restored.stderr
    audit = json.loads(restored.stdout)["audit"]
    assert audit["ok"] is True and audit["entries"] >= 1
    with sqlite3.connect(target / "kith.db") as db:
        assert db.execute("SELECT email FROM users").fetchall() == [("root@corp.cn",)]
    db.close()
    refused = kith(target, "restore", str(out))
    assert refused.returncode == 2 and "not empty" in refused.stderr

    with sqlite3.connect(out) as db:  # tamper with the backup's audit log
        db.execute("UPDATE audit_log SET action = 'user.nothing_to_see'")
    db.close()
    broken = kith(target, "restore", str(out), "--force")
    assert broken.returncode == 1 and "BROKEN" in broken.stderr


def test_wrong_paths_exit_2_with_a_message(tmp_path: Path) -> None:
    missing = kith(tmp_path, "restore", str(tmp_path / "nope.backup"))
    assert missing.returncode == 2 and "no backup file" in missing.stderr
    nowhere = kith(tmp_path, "backup", str(tmp_path / "no-such-dir" / "kith.backup"))
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    junk = tmp_path / "junk.backup"
    junk.write_text("hello")
    foreign = kith(tmp_path, "restore", str(junk))
    assert foreign.returncode == 2 and "not a Kith backup" in foreign.stderr


def test_postgres_without_client_tools_exits_2(tmp_path: Path) -> None:
    result = kith(
        tmp_path,
        "backup",
        str(tmp_path / "kith.backup"),
        KITH_DATABASE_URL="postgresql+psycopg://kith:secret@127.0.0.1:1/kith",
        PATH=str(tmp_path),
    )
    assert result.returncode == 2 and "pg_dump was not found" in result.stderr
    assert "secret" not in result.stderr
