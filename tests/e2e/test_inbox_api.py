"""The inbox over HTTP and the command line, against a real IMAP server (pymap) and a real
SMTP server (aiosmtpd): a rep connects a mailbox (the password never comes back), syncs
it, pages through conversations, reads a thread with the customer panel, assigns, notes,
closes and replies; bad input is problem+json with field paths (HTTP) or exit 2 (CLI);
roles without the right are refused."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, Workspace, sign_in
from tests.e2e.test_cli import kith as run_kith
from tests.integration.test_inbox_sync import OWN, thread_mails
from tests.mailservers import ImapServer, running_imap, running_smtp


@pytest.fixture(scope="module")
def imap() -> Iterator[ImapServer]:
    with running_imap() as server:
        yield server


def seed_customers(api: Api) -> dict[str, str]:
    account = api.post("/accounts", {"name": "华东物流", "email": "ops@huadong-wl.cn"})
    li = api.post(
        "/contacts", {"name": "李娜", "email": "Li.Na@Customer.CN", "account_id": account["id"]}
    )
    tom = api.post("/contacts", {"name": "Tom Baker", "email": "tom@fleetco.com"})
    api.post("/tickets", {"subject": "冬季续航投诉", "contact_id": li["id"], "status": "open"})
    return {"account": account["id"], "li": li["id"], "tom": tom["id"]}


def mailbox_body(imap: ImapServer, folder: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "王强",
        "address": OWN,
        "imap_host": imap.host,
        "imap_port": imap.port,
        "imap_security": "none",
        "imap_user": imap.user,
        "imap_password": imap.password,
        "folders": [folder],
        **extra,
    }


def test_a_rep_connects_syncs_works_and_answers_the_inbox(
    app_client: TestClient, workspace: Workspace, imap: ImapServer
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    rep = sign_in(app_client, workspace.users["sales"].email)
    seed_customers(admin)
    folder = imap.new_folder()
    imap.append(folder, *thread_mails())
    with running_smtp() as (port, smtp):
        box = rep.post(
            "/inbox/mailboxes",
            mailbox_body(imap, folder, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none"),
        )
        assert box["has_imap_password"] and "imap_password" not in box
        assert box["shared"] is False and box["status"] == "ok"
        synced = rep.post(f"/inbox/mailboxes/{box['id']}/sync", {}, expected=200)
        assert (synced["status"], synced["stored"], synced["unmatched"]) == ("ok", 5, 1)
        status = rep.get(f"/inbox/mailboxes/{box['id']}")
        assert status["messages"] == 5 and status["last_sync_at"] and status["cursors"]

        first = rep.get("/inbox/conversations", params={"limit": 2})
        assert len(first["items"]) == 2 and first["next_cursor"]
        rest = rep.get("/inbox/conversations", params={"limit": 2, "cursor": first["next_cursor"]})
        seen = [c["id"] for c in first["items"] + rest["items"]]
        assert len(seen) == len(set(seen)) == 3 and rest["next_cursor"] is None
        [chain] = [c for c in first["items"] + rest["items"] if c["message_count"] == 3]
        assert chain["contact_name"] == "李娜" and chain["status"] == "open"

        thread = rep.get(f"/inbox/conversations/{chain['id']}")
        assert [m["direction"] for m in thread["messages"]] == ["inbound", "outbound", "inbound"]
        panel = thread["customer"]
        assert panel["contact"]["name"] == "李娜" and panel["account"]["name"] == "华东物流"
        assert [t["subject"] for t in panel["open_tickets"]] == ["冬季续航投诉"]

        assigned = rep.patch(
            f"/inbox/conversations/{chain['id']}",
            {"assignee_id": workspace.users["sales2"].id},
        )
        assert assigned["assignee_id"] == workspace.users["sales2"].id
        rep.post(
            f"/inbox/conversations/{chain['id']}/notes", {"body": "客户是车队大客户，优先处理"}
        )

        answer = rep.post(
            f"/inbox/conversations/{chain['id']}/reply", {"body": "李总您好，预热在 App 中开启。"}
        )
        assert answer["status"] == "executed" and answer["delivery_status"] == "sent"
        assert len(smtp.messages) == 1 and b"In-Reply-To: <q2@customer.cn>" in smtp.messages[0]
        after = rep.get(f"/inbox/conversations/{chain['id']}")
        assert after["conversation"]["status"] == "waiting"
        assert after["notes"][0]["body"] == "客户是车队大客户，优先处理"
        assert after["messages"][-1]["delivery_status"] == "sent"

    waiting = rep.get("/inbox/conversations", params={"status": "waiting"})
    assert [c["id"] for c in waiting["items"]] == [chain["id"]]
    closed = rep.patch(f"/inbox/conversations/{chain['id']}", {"status": "closed"})
    assert closed["status"] == "closed" and closed["sla_due_at"] is None
    # the other rep's own mailbox and its conversations stay hers
    other = sign_in(app_client, workspace.users["sales3"].email)
    assert other.get("/inbox/mailboxes") == []
    assert other.get("/inbox/conversations")["items"] == []
    other.get(f"/inbox/conversations/{chain['id']}", expected=404)


def test_bad_input_and_missing_rights_are_refused(
    app_client: TestClient, workspace: Workspace, imap: ImapServer
) -> None:
    rep = sign_in(app_client, workspace.users["sales"].email)
    bad = rep.post(
        "/inbox/mailboxes", mailbox_body(imap, "INBOX", imap_port=0, address="x"), expected=422
    )
    paths = {tuple(e["loc"]) for e in bad["errors"]}
    assert ("body", "imap_port") in paths and ("body", "address") in paths
    wrong = rep.post("/inbox/mailboxes", mailbox_body(imap, "INBOX", imap_password="nope"))
    synced = rep.post(f"/inbox/mailboxes/{wrong['id']}/sync", {}, expected=200)
    assert synced["status"] == "auth_failed"
    shown = rep.get(f"/inbox/mailboxes/{wrong['id']}")
    assert shown["status"] == "auth_failed" and shown["last_error"] and shown["next_sync_at"]
    fixed = rep.patch(f"/inbox/mailboxes/{wrong['id']}", {"imap_password": imap.password})
    assert (fixed["status"], fixed["failures"], fixed["next_sync_at"]) == ("ok", 0, None)
    assert imap.password not in str(fixed)
    assert rep.post(f"/inbox/mailboxes/{wrong['id']}/sync", {}, expected=200)["status"] == "ok"
    rep.post("/inbox/mailboxes", mailbox_body(imap, "INBOX", shared=True), expected=403)
    rep.get("/inbox/conversations", params={"cursor": "not-a-cursor"}, expected=422)
    rep.get("/inbox/conversations", params={"limit": 0}, expected=422)
    rep.get("/inbox/conversations", params={"status": "snoozed"}, expected=422)
    viewer = sign_in(app_client, workspace.users["viewer"].email)
    viewer.get("/inbox/conversations")
    viewer.post("/inbox/mailboxes", mailbox_body(imap, "INBOX"), expected=403)


def test_cli_adds_lists_and_syncs_a_mailbox(imap: ImapServer, tmp_path: Path) -> None:
    home = tmp_path / "home"

    def kith(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return run_kith(home, *args, mode="demo", **env)

    init = kith("init", "--admin-email", "root@corp.cn", "--admin-password", "S3cure-pass!")
    assert init.returncode == 0, init.stderr
    folder = imap.new_folder()
    imap.append(folder, *thread_mails()[3:5])
    args = ["inbox", "mailbox", "add", "--name", "王强", "--address", OWN]
    args += ["--imap-host", imap.host, "--imap-port", str(imap.port), "--imap-security", "none"]
    args += ["--imap-user", imap.user, "--imap-password-env", "WQ_IMAP_PASSWORD"]
    args += ["--folder", folder, "--all-mail", "--json"]
    added = kith(*args, WQ_IMAP_PASSWORD=imap.password)
    assert added.returncode == 0, added.stderr
    assert imap.password not in added.stdout
    view = json.loads(added.stdout)
    assert view["has_imap_password"] is True and "imap_password" not in view
    missing = kith(*args)  # the variable is not set
    assert missing.returncode == 2 and "WQ_IMAP_PASSWORD" in missing.stderr
    synced = kith("inbox", "mailbox", "sync", view["id"])
    assert synced.returncode == 0 and "2 stored" in synced.stdout, synced.stderr
    listed = kith("inbox", "list")
    assert "续约报价" in listed.stdout and "Fleet inspection report" in listed.stdout
    boxes = kith("inbox", "mailbox", "list")
    assert "ok" in boxes.stdout and "2 messages" in boxes.stdout
    bad = kith("inbox", "list", "--status", "snoozed")
    assert bad.returncode == 2 and "status" in bad.stderr
    unknown = kith("inbox", "mailbox", "sync", "f" * 32)
    assert unknown.returncode == 2
