"""Restriction of processing, rectification and re-import flags over HTTP and the CLI:
a restricted person can still be served by a person (the decision says so), lifting
restores, rectification errors name ``changes.<field>``, and a browser import of an
erased person says so in the job's result."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.access.models import Tenant
from kith.access.service import system_principal
from kith.crm.schemas import ContactIn
from kith.crm.service import RecordService
from kith.db.engine import make_engine, make_session_factory
from kith.db.uow import UnitOfWork
from tests.conftest import PASSWORD, Api, Workspace, sign_in
from tests.e2e.test_cli import kith

WEB = {"X-Kith-Client": "web"}


def _contact(admin: Api, email: str = "lin.xiaowen@mail.example") -> str:
    body = {"name": "林晓雯", "email": email, "mobile": "13812345678"}
    contact_id: str = admin.post("/contacts", body)["id"]
    return contact_id


def test_restriction_is_applied_shown_and_lifted_and_people_still_serve_the_person(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    service = sign_in(app_client, workspace.users["service"].email)
    sales = sign_in(app_client, workspace.users["sales"].email)
    contact_id = _contact(admin)
    path = f"/contacts/{contact_id}/restriction"

    assert admin.get(path) == {
        "restricted": False, "reason": None, "since": None, "until": None,
        "history": [], "cancelled": [],
    }  # fmt: skip
    sales.post(path, {"reason": "dispute"}, expected=403)
    past = admin.post(path, {"reason": "x", "until": "2020-01-01T00:00:00Z"}, expected=422)
    assert [e["loc"] for e in past["errors"]] == [["body", "until"]]
    applied = admin.post(path, {"reason": "客户对数据准确性提出异议"})
    assert applied["restricted"] is True and applied["reason"] == "客户对数据准确性提出异议"
    assert service.get(path)["history"][0]["action"] == "applied"

    call = {
        "args": {"contact_id": contact_id, "channel": "email", "body": "您的工单已处理"},
        "purpose": "service",
    }
    response = app_client.post(
        "/api/v1/tools/messages.send/invoke", json=call, headers=service.headers
    )
    assert response.status_code in (200, 202), response.text
    decision = service.get(f"/decisions/{response.json()['decision_id']}")
    assert "restricted" in json.dumps(decision, ensure_ascii=False)

    lifted = admin.call("DELETE", path, 200, json={"reason": "已核实"})
    assert lifted["restricted"] is False
    assert [h["action"] for h in lifted["history"]] == ["lifted", "applied"]
    again = admin.call("DELETE", path, 409, json={"reason": "again"})
    assert "not restricted" in again["detail"]
    kinds = [r["kind"] for r in admin.get(f"/contacts/{contact_id}/privacy-requests")]
    assert kinds == ["lift", "restrict"]


def test_rectification_validates_like_an_update_and_names_the_field(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    contact_id = _contact(admin)
    path = f"/contacts/{contact_id}/rectification"
    bad = admin.call(
        "POST", path, 422, json={"changes": {"email": "not-an-email"}, "reason": "本人来电"}
    )
    assert [e["loc"] for e in bad["errors"]] == [["body", "changes", "email"]]
    unknown = admin.call("POST", path, 422, json={"changes": {"shoe": 42}, "reason": "r"})
    assert [e["loc"] for e in unknown["errors"]] == [["body", "changes", "shoe"]]
    admin.call("POST", path, 422, json={"changes": {}, "reason": "r"})

    fixed = admin.call(
        "POST", path, 200, json={"changes": {"email": "lxw@mail.example"}, "reason": "本人来电"}
    )
    assert fixed["fields"] == ["email"] and fixed["contact"]["email"] == "lxw@mail.example"
    assert admin.get(f"/contacts/{contact_id}")["email"] == "lxw@mail.example"
    sales = sign_in(app_client, workspace.users["sales"].email)
    sales.call("POST", path, 403, json={"changes": {"city": "杭州"}, "reason": "r"})


def _wait(client: TestClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/web/import/jobs/{job_id}", headers=WEB).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError("import did not finish")


def test_a_browser_import_of_an_erased_person_is_flagged_in_the_job_result(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    erased = _contact(admin)
    admin.post(f"/contacts/{erased}/erasure", {"reason": "本人要求删除"})

    login = {"email": workspace.users["sales"].email, "password": PASSWORD}
    assert app_client.post("/api/v1/auth/login", json=login).status_code == 200
    csv = "name,email,mobile\n王芳,wang@mail.example,\n林晓雯,,13812345678\n"
    started = app_client.post(
        "/api/v1/web/import/contacts",
        files={"file": ("contacts.csv", csv.encode(), "text/csv")},
        headers=WEB,
    )
    assert started.status_code == 202, started.text
    job = _wait(app_client, started.json()["id"])
    assert job["status"] == "done", job
    assert job["summary"]["created"] == 2 and job["summary"]["flagged_rows"] == 1
    [row] = job["summary"]["flagged"]
    assert row["line"] == 3 and row["flags"] == ["reimport_after_erasure"]

    flags = admin.get("/privacy/flags")["items"]
    assert [(f["contact_id"], f["matched"]) for f in flags] == [(row["record_id"], ["phone"])]
    sign_in(app_client, workspace.users["sales"].email).get("/privacy/flags", expected=403)


# --- the CLI ---------------------------------------------------------------------------------


def _cli_contact(home: Path) -> str:
    engine = make_engine(f"sqlite:///{home / 'kith.db'}")
    try:
        with UnitOfWork(make_session_factory(engine)) as uow:
            tenant = uow.session.scalars(select(Tenant)).one()
            contact = ContactIn(name="林晓雯", email="lin@mail.example")
            created: str = RecordService(uow, system_principal(tenant.id)).create(
                "contact", contact
            )["id"]
            uow.commit()
    finally:
        engine.dispose()
    return created


def test_kith_dsar_restrict_lift_and_rectify(tmp_path: Path) -> None:
    init = kith(
        tmp_path, "init", "--admin-email", "root@corp.cn", KITH_ADMIN_PASSWORD="s3cure-enough-pw"
    )
    assert init.returncode == 0, init.stderr
    contact_id = _cli_contact(tmp_path)

    restricted = kith(tmp_path, "dsar", "restrict", contact_id, "--reason", "异议", "--json")
    assert restricted.returncode == 0, restricted.stderr
    assert json.loads(restricted.stdout)["restricted"] is True
    lifted = kith(tmp_path, "dsar", "lift", contact_id, "--reason", "已核实")
    assert lifted.returncode == 0 and "not restricted" in lifted.stdout
    email = "email=lxw@mail.example"
    fixed = kith(tmp_path, "dsar", "rectify", contact_id, "--set", "city=杭州",
                 "--set", email, "--reason", "本人来电")  # fmt: skip
    assert fixed.returncode == 0, fixed.stderr
    assert "city, email" in fixed.stdout
    bad_value = kith(tmp_path, "dsar", "rectify", contact_id, "--set", "email=nope",
                     "--reason", "r")  # fmt: skip
    assert bad_value.returncode == 2 and "changes.email" in bad_value.stderr
    malformed = kith(tmp_path, "dsar", "rectify", contact_id, "--set", "email",
                     "--reason", "r")  # fmt: skip
    assert malformed.returncode == 2 and "field=value" in malformed.stderr


def test_field_classes_are_published_for_the_objects_a_role_may_read(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    objects = admin.get("/privacy/classification")["objects"]
    assert objects["contact"]["id_number"] == "sensitive"
    assert objects["contact"]["email"] == "confidential"
    assert objects["account"]["name"] == "public"
    assert objects["deal"]["amount"] == "internal"
    service = sign_in(app_client, workspace.users["service"].email)
    assert set(service.get("/privacy/classification")["objects"]) <= set(objects)
