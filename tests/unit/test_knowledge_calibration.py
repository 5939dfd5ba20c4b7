"""The answer threshold is chosen by cross-validation on the development set, and the
benchmark never prints the failures of the independent set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kith.knowledge.calibration import Record, choose, cross_validate, outcome


def _records() -> list[Record]:
    out = []
    for i in range(40):  # right answers are confident, wrong ones and unanswerables are not
        out.append(Record(f"a{i}", True, 0.6 + (i % 10) / 40, True, True))
        out.append(Record(f"w{i}", True, 0.3 + (i % 5) / 100, True, False))
        out.append(Record(f"u{i}", False, 0.2 + (i % 10) / 50, True, False))
    return out


def test_the_threshold_separates_right_answers_from_wrong_ones() -> None:
    records = _records()
    threshold = choose(records)
    assert 0.39 <= threshold <= 0.6
    assert outcome(records, threshold) == {"correct": 0.5, "wrong": 0.0, "abstention": 1.0}
    result = cross_validate(records, k=5)
    assert len(result["fold_thresholds"]) == 5
    mean = result["cross_validated"]
    assert mean["wrong"] == 0.0 and mean["abstention"] == 1.0
    assert abs(mean["correct"] - 0.5) < 0.05  # folds differ in their share of answerables


def test_the_independent_sets_failures_are_never_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kith.bench import knowledge as bench
    from kith.knowledge import evaluate

    data = tmp_path / "knowledge_independent.jsonl"
    data.write_text('{"id": "x"}\n', encoding="utf-8")
    monkeypatch.setitem(evaluate.SETS, "independent", data)
    monkeypatch.setattr(bench, "SETS", evaluate.SETS)
    failure = {"id": "x", "q": "a secret question", "status": "handover"}

    def fake_run(path: Any, **_: Any) -> dict[str, Any]:
        return {"questions": 1, "failures": [failure]}

    monkeypatch.setattr(bench, "run", fake_run)
    import typer

    app = typer.Typer()
    app.command()(bench.bench_knowledge)
    for evalset in ("independent", str(data)):
        out = CliRunner().invoke(app, ["--json", "--evalset", evalset])
        assert out.exit_code == 0, out.output
        assert "secret" not in out.output
        assert json.loads(out.output)["failures"] == "1 (not printed for this set)"
    missing = CliRunner().invoke(app, ["--json", "--evalset", str(tmp_path / "none.jsonl")])
    assert missing.exit_code == 2
