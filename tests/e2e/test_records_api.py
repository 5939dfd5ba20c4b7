"""CRUD, optimistic locking, filters, sorting, pagination and search over HTTP."""

from __future__ import annotations

from typing import Any


def test_create_read_update_delete_contact(as_role: Any) -> None:
    api = as_role("sales")
    account = api.post(
        "/accounts",
        {"name": "上海顺达物流有限公司", "short_name": "顺达物流", "industry": "logistics"},
    )
    contact = api.post(
        "/contacts",
        {
            "name": "张伟",
            "title": "总经理",
            "account_id": account["id"],
            "email": "zhang.wei@shunda.example",
            "mobile": "13812345678",
        },
    )
    assert contact["version"] == 1
    assert contact["created_by_kind"] == "user"
    fetched = api.get(f"/contacts/{contact['id']}")
    assert fetched["name"] == "张伟"
    updated = api.patch(f"/contacts/{contact['id']}", {"version": 1, "title": "董事长"})
    assert updated["version"] == 2 and updated["title"] == "董事长"
    api.delete(f"/contacts/{contact['id']}", params={"version": 2}, expected=403)
    as_role("admin").delete(f"/contacts/{contact['id']}", params={"version": 2})
    api.get(f"/contacts/{contact['id']}", expected=404)
    assert api.get("/contacts", params={"q": "张伟"})["items"] == []


def test_stale_version_is_409_and_changes_nothing(as_role: Any) -> None:
    api = as_role("sales")
    account = api.post("/accounts", {"name": "Acme Medical"})
    api.patch(f"/accounts/{account['id']}", {"version": 1, "city": "Shanghai"})
    problem = api.patch(
        f"/accounts/{account['id']}", {"version": 1, "city": "Beijing"}, expected=409
    )
    assert problem["status"] == 409
    assert problem["errors"][0]["loc"] == ["body", "version"]
    assert api.get(f"/accounts/{account['id']}")["city"] == "Shanghai"
    as_role("admin").delete(f"/accounts/{account['id']}", params={"version": 1}, expected=409)
    assert api.get(f"/accounts/{account['id']}")["version"] == 2


def test_validation_errors_are_problem_json_with_paths_and_write_nothing(as_role: Any) -> None:
    api = as_role("sales")
    response = api.client.post(
        "/api/v1/contacts",
        headers=api.headers,
        json={"name": "", "email": "not-an-email", "bogus": 1},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    locs = {tuple(e["loc"]) for e in response.json()["errors"]}
    assert ("body", "name") in locs and ("body", "email") in locs and ("body", "bogus") in locs
    assert api.get("/contacts")["items"] == []
    missing_ref = api.post("/contacts", {"name": "Li Lei", "account_id": "0" * 32}, expected=422)
    assert missing_ref["errors"][0]["loc"] == ["body", "account_id"]
    assert api.get("/contacts")["items"] == []


def test_filters_sort_and_cursor_pagination(as_role: Any) -> None:
    api = as_role("admin")
    for i in range(7):
        api.post(
            "/accounts",
            {
                "name": f"Account {i}",
                "employees": i * 10,
                "industry": "retail" if i % 2 else "finance",
            },
        )
    page = api.get(
        "/accounts", params={"filter": ["industry:eq:retail"], "sort": "-employees", "limit": 2}
    )
    assert [a["employees"] for a in page["items"]] == [50, 30]
    second = api.get(
        "/accounts",
        params={
            "filter": ["industry:eq:retail"],
            "sort": "-employees",
            "limit": 2,
            "cursor": page["next_cursor"],
        },
    )
    assert [a["employees"] for a in second["items"]] == [10]
    assert second["next_cursor"] is None
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3, "sort": "name"}
        if cursor:
            params["cursor"] = cursor
        chunk = api.get("/accounts", params=params)
        seen += [a["name"] for a in chunk["items"]]
        cursor = chunk["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(f"Account {i}" for i in range(7))
    bad = api.get("/accounts", params={"filter": ["employees:gte:many"]}, expected=422)
    assert bad["errors"][0]["loc"] == ["query", "filter", 0]


def test_search_finds_chinese_names_partial_phone_and_email(as_role: Any) -> None:
    api = as_role("admin")
    api.post("/accounts", {"name": "上海顺达物流有限公司"})
    api.post(
        "/contacts",
        {"name": "张伟", "mobile": "+86 138-1234-5678", "email": "zhang.wei@shunda.example"},
    )
    api.post("/contacts", {"name": "王芳", "email": "wang.fang@example.com"})

    def names(q: str, path: str = "/contacts") -> list[str]:
        return [c["name"] for c in api.get(path, params={"q": q})["items"]]

    assert names("张伟") == ["张伟"]
    assert names("张") == ["张伟"]
    assert names("13812345678") == ["张伟"]
    assert names("1381234") == ["张伟"]
    assert names("wang.fang@example.com") == ["王芳"]
    assert names("顺达物流", "/accounts") == ["上海顺达物流有限公司"]
    assert names("物流公司", "/accounts") == []
    hits = api.get("/search", params={"q": "顺达"})["items"]
    assert {h["object_type"] for h in hits} == {"account"}


def test_patch_is_validated_like_create_and_cannot_clear_required_fields(as_role: Any) -> None:
    api = as_role("admin")
    account = api.post("/accounts", {"name": "Acme", "country": "CN"})
    problem = api.patch(
        f"/accounts/{account['id']}", {"version": 1, "name": "", "country": "cn"}, expected=422
    )
    assert {tuple(e["loc"]) for e in problem["errors"]} == {("body", "name"), ("body", "country")}
    problem = api.patch(f"/accounts/{account['id']}", {"version": 1, "name": None}, expected=422)
    assert problem["errors"][0]["loc"] == ["body", "name"]
    assert api.get(f"/accounts/{account['id']}")["version"] == 1


def test_api_docs_are_served_without_a_cdn(app_client: Any) -> None:
    page = app_client.get("/api/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert app_client.get("/api/docs-assets/swagger-ui-bundle.js").status_code == 200
