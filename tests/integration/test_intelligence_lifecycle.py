"""Scheduled retraining (champion against challenger on the same held-out rows) and live
performance from outcomes, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from kith.access.repository import AccessRepository
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.ids import new_id
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS
from kith.events.delivery import ConsumerRunner
from kith.events.envelope import Envelope
from kith.events.models import OutboxEvent
from kith.events.types import Actor
from kith.intelligence.models import ModelOutcome, ModelVersion
from kith.intelligence.monitoring import performance as perf
from kith.intelligence.monitoring.lifecycle import ModelData, Retrainer
from kith.intelligence.service import IntelligenceService, ScoreRow
from kith.scheduling.service import ScheduleService, run_due
from tests.conftest import Workspace

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def synthetic(rows: int = 400, sign: float = 1.0, seed: int = 0) -> pd.DataFrame:
    """Outcome driven by x (direction ``sign``); the same record ids for every seed."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": [f"{i:032x}" for i in range(rows)],
            "x": rng.normal(size=rows),
            "segment": rng.choice(["a", "b", "c"], rows),
        }
    )
    logit = sign * 2.5 * frame["x"]
    frame["outcome"] = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def model_data(frame: pd.DataFrame) -> ModelData:
    return ModelData("deal_win", "deal", ["x", "segment"], frame, frame.iloc[0:0])


@contextmanager
def intelligence(container: Container, tenant_id: str) -> Iterator[IntelligenceService]:
    with container.uow() as uow:
        yield IntelligenceService(uow, tenant_id, Actor("system", None, "test"), lambda: T0)
        uow.commit()


def outbox(container: Container, *types: str) -> list[OutboxEvent]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type.in_(types)).order_by(OutboxEvent.seq)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def test_retrain_promotes_only_a_challenger_that_beats_the_champion(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with intelligence(container, tenant) as service:
        first = Retrainer(service).retrain(model_data(synthetic(sign=1.0)))
    assert (first.decision, first.challenger, first.champion) == (
        "first_champion",
        "deal_win@1",
        "deal_win@1",
    )

    # The world changed: the same feature now points the other way.
    with intelligence(container, tenant) as service:
        second = Retrainer(service).retrain(model_data(synthetic(sign=-1.0, seed=1)))
    assert second.decision == "promoted", second.reason
    assert second.champion == "deal_win@2"
    comparison = second.comparison
    assert comparison["champion_ref"] == "deal_win@1"
    assert comparison["champion_evaluation"].startswith("as registered")
    assert comparison["challenger"]["auc"] >= comparison["champion"]["auc"] + 0.01

    # Retrained on the same data: no better than the champion, so it is kept.
    with intelligence(container, tenant) as service:
        third = Retrainer(service).retrain(model_data(synthetic(sign=-1.0, seed=1)))
    assert third.decision == "kept"
    assert "does not beat" in third.reason
    assert (third.challenger, third.champion) == ("deal_win@3", "deal_win@2")

    with container.uow() as uow:
        versions = {
            v.number: v
            for v in uow.session.scalars(
                select(ModelVersion).where(ModelVersion.tenant_id == tenant)
            )
        }
        uow.session.expunge_all()
    assert {n: v.status for n, v in versions.items()} == {
        1: "retired",
        2: "champion",
        3: "challenger",
    }
    recorded = versions[3].metrics["holdout_comparison"]
    assert recorded["decision"] == "kept" and recorded["champion_ref"] == "deal_win@2"
    assert versions[2].metrics["holdout_comparison"]["decision"] == "promoted"
    assert versions[3].params["holdout_split"] == recorded["split"]
    promoted = outbox(container, "model.promoted")
    assert [e.payload["ref"] for e in promoted] == ["deal_win@2"]


def test_a_champion_trained_on_the_held_out_rows_is_judged_by_a_refit(
    container: Container, workspace: Workspace
) -> None:
    frame = synthetic()
    with intelligence(container, workspace.tenant_id) as service:
        service.train_classifier("deal_win", "all rows", frame.drop(columns="id"), "outcome", None)
    with intelligence(container, workspace.tenant_id) as service:
        outcome = Retrainer(service).retrain(model_data(frame))
    assert outcome.comparison["champion_evaluation"].startswith("its specification refitted")
    assert outcome.decision == "kept"


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


def _pipeline(svc: RecordService) -> dict[str, str]:
    pipeline = svc.create("pipeline", s.PipelineIn(name="Sales", is_default=True))["id"]
    stages = {}
    for i, (name, kind) in enumerate([("Qualify", "open"), ("Won", "won"), ("Lost", "lost")]):
        row = m.PipelineStage(
            tenant_id=svc.principal.tenant_id,
            pipeline_id=pipeline,
            name=name,
            probability=10,
            kind=kind,
            position=i,
        )
        svc.uow.session.add(row)
        svc.uow.session.flush()
        stages[kind] = row.id
    return stages


def apply_outbox(container: Container) -> None:
    rows = outbox(container, *perf.EVENT_TYPES)
    ConsumerRunner(container, perf.ModelPerformanceConsumer()).apply(
        [Envelope.from_outbox(r) for r in rows]
    )


def test_live_performance_from_closed_deals_with_a_prior_score(
    container: Container, workspace: Workspace, records: Any
) -> None:
    tenant = workspace.tenant_id
    with records(T0) as svc:
        stages = _pipeline(svc)
        deals = [svc.create("deal", s.DealIn(name=f"deal {i}"))["id"] for i in range(3)]
    with intelligence(container, tenant) as service:
        frame = synthetic().drop(columns="id")
        version, _ = service.train_classifier("deal_win", "test", frame, "outcome", None)
        service.record_scores(
            "deal_win",
            "deal",
            "deal_win@1",
            version.id,
            [ScoreRow(deals[0], 0.8, []), ScoreRow(deals[1], 0.3, [])],
        )
    later = T0 + timedelta(days=3)
    with records(later) as svc:
        for deal_id, kind in ((deals[0], "won"), (deals[1], "lost"), (deals[2], "won")):
            svc.update("deal", deal_id, PATCH_SCHEMAS["deal"](version=1, stage_id=stages[kind]))

    apply_outbox(container)
    apply_outbox(container)  # redelivered: nothing is counted twice

    with container.uow() as uow:
        rows = uow.session.scalars(select(ModelOutcome).order_by(ModelOutcome.score)).all()
        assert [(r.record_id, r.score, r.outcome, r.outcome_label) for r in rows] == [
            (deals[1], 0.3, 0, "lost"),
            (deals[0], 0.8, 1, "won"),
        ]  # the third deal was never scored
        assert all(r.model_ref == "deal_win@1" and r.at == later for r in rows)
        result = perf.performance(uow.session, uow.session.get(ModelVersion, version.id))  # type: ignore[arg-type]
    live = result["live"]
    assert (live["outcomes"], live["positives"], live["auc"], live["accuracy"]) == (2, 1, 1.0, 1.0)
    assert live["brier"] == pytest.approx((0.2**2 + 0.3**2) / 2, abs=1e-4)
    assert result["offline"]["auc"] == version.metrics["auc"]
    assert result["degraded"] is False


def _envelope(tenant: str, record_id: str, won: bool, at: datetime) -> Envelope:
    return Envelope(
        seq=0,
        event_id=new_id(),
        tenant_id=tenant,
        type="deal.won" if won else "deal.lost",
        subject_type="deal",
        subject_id=record_id,
        actor_kind="user",
        actor_id=None,
        occurred_at=at,
    )


def test_degraded_performance_is_announced_once(
    container: Container, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(perf, "MIN_OUTCOMES", 4)
    tenant = workspace.tenant_id
    ids = [new_id() for _ in range(8)]
    scores = [0.9, 0.8, 0.2, 0.1, 0.85, 0.15, 0.7, 0.3]
    with intelligence(container, tenant) as service:
        version, _ = service.train_classifier(
            "deal_win", "test", synthetic().drop(columns="id"), "outcome", None
        )
        service.record_scores(
            "deal_win",
            "deal",
            "deal_win@1",
            version.id,
            [ScoreRow(i, sc, []) for i, sc in zip(ids, scores, strict=True)],
            emit=False,
        )
    # Reality says the opposite of the scores: high scores lose, low scores win.
    for n, (record_id, score) in enumerate(zip(ids, scores, strict=True)):
        with container.uow() as uow:
            perf.record_outcome(
                uow, _envelope(tenant, record_id, score < 0.5, T0 + timedelta(hours=n + 1))
            )
            uow.commit()
    events = outbox(container, "model.performance_degraded")
    assert len(events) == 1
    payload = events[0].payload
    assert payload["ref"] == "deal_win@1" and payload["outcomes"] == 4
    assert payload["live_auc"] == 0.0 and payload["offline_auc"] == version.metrics["auc"]


def test_the_retrain_job_runs_on_the_workspace_records(
    container: Container, request: pytest.FixtureRequest
) -> None:
    if request.node.callspec.params.get("container") != "sqlite":
        pytest.skip("one backend is enough for the demo-sized run")
    from kith.demo.loader import load_demo

    anchor = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    load_demo(
        container, tenant_slug="demo", password="kith-demo-2026", seed=42, scale=0.2, anchor=anchor
    )
    with container.uow() as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug("demo")
        assert tenant is not None
        service = ScheduleService(uow, tenant.id, Actor.system(), clock=lambda: anchor)
        service.add("models.retrain", every="1d", params={"models": ["deal_win"]}, run_now=True)
        service.add("models.drift", every="1d", params={"models": ["deal_win"]}, run_now=True)
        uow.commit()
    runs = {r["job"]: r for r in run_due(container, anchor)}
    assert runs["models.retrain"]["status"] == "ok", runs["models.retrain"]["error"]
    (retrained,) = runs["models.retrain"]["result"]["models"]
    assert retrained["kind"] == "deal_win"
    assert retrained["decision"] == "first_champion" and retrained["scored"] > 0
    assert runs["models.drift"]["status"] == "ok"
    (checked,) = runs["models.drift"]["result"]["models"]
    assert checked["status"] in ("checked", "skipped")
