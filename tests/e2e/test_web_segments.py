"""The contacts list saves its filters as a segment ("另存为分群…"), in a real browser
(SQLite lane; skipped without Playwright or Chromium). Screenshot in test-output/."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import tests.e2e.test_web_work as work
from tests.conftest import Workspace


def test_browser_saves_the_filtered_contacts_as_a_segment(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    admin = work.Remote(live_server, workspace.users["admin"].email)
    for name, city in (("王磊", "上海"), ("刘洋", "上海"), ("陈静", "北京")):
        admin("POST", "/contacts", 201, json={"name": name, "city": city})
    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["marketing"].email, errors)
    page.goto(f"{live_server}/o/contacts?filter={quote('city:eq:上海')}")
    work._loaded(page)
    page.wait_for_selector("table.records")
    page.get_by_role("button", name="另存为分群…").click()
    page.get_by_label("中文名称").fill("上海客户")
    page.get_by_label("英文名称").fill("Shanghai customers")
    page.get_by_label("标识（小写字母、数字、下划线）").fill("sh_customers")
    page.locator("dialog[open] button[type=submit]").click()
    page.wait_for_selector("text=已保存分群“上海客户”，共 2 个成员。")
    page.screenshot(path=str(work.OUTPUT / "web-save-segment.png"), full_page=True)
    saved = admin("GET", "/segments/sh_customers", 200)
    assert saved["definition"]["filters"] == ["city:eq:上海"]
    assert saved["member_count"] == 2
    assert not errors, errors
