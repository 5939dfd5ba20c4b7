"""The playbooks page in a browser on the demo: practices with their states and
measured effect, value anchors with their drivers, in zh-CN and English, at 390 px."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import OUTPUT
from tests.e2e.test_web_dayone import ADMIN, DESKTOP, PHONE, Demo, demo, open_page

__all__ = ["demo"]  # the fixture, re-used


@pytest.mark.parametrize(("locale", "size"), [("zh-CN", PHONE), ("en", PHONE), ("zh-CN", DESKTOP)])
def test_playbooks_page_shows_practices_effect_and_anchors(
    demo: Demo, browser: Any, locale: str, size: dict[str, int]
) -> None:
    visit = open_page(browser, demo, ADMIN, locale=locale, size=size)
    text = visit.go("/playbooks")
    page = visit.page
    zh = locale == "zh-CN"
    assert "政策匹配度矩阵" in text
    assert ("已发布" if zh else "Published") in text
    assert ("价值锚点" if zh else "Value anchors") in text
    assert "重点客户首次解决时长" in text and "车队客户续约率" in text
    assert page.locator(".anchors-list li.anchor").count() == 2
    # the admin is a senior reviewer: the practice in review shows too
    assert page.locator(".practices-list li[data-state=in_review]").count() == 1
    matrix = page.locator(".practices-list li.practice", has_text="政策匹配度矩阵")
    matrix.get_by_role("button").click()
    matrix.locator(".practice-effect p").wait_for()
    effect = matrix.locator(".practice-effect").inner_text()
    assert ("样本不足" in effect or "赢单率" in effect) if zh else ("n =" in effect)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("innerWidth"), width
    page.screenshot(path=str(OUTPUT / f"playbooks-{locale}-{size['width']}.png"), full_page=True)
    assert not visit.failures, visit.failures
