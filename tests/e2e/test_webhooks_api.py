"""Webhooks over HTTP and the command line: an admin subscribes a real local receiver,
a record change arrives signed, deliveries list their attempts, a delivery is sent
again, a test send reports the receiver's answer; bad input is problem+json with field
paths (HTTP) or exit 2 (CLI); other roles and narrow API keys are refused."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kith.platform import signing
from tests.conftest import Api, Workspace, sign_in
from tests.e2e.test_cli import kith as run_kith
from tests.webhook_receiver import Receiver, running_receiver


def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


def test_subscribe_receive_inspect_redeliver_and_test_send(
    app_client: TestClient, workspace: Workspace, receiver: Receiver
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    hook = admin.post(
        "/webhooks",
        {"name": "ERP", "url": receiver.url(), "event_types": ["contact.created"]},
    )
    secret = hook["secret"]
    assert secret.startswith("whsec_") and hook["active"] and hook["version"] == 1
    listed = admin.get("/webhooks")
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]

    contact = admin.post("/contacts", {"name": "张伟", "city": "深圳"})
    wait_for(lambda: len(receiver.at("/hook")) == 1)
    got = receiver.at("/hook")[0]
    signing.verify(secret, got.headers["kith-signature"], got.body, now=time.time())
    assert got.json["subject"]["id"] == contact["id"]

    def delivered() -> list[dict]:  # type: ignore[type-arg]
        page = admin.get(f"/webhooks/{hook['id']}/deliveries")
        return [d for d in page["items"] if d["status"] == "succeeded"]

    wait_for(lambda: len(delivered()) == 1)
    delivery = delivered()[0]
    assert delivery["event_id"] == got.json["id"]
    assert delivery["attempt_log"][0]["status_code"] == 200
    assert delivery["attempt_log"][0]["latency_ms"] >= 0

    again = admin.post(f"/webhooks/deliveries/{delivery['id']}/redeliver", {}, 200)
    assert again["status"] == "pending"
    wait_for(lambda: len(receiver.at("/hook")) == 2)
    second = receiver.at("/hook")[1]
    assert second.headers["kith-event-id"] == got.headers["kith-event-id"]  # de-dup key
    assert second.headers["kith-attempt"] == "2"

    tested = admin.post(f"/webhooks/{hook['id']}/test", {}, 200)
    assert tested["status"] == "succeeded" and tested["event_type"] == "webhook.test"
    assert tested["attempt_log"][0]["status_code"] == 200

    receiver.on("/broken", lambda _r: (503, "maintenance"))
    broken = admin.post(
        "/webhooks", {"name": "broken", "url": receiver.url("/broken"), "event_types": ["deal.won"]}
    )
    failed = admin.post(f"/webhooks/{broken['id']}/test", {}, 200)
    assert failed["status"] == "failed" and failed["last_status_code"] == 503
    assert failed["attempt_log"][0]["response_body"] == "maintenance"
    # a test send does not count against the subscription's health
    assert admin.get(f"/webhooks/{broken['id']}")["consecutive_failures"] == 0

    paused = admin.patch(f"/webhooks/{hook['id']}", {"version": hook["version"], "active": False})
    assert paused["active"] is False and paused["version"] == 2
    stale = admin.patch(f"/webhooks/{hook['id']}", {"version": 1, "name": "x"}, 409)
    assert "version 2" in stale["detail"]
    admin.delete(f"/webhooks/{hook['id']}")
    admin.get(f"/webhooks/{hook['id']}", 404)

    catalogue = admin.get("/webhooks/event-types")
    assert "Kith-Signature" in catalogue["headers"]
    assert catalogue["body_schema"]["properties"]["id"]["type"] == "string"
    types = {t["type"]: t for t in catalogue["items"]}
    assert types["contact.created"]["data_schema"]["properties"]["record"]


def test_bad_input_and_refusals(
    app_client: TestClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    ok = {"name": "ERP", "url": "https://erp.example.com/hook", "event_types": ["deal.won"]}
    cases = [
        ({**ok, "url": "ftp://erp.example.com"}, ["body", "url"]),
        ({**ok, "url": "https://user:pw@erp.example.com"}, ["body", "url"]),
        ({**ok, "event_types": ["deal.won", "deal.wonn"]}, ["body", "event_types", 1]),
        ({**ok, "event_types": []}, ["body", "event_types"]),
        ({**ok, "filter": "event.data.amount >"}, ["body", "filter"]),
        ({**ok, "filter": "customer.vip"}, ["body", "filter"]),
        ({**ok, "extra": 1}, ["body", "extra"]),
    ]
    for body, loc in cases:
        problem = admin.call("POST", "/webhooks", 422, json=body)
        assert loc in [e["loc"] for e in problem["errors"]], (body, problem)
    assert admin.get("/webhooks") == []  # nothing half-written

    hook = admin.post("/webhooks", ok)
    sales = sign_in(app_client, workspace.users["sales"].email)
    sales.call("POST", "/webhooks", 403, json=ok)
    sales.get("/webhooks", 403)
    other = sign_in(app_client, other_workspace.users["admin"].email)
    other.get(f"/webhooks/{hook['id']}", 404)
    other.call("POST", f"/webhooks/{hook['id']}/test", 404)

    reader = admin.post("/api-keys", {"name": "monitor", "scopes": ["webhooks:read"]})
    key = Api(app_client, reader["secret"])
    assert [h["id"] for h in key.get("/webhooks")] == [hook["id"]]
    key.call("POST", "/webhooks", 403, json=ok)
    key.call("POST", f"/webhooks/{hook['id']}/rotate-secret", 403)
    rotated = admin.post(f"/webhooks/{hook['id']}/rotate-secret", {}, 200)
    assert rotated["secret"] != hook["secret"]


def test_cli_creates_lists_and_refuses_bad_input(tmp_path: Path) -> None:
    home = tmp_path / "home"

    def kith(*args: str) -> subprocess.CompletedProcess[str]:
        return run_kith(home, *args, mode="demo")

    init = kith("init", "--admin-email", "root@corp.cn", "--admin-password", "S3cure-pass!")
    assert init.returncode == 0, init.stderr
    created = kith(
        "webhooks",
        "create",
        "--name",
        "ERP",
        "--url",
        "https://erp.example.com/kith",
        "-e",
        "deal.won",
        "-e",
        "ticket.created",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    hook = json.loads(created.stdout)
    assert hook["secret"].startswith("whsec_") and hook["event_types"] == [
        "deal.won",
        "ticket.created",
    ]
    listed = kith("webhooks", "list", "--json")
    assert [h["id"] for h in json.loads(listed.stdout)] == [hook["id"]]

    bad = kith("webhooks", "create", "--name", "x", "--url", "https://a.example", "-e", "nope")
    assert bad.returncode == 2 and "body.event_types.0: unknown event type 'nope'" in bad.stderr
    missing = kith("webhooks", "pause", "0" * 32)
    assert missing.returncode == 2 and "not found" in missing.stderr
