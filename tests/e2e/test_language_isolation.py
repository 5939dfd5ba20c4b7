"""Commands are private to the person who typed them: another user of the same
workspace, or anyone in another workspace, gets 404 on read, execute and undo."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Workspace, sign_in


def test_commands_are_private(
    app_client: TestClient, workspace: Workspace, other_workspace: Workspace
) -> None:
    owner = sign_in(app_client, workspace.users["sales"].email)
    plan = owner.post(
        "/commands", {"text": "明天上午十点提醒我跟进", "now": "2026-11-20T10:00:00+08:00"}
    )
    assert plan["steps"][0]["tool"] == "tasks.create"
    assert owner.get(f"/commands/{plan['id']}")["text"] == "明天上午十点提醒我跟进"
    for intruder in (
        sign_in(app_client, other_workspace.users["admin"].email),
        sign_in(app_client, workspace.users["sales2"].email),
        sign_in(app_client, workspace.users["admin"].email),
    ):
        intruder.get(f"/commands/{plan['id']}", expected=404)
        intruder.call("POST", f"/commands/{plan['id']}/execute", 404, json={})
        intruder.call("POST", f"/commands/{plan['id']}/undo", 404)
    done = owner.call("POST", f"/commands/{plan['id']}/execute", 200, json={})
    assert done["status"] == "executed"
    assert owner.get(f"/commands/{plan['id']}")["status"] == "executed"
