"""`kith audit prune` as an operator runs it: the retention is enforced on the command
line, the prune is audited, verify starts from the anchor and the export states it."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kith.audit.models import AuditEntry
from kith.db.engine import make_engine, make_session_factory
from tests.e2e.test_cli import kith

OLD = datetime(2019, 3, 1, tzinfo=UTC)


def _workspace_with_old_entries(home: Path, count: int) -> str:
    init = kith(
        home, "init", "--admin-email", "root@corp.cn", KITH_ADMIN_PASSWORD="s3cure-enough-pw"
    )
    assert init.returncode == 0, init.stderr
    with sqlite3.connect(home / "kith.db") as db:
        (tenant_id,) = db.execute("SELECT id FROM tenants").fetchone()
    engine = make_engine(f"sqlite:///{home / 'kith.db'}")
    with make_session_factory(engine)() as session:
        for i in range(count):
            session.add(
                AuditEntry(
                    tenant_id=tenant_id,
                    actor_kind="user",
                    actor_id="u1",
                    action="user.login",
                    detail={"ip": "10.0.0.1"},
                    at=OLD + timedelta(days=i),
                )
            )
        session.commit()
    engine.dispose()
    return str(tenant_id)


def test_prune_keeps_the_retention_and_leaves_a_verifiable_anchor(tmp_path: Path) -> None:
    tenant_id = _workspace_with_old_entries(tmp_path, 3)

    too_late = kith(tmp_path, "audit", "prune", "--before", "2030-01-01")
    assert too_late.returncode == 2 and "kept for 1826 days" in too_late.stderr
    not_a_date = kith(tmp_path, "audit", "prune", "--before", "last tuesday")
    assert not_a_date.returncode == 2 and "--before" in not_a_date.stderr
    shorter = kith(tmp_path, "audit", "prune", "--before", "2025-01-01",
                   KITH_AUDIT_RETENTION_DAYS="36500")  # fmt: skip
    assert shorter.returncode == 2

    dry = kith(tmp_path, "audit", "prune", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["pruned"] == 3
    pruned = kith(tmp_path, "audit", "prune", "--json")
    assert pruned.returncode == 0, pruned.stderr
    result = json.loads(pruned.stdout)
    assert result["pruned"] == 3 and result["retention_days"] == 1826
    assert result["tenants"][0]["through_seq"] == 3

    verified = kith(tmp_path, "audit", "verify", "--json")
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["entries"] == 1  # the prune's own entry

    out = tmp_path / "audit.jsonl"
    assert kith(tmp_path, "audit", "export", "--out", str(out)).returncode == 0
    header, *entries = (json.loads(line) for line in out.read_text("utf-8").splitlines())
    anchor = header["anchors"][tenant_id]
    assert (anchor["through_seq"], anchor["count"]) == (3, 3)
    assert entries[0]["action"] == "audit.pruned" and entries[0]["prev_hash"] == anchor["hash"]

    with sqlite3.connect(tmp_path / "kith.db") as db:
        db.execute("DELETE FROM audit_log WHERE action = 'audit.pruned'")
    broken = kith(tmp_path, "audit", "verify")
    assert broken.returncode == 1 and "BROKEN" in broken.stderr
    refused = kith(tmp_path, "audit", "prune")
    assert refused.returncode == 1 and "broken" in refused.stderr
