"""The concepts editor and the customer-health card in a real browser on demo data, in
zh-CN and English at 390 px: the published "customer health" shows its bands, the weights
add up, a wrong weight says so, the preview on 20 customers fills a table without saving,
and a contact's record page explains its health indicator by indicator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from kith.concepts.models import ConceptValue, ConceptVersion
from tests.e2e.test_web_dayone import ADMIN, PHONE, Demo, demo, open_page  # noqa: F401

pytestmark = pytest.mark.usefixtures("demo")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_editor_and_health_card_at_390px(browser: Any, demo: Demo, locale: str) -> None:  # noqa: F811
    visit = open_page(browser, demo, ADMIN, locale, PHONE)
    text = visit.go("/concepts")
    zh = locale == "zh-CN"
    assert ("业务概念" if zh else "Concepts: customer health") in text
    assert ("权重合计 1" if zh else "Weights sum to 1") in text
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # health by segment: everyone first, each band named in the page's language
    board = visit.page.locator("#concept-segments").inner_text()
    assert ("按客户分群" if zh else "By segment") in board
    assert ("全部客户" if zh else "All customers") in board
    assert ("有风险" if zh else "At risk") in board and "at_risk" not in board
    visit.page.locator("#concept-segments").screenshot(
        path=f"test-output/concepts-by-segment-{locale}.png"
    )

    weight = visit.page.locator(".concept-indicator input[type=number][step='0.05']").first
    weight.fill("0.9")
    assert visit.page.locator(".concept-sum[data-ok=no]").count() == 1
    weight.fill("0.3")
    assert visit.page.locator(".concept-sum[data-ok=yes]").count() == 1

    visit.page.screenshot(path=f"test-output/concepts-editor-{locale}.png")
    with demo.container.uow() as uow:
        versions_before = len(uow.session.scalars(select(ConceptVersion)).all())
    visit.page.click("text=" + ("在 20 位客户上预览" if zh else "Preview on 20 customers"))
    visit.page.wait_for_selector(".concept-output table tbody tr")
    assert visit.page.locator(".concept-output tbody tr").count() == 20
    with demo.container.uow() as uow:
        assert len(uow.session.scalars(select(ConceptVersion)).all()) == versions_before

    with demo.container.uow() as uow:
        contact = uow.session.scalars(
            select(ConceptValue.subject_id)
            .where(ConceptValue.subject_type == "contact", ConceptValue.value.is_not(None))
            .order_by(ConceptValue.subject_id)
        ).first()
    assert contact is not None
    text = visit.go(f"/o/contacts/{contact}")
    visit.page.wait_for_selector(".health-card .health-list li")
    card = visit.page.locator(".health-card").inner_text()
    assert ("客户健康度" if zh else "Customer health") in card
    assert visit.page.locator(".health-card .health-row").count() == 6
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    visit.page.locator(".health-card").screenshot(path=f"test-output/concepts-health-{locale}.png")
    assert not visit.failures, visit.failures
