"""Playbooks over HTTP (problem+json with field paths, visibility, the review flow,
recommendations on a deal, anchors) and ``kith practices|anchors`` as subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from kith.playbooks.gate import DEFAULT_GATE

PASSWORD = "Playbooks-e2e-Passw0rd!"
MATRIX = {
    "title": "政策匹配度矩阵",
    "situation": {"industry": ["hospital"]},
    "actions": [{"label": "同步财政资金到位证明"}],
    "verification": [{"key": "won", "label": "中标", "event_type": "deal.won"}],
}


def test_practice_flow_over_http(as_role: Any) -> None:
    rep, rep2, manager, admin = (as_role(r) for r in ("sales", "sales2", "manager", "admin"))
    bad = rep.post("/practices", {**MATRIX, "situation": {"industry": ["moon"]}}, 422)
    assert bad["errors"][0]["loc"] == ["body", "situation", "industry", 0]
    bad = rep.post("/practices", {**MATRIX, "breaker": {"label": "x", "hours": 0}}, 422)
    assert bad["errors"][0]["loc"][:3] == ["body", "breaker", "hours"]
    practice = rep.post("/practices", MATRIX)
    pid = practice["id"]
    assert practice["state"] == "private"
    assert [p["state"] for p in rep.get("/practices")] == ["private"]
    assert rep2.get("/practices") == [] and manager.get("/practices") == []
    rep2.get(f"/practices/{pid}", 404)
    assert rep.post(f"/practices/{pid}/submit", {}, 200)["state"] == "in_review"
    assert [p["id"] for p in manager.get("/practices", params={"state": "in_review"})] == [pid]
    rep.post(f"/practices/{pid}/reviews", {"verdict": "effective", "comment": "我的很好"}, 403)
    short = manager.post(f"/practices/{pid}/reviews", {"verdict": "effective", "comment": ""}, 422)
    assert short["errors"][0]["loc"] == ["body", "comment"]
    admin.call(
        "PUT",
        "/practices/gate",
        200,
        json={"required_reviews": 2, "reviewer_roles": ["manager", "admin"]},
    )
    manager.post(
        f"/practices/{pid}/reviews", {"verdict": "effective", "comment": "有效,已复用"}, 200
    )
    out = admin.post(
        f"/practices/{pid}/reviews", {"verdict": "effective", "comment": "同意,效果明显"}, 200
    )
    assert out["state"] == "in_review" and out["gate"]["missing_zh"] == ["客户价值确认"]
    confirmation = {"text": "这正是我们需要的方案", "customer": "市一医院"}
    out = rep.post(f"/practices/{pid}/value-confirmation", confirmation, 200)
    assert out["state"] == "published"
    assert [p["state"] for p in rep2.get("/practices")] == ["published"]
    effect = rep2.get(f"/practices/{pid}/effect")
    assert effect["comparison"]["sufficient"] is False and effect["comparison"]["lift"] is None
    assert manager.get("/practices/gate")["required_reviews"] == 2
    assert DEFAULT_GATE.required_reviews == 3  # the default gate is untouched


def test_capture_apply_and_recommend_over_http(as_role: Any) -> None:
    rep = as_role("sales")
    account = rep.post("/accounts", {"name": "市一医院", "industry": "医院", "tier": "key"})
    admin = as_role("admin")
    pipeline = admin.post("/pipelines", {"name": "医疗", "is_default": True})["id"]
    admin.post(f"/pipelines/{pipeline}/stages", {"name": "预算审批", "probability": 40})
    deal = rep.post("/deals", {"name": "影像设备", "account_id": account["id"], "amount": "500000"})
    rep.post(
        "/activities", {"kind": "task", "subject": "同步财政资金到位证明", "deal_id": deal["id"]}
    )
    draft = rep.get(f"/deals/{deal['id']}/practice-draft")
    assert draft["situation"]["industry"] == ["hospital"]
    assert draft["situation"]["stage"] == ["budget_approval"]
    captured = rep.post("/practices/capture", {"source_id": deal["id"]})
    assert (
        captured["state"] == "private" and captured["actions"][0]["label"] == "同步财政资金到位证明"
    )
    bad = rep.post(
        "/practices/capture", {"source_id": deal["id"], "overrides": {"actions": 3}}, 422
    )
    assert bad["errors"][0]["loc"][:2] == ["overrides", "actions"]
    # the creator may try their own draft on another deal of theirs
    other = rep.post("/deals", {"name": "监护仪", "account_id": account["id"], "amount": "300000"})
    applied = rep.post(f"/practices/{captured['id']}/apply", {"deal_id": other["id"]})
    assert applied["status"] == "active" and len(applied["task_ids"]) == 1
    rep.post(f"/practices/{captured['id']}/apply", {"deal_id": other["id"]}, 409)
    # a private practice is recommended to nobody
    assert rep.get(f"/deals/{other['id']}/practices") == []
    rep.get(f"/deals/{'0' * 32}/practices", 404)


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


def test_cli_lists_with_state_and_refuses_bad_input(tmp_path: Path) -> None:
    done = kith(tmp_path, "init", "--admin-email", "a@example.com", "--admin-password", PASSWORD)
    assert done.returncode == 0, done.stderr
    done = kith(tmp_path, "practices", "list", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []
    done = kith(tmp_path, "practices", "list", "--state", "draft")
    assert done.returncode == 2 and "--state must be one of" in done.stderr
    done = kith(tmp_path, "practices", "show", "0" * 32, "--as", "a@example.com")
    assert done.returncode == 2 and "not found" in done.stderr
    done = kith(
        tmp_path, "practices", "review", "0" * 32, "--verdict", "meh", "--comment", "x",
        "--as", "a@example.com",
    )  # fmt: skip
    assert done.returncode == 2 and "options.verdict" in done.stderr
    done = kith(tmp_path, "anchors", "list", "--json")
    assert done.returncode == 0 and json.loads(done.stdout) == []
    done = kith(tmp_path, "anchors", "show", "0" * 32)
    assert done.returncode == 2 and "not found" in done.stderr
