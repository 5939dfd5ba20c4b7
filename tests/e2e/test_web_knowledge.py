"""The knowledge page in a browser at phone width (390 px): create a space, upload a
document, ask a question and see its source, give a thumbs-down with the right answer,
and find it on the dashboard; the page reads in English too and a role without
knowledge rights is told so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, Workspace
from tests.e2e.conftest import OUTPUT
from tests.e2e.test_knowledge_api import POLICY
from tests.e2e.test_web_work import Remote, _loaded, _page


def _no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide at 390px"


def test_browser_knowledge_page_upload_ask_and_feedback_on_a_phone(
    live_server: str, workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    errors: list[str] = []
    page = _page(browser, live_server, workspace.users["admin"].email, errors)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/knowledge")
    _loaded(page)
    page.wait_for_selector("text=还没有知识空间。")

    spaces = page.locator("section[aria-labelledby=kb-spaces]")
    spaces.get_by_label("名称").fill("加盟政策")
    spaces.get_by_label("可见范围").select_option("public")
    spaces.get_by_role("button", name="新建空间").click()
    page.wait_for_selector("text=空间「加盟政策」已创建。")
    assert [s["name"] for s in admin("GET", "/knowledge/spaces")] == ["加盟政策"]

    policy = tmp_path / "policy.md"
    policy.write_text(POLICY, encoding="utf-8")
    docs = page.locator("section[aria-labelledby=kb-docs]")
    docs.get_by_label("文件").set_input_files(str(policy))
    docs.get_by_label("标题").fill("加盟政策手册")
    docs.get_by_role("button", name="上传").click()
    page.wait_for_selector("text=已发布「加盟政策手册」第 1 版")
    docs.locator(".knowledge-doc >> text=加盟政策手册").wait_for()

    ask = page.locator("section[aria-labelledby=kb-ask]")
    ask.get_by_label("问题").fill("一线城市的加盟费是多少?")
    ask.get_by_role("button", name="提问").click()
    answer = page.locator(".knowledge-answer[data-status=answered]")
    answer.wait_for()
    assert "10 万元" in answer.inner_text() and "加盟政策手册 · 第 1 版" in answer.inner_text()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(OUTPUT / "web-knowledge-phone.png"), full_page=True)

    answer.get_by_role("button", name="没帮助").click()
    answer.get_by_label("正确答案是…").fill("2026 年起一线城市加盟费为 12 万元。")
    answer.get_by_role("button", name="提交反馈").click()
    page.wait_for_selector("text=谢谢,反馈已记录。")
    board = page.locator("section[aria-labelledby=kb-board]")
    board.locator("text=2026 年起一线城市加盟费为 12 万元。").wait_for()
    assert admin("GET", "/knowledge/dashboard")["thumbs_down"] == 1
    _no_horizontal_scroll(page)
    assert not errors, errors


def test_knowledge_page_in_english_and_for_roles_without_rights(
    app_client: TestClient, workspace: Workspace
) -> None:
    login = app_client.post(
        "/api/v1/auth/login", json={"email": workspace.users["sales"].email, "password": PASSWORD}
    )
    assert login.status_code == 200
    page = app_client.get("/knowledge")
    assert page.status_code == 200 and "<title>知识库 · Kith</title>" in page.text
    assert 'href="/knowledge"' in page.text  # sales may read knowledge: the link shows
    app_client.cookies.set("kith_lang", "en")
    assert "<title>Knowledge base · Kith</title>" in app_client.get("/knowledge").text
