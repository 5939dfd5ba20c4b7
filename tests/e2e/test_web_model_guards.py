"""The record page says "not enough data to score" instead of a number from a model that
does not beat its baseline, and flags a factor backed by few training rows (issue 22)."""

from __future__ import annotations

from typing import Any

from kith.container import Container
from kith.events.types import Actor
from kith.intelligence.service import IntelligenceService, ScoreRow
from tests.conftest import Workspace
from tests.e2e.test_intelligence_guards_api import chance
from tests.e2e.test_web_work import Remote, _loaded, _page

THIN = {
    "name": "TotalCharges",
    "contribution": 0.05,
    "value": None,
    "support": 9,
    "note": {"zh": "仅基于 9 个样本", "en": "based on only 9 examples"},
}


def test_record_page_shows_why_there_is_no_score_and_thin_factors(
    live_server: str, container: Container, workspace: Workspace, browser: Any
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    lead = admin("POST", "/leads", 201, json={"name": "王芳", "source": "web"})["id"]
    contact = admin("POST", "/contacts", 201, json={"name": "陈晓峰"})["id"]
    with container.uow() as uow:
        service = IntelligenceService(uow, workspace.tenant_id, Actor.system())
        version, _ = service.train_classifier("lead_conversion", "t", chance(), "outcome", None)
        assert version.status == "challenger"
        row = ScoreRow(record_id=contact, score=0.62, factors=[THIN], contact_id=contact)
        service.record_scores("churn", "contact", "churn@1", None, [row], emit=False)
        uow.commit()
    errors: list[str] = []
    page = _page(browser, live_server, workspace.users["admin"].email, errors)

    page.goto(f"{live_server}/o/leads/{lead}")
    _loaded(page)
    block = page.locator(".score[data-kind=lead_conversion]")
    block.wait_for()
    text = block.inner_text()
    assert "数据不足，无法评分" in text
    assert "%" not in text  # no number
    assert block.locator("figure.chart-figure").count() == 0

    page.goto(f"{live_server}/o/contacts/{contact}")
    _loaded(page)
    score = page.locator(".score[data-kind=churn]")
    score.wait_for()
    assert "仅基于 9 个样本" in score.locator(".thin-factors").inner_text()
    assert not errors, errors
