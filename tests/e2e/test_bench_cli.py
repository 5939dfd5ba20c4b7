"""`kith bench events`: the benchmark the runtime issue asks for, run as a real subprocess."""

from __future__ import annotations

import json
from pathlib import Path

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
