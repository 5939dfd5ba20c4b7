"""A decision taken on a score carries the score, its model version and the model's factors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kith.container import Container
from kith.core.clock import utcnow
from kith.events.types import Actor
from kith.gateway.models import DecisionRecord
from kith.intelligence.service import IntelligenceService, ScoreRow
from tests.conftest import Workspace
from tests.integration.test_agents_builtin import Agents, agents  # noqa: F401 (fixture)
from tests.integration.test_agents_support import add_owner, record_interaction

FACTORS = [
    {"name": "days_since_contact", "contribution": 1.31, "value": 140.0},
    {"name": "orders", "contribution": 0.42, "value": 0.0},
    {"name": "tier", "contribution": -0.27, "value": "gold"},
]


def test_the_retention_offer_records_the_churn_model_and_its_top_factors(
    agents: Agents,  # noqa: F811
    container: Container,
    workspace: Workspace,
) -> None:
    owner = add_owner(container, workspace.tenant_id).contact_id
    record_interaction(
        container,
        workspace.tenant_id,
        channel="app",
        contact_id=owner,
        text="收到",
        at=utcnow() - timedelta(days=30),
    )
    with container.uow() as uow:
        service = IntelligenceService(uow, workspace.tenant_id, Actor.system())
        row = ScoreRow(record_id=owner, score=0.83, factors=FACTORS, contact_id=owner)
        service.record_scores("churn", "contact", "churn@3", None, [row])
        uow.commit()
    agents.settle()

    (decision,) = agents.rows(select(DecisionRecord).where(DecisionRecord.tool == "messages.send"))
    rationale = decision.rationale
    assert rationale is not None
    assert [(f["name"], f["contribution"], f["value"]) for f in rationale["factors"]] == [
        (f["name"], f["contribution"], f["value"]) for f in FACTORS
    ]
    assert "churn@3" in rationale["factors"][0]["description"]
    assert rationale["confidence"] == 0.83 and rationale["threshold"] == 0.7
    inputs = rationale["inputs"]
    assert inputs["model_version"] == "churn@3" and inputs["score"] == 0.83
    assert inputs["score_kind"] == "churn" and inputs["band"] == "high"
