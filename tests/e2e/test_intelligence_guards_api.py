"""A record's scores say "not enough data to score" when the model may not score
(issue 22): no number from a model that does not beat its baseline."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import update

from kith.container import Container
from kith.events.types import Actor
from kith.intelligence.models import ModelVersion
from kith.intelligence.service import IntelligenceService, ScoreRow
from tests.conftest import Workspace


def chance(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "activities": rng.poisson(2, rows).astype(float),
            "source": rng.choice(["web", "event", "referral"], rows),
            "outcome": rng.choice(["converted", "not_converted"], rows),
        }
    )


def test_score_endpoint_says_why_there_is_no_score(
    as_role: Any, container: Container, workspace: Workspace
) -> None:
    api = as_role("admin")
    lead = api.post("/leads", {"name": "王芳", "company": "苏州精工", "source": "web"})
    assert api.get(f"/leads/{lead['id']}/scores") == []

    with container.uow() as uow:
        service = IntelligenceService(uow, workspace.tenant_id, Actor("system", None, "test"))
        version, _ = service.train_classifier("lead_conversion", "t", chance(), "outcome", None)
        assert version.status == "challenger"
        version_id = version.id
        uow.commit()
    (entry,) = api.get(f"/leads/{lead['id']}/scores")
    assert entry["kind"] == "lead_conversion"
    assert entry["status"] == "not_enough_data"
    assert entry["score"] is None and entry["factors"] == []
    assert entry["reason"]["en"].startswith("Not enough data to score")
    assert entry["reason"]["zh"].startswith("数据不足，无法评分")

    # A champion from before the guard (the demo's lead_conversion@1, AUC 0.34) had
    # already scored the lead: its number is not shown.
    with container.uow() as uow:
        uow.session.execute(
            update(ModelVersion).where(ModelVersion.id == version_id).values(status="champion")
        )
        service = IntelligenceService(uow, workspace.tenant_id, Actor("system", None, "test"))
        service.record_scores(
            "lead_conversion",
            "lead",
            "lead_conversion@1",
            version_id,
            [ScoreRow(lead["id"], 0.83, [{"name": "source", "contribution": 1.2, "value": "web"}])],
        )
        uow.commit()
    (entry,) = api.get(f"/leads/{lead['id']}/scores")
    assert entry["status"] == "not_enough_data"
    assert entry["score"] is None and entry["factors"] == []
    assert entry["model_version"] == "lead_conversion@1"
