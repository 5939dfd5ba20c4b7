"""The model registry, scores and drift checks on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, update

from kith.access import service as access
from kith.container import Container
from kith.core.errors import Conflict
from kith.events.models import OutboxEvent
from kith.events.types import Actor
from kith.intelligence.models import ModelVersion, Score
from kith.intelligence.service import IntelligenceService, ScoreRow
from kith.privacy.models import ProcessingRestriction


def data(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "tickets": rng.poisson(2, rows).astype(float),
            "plan": rng.choice(["basic", "pro"], rows),
        }
    )
    logit = -1 + 0.8 * frame["tickets"] + (frame["plan"] == "basic")
    frame["churned"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return frame


@pytest.fixture
def tenant_id(container: Container) -> str:
    with container.uow() as uow:
        tenant = access.ensure_tenant(uow.session, "acme", "Acme")
        uow.commit()
        return tenant.id


def service(uow: Any, tenant_id: str) -> IntelligenceService:
    return IntelligenceService(uow, tenant_id, Actor("system", None, "test"))


def events(container: Container, event_type: str) -> list[OutboxEvent]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == event_type).order_by(OutboxEvent.seq)
        ).all()
        uow.session.expunge_all()
        return list(rows)


def test_versions_promote_and_roll_back_with_events(container: Container, tenant_id: str) -> None:
    with container.uow() as uow:
        first, _ = service(uow, tenant_id).train_classifier(
            "churn", "a.csv", data(), "churned", None
        )
        second, _ = service(uow, tenant_id).train_classifier(
            "churn", "b.csv", data(seed=1), "churned", None
        )
        uow.commit()
        assert (first.number, first.status) == (1, "champion")
        assert (second.number, second.status) == (2, "challenger")
        assert first.data_hash != second.data_hash
        assert first.metrics["auc"] > 0.6 and "accuracy" in first.metrics

    with container.uow() as uow:
        service(uow, tenant_id).promote("churn@2")
        uow.commit()
    with container.uow() as uow:
        statuses = {v.number: v.status for v in service(uow, tenant_id).repo.versions("churn")}
        assert statuses == {1: "retired", 2: "champion"}
        with pytest.raises(Conflict, match="already the champion"):
            service(uow, tenant_id).promote("churn")

    with container.uow() as uow:
        restored = service(uow, tenant_id).rollback("churn")
        uow.commit()
        assert restored.number == 1
    with container.uow() as uow:
        statuses = {v.number: v.status for v in service(uow, tenant_id).repo.versions("churn")}
        assert statuses == {1: "champion", 2: "challenger"}
        with pytest.raises(Conflict, match="no earlier champion"):
            service(uow, tenant_id).rollback("churn")

    assert len(events(container, "model.trained")) == 2
    assert [e.payload["ref"] for e in events(container, "model.promoted")] == ["churn@2"]
    rolled = events(container, "model.rolled_back")
    assert [(e.payload["ref"], e.payload["replaced"]) for e in rolled] == [("churn@1", "churn@2")]


def test_stored_artifact_scores_like_the_trained_model_and_refuses_tampering(
    container: Container, tenant_id: str
) -> None:
    frame = data()
    with container.uow() as uow:
        version, trained = service(uow, tenant_id).train_classifier(
            "churn", "a.csv", frame, "churned", None
        )
        uow.commit()
        version_id = version.id
        expected = trained.model.score(frame)
    with container.uow() as uow:
        loaded = service(uow, tenant_id).classifier(service(uow, tenant_id).resolve(version_id))
        np.testing.assert_allclose(loaded.score(frame), expected, atol=1e-9)
        scored = service(uow, tenant_id).predict("churn", frame.drop(columns="churned"))
        assert {"score", "predicted", "top_factors"} <= set(scored.columns)
        assert set(scored["predicted"]) <= {"yes", "no"}
    with container.uow() as uow:
        stored = uow.session.get(ModelVersion, version_id)
        assert stored is not None
        uow.session.execute(
            update(ModelVersion)
            .where(ModelVersion.id == version_id)
            .values(artifact=stored.artifact[:-1] + b"x")
        )
        uow.commit()
    with container.uow() as uow, pytest.raises(Conflict, match="SHA-256"):
        service(uow, tenant_id).classifier(service(uow, tenant_id).resolve(version_id))


def test_score_changed_is_emitted_only_when_the_band_changes(
    container: Container, tenant_id: str
) -> None:
    # low (first score, not emitted), low, high, high, medium, medium
    for value in (0.2, 0.3, 0.75, 0.8, 0.5, 0.45):
        with container.uow() as uow:
            counts = service(uow, tenant_id).record_scores(
                "churn",
                "contact",
                "churn@1",
                None,
                [ScoreRow("c1", value, [{"name": "tickets", "contribution": 0.4, "value": 3}])],
            )
            uow.commit()
            assert counts["scored"] == 1
    changed = events(container, "score.changed")
    assert [(e.payload["previous_band"], e.payload["band"]) for e in changed] == [
        ("low", "high"),
        ("high", "medium"),
    ]
    assert changed[0].subject_type == "contact" and changed[0].subject_id == "c1"
    assert changed[0].payload["kind"] == "churn" and changed[0].payload["score"] == 0.75
    assert changed[0].payload["factors"][0]["name"] == "tickets"
    with container.uow() as uow:
        rows = uow.session.scalars(select(Score)).all()
        assert [(r.score, r.band, r.model_version) for r in rows] == [(0.45, "medium", "churn@1")]


def test_a_first_score_above_low_is_announced(container: Container, tenant_id: str) -> None:
    with container.uow() as uow:
        service(uow, tenant_id).record_scores(
            "churn", "contact", "churn@1", None, [ScoreRow("c2", 0.9, []), ScoreRow("c3", 0.1, [])]
        )
        uow.commit()
    assert [(e.subject_id, e.payload["band"]) for e in events(container, "score.changed")] == [
        ("c2", "high")
    ]


def test_a_person_under_restriction_keeps_the_last_score_and_gets_no_new_one(
    container: Container, tenant_id: str
) -> None:
    def score(value: float) -> dict[str, int]:
        with container.uow() as uow:
            counts = service(uow, tenant_id).record_scores(
                "churn", "contact", "churn@1", None, [ScoreRow("c4", value, [])]
            )
            uow.commit()
            return counts

    score(0.2)
    with container.uow() as uow:
        uow.session.add(
            ProcessingRestriction(
                tenant_id=tenant_id,
                contact_id="c4",
                action="applied",
                reason="accuracy contested",
                actor_kind="user",
                detail={},
            )
        )
        uow.commit()
    assert score(0.9) == {"scored": 0, "band_changes": 0, "restricted": 1}
    with container.uow() as uow:
        kept = uow.session.scalars(select(Score).where(Score.record_id == "c4")).one()
        assert (kept.score, kept.band) == (0.2, "low")
    assert [e.subject_id for e in events(container, "score.changed")] == []


def test_drift_check_alerts_on_a_shifted_population(container: Container, tenant_id: str) -> None:
    with container.uow() as uow:
        service(uow, tenant_id).train_classifier("churn", "a.csv", data(2000), "churned", None)
        uow.commit()
    with container.uow() as uow:
        stable = service(uow, tenant_id).check_drift("churn", data(2000, seed=5))
        shifted = data(2000, seed=5).assign(tickets=lambda f: f["tickets"] + 4)
        moved = service(uow, tenant_id).check_drift("churn", shifted)
        uow.commit()
        assert stable.alert is False and stable.max_psi < 0.1
        assert moved.alert is True and moved.psi["tickets"] > 0.25
        assert "tickets" in (moved.note or "")
    alerts = events(container, "model.drift_detected")
    assert len(alerts) == 1
    assert "tickets" in alerts[0].payload["shifted"]
