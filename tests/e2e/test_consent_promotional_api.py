"""Issue 12 over HTTP: after a person revokes marketing, a promotional message is refused
whatever purpose the caller names (api, crm_ui, service, sales_outreach), the decision
says it was classified promotional and why, the queued marketing task is cancelled with
its reason, service messages still go, and an unknown contact is a 422."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Api, Workspace, sign_in

OFFER = "冬季保养套餐 8 折 限时优惠"


def _invoke(api: Api, args: dict[str, Any], purpose: str, expected: int) -> Any:
    call = {"args": args, "purpose": purpose}
    return api.call("POST", "/tools/messages.send/invoke", expected, json=call)


def test_a_revoked_owner_gets_no_offer_whatever_purpose_is_named(
    app_client: TestClient, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    marketer = sign_in(app_client, workspace.users["marketing"].email)
    service = sign_in(app_client, workspace.users["service"].email)
    owner: str = admin.post(
        "/contacts", {"name": "林晓雯", "mobile": "13812345678", "wechat_id": "linxw_sh"}
    )["id"]
    admin.post("/interactions", {"channel": "wechat", "direction": "inbound", "contact_id": owner})
    admin.post(
        f"/contacts/{owner}/consents",
        {"purpose": "marketing", "channel": "*", "state": "granted", "source": "app"},
    )
    task = marketer.post(
        "/activities",
        {
            "kind": "task",
            "subject": "向林晓雯推送冬季保养套餐（营销）",
            "body": "冬季关怀第二波：保养套餐 8 折 + 免费电池健康检测，渠道：短信 + 微信。",
            "contact_id": owner,
        },
    )

    revoked = admin.post(
        f"/contacts/{owner}/consents",
        {"purpose": "marketing", "channel": "*", "state": "revoked", "source": "app"},
    )

    assert [(c["kind"], c["target_id"]) for c in revoked["cancelled"]] == [("activity", task["id"])]
    closed = admin.get(f"/activities/{task['id']}")
    assert closed["status"] == "cancelled" and "已取消 / cancelled" in closed["body"]

    for purpose in ("api", "crm_ui", "service", "sales_outreach"):
        args = {"contact_id": owner, "channel": "sms", "body": OFFER}
        problem = _invoke(marketer, args, purpose, 403)
        assert problem["outcome"] == "refused"
        assert "classified promotional" in problem["detail"], purpose
        assert f"whatever purpose was named ({purpose})" in problem["detail"]
        decision = admin.get(f"/decisions/{problem['decision_id']}")
        consent = decision["consent"]
        assert consent["allowed"] is False and consent["basis"] == "consent:marketing"
        assert "'8 折' (discount)" in consent["reason"]
        assert "'限时' (limited time)" in consent["reason"]
    assert admin.get("/messages", params={"contact_id": owner})["items"] == []

    notice = {"contact_id": owner, "channel": "sms", "body": "您的车辆已保养完毕，欢迎随时取车。"}
    served = _invoke(service, notice, "service", 200)
    assert served["status"] == "executed"
    assert admin.get(f"/decisions/{served['decision_id']}")["consent"]["basis"] == (
        "legal:contract (service)"
    )


def test_a_message_to_an_unknown_contact_is_a_422_and_asks_nobody(
    app_client: TestClient, workspace: Workspace
) -> None:
    service = sign_in(app_client, workspace.users["service"].email)
    manager = sign_in(app_client, workspace.users["manager"].email)
    args = {"contact_id": "01a250f3969d2efe07c9d2074dff0000", "channel": "sms", "body": "您好"}
    problem = _invoke(service, args, "service", 422)
    assert [e["loc"] for e in problem["errors"]] == [["args", "contact_id"]]
    assert manager.get("/approvals")["items"] == []
