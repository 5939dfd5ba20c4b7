"""The inbox in a browser on the demo, as 王强: his conversations with status filters, the
reply chain with the customer panel, an internal note, a reply whose SMTP server is not
reachable (shown as "will retry", not lost), and the mailbox page with its status — in
zh-CN and English, at 390 px and on a desktop."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import OUTPUT
from tests.e2e.test_web_dayone import DESKTOP, PHONE, SALES, Demo, demo, open_page

__all__ = ["demo"]  # the fixture, re-used


@pytest.mark.parametrize(("locale", "size"), [("zh-CN", PHONE), ("en", PHONE), ("zh-CN", DESKTOP)])
def test_inbox_lists_threads_and_answers(
    demo: Demo, browser: Any, locale: str, size: dict[str, int]
) -> None:
    visit = open_page(browser, demo, SALES, locale=locale, size=size)
    zh = locale == "zh-CN"
    text = visit.go("/inbox")
    page = visit.page
    assert "赵磊" in text and "Harriet Vale" in text
    assert ("待处理" if zh else "Open") in text
    if zh:
        for raw in ("open", "waiting", "email"):
            assert raw not in page.locator(".inbox-list").inner_text()
    chain = page.locator(".inbox-item", has_text="冷链车队续约与冬季续航")
    chain.locator("a").click()
    page.locator(".inbox-thread .inbox-message").first.wait_for()
    assert page.locator(".inbox-thread .inbox-message").count() == 3
    panel = page.locator(".inbox-panel").inner_text()
    assert "赵磊" in panel and "华东冷链物流" in panel

    note = "下周二上门检测已约好" if zh else "Inspection booked for Tuesday"
    page.locator(".inbox-thread textarea").first.fill(note)
    page.get_by_role("button", name="添加备注" if zh else "Add note").click()
    page.locator(".inbox-note", has_text=note).wait_for()

    page.locator(".reply-box").fill("赵主管您好，检测已安排。" if zh else "Inspection is booked.")
    page.get_by_role("button", name="发送" if zh else "Send", exact=True).click()
    page.locator(".said").wait_for()
    said = page.locator(".said").inner_text()
    assert ("稍后重试" in said or "自动重试" in said) if zh else "retry" in said.lower()
    assert page.locator(".inbox-message[data-direction=outbound]").count() == 2
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("innerWidth"), width
    page.screenshot(path=str(OUTPUT / f"inbox-{locale}-{size['width']}.png"), full_page=True)

    text = visit.go("/inbox/mailboxes")
    assert "wang.qiang@kith.demo" in text and ("已暂停" if zh else "Paused") in text
    assert "demo-mailbox-not-connected" not in text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("innerWidth"), width
    page.screenshot(path=str(OUTPUT / f"mailboxes-{locale}-{size['width']}.png"), full_page=True)
    assert not visit.failures, visit.failures
