"""`kith model train classifier` refuses a leaky column (exit 2) until it is dropped or
confirmed, and reports every finding in JSON and text (issue 22)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_intelligence_cli import kith
from tests.unit.test_intelligence_model_guards import won_lost


def test_leaky_column_refused_then_dropped_or_allowed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    data = tmp_path / "deals.csv"
    won_lost().to_csv(data, index=False)
    base = ("train", "classifier", "--data", str(data), "--target", "outcome")

    refused = kith(home, *base)
    assert refused.returncode == 2, refused.stdout
    assert "close_value" in refused.stderr and "--allow-leaky" in refused.stderr
    assert "疑似数据泄漏" in refused.stderr
    assert "single_feature, blocking" in refused.stderr

    as_json = kith(home, *base, "--json")
    assert as_json.returncode == 2
    body = json.loads(as_json.stdout)
    assert body["error"] == "leakage"
    (finding,) = body["leakage"]
    assert finding["column"] == "close_value" and finding["blocking"] is True
    assert set(finding["message"]) == {"zh", "en"}

    dropped = kith(home, *base, "--drop", "close_value", "--json")
    assert dropped.returncode == 0, dropped.stderr
    result = json.loads(dropped.stdout)
    assert result["leakage"] == []
    assert "close_value" not in result["features"]["numeric"]

    allowed = kith(home, *base, "--allow-leaky", "close_value")
    assert allowed.returncode == 0, allowed.stderr
    assert "leakage [single_feature]" in allowed.stdout and "close_value" in allowed.stdout
