"""The dashboard forecast panel: the "by" selector, a series per group, baseline and pipeline."""

from __future__ import annotations

from typing import Any

from kith.container import Container
from tests.conftest import PASSWORD, Workspace
from tests.e2e.conftest import OUTPUT
from tests.integration.test_intelligence_forecast_groups import NOW, seed


def test_browser_forecast_panel_breaks_down_by_owner(
    live_server: str, container: Container, workspace: Workspace, browser: Any
) -> None:
    seed(container, workspace)
    container.clock = lambda: NOW  # the endpoints take "now" from the container
    errors: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="en")
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/login")
    page.fill("#login-email", workspace.users["manager"].email)
    page.fill("#login-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/dashboards")
    page.wait_for_selector("#dash-forecast-by")
    page.wait_for_selector("ul[data-method]", timeout=60_000)
    page.select_option("#dash-forecast-by", "owner")
    page.wait_for_selector("#dash-forecast-series", timeout=60_000)
    names = page.locator("#dash-forecast-series option").all_inner_texts()
    users = workspace.users
    assert set(names) == {users["sales"].name, users["sales2"].name, users["sales3"].name}
    # The newcomer has three months of wins: said so, no model, pipeline still shown.
    page.select_option("#dash-forecast-series", label=users["sales3"].name)
    facts = page.locator("ul[data-method=insufficient_history]")
    facts.wait_for()
    assert "Too little history to backtest" in facts.inner_text()
    assert "reported, not backtested" in facts.inner_text()
    page.select_option("#dash-forecast-series", label=users["sales"].name)
    page.wait_for_selector("ul[data-method]:not([data-method=insufficient_history])")
    text = page.locator("ul[data-method]").inner_text()
    # two years of wins at most: the baseline is naive, and the panel says why
    assert "Naive baseline MASE" in text and "shorter than two seasons" in text
    assert "Pipeline-weighted estimate" in text
    page.wait_for_selector("figure.chart-figure path.band")
    page.screenshot(path=str(OUTPUT / "web-dashboards-forecast-by-owner.png"), full_page=True)
    assert not errors, errors
