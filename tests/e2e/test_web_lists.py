"""Lists in the web UI: saved views, columns, bulk actions and CSV import.

The import endpoints (``/api/v1/web/import/...``) run on SQLite and PostgreSQL; the browser
tests (SQLite lane, skipped without Playwright or Chromium) save a view and reload it,
change the owner of two rows at once (one of them failing), and import a CSV with a bad
row, watching the progress bar and the rejected-rows report. Screenshots go to test-output/.
"""

from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import tests.e2e.test_web_work as work
from kith.transfer.formats import spreadsheet_safe
from tests.conftest import PASSWORD, Workspace

OUTPUT = work.OUTPUT
WEB = {"X-Kith-Client": "web"}
Remote = work.Remote

GOOD_AND_BAD = (
    "name,email,phone\n"
    "王磊,wang.lei@example.com,13800000001\n"
    "刘洋,not-an-email,13800000002\n"
    "陈静,chen.jing@example.com,13800000003\n"
)


def _rows(page: Any, n: int) -> None:
    from playwright.sync_api import expect

    expect(page.locator("table.records tbody tr")).to_have_count(n)


def _signed_in(client: TestClient, email: str) -> None:
    response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text


def _wait(client: TestClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/web/import/jobs/{job_id}", headers=WEB).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("import did not finish")


def _upload(client: TestClient, plural: str, name: str, text: str | bytes) -> Any:
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        f"/api/v1/web/import/{plural}", files={"file": (name, data, "text/csv")}, headers=WEB
    )


# --- import endpoints (both backends) --------------------------------------------------------


def test_import_runs_in_the_background_and_reports_rejected_rows(
    app_client: TestClient, workspace: Workspace
) -> None:
    _signed_in(app_client, workspace.users["sales"].email)
    started = _upload(app_client, "contacts", "contacts.csv", GOOD_AND_BAD)
    assert started.status_code == 202, started.text
    job = _wait(app_client, started.json()["id"])
    assert job["status"] == "done", job
    assert job["total"] == 3 and job["processed"] == 3
    assert job["summary"]["created"] == 2 and job["summary"]["rejected"] == 1
    assert job["rejects_header"] == ["name", "email", "phone"]
    [reject] = job["rejects"]
    assert reject["line"] == 3
    assert "email" in reject["errors"]
    assert reject["cells"] == ["刘洋", "not-an-email", "13800000002"]
    # The rows were written as the caller: sales owns them, like any record they create.
    listed = app_client.get("/api/v1/contacts", params={"q": "王磊"}, headers=WEB).json()
    assert [c["owner_id"] for c in listed["items"]] == [workspace.users["sales"].id]
    rejects = app_client.get(job["rejects_url"], headers=WEB)
    assert rejects.status_code == 200
    assert rejects.headers["content-type"].startswith("text/csv")
    assert "not-an-email" in rejects.text
    assert rejects.text.lstrip("\ufeff").startswith("_line,_errors,name")  # BOM for Excel
    # Re-running the corrected file updates instead of duplicating.
    again = _wait(app_client, _upload(app_client, "contacts", "c.csv", GOOD_AND_BAD).json()["id"])
    assert again["summary"]["created"] == 0 and again["summary"]["unchanged"] == 2


def test_import_refuses_bad_files_with_problem_details(
    app_client: TestClient, workspace: Workspace
) -> None:
    _signed_in(app_client, workspace.users["sales"].email)
    cases = [
        ("contacts", "contacts.xlsx", "name\n王磊\n", 422, "unsupported file type"),
        ("contacts", "contacts.csv", "", 422, "empty file"),
        ("contacts", "contacts.csv", b"name\n\xff\xfe\n", 422, "not UTF-8"),
        ("contacts", "contacts.csv", "name,shoe_size\n王磊,42\n", 422, "shoe_size"),
        ("spaceships", "x.csv", "name\nx\n", 404, None),
    ]
    for plural, name, body, status, message in cases:
        response = _upload(app_client, plural, name, body)
        assert response.status_code == status, (name, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        if message:
            errors = response.json()["errors"]
            assert errors[0]["loc"] == ["body", "file"]
            assert message in errors[0]["msg"], errors
    # Nothing half-imported.
    assert app_client.get("/api/v1/contacts", headers=WEB).json()["items"] == []
    # A role that may neither create nor update is refused before the upload is read.
    app_client.cookies.clear()
    _signed_in(app_client, workspace.users["viewer"].email)
    refused = _upload(app_client, "contacts", "contacts.csv", GOOD_AND_BAD)
    assert refused.status_code == 403
    # Without the web header a cookie-authenticated upload is refused (CSRF guard).
    bare = app_client.post(
        "/api/v1/web/import/contacts", files={"file": ("c.csv", b"name\nx\n", "text/csv")}
    )
    assert bare.status_code in (401, 403)


def test_import_jobs_are_private_to_who_started_them(
    app_client: TestClient, workspace: Workspace
) -> None:
    _signed_in(app_client, workspace.users["sales"].email)
    job = _upload(app_client, "contacts", "contacts.csv", GOOD_AND_BAD).json()
    _wait(app_client, job["id"])
    app_client.cookies.clear()
    _signed_in(app_client, workspace.users["sales2"].email)
    assert app_client.get(f"/api/v1/web/import/jobs/{job['id']}", headers=WEB).status_code == 404
    missing = app_client.get(f"/api/v1/web/import/jobs/{job['id']}/rejects.csv", headers=WEB)
    assert missing.status_code == 404


# --- a real browser ------------------------------------------------------------------------


def test_browser_saves_a_view_and_reloads_it(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    for name, status in (("甲公司线索", "new"), ("乙公司线索", "qualified"), ("丙公司线索", "new")):
        admin("POST", "/leads", 201, json={"name": name, "status": status})
    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["admin"].email, errors)
    page.goto(f"{live_server}/o/leads")
    work._loaded(page)
    page.wait_for_selector("table.records")
    page.get_by_label("状态").first.select_option("new")
    _rows(page, 2)
    # Sort by name descending, and drop a column.
    header = page.locator("th[aria-sort] button.sort-button").first
    header.click()
    page.wait_for_url("**sort=**")
    header = page.locator("th[aria-sort] button.sort-button").first
    header.click()
    page.wait_for_url("**sort=-**")
    page.locator(".columns-menu summary").click()
    boxes = page.locator(".columns-menu input[type=checkbox]:checked")
    dropped = boxes.nth(1).get_attribute("data-field")
    boxes.nth(1).uncheck()
    page.wait_for_url("**cols=**")
    page.get_by_role("button", name="保存视图…").click()
    page.get_by_label("视图名称").fill("新线索")
    page.locator("dialog.small-dialog button[type=submit]").click()
    page.wait_for_selector("text=已保存视图“新线索”。")

    # A fresh visit shows everything; choosing the view restores filter, sort and columns.
    page.goto(f"{live_server}/o/leads")
    work._loaded(page)
    _rows(page, 3)
    page.get_by_label("视图", exact=True).select_option("新线索")
    _rows(page, 2)
    url = page.url
    assert "filter=status%3Aeq%3Anew" in url and "sort=-" in url and "cols=" in url
    names = page.locator("table.records tbody th a").all_inner_texts()
    assert names == sorted(names, reverse=True) and len(names) == 2
    headers = page.locator("table.records thead th").all_inner_texts()
    assert not any(dropped and h.startswith(dropped) for h in headers)
    assert page.get_by_label("状态").first.input_value() == "new"
    page.screenshot(path=str(OUTPUT / "web-list-saved-view.png"), full_page=True)
    # Stored per user and object in this browser.
    key = f"kith.views.{workspace.users['admin'].id}.lead"
    stored = page.evaluate("key => localStorage.getItem(key)", key)
    assert stored and "新线索" in stored
    assert not errors, errors


def test_browser_bulk_changes_the_owner_and_reports_a_failed_row(
    live_server: str, workspace: Workspace, browser: Any
) -> None:
    manager = Remote(live_server, workspace.users["manager"].email)
    made = [
        manager("POST", "/accounts", 201, json={"name": name})
        for name in ("一号车队", "二号车队", "三号车队")
    ]
    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["manager"].email, errors)
    page.goto(f"{live_server}/o/accounts")
    work._loaded(page)
    page.wait_for_selector("table.records tbody tr")
    for record in made[:2]:
        page.locator(f'tr[data-id="{record["id"]}"] input.row-select').check()
    page.wait_for_selector("text=已选 2 条")
    # Someone else edits the second row meanwhile: its PATCH will meet a version conflict.
    manager("PATCH", f"/accounts/{made[1]['id']}", json={"version": 1, "city": "杭州"})
    page.get_by_label("新负责人").select_option(workspace.users["sales"].id)
    page.get_by_role("button", name="更换负责人").click()
    page.wait_for_selector(".bulk-report")
    report = page.locator(".bulk-report").inner_text()
    assert "已更换 1 条的负责人，1 条失败。" in report
    assert "二号车队" in page.locator(".bulk-failures").inner_text()
    page.screenshot(path=str(OUTPUT / "web-list-bulk-owner.png"), full_page=True)
    owners = {r["id"]: manager("GET", f"/accounts/{r['id']}")["owner_id"] for r in made}
    assert owners[made[0]["id"]] == workspace.users["sales"].id
    assert owners[made[1]["id"]] == workspace.users["manager"].id

    # Retry on the reloaded list (fresh versions): both selected rows now change.
    page.wait_for_selector(f'tr[data-id="{made[1]["id"]}"] input.row-select')
    for record in made[1:]:
        page.locator(f'tr[data-id="{record["id"]}"] input.row-select').check()
    page.get_by_label("新负责人").select_option(workspace.users["sales"].id)
    page.get_by_role("button", name="更换负责人").click()
    page.wait_for_selector("text=已更换 2 条的负责人，0 条失败。")
    for record in made:
        assert manager("GET", f"/accounts/{record['id']}")["owner_id"] == (
            workspace.users["sales"].id
        )
    # Export selected: a CSV of the chosen rows.
    page.locator(f'tr[data-id="{made[0]["id"]}"] input.row-select').check()
    with page.expect_download() as info:
        page.get_by_role("button", name="导出所选").click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("id,name") and "一号车队" in text
    assert len(text.strip().splitlines()) == 2
    assert not errors, errors


def test_browser_imports_a_csv_with_progress_and_rejected_rows(
    live_server: str, workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    rows = ["name,email"] + [f"客户{i},c{i}@example.com" for i in range(1, 600)]
    rows.insert(5, "坏行,not-an-email")
    source = tmp_path / "contacts.csv"
    source.write_text("\n".join(rows) + "\n", encoding="utf-8")
    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["sales"].email, errors)
    page.goto(f"{live_server}/o/contacts")
    work._loaded(page)
    page.get_by_role("button", name="导入…").click()
    page.get_by_label("文件").set_input_files(str(source))
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_selector(".import-progress-box:not([hidden])")
    page.wait_for_selector("text=导入完成：600 行中 1 行被拒绝。", timeout=60_000)
    progress = page.locator("progress.import-progress")
    assert progress.get_attribute("max") == "600"
    assert progress.evaluate("el => el.value") == 600
    assert page.locator(".import-summary dd[data-key=created]").inner_text() == "599"
    reject = page.locator("table.import-rejects tbody tr")
    assert reject.count() == 1
    assert reject.first.get_attribute("data-line") == "6"
    assert "坏行" in reject.first.inner_text() and "email" in reject.first.inner_text()
    assert page.get_by_role("link", name="下载被拒绝的行（CSV）").count() == 1
    page.screenshot(path=str(OUTPUT / "web-import-rejects.png"), full_page=True)
    page.get_by_role("button", name="关闭").click()
    remote = Remote(live_server, workspace.users["sales"].email)
    assert len(remote("GET", "/contacts", params={"limit": 200})["items"]) == 200
    assert not errors, errors


FORMULA_VECTORS = [
    '=HYPERLINK("http://evil.example","点我")',
    "=cmd|' /C calc'!A0",
    "+86 138 0000 2222",
    "-12.5",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "'=1+1",
    "张伟",
    "a=b",
    "'quoted'",
]


def test_browser_export_selected_guards_formulas_like_every_kith_csv(
    live_server: str, workspace: Workspace, browser: Any, tmp_path: Path
) -> None:
    admin = Remote(live_server, workspace.users["admin"].email)
    name = '=HYPERLINK("http://evil.example","点我")'
    made = admin(
        "POST",
        "/accounts",
        201,
        json={"name": name, "city": "-12.5", "annual_revenue": "1200.50"},
    )
    errors: list[str] = []
    page = work._page(browser, live_server, workspace.users["admin"].email, errors)
    page.goto(f"{live_server}/o/accounts")
    work._loaded(page)
    page.locator(f'tr[data-id="{made["id"]}"] input.row-select').check()
    with page.expect_download() as info:
        page.get_by_role("button", name="导出所选").click()
    downloaded = Path(info.value.path())
    with downloaded.open(encoding="utf-8-sig", newline="") as stream:
        (row,) = list(csv.DictReader(stream))
    assert row["name"] == "'" + name and row["city"] == "'-12.5"

    # The browser applies the very rule of kith.transfer.formats.
    tools = "await import('/static/list-tools.js')"
    written = page.evaluate(
        f"async (texts) => {{ const m = {tools}; return texts.map(m.spreadsheetSafe); }}",
        FORMULA_VECTORS,
    )
    assert written == [spreadsheet_safe(text) for text in FORMULA_VECTORS]
    numbers = page.evaluate(
        f"async () => {{ const m = {tools}; "
        "return [m.csvCell('-12.5', true), m.csvCell(-3), m.csvCell('-12.5')]; }"
    )
    assert numbers == ["-12.5", "-3", "'-12.5"]

    # Imported back through the web import, the record is matched and left as it was.
    source = tmp_path / "accounts.csv"
    source.write_bytes(downloaded.read_bytes())
    page.get_by_role("button", name="导入…").click()
    page.get_by_label("文件").set_input_files(str(source))
    page.get_by_role("button", name="开始导入").click()
    page.wait_for_selector(".import-summary dd[data-key=unchanged]")
    assert page.locator(".import-summary dd[data-key=unchanged]").inner_text() == "1"
    assert admin("GET", f"/accounts/{made['id']}")["name"] == name
    assert not errors, errors
