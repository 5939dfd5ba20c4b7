"""`kith bench events`: the benchmark the runtime issue asks for, run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kith.language.devset import DEFAULT_DEVSET as DEVSET
from tests.e2e.test_cli import kith


def test_bench_events_drives_events_through_the_agents_and_reports_latency(
    tmp_path: Path,
) -> None:
    result = kith(tmp_path, "bench", "events", "--events", "30", "--rate", "20", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["events"] == 30
    assert figures["bus"] == "in-process"
    assert figures["throughput"]["events"] == 30
    assert figures["events_per_second"] > 0
    # messages open tickets, so some events led to an agent action, each timed
    assert 0 < figures["latency"]["events_with_actions"] <= 30
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert not list(tmp_path.iterdir()), "the benchmark must not touch the workspace"


def test_bench_events_refuses_an_unknown_backend_or_bus(tmp_path: Path) -> None:
    backend = kith(tmp_path, "bench", "events", "--backend", "oracle")
    assert backend.returncode == 2
    assert "--backend must be one of sqlite, postgres" in backend.stderr
    bus = kith(tmp_path, "bench", "events", "--bus", "nats://127.0.0.1:4222")
    assert bus.returncode == 2
    assert "redis://" in bus.stderr


def test_bench_privacy_times_a_dsar_export_and_erasure(tmp_path: Path) -> None:
    result = kith(
        tmp_path, "bench", "privacy", "--interactions", "50", "--mask-chars", "4000", "--json"
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["dsar"]["interactions"] == 50
    assert figures["dsar"]["erased"]["interactions.anonymised"] == 50
    assert figures["masking"]["with_pii"]["chars_per_second"] > 0
    detection = figures["detection"]
    for mode in ("detect_strict", "masking_mode"):
        assert {"overall", "PHONE", "BANK_CARD", "ID_CN"} <= set(detection[mode])
        assert detection[mode]["PHONE"]["precision"] is not None
    assert detection["lookalikes_altered_by_masking"] == len(detection["altered"])


def _bare_kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``kith ARGS`` with nothing set: no KITH_* variable at all (not even KITH_MODE)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    return subprocess.run(
        [sys.executable, "-m", "kith", *args],
        capture_output=True, text=True, env=environment, cwd=home, timeout=900, check=False,
    )  # fmt: skip


def test_bench_language_runs_on_a_fresh_machine_with_nothing_set(tmp_path: Path) -> None:
    """It failed with KeyMissing without KITH_SECRET_KEY (the demo data is encrypted),
    then with no event writers: it now builds its own wired workspace and key."""
    tiny = tmp_path / "tiny.jsonl"
    tiny.write_text(
        "".join(DEVSET.read_text(encoding="utf-8").splitlines(keepends=True)[:2]),
        encoding="utf-8",
    )
    result = _bare_kith(tmp_path, "bench", "language", "--devset", str(tiny), "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert figures["entries"] == 2
    assert figures["exact_plan_match"] == 1.0, figures["failures_sample"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.jsonl"]


def test_bench_startup_runs_each_command_as_a_process_with_nothing_set(tmp_path: Path) -> None:
    result = _bare_kith(tmp_path, "bench", "startup", "--runs", "1", "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    commands = figures["commands"]
    assert set(commands) == {
        "kith --version",
        "kith --help",
        "kith plan <seed sentence> --json",
        "kith serve until /healthz answers",
    }
    assert all(c["runs"] == 1 and c["p50_ms"] > 0 for c in commands.values())
    assert len(figures["load_average_before"]) == 3
    assert not list(tmp_path.iterdir()), "the benchmark must not touch the caller's directory"


def test_bench_mcp_times_one_call_three_ways_on_a_fresh_machine(tmp_path: Path) -> None:
    result = kith(tmp_path, "bench", "mcp", "--calls", "5", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["calls"] == 5
    for path in ("direct_gateway", "rest", "mcp"):
        assert 0 < figures[path]["p50_ms"] <= figures[path]["p99_ms"]
    assert not [p for p in tmp_path.iterdir() if p.name != "temp"], "no workspace is touched"


def test_bench_mqtt_stores_every_message_through_the_broker(tmp_path: Path) -> None:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
    except OSError:
        pytest.skip("no MQTT broker at 127.0.0.1:1883")
    result = kith(tmp_path, "bench", "mqtt", "--messages", "30", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["stored"] == 30 and figures["not_stored"] == 0
    assert figures["messages_per_second"] > 0
    refused = kith(tmp_path, "bench", "mqtt", "--url", "tcp://x")
    assert refused.returncode == 2 and "mqtt://" in refused.stderr
