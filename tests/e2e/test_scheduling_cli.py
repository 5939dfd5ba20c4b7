"""`kith schedule ...` and `kith model performance` as real subprocesses."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "Sched-e2e-Passw0rd!"


def kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update({"KITH_HOME": str(home), "KITH_MODE": "production"})
    return subprocess.run(
        [sys.executable, "-m", "kith", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    done = kith(tmp_path, "init", "--admin-email", "a@example.com", "--admin-password", PASSWORD)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_bad_input_exits_2_with_a_message(home: Path) -> None:
    # The other cadence errors are covered in-process (tests/unit/test_scheduling_timing.py).
    cases = [
        (("add", "no.such.job", "--every", "1h"), "unknown job"),
        (("add", "models.retrain", "--every", "7x"), "--every"),
        (("add", "models.retrain", "--every", "1d", "--params", "{nope"), "--params"),
        (("add", "models.retrain", "--every", "1d", "--params", '{"models": ["nps"]}'), "nps"),
        (("remove", "0" * 32), "no schedule"),
    ]
    for args, message in cases:
        done = kith(home, "schedule", *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert message in done.stderr, (args, done.stderr)
    done = kith(home, "model", "performance", "deal_win@1")
    assert done.returncode == 2 and "no model version" in done.stderr


def test_add_list_run_due_runs_and_remove(home: Path) -> None:
    added = kith(
        home,
        "schedule", "add", "models.drift", "--every", "6h", "--run-now",
        "--params", '{"models": ["churn"]}', "--json",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    schedule = json.loads(added.stdout)
    assert (schedule["job"], schedule["every"], schedule["params"]) == (
        "models.drift",
        "6h",
        {"models": ["churn"]},
    )

    listed = json.loads(kith(home, "schedule", "list", "--json").stdout)
    assert [s["id"] for s in listed] == [schedule["id"]]

    ran = kith(home, "schedule", "run-due", "--json")
    assert ran.returncode == 0, ran.stderr
    (run,) = json.loads(ran.stdout)
    assert run["status"] == "ok"
    assert run["result"]["models"] == [
        {"kind": "churn", "status": "skipped", "reason": "no champion"}
    ]
    again = kith(home, "schedule", "run-due")
    assert again.returncode == 0 and "nothing due" in again.stdout

    runs = json.loads(kith(home, "schedule", "runs", schedule["id"], "--json").stdout)
    assert [(r["job"], r["status"], r["attempts"]) for r in runs] == [("models.drift", "ok", 1)]

    removed = kith(home, "schedule", "remove", schedule["id"])
    assert removed.returncode == 0, removed.stderr
    assert json.loads(kith(home, "schedule", "list", "--json").stdout) == []


def test_a_failing_job_makes_run_due_exit_1(home: Path) -> None:
    added = kith(home, "schedule", "add", "models.retrain", "--every", "1d", "--run-now")
    assert added.returncode == 0, added.stderr
    # A schedule stored before its job checked parameters (or edited in the database)
    # fails at run time; the runner must say so through its exit code.
    with sqlite3.connect(home / "kith.db") as db:
        db.execute("UPDATE schedules SET params = ?", (json.dumps({"models": ["nps"]}),))
    ran = kith(home, "schedule", "run-due", "--json")
    assert ran.returncode == 1
    (run,) = json.loads(ran.stdout)
    assert run["status"] == "failed" and "unknown model" in run["error"]
