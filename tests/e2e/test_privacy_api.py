"""S6 over HTTP and the CLI: consents API (the web UI's contract), revocation while an
approval is pending, a refused and audited admin override, the signed preference
page, DSAR export and erasure, and a tampered audit row caught by `kith audit verify`."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Api, Workspace, sign_in
from tests.e2e.test_cli import kith

CURRENT_KEYS = {"purpose", "channel", "state", "source", "at", "expires_at", "legal_basis"}


def _contact(admin: Api) -> str:
    body = {"name": "林晓雯", "email": "lin.xiaowen@mail.example", "mobile": "13812345678"}
    contact_id: str = admin.post("/contacts", body)["id"]
    return contact_id


def _send(api: Api, contact_id: str, expected: int) -> Any:
    call = {
        "args": {"contact_id": contact_id, "channel": "sms", "body": "冬季保养套餐 8 折"},
        "purpose": "marketing",
    }
    return api.call("POST", "/tools/messages.send/invoke", expected, json=call)


def test_revoking_marketing_cancels_the_pending_approval_and_no_admin_overrides_it(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    marketer = sign_in(app_client, workspace.users["marketing"].email)
    manager = sign_in(app_client, workspace.users["manager"].email)
    contact_id = _contact(admin)

    granted = admin.post(
        f"/contacts/{contact_id}/consents",
        {"purpose": "marketing", "channel": "sms", "state": "granted", "source": "form",
         "evidence": "勾选：同意接收营销短信"},
    )  # fmt: skip
    assert [set(c) for c in granted["current"]] == [CURRENT_KEYS]
    assert granted["current"][0]["state"] == "granted" and granted["cancelled"] == []

    waiting = _send(marketer, contact_id, 202)
    assert waiting["status"] == "pending_approval"

    revoked = marketer.post(
        f"/contacts/{contact_id}/consents",
        {"purpose": "marketing", "channel": "*", "state": "revoked", "source": "call"},
    )
    assert [(c["kind"], c["target_id"]) for c in revoked["cancelled"]] == [
        ("approval", waiting["approval_id"])
    ]
    state = admin.get(f"/contacts/{contact_id}/consents")
    assert {(c["channel"], c["state"]) for c in state["current"]} == {
        ("*", "revoked"),
        ("sms", "granted"),
    }
    assert [h["state"] for h in state["history"]] == ["revoked", "granted"]

    approval = manager.get(f"/approvals/{waiting['approval_id']}")
    assert approval["status"] == "cancelled"
    refused = manager.call("POST", f"/approvals/{waiting['approval_id']}/approve", 409, json={})
    assert "cancelled" in refused["detail"]
    listed = admin.get("/approvals", params={"status": "cancelled"})["items"]
    assert [a["id"] for a in listed] == [waiting["approval_id"]]

    override = _send(admin, contact_id, 403)
    assert "no role can override" in override["detail"]
    decision = admin.get(f"/decisions/{override['decision_id']}")
    assert decision["consent"]["allowed"] is False
    assert admin.get("/messages", params={"contact_id": contact_id})["items"] == []

    response = app_client.get(f"/api/v1/contacts/{contact_id}/dsar", headers=admin.headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    tables = data["tables"]
    assert [e["state"] for e in tables["consent_events"]] == ["granted", "revoked"]
    assert {d["status"] for d in tables["decision_records"]} >= {"cancelled", "refused"}
    actions = {a["action"] for a in tables["audit_log"]}
    assert {"consent.override_refused", "consent.recorded"} <= actions
    summary = archive.read("summary.md").decode()
    assert "林晓雯" in summary and "Current consents" in summary
    assert "csv/consent_events.csv" in archive.namelist()


def test_consents_need_the_rights_on_the_contact(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    viewer = sign_in(app_client, workspace.users["viewer"].email)
    contact_id = _contact(admin)
    body = {"purpose": "marketing", "state": "granted"}
    viewer.post(f"/contacts/{contact_id}/consents", body, 403)
    problem = admin.post(f"/contacts/{contact_id}/consents", {"purpose": "spam", "state": "x"}, 422)
    assert {tuple(e["loc"]) for e in problem["errors"]} == {
        ("body", "purpose"),
        ("body", "state"),
    }
    viewer.call("GET", f"/contacts/{contact_id}/dsar", 403)


def test_the_preference_page_works_from_a_signed_link_without_login(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    contact_id = _contact(admin)
    link = admin.post(f"/contacts/{contact_id}/consents/link", None)
    url = link["url"]
    anonymous = TestClient(app_client.app)
    page = anonymous.get(url)
    assert page.status_code == 200 and "我的隐私与授权" in page.text and "林晓雯" in page.text
    english = anonymous.get(url + "&lang=en")
    assert "My privacy and consents" in english.text
    token = url.split("token=", 1)[1]
    saved = anonymous.post(
        "/privacy/preferences",
        data={"token": token, "lang": "en", "c": ["marketing:wechat", "service:email"]},
    )
    assert saved.status_code == 200 and "Saved" in saved.text
    state = admin.get(f"/contacts/{contact_id}/consents")
    on = {(c["purpose"], c["channel"]) for c in state["current"] if c["state"] == "granted"}
    assert on == {("marketing", "wechat")}
    off = {(c["purpose"], c["channel"]) for c in state["current"] if c["state"] == "revoked"}
    # service is on by its legal basis; unticking the other service channels opts out of them
    assert ("service", "sms") in off and ("service", "email") not in off
    assert {h["source"] for h in state["history"]} == {"preference_page"}
    forged = anonymous.get(url[:-3] + "AAA")
    assert forged.status_code == 403


def test_erasure_leaves_no_trace_in_search_or_exports(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    contact_id = _contact(admin)
    admin.post(
        "/interactions",
        {"channel": "wechat", "direction": "inbound", "contact_id": contact_id,
         "text": "我是林晓雯，手机 13812345678"},
    )  # fmt: skip
    assert admin.get("/search", params={"q": "林晓雯"})["items"]
    erased = admin.post(f"/contacts/{contact_id}/erasure", {"reason": "客户要求删除"})
    assert erased["summary"]["interactions.anonymised"] == 1
    assert admin.get("/search", params={"q": "林晓雯"})["items"] == []
    admin.get(f"/contacts/{contact_id}", 404)
    admin.call("GET", f"/contacts/{contact_id}/dsar", 404)
    interactions = admin.get("/interactions")["items"]
    assert all("13812345678" not in (i.get("text") or "") for i in interactions)


def test_kith_audit_verify_names_a_tampered_row(tmp_path: Path) -> None:
    init = kith(
        tmp_path, "init", "--admin-email", "root@corp.cn", KITH_ADMIN_PASSWORD="s3cure-enough-pw"
    )
    assert init.returncode == 0, init.stderr
    kith(tmp_path, "user", "add", "li@corp.cn", "--name", "李娜", "--role", "sales",
         KITH_NEW_USER_PASSWORD="an0ther-good-pw")  # fmt: skip
    for _ in range(2):  # each export is itself audited
        exported = kith(tmp_path, "audit", "export", "--out", str(tmp_path / "audit.jsonl"))
        assert exported.returncode == 0, exported.stderr
    lines = (tmp_path / "audit.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["kind"] == "kith.audit_export"
    assert [json.loads(line)["action"] for line in lines[1:]] == ["audit.exported"]
    ok = kith(tmp_path, "audit", "verify", "--json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"ok": True, "entries": 2, "tenants": 1, "first_break": None}

    with sqlite3.connect(tmp_path / "kith.db") as db:
        (victim,) = db.execute("SELECT id FROM audit_log ORDER BY seq LIMIT 1").fetchone()
        db.execute("UPDATE audit_log SET action = 'nothing.happened' WHERE id = ?", (victim,))
    broken = kith(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert victim in broken.stderr and "altered" in broken.stderr
