"""``kith identity resolve`` (issue 24): links a file's identities with Kith's model,
stores nothing, prints each row's cluster and the match weights; bad input gets a
clear report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from typer.testing import CliRunner

from kith.cli import app
from kith.identity.generator import generate


def write(path: Path, rows: list[dict[str, str | None]]) -> Path:
    columns = ["id", "姓名", "phone", "email", "device_id", "city", "birth_date", "segment"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, "id": row["record_id"], "姓名": row["name"]})
    return path


def test_resolve_prints_clusters_with_explained_weights_and_flags_duplicates(
    tmp_path: Path,
) -> None:
    rows = [r.row() for r in generate(150, seed=9)]
    # The same person twice in two spellings and phone forms: one cluster.
    rows += [
        {"record_id": "A1", "name": "張建國", "phone": "+86 139 0000 1234", "segment": "other"},
        {"record_id": "A2", "name": "Jianguo Zhang", "phone": "13900001234", "segment": "other"},
    ]
    rows += [{**rows[i], "record_id": f"D{i}"} for i in range(len(rows) // 4)]  # 20% repeats
    data = write(tmp_path / "ids.csv", rows)
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"id": "record_id", "姓名": "name"}), encoding="utf-8")

    result = CliRunner().invoke(
        app, ["identity", "resolve", "--data", str(data), "--mapping", str(mapping), "--json"]
    )

    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    by_id = {r["record_id"]: r for r in out["rows"]}
    assert len(by_id) == len(rows) == out["identities"]
    assert by_id["A1"]["cluster_id"] == by_id["A2"]["cluster_id"] == "A1"
    link = by_id["A1"]["links"][0]
    assert link["record_id"] == "A2" and link["decision"] == "link"
    assert {f["field"]: f["level"] for f in link["fields"]} == {
        "full_name": "exact",
        "phone": "exact",
    }
    assert any("repeat another row exactly" in w for w in out["warnings"])


def test_resolve_refuses_a_file_too_small_to_estimate_a_model(tmp_path: Path) -> None:
    data = write(tmp_path / "few.csv", [r.row() for r in generate(5, seed=1)])
    result = CliRunner().invoke(app, ["identity", "resolve", "--data", str(data), "--json"])
    assert result.exit_code == 2
    assert "at least 50 are needed" in result.output


def test_quality_of_an_empty_graph_from_the_command_line(tmp_path: Path) -> None:
    from tests.e2e.test_events_api import kith

    init = kith(tmp_path, "init", "--admin-email", "root@corp.cn", "--admin-password", "pw-1234567")
    assert init.returncode == 0, init.stderr
    shown = kith(tmp_path, "identity", "quality", "--json")
    assert shown.returncode == 0, shown.stderr
    quality = json.loads(shown.stdout)
    assert (quality["identities"], quality["resolution_rate"], quality["review_backlog"]) == (
        0,
        None,
        0,
    )
    missing = kith(tmp_path, "identity", "quality", "--tenant", "nope")
    assert missing.returncode == 2 and "no workspace 'nope'" in missing.stderr
