"""`/api/v1/schedules` and a model's live performance over HTTP."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kith.container import Container
from kith.events.types import Actor
from kith.intelligence.service import IntelligenceService
from tests.conftest import Workspace


def test_admins_manage_schedules_analysts_read_them(as_role: Any) -> None:
    admin, analyst, sales = as_role("admin"), as_role("analyst"), as_role("sales")
    jobs = {j["name"]: j for j in admin.get("/schedules/jobs")}
    assert {"models.retrain", "models.drift"} <= set(jobs)
    assert jobs["models.retrain"]["default_params"]["margin"] == 0.01

    created = admin.post(
        "/schedules",
        {"job": "models.retrain", "daily_at": "2:30", "params": {"models": ["deal_win"]}},
    )
    assert (created["cadence"], created["enabled"]) == ("daily at 02:30 UTC", True)
    assert "T02:30:00" in created["next_run_at"]
    assert [s["id"] for s in analyst.get("/schedules")] == [created["id"]]
    analyst.post("/schedules", {"job": "models.drift", "every": "1d"}, expected=403)
    sales.get("/schedules", expected=403)

    paused = admin.patch(f"/schedules/{created['id']}", {"enabled": False})
    assert paused["enabled"] is False
    assert admin.get(f"/schedules/{created['id']}/runs") == []
    admin.delete(f"/schedules/{created['id']}")
    admin.get(f"/schedules/{created['id']}", expected=404)


def test_bad_schedules_get_field_paths(as_role: Any) -> None:
    admin = as_role("admin")
    cases = [
        ({"job": "models.retrain", "every": "often"}, ["body", "every"]),
        ({"job": "models.retrain", "daily_at": "25:00"}, ["body", "daily_at"]),
        ({"job": "models.retrain"}, ["body", "every"]),
        ({"job": "no.such.job", "every": "1h"}, ["body", "job"]),
        # a job's own parameters are checked when the schedule is added, not at each run
        (
            {"job": "models.retrain", "every": "1d", "params": {"models": ["no_such_model"]}},
            ["body", "params", "models"],
        ),
        (
            {"job": "models.retrain", "every": "1d", "params": {"margin": 2}},
            ["body", "params", "margin"],
        ),
        (
            {"job": "segments.refresh", "every": "1h", "params": {"force": "yes"}},
            ["body", "params", "force"],
        ),
    ]
    for body, loc in cases:
        problem = admin.post("/schedules", body, expected=422)
        assert [e["loc"] for e in problem["errors"]] == [loc], problem
    problem = admin.post("/schedules", {"job": "models.drift", "every": "1h", "x": 1}, expected=422)
    assert problem["errors"][0]["loc"] == ["body", "x"]


def test_schedules_of_another_workspace_are_not_found(
    as_role: Any, app_client: Any, other_workspace: Workspace
) -> None:
    from tests.conftest import sign_in

    created = as_role("admin").post("/schedules", {"job": "models.drift", "every": "6h"})
    stranger = sign_in(app_client, other_workspace.users["admin"].email)
    assert stranger.get("/schedules") == []
    stranger.get(f"/schedules/{created['id']}", expected=404)
    stranger.delete(f"/schedules/{created['id']}", expected=404)


def test_model_performance_endpoint(
    as_role: Any, container: Container, workspace: Workspace
) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=200)})
    frame["won"] = (frame["x"] + rng.normal(scale=0.5, size=200) > 0).astype(int)
    with container.uow() as uow:
        IntelligenceService(uow, workspace.tenant_id, Actor.system()).train_classifier(
            "deal_win", "test", frame, "won", None
        )
        uow.commit()
    analyst = as_role("analyst")
    out = analyst.get("/intelligence/models/deal_win@1/performance")
    assert out["ref"] == "deal_win@1" and out["status"] == "champion"
    assert out["live"]["outcomes"] == 0 and out["live"]["auc"] is None
    assert out["offline"]["auc"] > 0.7 and out["degraded"] is False
    assert analyst.get("/intelligence/models/deal_win/performance")["ref"] == "deal_win@1"
    analyst.get("/intelligence/models/deal_win@9/performance", expected=404)
    as_role("sales").get("/intelligence/models/deal_win@1/performance", expected=403)
