"""Scores explain themselves on screen: the decision passport and the record's scores panel
draw the model's top factors as signed bars with zh-CN / en names (a readable fallback for
names without a label), an accessible title and a hidden data table."""

from __future__ import annotations

from typing import Any

from kith.access.models import User
from kith.access.service import principal_for_user
from kith.container import Container
from kith.events.types import Actor
from kith.gateway.contracts import Factor, Rationale
from kith.gateway.decisions import record_decision
from kith.gateway.registry import Subject
from kith.intelligence.service import IntelligenceService, ScoreRow
from tests.conftest import Workspace
from tests.e2e.conftest import OUTPUT
from tests.e2e.test_web_work import Remote, _loaded, _page

FACTORS: list[dict[str, Any]] = [
    {"name": "days_since_contact", "contribution": 1.31, "value": 140.0},
    {"name": "tier", "contribution": -0.27, "value": "gold"},
    {"name": "complaints_30d", "contribution": 0.42, "value": 3},  # a user's own column
]


def _score_and_decision(container: Container, workspace: Workspace, contact_id: str) -> str:
    with container.uow() as uow:
        service = IntelligenceService(uow, workspace.tenant_id, Actor.system())
        row = ScoreRow(record_id=contact_id, score=0.83, factors=FACTORS, contact_id=contact_id)
        service.record_scores("churn", "contact", "churn@3", None, [row], emit=False)
        user = uow.session.get(User, workspace.users["admin"].id)
        assert user is not None
        agent = principal_for_user(
            uow.session, user, kind="agent", principal_id="b" * 32, name="客户保留与营销智能体"
        )
        decision = record_decision(
            uow,
            agent,
            rationale=Rationale(
                engine="rules",
                engine_version="1",
                summary="retention_offer via sms",
                factors=tuple(
                    Factor(str(f["name"]), f["value"], float(f["contribution"]), "log-odds")
                    for f in FACTORS
                ),
                confidence=0.83,
                threshold=0.7,
                inputs={"score_kind": "churn", "score": 0.83, "model_version": "churn@3"},
            ),
            subject=Subject("contact", contact_id),
        )
        uow.commit()
    return decision


def _chart(page: Any) -> Any:
    figure = page.locator("figure.chart-figure").first
    figure.wait_for()
    return figure


def test_browser_draws_a_scores_factors_in_the_passport_and_on_the_record(
    live_server: str, container: Container, workspace: Workspace, browser: Any
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    contact = admin("POST", "/contacts", 201, json={"name": "陈晓峰"})["id"]
    decision = _score_and_decision(container, workspace, contact)
    errors: list[str] = []

    page = _page(browser, live_server, workspace.users["admin"].email, errors)
    page.goto(f"{live_server}/passport/{decision}")
    _loaded(page)
    figure = _chart(page)
    svg = figure.locator("svg[role=img]")
    assert svg.get_attribute("aria-label") == "因素及贡献"
    assert figure.locator("rect.bar-pos").count() == 2
    assert figure.locator("rect.bar-neg").count() == 1
    labels = figure.locator("text.chart-label").all_text_contents()
    assert labels == ["距上次联系天数 = 140", "客户等级 = gold", "Complaints 30d = 3"]
    # the negative bar sits left of the axis, the positive ones right of it
    axis = float(figure.locator("line.axis").get_attribute("x1") or 0)
    negative = figure.locator("rect.bar-neg")
    assert (
        float(negative.get_attribute("x") or 0) + float(negative.get_attribute("width") or 0)
        <= axis + 0.01
    )
    table = figure.locator("table.visually-hidden")
    assert table.locator("tbody tr").count() == 3
    assert "距上次联系天数" in (table.text_content() or "")
    body = page.locator("#page").inner_text()
    assert "churn@3" in body and "83%" in body and "70%" in body
    page.screenshot(path=str(OUTPUT / "web-passport-factors.png"), full_page=True)

    page.goto(f"{live_server}/o/contacts/{contact}")
    _loaded(page)
    score = page.locator(".score[data-kind=churn]")
    score.wait_for()
    chart = score.locator("figure.chart-figure")
    assert chart.locator("text.chart-label").first.text_content() == "距上次联系天数 = 140"
    assert chart.locator("rect.bar-neg").count() == 1
    assert "churn@3" in score.inner_text()
    page.screenshot(path=str(OUTPUT / "web-record-score-factors.png"), full_page=True)

    page.goto(f"{live_server}/lang/en?next=/passport/{decision}")
    _loaded(page)
    labels = _chart(page).locator("text.chart-label").all_text_contents()
    assert labels == ["Days since last contact = 140", "Tier = gold", "Complaints 30d = 3"]
    assert not errors, errors


def test_the_printable_passport_names_factors_in_the_readers_language(
    live_server: str, container: Container, workspace: Workspace
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    contact = admin("POST", "/contacts", 201, json={"name": "陈晓峰"})["id"]
    decision = _score_and_decision(container, workspace, contact)
    headers = dict(admin.http.headers)
    zh = admin.http.get(f"{live_server}/decisions/{decision}", headers=headers)
    assert zh.status_code == 200
    assert "距上次联系天数 = 140" in zh.text and "Complaints 30d = 3" in zh.text
    assert zh.text.count('<rect class="pos"') == 2 and zh.text.count('<rect class="neg"') == 1
    en = admin.http.get(f"{live_server}/decisions/{decision}?lang=en", headers=headers)
    assert "Days since last contact = 140" in en.text
