"""The knowledge API over HTTP: upload (versions, no-op), answer with citations and a
passage link, handover ticket, problem+json for bad files, spaces another user may
not read, and the CLI's exit code 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

POLICY = (
    "# 加盟政策\n\n## 费用\n\n一线城市的加盟费为 10 万元。\n\n## 流程\n\n资质审核需 7 个工作日。\n"
)


def _upload(api: Any, space: str, name: str, data: bytes, expected: int, **form: str) -> Any:
    return api.call(
        "POST",
        "/knowledge/documents",
        expected,
        data={"space": space, **form},
        files={"file": (name, data)},
    )


def test_upload_answer_and_handover_over_http(as_role: Any) -> None:
    manager, sales, service = as_role("manager"), as_role("sales"), as_role("service")
    manager.post("/knowledge/spaces", {"name": "加盟政策", "visibility": "public"})
    first = _upload(manager, "加盟政策", "policy.md", POLICY.encode(), 201, title="加盟政策")
    assert first["version"] == 1 and first["created"] and first["chunks"] >= 2
    again = _upload(manager, "加盟政策", "policy.md", POLICY.encode(), 200, title="加盟政策")
    assert again["version_id"] == first["version_id"] and not again["created"]

    out = sales.call("POST", "/knowledge/answer", 200, json={"question": "一线城市的加盟费是多少?"})
    assert out["status"] == "answered" and "10 万元" in out["text"]
    (cite,) = out["citations"]
    assert cite["document"] == "加盟政策" and cite["version"] == 1 and cite["section"]
    passage = sales.get(cite["link"].removeprefix("/api/v1"))
    assert "10 万元" in passage["text"] and passage["version_status"] == "active"

    stopped = service.call(
        "POST",
        "/knowledge/answer",
        200,
        json={"question": "加盟店可以卖酒吗?", "handover": True},
    )
    assert stopped["status"] == "handover"
    assert stopped["handover"]["status"] == "executed" and stopped["handover"]["ticket_id"]
    ticket = service.get(f"/tickets/{stopped['handover']['ticket_id']}")
    assert "加盟店可以卖酒吗?" in ticket["description"]


def test_bad_files_are_problems_and_team_spaces_stay_private(as_role: Any) -> None:
    admin, sales3 = as_role("admin"), as_role("sales3")
    admin.post("/knowledge/spaces", {"name": "内部", "visibility": "internal"})
    for name, data, needle in [
        ("broken.pdf", b"%PDF-1.4 nothing", "not a readable PDF"),
        ("empty.md", b"", "is empty"),
        ("virus.exe", b"MZ", "unknown file type"),
    ]:
        problem = _upload(admin, "内部", name, data, 422)
        assert needle in problem["detail"]
    east = next(t for t in admin.get("/teams") if t["name"] == "East")
    admin.post("/knowledge/spaces", {"name": "华东", "visibility": "team", "team_id": east["id"]})
    _upload(admin, "华东", "east.md", "# 华东\n\n华东团队的季度返利为 7%。\n".encode(), 201)
    assert "华东" not in [s["name"] for s in sales3.get("/knowledge/spaces")]
    out = sales3.call(
        "POST", "/knowledge/answer", 200, json={"question": "华东团队的季度返利是多少?"}
    )
    assert out["status"] != "answered" and "7%" not in str(out)
    sales3.call("POST", "/knowledge/answer", 404, json={"question": "返利", "spaces": ["华东"]})
    _upload(sales3, "内部", "x.md", b"# x\n\ny\n", 403)


def test_kb_cli_exits_2_on_bad_input(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "KITH_HOME": str(tmp_path),
        "KITH_DATABASE_URL": f"sqlite:///{tmp_path}/k.db",
    }
    env["PYTHONPATH"] = os.pathsep.join(["src", env.get("PYTHONPATH", "")])

    def kith(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kith", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert (
        kith("init", "--admin-email", "a@x.test", "--admin-password", "Long-enough-9").returncode
        == 0
    )
    assert kith("kb", "space", "标准").returncode == 0
    doc = tmp_path / "std.md"
    doc.write_text(
        "# 限值\n\n| 项目 | 限值 |\n| --- | --- |\n| 铅 | 0.01 mg/L |\n", encoding="utf-8"
    )
    added = kith("kb", "add", str(doc), "--space", "标准")
    assert added.returncode == 0 and "v1" in added.stdout
    assert "unchanged" in kith("kb", "add", str(doc), "--space", "标准").stdout
    asked = kith("kb", "ask", "铅的限值是多少?", "--json")
    assert asked.returncode == 0 and "0.01 mg/L" in asked.stdout
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    refused = kith("kb", "add", str(empty), "--space", "标准")
    assert refused.returncode == 2 and "is empty" in refused.stderr
    assert kith("kb", "add", str(doc), "--space", "nope").returncode == 2


def test_an_upload_over_the_limit_is_refused_before_it_is_read(as_role: Any) -> None:
    admin = as_role("admin")
    admin.post("/knowledge/spaces", {"name": "大文件", "visibility": "internal"})
    too_big = b"x" * (22 * 1024 * 1024)  # over the route's 21 MB cap (a 100 MB file too)
    response = admin.client.post(
        "/api/v1/knowledge/documents",
        headers=admin.headers,
        data={"space": "大文件"},
        files={"file": ("big.txt", too_big)},
    )
    assert response.status_code == 413, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert admin.get("/knowledge/documents") == []
