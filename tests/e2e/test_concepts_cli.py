"""``kith concepts ...`` and ``kith health show`` as real subprocesses: the default
concept drafted and published, a draft whose weights do not sum to 1 refused with exit 2
and the field named (nothing written), a published version not published twice, an
unknown customer exit 2, and the recompute job schedulable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_scheduling_cli import PASSWORD, kith


@pytest.fixture
def home(tmp_path: Path) -> Path:
    done = kith(tmp_path, "init", "--admin-email", "a@example.com", "--admin-password", PASSWORD)
    assert done.returncode == 0, done.stderr
    return tmp_path


def test_concepts_cli(home: Path, tmp_path: Path) -> None:
    done = kith(home, "concepts", "default", "--publish", "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["version"]["status"] == "published" and out["recompute"]["version"] == 1
    shown = json.loads(kith(home, "concepts", "show", "customer_health", "--json").stdout)
    weights = [i["weight"] for i in shown["definition"]["indicators"]]
    assert shown["status"] == "published" and abs(sum(weights) - 1) < 1e-9

    again = kith(home, "concepts", "publish", "customer_health", "1")
    assert again.returncode == 2 and "only a draft can be published" in again.stderr

    bad = shown | {"concept_key": "engagement"}
    bad["definition"]["indicators"][0]["weight"] = 0.9
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    refused = kith(home, "concepts", "draft", str(path))
    assert refused.returncode == 2
    assert "definition.indicators" in refused.stderr and "sum to 1" in refused.stderr
    listed = json.loads(kith(home, "concepts", "list", "--json").stdout)
    assert [(v["concept_key"], v["version"]) for v in listed] == [("customer_health", 1)]

    missing = kith(home, "health", "show", "nobody@example.com")
    assert missing.returncode == 2 and "no contact or account" in missing.stderr
    (tmp_path / "not.json").write_text("{nope", encoding="utf-8")
    assert kith(home, "concepts", "preview", str(tmp_path / "not.json")).returncode == 2

    scheduled = kith(home, "schedule", "add", "concepts.recompute", "--every", "1d", "--json")
    assert scheduled.returncode == 0, scheduled.stderr
