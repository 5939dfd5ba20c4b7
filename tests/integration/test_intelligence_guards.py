"""Honest champions and features known at prediction time, on SQLite and PostgreSQL
(issue 22: a model that does not beat its baseline never scores records; deal
features stop at the close)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.errors import Conflict
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS
from kith.events.types import Actor
from kith.intelligence.models import Score
from kith.intelligence.scoring.builtin import BuiltinModels, deal_dataset, interaction_sentiment
from kith.intelligence.segments.repository import SegmentRepository
from kith.intelligence.segments.schemas import ScoreCondition
from kith.intelligence.service import IntelligenceService, ScoreRow
from tests.conftest import Workspace

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@contextmanager
def intelligence(container: Container, tenant_id: str) -> Iterator[IntelligenceService]:
    with container.uow() as uow:
        yield IntelligenceService(uow, tenant_id, Actor("system", None, "test"), lambda: T0)
        uow.commit()


@pytest.fixture
def records(container: Container, workspace: Workspace) -> Any:
    @contextmanager
    def _records(now: datetime) -> Iterator[RecordService]:
        with container.uow() as uow:
            user = uow.session.get(type(workspace.users["admin"]), workspace.users["admin"].id)
            assert user is not None
            yield RecordService(uow, principal_for_user(uow.session, user), lambda: now)
            uow.commit()

    return _records


def chance(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """Outcomes that no feature predicts."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "id": [f"{i:032x}" for i in range(rows)],
            "activities": rng.poisson(2, rows).astype(float),
            "source": rng.choice(["web", "event", "referral"], rows),
            "outcome": rng.choice(["converted", "not_converted"], rows),
        }
    )


def signal(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = chance(rows, seed)
    logit = 1.5 * (frame["activities"] - 2)
    frame["outcome"] = np.where(
        rng.random(rows) < 1 / (1 + np.exp(-logit)), "converted", "not_converted"
    )
    return frame


def test_a_chance_level_model_is_registered_but_never_champion(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with intelligence(container, tenant) as service:
        version, trained = service.train_classifier(
            "lead_conversion", "t", chance().drop(columns="id"), "outcome", None
        )
        assert trained.metrics["better_than_baseline"] is False
        assert version.status == "challenger"
        assert version.metrics["fit_to_score"] is False
        assert "Not enough data to score" in version.metrics["unfit_reason"]["en"]
        assert service.repo.champion("lead_conversion") is None
        with pytest.raises(Conflict, match="cannot be the champion"):
            service.promote(version.id)
    with intelligence(container, tenant) as service:
        good, _ = service.train_classifier(
            "lead_conversion", "t", signal().drop(columns="id"), "outcome", None
        )
        assert good.metrics["fit_to_score"] is True
        assert good.status == "champion"  # the first version fit to score


def test_builtin_scoring_skips_a_model_that_does_not_beat_its_baseline(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    frame = chance()
    working = frame.head(20).assign(outcome=None)
    with intelligence(container, tenant) as service:
        outcome = BuiltinModels(service)._train_and_score(
            "lead_conversion", "lead", frame, ["activities", "source"], working, "converted"
        )
    assert outcome.status == "trained" and outcome.scored == 0
    assert outcome.reason is not None and "Not enough data to score" in outcome.reason
    with container.uow() as uow:
        assert uow.session.scalars(select(Score).where(Score.tenant_id == tenant)).all() == []


def test_deal_features_count_only_what_was_known_at_the_close(
    container: Container, workspace: Workspace, records: Any
) -> None:
    tenant = workspace.tenant_id
    with records(T0) as svc:
        pipeline = svc.create("pipeline", s.PipelineIn(name="Sales", is_default=True))["id"]
        for position, (name, kind) in enumerate([("Qualify", "open"), ("Won", "won")]):
            stage = m.PipelineStage(
                tenant_id=tenant, pipeline_id=pipeline, name=name, probability=50, kind=kind,
                position=position,
            )  # fmt: skip
            svc.uow.session.add(stage)
        won_stage = stage
        svc.uow.session.flush()
        won_stage_id = won_stage.id
        closed = svc.create("deal", s.DealIn(name="closed", pipeline_id=pipeline))["id"]
        still_open = svc.create("deal", s.DealIn(name="open", pipeline_id=pipeline))["id"]

    def activity(at: datetime, deal: str, kind: str = "note") -> None:
        with records(at) as svc:
            times = (
                {"starts_at": at, "ends_at": at + timedelta(hours=1)} if kind == "meeting" else {}
            )
            svc.create("activity", s.ActivityIn(kind=kind, subject="touch", deal_id=deal, **times))

    activity(T0 + timedelta(days=1), closed, "meeting")
    activity(T0 + timedelta(days=1), still_open)
    with records(T0 + timedelta(days=3)) as svc:
        svc.update("deal", closed, PATCH_SCHEMAS["deal"](version=1, stage_id=won_stage_id))
    # logged after the close: a model must not learn that these mean a win
    activity(T0 + timedelta(days=5), closed, "meeting")
    activity(T0 + timedelta(days=6), closed)
    activity(T0 + timedelta(days=5), still_open, "meeting")

    with container.uow() as uow:
        interactions = interaction_sentiment(uow.session, tenant)
        deals = deal_dataset(uow.session, tenant, interactions, T0 + timedelta(days=10))
    by_id = deals.set_index("id")
    assert by_id.loc[closed, "status"] == "won"
    assert by_id.loc[still_open, "status"] == "open"
    assert by_id.loc[closed, "activities"] == 1.0
    assert by_id.loc[closed, "meetings"] == 1.0
    assert by_id.loc[still_open, "activities"] == 2.0  # open: everything up to now
    assert by_id.loc[still_open, "meetings"] == 1.0


def test_readers_of_scores_skip_those_of_an_unfit_version(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with intelligence(container, tenant) as service:
        unfit, _ = service.train_classifier(
            "deal_win", "t", chance().drop(columns="id"), "outcome", None
        )
        fit, _ = service.train_classifier(
            "deal_win", "t", signal().drop(columns="id"), "outcome", None
        )
        service.record_scores("deal_win", "deal", "deal_win@1", unfit.id, [ScoreRow("d1", 0.9, [])])
        service.record_scores("deal_win", "deal", "deal_win@2", fit.id, [ScoreRow("d2", 0.4, [])])
        service.record_scores("sentiment", "deal", "rules/1", None, [ScoreRow("d3", 0.5, [])])
        repo = service.repo
        assert set(repo.scores_by_record("deal_win", "deal")) == {"d1", "d2"}
        assert set(repo.scores_by_record("deal_win", "deal", usable_only=True)) == {"d2"}
        assert set(repo.scores_by_record("sentiment", "deal", usable_only=True)) == {"d3"}
        # saved segments select and show only usable scores
        segments = SegmentRepository(service.uow.session, tenant)
        condition = ScoreCondition(model="deal_win", op="gte", value=0.0)
        assert segments.scored_ids("deal", condition) == {"d2"}
        assert segments.scores_of("deal", ["deal_win", "sentiment"], ["d1", "d2", "d3"]) == {
            "d2": {"deal_win": 0.4},
            "d3": {"sentiment": 0.5},
        }
