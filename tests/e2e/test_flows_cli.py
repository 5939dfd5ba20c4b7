"""`kith flow ...` as real subprocesses: bad definitions exit 2 with the path, a
template publishes, a flow runs to its end, runs are listed, a draft comes from a
sentence, a sentence it does not understand exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PASSWORD = "Flows-e2e-Passw0rd!"
ROOT = Path(__file__).resolve().parents[2]
HELLO = {
    "key": "hello",
    "name": "Hello",
    "nodes": [
        {"id": "start", "kind": "trigger", "on": "manual", "next": "big"},
        {"id": "big", "kind": "condition", "when": "event.payload.n > 5", "then": "t", "else": "e"},
        {
            "id": "t",
            "kind": "tool",
            "tool": "tasks.create",
            "args": {"subject": '="Call " + string(event.payload.n)'},
            "next": "e",
        },
        {"id": "e", "kind": "end"},
    ],
}


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


def test_flow_cli(home: Path) -> None:
    broken = {
        **HELLO,
        "nodes": [*HELLO["nodes"][:2], {**HELLO["nodes"][2], "tool": "nope.x"}, HELLO["nodes"][3]],
    }
    done = kith(home, "flow", "validate", json.dumps(broken))
    assert done.returncode == 2 and "nodes.2.tool: no tool named 'nope.x'" in done.stderr

    template = ROOT / "src/kith/flows/templates/complaint_escalation.json"
    done = kith(home, "flow", "publish", str(template), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "key": "complaint_escalation",
        "version": 1,
        "status": "published",
    }

    assert kith(home, "flow", "save", json.dumps(HELLO)).returncode == 0
    assert kith(home, "flow", "publish", "hello").returncode == 0
    done = kith(home, "flow", "run", "hello", "--payload", '{"n": 7}', "--json")
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert run["status"] == "completed" and run["path"] == ["start", "big", "t", "e"]
    assert run["steps"][1]["branch"] == {"when": "event.payload.n > 5", "value": True}
    assert run["steps"][2]["decision_id"]
    listed = json.loads(kith(home, "flow", "runs", "hello", "--json").stdout)
    assert [r["id"] for r in listed] == [run["id"]]

    done = kith(
        home,
        "flow",
        "draft",
        "When a deal sits in 方案演示 for more than 14 days, "
        "create a task for its owner and tell their manager",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    draft = json.loads(done.stdout)
    assert draft["nodes"][0]["filter"] == "event.payload.stage_name == '方案演示'"
    assert draft["nodes"][1]["timeout"] == "14d"
    done = kith(home, "flow", "draft", "make me a sandwich")
    assert done.returncode == 2 and "not one of the shapes" in done.stderr
