"""Saved segments over HTTP: create, preview, refresh, members, permissions and the
problem+json paths of bad definitions; `kith segments` as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SEGMENT = {
    "name": "sh_customers",
    "label_zh": "上海客户",
    "label_en": "Shanghai customers",
    "object_type": "contact",
    "definition": {"filters": [{"field": "city", "op": "eq", "value": "上海"}]},
    "refresh_policy": "daily",
}


def _contacts(api: Any, cities: list[str]) -> list[str]:
    return [
        api.post("/contacts", {"name": f"联系人{i}", "city": city})["id"]
        for i, city in enumerate(cities)
    ]


def test_create_refresh_and_page_through_members(as_role: Any) -> None:
    admin, marketing = as_role("admin"), as_role("marketing")
    shanghai = _contacts(admin, ["上海", "上海", "上海", "北京"])[:3]

    preview = marketing.post("/segments/preview", {"definition": SEGMENT["definition"]}, 200)
    assert preview["total"] == 3 and marketing.get("/segments") == []

    created = marketing.post("/segments", SEGMENT)
    assert (created["member_count"], created["last_refreshed_at"]) == (0, None)
    refreshed = marketing.post(f"/segments/{created['id']}/refresh", {}, 200)
    assert (refreshed["added"], refreshed["removed"], refreshed["total"]) == (3, 0, 3)

    first = marketing.get("/segments/sh_customers/members?limit=2")
    second = marketing.get(f"/segments/sh_customers/members?limit=2&cursor={first['next_cursor']}")
    assert second["next_cursor"] is None and first["total"] == 3
    listed = [m["record_id"] for m in first["items"] + second["items"]]
    assert sorted(listed) == sorted(shanghai)
    assert first["items"][0]["title"].startswith("联系人")

    history = marketing.get("/segments/sh_customers/refreshes")
    assert [(h["added"], h["total"], h["trigger"]) for h in history] == [(3, 3, "api")]
    assert marketing.get("/segments/sh_customers")["member_count"] == 3


def test_bad_definitions_name_the_offending_path(as_role: Any) -> None:
    marketing = as_role("marketing")

    def problem(definition: dict[str, Any]) -> dict[str, Any]:
        body = {**SEGMENT, "definition": definition}
        result: dict[str, Any] = marketing.post("/segments", body, 422)
        return result

    unknown_field = problem({"filters": [{"field": "shoe_size", "op": "eq", "value": "1"}]})
    assert unknown_field["errors"][0]["loc"] == ["body", "definition", "filters", 0, "field"]
    assert unknown_field["type"].endswith("validation-failed")
    bad_op = problem({"filters": ["city:near:上海"]})
    assert bad_op["errors"][0]["loc"] == ["body", "definition", "filters", 0, "op"]
    unknown_model = problem({"scores": [{"model": "astrology", "op": "gte", "value": 0.5}]})
    assert unknown_model["errors"][0]["loc"] == ["body", "definition", "scores", 0, "model"]
    sensitive = problem({"filters": ["id_number:eq:1"]})
    assert sensitive["errors"][0]["loc"] == ["body", "definition", "filters", 0, "field"]
    shape = marketing.post("/segments", {**SEGMENT, "label_en": ""}, 422)
    assert shape["errors"][0]["loc"] == ["body", "label_en"]
    assert marketing.get("/segments") == []

    marketing.post("/segments", SEGMENT)
    assert marketing.post("/segments", SEGMENT, 409)["status"] == 409
    marketing.get("/segments/no_such_segment", 404)


def test_who_may_read_change_and_refresh(as_role: Any) -> None:
    marketing, sales, analyst, viewer = (
        as_role(r) for r in ("marketing", "sales", "analyst", "viewer")
    )
    created = marketing.post("/segments", SEGMENT)
    assert [s["name"] for s in analyst.get("/segments")] == ["sh_customers"]
    analyst.post("/segments", {**SEGMENT, "name": "analyst_own"}, 403)
    viewer.get("/segments", 403)
    # sales may build segments but change and refresh only their own
    sales.post(f"/segments/{created['id']}/refresh", {}, 403)
    sales.patch(f"/segments/{created['id']}", {"label_en": "Mine now"}, 403)
    own = sales.post("/segments", {**SEGMENT, "name": "sales_sh"})
    sales.post(f"/segments/{own['id']}/refresh", {}, 200)
    changed = marketing.patch(f"/segments/{created['id']}", {"label_en": "SH", "definition": {
        "filters": ["city:in:上海,杭州"]}})  # fmt: skip
    assert changed["label_en"] == "SH"
    assert changed["definition"]["filters"] == ["city:in:上海,杭州"]
    marketing.delete(f"/segments/{created['id']}")
    marketing.get(f"/segments/{created['id']}", 404)


# --- the command line ------------------------------------------------------------------


def kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update({"KITH_HOME": str(home), "KITH_MODE": "production"})
    return subprocess.run(
        [sys.executable, "-m", "kith", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


def test_the_cli_creates_refreshes_and_lists_and_refuses_bad_input(tmp_path: Path) -> None:
    home = tmp_path / "home"
    init = kith(
        home, "init", "--admin-email", "admin@example.com", "--admin-password", "a-long-password-9"
    )
    assert init.returncode == 0, init.stderr
    good = tmp_path / "segment.json"
    good.write_text(json.dumps(SEGMENT, ensure_ascii=False), encoding="utf-8")
    created = kith(home, "segments", "create", "--file", str(good), "--json")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["name"] == "sh_customers"

    refreshed = kith(home, "segments", "refresh", "all", "--json")
    assert refreshed.returncode == 0, refreshed.stderr
    assert [(r["name"], r["total"]) for r in json.loads(refreshed.stdout)] == [("sh_customers", 0)]
    listed = json.loads(kith(home, "segments", "list", "--json").stdout)
    assert [s["name"] for s in listed] == ["sh_customers"]
    members = json.loads(kith(home, "segments", "members", "sh_customers", "--json").stdout)
    assert members["items"] == []

    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({**SEGMENT, "name": "bad", "definition": {"filters": ["shoe:eq:1"]}}),
        encoding="utf-8",
    )
    refused = kith(home, "segments", "create", "--file", str(bad))
    assert refused.returncode == 2 and "shoe" in refused.stderr
    missing = kith(home, "segments", "members", "nope")
    assert missing.returncode == 2 and "nope" in missing.stderr
