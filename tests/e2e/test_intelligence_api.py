"""Scores, forecast, churn distribution and the registry over HTTP, on the demo data."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.access.models import Tenant
from kith.app import create_app
from kith.container import Container
from kith.demo.loader import load_demo
from kith.events.models import OutboxEvent
from kith.events.types import Actor
from kith.intelligence.models import Score
from kith.intelligence.scoring.builtin import BuiltinModels
from kith.intelligence.service import IntelligenceService

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
PASSWORD = "kith-demo-2026"


class Api:
    def __init__(self, client: TestClient, email: str) -> None:
        response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        self.client = client
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def get(self, path: str, expected: int = 200) -> Any:
        response = self.client.get(f"/api/v1{path}", headers=self.headers)
        assert response.status_code == expected, response.text
        return response.json()


@pytest.fixture
def demo(container: Container) -> dict[str, Any]:
    container.clock = lambda: ANCHOR  # every "now" in the requests is the demo's anchor
    load_demo(container, tenant_slug="demo", password=PASSWORD, seed=42, scale=0.1, anchor=ANCHOR)
    with container.uow() as uow:
        tenant = uow.session.scalars(select(Tenant).where(Tenant.slug == "demo")).one()
        service = IntelligenceService(uow, tenant.id, Actor("system", None, "test"), lambda: ANCHOR)
        outcomes = {o.kind: o for o in BuiltinModels(service).run()}
        uow.commit()
    return outcomes


def test_scores_forecast_and_distribution_contracts(
    container: Container, demo: dict[str, Any]
) -> None:
    assert demo["deal_win"].status == "trained"
    assert demo["churn"].status == "trained"
    assert demo["sentiment"].scored > 0
    with container.uow() as uow:
        churn = uow.session.scalars(select(Score).where(Score.kind == "churn")).all()
        sentiment = uow.session.scalars(select(Score).where(Score.kind == "sentiment")).first()
        deal_score = uow.session.scalars(select(Score).where(Score.kind == "deal_win")).first()
        crossings = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "score.changed")
        ).all()
        uow.session.expunge_all()
    assert churn and sentiment and deal_score
    # First scores are announced only above "low"; sentiment never floods the bus.
    assert all(e.payload["band"] != "low" for e in crossings)
    assert {e.payload["kind"] for e in crossings} <= {"churn", "deal_win", "lead_conversion"}

    with TestClient(create_app(container)) as client:
        admin = Api(client, "zhou.ming@kith.demo")
        contact_id = churn[0].record_id
        scores = admin.get(f"/contacts/{contact_id}/scores")
        (score,) = [s for s in scores if s["kind"] == "churn"]
        assert score["band"] in ("low", "medium", "high")
        assert score["model_version"] == "churn@1"
        assert 0 <= score["score"] <= 1
        assert {"name", "contribution", "value"} <= set(score["factors"][0])
        assert score["detail"]["intervention"]["tool"] in (
            "activities.create", "coupons.issue", "campaigns.enroll", "messages.send",
        )  # fmt: skip

        deal = admin.get(f"/deals/{deal_score.record_id}/scores")
        assert [s["kind"] for s in deal] == ["deal_win"]
        mood = admin.get(f"/interactions/{sentiment.record_id}/scores")
        assert mood[0]["band"] in ("negative", "neutral", "positive")
        assert set(mood[0]["detail"]) == {"label", "anger", "urgency"}

        forecast = admin.get("/intelligence/forecast?period=month")
        assert set(forecast["series"][0]) == {"period", "actual", "forecast", "lower", "upper"}
        assert any(p["actual"] is not None for p in forecast["series"])
        if forecast["model"] is not None:
            future = [p for p in forecast["series"] if p["forecast"] is not None]
            assert future and all(p["lower"] <= p["forecast"] <= p["upper"] for p in future)
            # Seasonal-naive needs two seasons of history; the demo's is shorter.
            history = [p for p in forecast["series"] if p["actual"] is not None]
            if len(history) >= 24:
                assert forecast["baseline"]["name"] == "seasonal_naive"
            else:
                assert forecast["baseline"]["name"] == "naive"
                assert "two seasons" in forecast["baseline"]["note"]["en"]
        else:
            assert forecast["note"]

        distribution = admin.get("/intelligence/churn/distribution")
        assert len(distribution["bins"]) == 10
        assert {"from", "to", "count"} == set(distribution["bins"][0])
        assert distribution["bins"][0]["from"] == 0.0 and distribution["bins"][-1]["to"] == 1.0
        assert sum(b["count"] for b in distribution["bins"]) == distribution["total"] == len(churn)

        for stalled in admin.get("/intelligence/stalled-deals"):
            assert stalled["days_in_stage"] > stalled["limit_days"]
            assert stalled["next_step"]["zh"] and stalled["next_step"]["en"]

        models = admin.get("/intelligence/models")
        assert {m["ref"] for m in models} >= {"deal_win@1", "churn@1"}

        marketing = Api(client, "wu.ting@kith.demo")  # no deal access
        marketing.get("/intelligence/forecast", expected=403)
        marketing.get(f"/deals/{deal_score.record_id}/scores", expected=403)
        sales = Api(client, "wang.qiang@kith.demo")
        sales.get("/intelligence/models", expected=403)
        admin.get("/contacts/0000000000000000000000000000dead/scores", expected=404)
        admin.get("/intelligence/forecast?period=year", expected=422)
