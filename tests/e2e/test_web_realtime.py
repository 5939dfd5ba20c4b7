"""The real-time decisions editor in the browser: edit a rule, save a draft, run its test
cases with a replay of recent decisions, compare it with the live version, publish it;
a draft whose test case fails is refused. Also at 390 px and in English. Headless
Chromium (skipped without Playwright or /usr/bin/chromium); screenshots in test-output/.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kith.realtime.defaults import PAYMENT_CHECK, PAYMENT_RULES
from tests.conftest import PASSWORD, Workspace
from tests.e2e.conftest import OUTPUT
from tests.e2e.test_web_work import Remote, _loaded, _page

KEY = PAYMENT_CHECK


def _payment(n: int, card: str) -> dict[str, Any]:
    return {
        "customer_id": f"web-{n}",
        "order_id": f"SO-WEB-{n}",
        "amount": "899.00",
        "currency": "CNY",
        "card_token_hash": card,
        "ip": "203.0.113.9",
        "device_fingerprint": f"dev-web-{n}",
        "shipping_address": {"country": "CN", "city": "杭州"},
    }


def _seed(admin: Remote) -> None:
    admin("POST", f"/risk/rulesets/{KEY}/versions", 201, json={"definition": PAYMENT_RULES})
    admin("POST", f"/risk/rulesets/{KEY}/publish", json={"version": 1})
    # four accounts share a card (passes at 5+), one customer alone
    generous = {"budget_ms": 10_000}  # a loaded machine must not make them fallbacks
    for n in range(4):
        out = admin("POST", f"/decide/{KEY}", json=_payment(n, "card-web-shared"), params=generous)
        assert out["outcome"] == "pass"
    admin("POST", f"/decide/{KEY}", json=_payment(9, "card-web-alone"), params=generous)


def _signed_in(app_client: TestClient, email: str) -> None:
    login = app_client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200


def test_the_realtime_page_is_offered_to_those_who_may_read_rules(
    app_client: TestClient, workspace: Workspace
) -> None:
    assert app_client.get("/realtime", follow_redirects=False).status_code == 303
    _signed_in(app_client, workspace.users["manager"].email)
    page = app_client.get("/realtime")
    assert page.status_code == 200 and "<title>实时决策规则 · Kith</title>" in page.text
    assert 'href="/realtime" data-work="realtime" aria-current="page"' in page.text
    app_client.cookies.set("kith_lang", "en")
    assert "<title>Real-time decision rules · Kith</title>" in app_client.get("/realtime").text
    _signed_in(app_client, workspace.users["sales"].email)
    assert 'data-work="realtime"' not in app_client.get("/").text


def test_browser_edits_a_rule_runs_the_tests_sees_the_diff_and_publishes(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    _seed(admin)
    errors: list[str] = []
    page = _page(browser, live_server, workspace.users["admin"].email, errors)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server}/realtime")
    _loaded(page)
    page.wait_for_selector("h1:has-text('实时决策规则')")
    assert page.locator(".rt-champion").inner_text() == "v1"
    # live counters: five decisions on v1, all passed
    row = page.locator('table.rt-counters tr[data-version="1"][data-variant="champion"]')
    row.wait_for()
    assert row.locator('td[data-outcome="pass"]').inner_text() == "5"

    # edit: a card shared by three accounts is enough
    rule = page.locator('fieldset.rt-rule[data-rule="card_shared_by_accounts"]')
    condition = rule.get_by_label("条件（CEL）")
    assert condition.input_value() == "card.accounts_1h >= 5"
    condition.fill("card.accounts_1h >= 3")
    page.get_by_label("修改说明").fill("三个账户共用即验证")
    page.get_by_role("button", name="保存为新草稿").click()
    page.wait_for_selector('p.notice-ok:has-text("已保存草稿 v2。")')
    assert page.locator("section.rt-editor").get_attribute("data-version") == "2"

    # tests and replay of the last decisions: two earlier passes would now step up
    page.get_by_role("button", name="运行测试并回放").click()
    page.wait_for_selector("text=3 个用例全部通过。")
    assert "回放最近 5 个决策：2 个结果会改变。" in page.locator(".rt-replay").inner_text()
    examples = page.locator("table.rt-examples tbody tr")
    assert examples.count() == 2
    assert sorted(examples.nth(i).locator("td").first.inner_text() for i in range(2)) == [
        "SO-WEB-2",
        "SO-WEB-3",
    ]

    # the diff against the live version names the rule and both conditions
    changed = page.locator('ul.rt-diff-changed li[data-rule="card_shared_by_accounts"]')
    changed.wait_for()
    assert "card.accounts_1h >= 5" in changed.inner_text()
    assert "card.accounts_1h >= 3" in changed.inner_text()
    page.screenshot(path=str(OUTPUT / "web-realtime-editor.png"), full_page=True)

    page.get_by_role("button", name="发布 v2").click()
    page.wait_for_selector('p.notice-ok:has-text("v2 已发布，正在使用。")')
    assert page.locator(".rt-champion").inner_text() == "v2"
    route = admin("GET", "/risk/rulesets")["routes"][0]
    assert (route["champion"], route["previous_champion"]) == (2, 1)
    out = admin(
        "POST", f"/decide/{KEY}", json=_payment(20, "card-web-three"), params={"budget_ms": 10_000}
    )
    assert out["ruleset_version"] == 2

    # a draft whose test case fails is not published
    case = page.locator('fieldset.rt-case[data-case="blocked device"]')
    case.get_by_label("期望结果").select_option("pass")
    page.get_by_role("button", name="保存为新草稿").click()
    page.wait_for_selector('p.notice-ok:has-text("已保存草稿 v3。")')
    page.get_by_role("button", name="运行测试并回放").click()
    page.wait_for_selector("text=1/3 个用例未通过。")
    page.get_by_role("button", name="发布 v3").click()
    page.wait_for_selector("text=未发布：有测试用例未通过。")
    assert admin("GET", "/risk/rulesets")["routes"][0]["champion"] == 2

    # rollback: one click back to v1
    page.goto(f"{live_server}/realtime")
    _loaded(page)
    page.get_by_role("button", name="回滚到上一版本").click()
    page.wait_for_selector('p.notice-ok:has-text("已回滚，主版本现为 v1。")')
    assert admin("GET", "/risk/rulesets")["routes"][0]["champion"] == 1
    assert not errors, errors


def test_browser_realtime_page_fits_a_phone_and_speaks_english(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    _seed(admin)
    errors: list[str] = []
    page = _page(browser, live_server, workspace.users["admin"].email, errors, locale="en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/lang/en?next=/realtime")
    page.goto(f"{live_server}/realtime")
    _loaded(page)
    page.wait_for_selector("h1:has-text('Real-time decision rules')")
    page.wait_for_selector('table.rt-counters td[data-outcome="pass"]')
    for text in ("What is live", "Live counters", "Test cases", "Save as a new draft"):
        assert page.get_by_text(text, exact=True).first.is_visible(), text
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    page.screenshot(path=str(OUTPUT / "web-realtime-390.png"), full_page=True)
    assert not errors, errors
