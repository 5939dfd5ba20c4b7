"""Feedback on knowledge answers over HTTP: every answer has an id, staff rate it (a
thumbs-down may carry the right answer), and the dashboard counts coverage,
abstention, accuracy from the ratings and the questions most often left unanswered —
never showing a question or passage from a space the viewer may not read; and a
customer's question arriving over HTTP while the agents run, answered end to end."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_knowledge_api import POLICY, _upload


def _ask(api: Any, question: str, **extra: Any) -> Any:
    return api.call("POST", "/knowledge/answer", 200, json={"question": question, **extra})


def test_rate_answers_and_read_the_dashboard(as_role: Any) -> None:
    manager, sales, service = as_role("manager"), as_role("sales"), as_role("service")
    manager.post("/knowledge/spaces", {"name": "加盟政策", "visibility": "public"})
    _upload(manager, "加盟政策", "policy.md", POLICY.encode(), 201, title="加盟政策")

    answered = _ask(sales, "一线城市的加盟费是多少?")
    assert answered["status"] == "answered" and answered["answer_id"]
    wrong = _ask(sales, "资质审核需要多久?")
    for _ in range(2):
        _ask(service, "加盟店可以卖酒吗?")
    _ask(sales, "加盟店可以卖酒吗？")  # the same question, other punctuation
    _ask(sales, "总部提供装修补贴吗?")

    up = sales.call(
        "POST", f"/knowledge/answers/{answered['answer_id']}/feedback", 201, json={"rating": "up"}
    )
    assert up["rating"] == "up" and up["correction"] is None
    down = service.call(
        "POST",
        f"/knowledge/answers/{wrong['answer_id']}/feedback",
        201,
        json={"rating": "down", "correction": "资质审核需 5 个工作日(2026 年起)。"},
    )
    assert down["correction"].startswith("资质审核需 5 个工作日")

    board = manager.get("/knowledge/dashboard")
    assert board["answers"] == 6
    assert board["answered"] == 2 and board["abstained"] == 4
    assert board["answered_share"] == round(2 / 6, 4)
    assert board["abstention_rate"] == round(4 / 6, 4)
    assert (board["thumbs_up"], board["thumbs_down"]) == (1, 1)
    assert board["accuracy_from_feedback"] == 0.5
    top = board["top_unanswered"][0]
    assert top["count"] == 3 and top["question"].startswith("加盟店可以卖酒吗")
    assert board["corrections"][0]["correction"].startswith("资质审核需 5 个工作日")
    per_space = manager.get("/knowledge/dashboard", params={"space": "加盟政策"})
    assert per_space["answers"] == 6


def test_feedback_input_is_validated_and_other_spaces_stay_hidden(as_role: Any) -> None:
    admin, sales3 = as_role("admin"), as_role("sales3")
    east = next(t for t in admin.get("/teams") if t["name"] == "East")
    admin.post("/knowledge/spaces", {"name": "华东", "visibility": "team", "team_id": east["id"]})
    _upload(admin, "华东", "east.md", "# 华东\n\n华东团队的季度返利为 7%。\n".encode(), 201)
    secret = _ask(admin, "华东团队的季度返利是多少?")
    assert secret["status"] == "answered"
    path = f"/knowledge/answers/{secret['answer_id']}/feedback"

    # sales3 is not in East: the answer does not exist for them, nor on their dashboard
    sales3.call("POST", path, 404, json={"rating": "up"})
    board = sales3.get("/knowledge/dashboard")
    assert board["answers"] == 0 and "7%" not in str(board)

    problem = admin.call("POST", path, 422, json={"rating": "up", "correction": "x"})
    assert problem["errors"][0]["loc"][-1] == "correction"
    admin.call("POST", path, 422, json={"rating": "meh"})
    admin.call("POST", "/knowledge/answers/nope/feedback", 404, json={"rating": "up"})
    admin.call("GET", "/knowledge/dashboard", 422, params={"days": 0})
    assert admin.get("/knowledge/dashboard")["thumbs_up"] == 0


def test_an_inbound_question_over_http_is_answered_by_the_knowledge_agent(
    container: Any, workspace: Any, monkeypatch: Any
) -> None:
    """The running app (agents on): a public space uploaded over HTTP, a customer's
    question recorded as an inbound chat message, and the Knowledge agent's cited reply
    — one message, no ticket — with its answer on the dashboard."""
    import time

    from fastapi.testclient import TestClient
    from sqlalchemy import select

    from kith.app import create_app
    from kith.crm.models import Ticket
    from kith.events.models import ConsumedEvent, OutboxEvent
    from kith.gateway.models import OutboundMessage
    from tests.conftest import sign_in

    monkeypatch.setenv("KITH_AGENTS_ENABLED", "true")
    with TestClient(create_app(container)) as client:
        admin = sign_in(client, workspace.users["admin"].email)
        admin.post("/knowledge/spaces", {"name": "加盟政策", "visibility": "public"})
        _upload(admin, "加盟政策", "policy.md", POLICY.encode(), 201, title="加盟政策")
        owner = admin.post("/contacts", {"name": "陈晓峰", "app_user_id": "APP-7731"})
        message = admin.post(
            "/interactions",
            {
                "channel": "chat",
                "direction": "inbound",
                "contact_id": owner["id"],
                "text": "请问一线城市的加盟费是多少?",
            },
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with container.uow() as uow:
                event_id = uow.session.scalar(
                    select(OutboxEvent.event_id).where(OutboxEvent.subject_id == message["id"])
                )
                if event_id and uow.session.get(ConsumedEvent, ("agents", event_id)):
                    break
            time.sleep(0.1)
        else:
            raise AssertionError("the agents consumer did not handle the message")
        with container.uow() as uow:
            (reply,) = uow.session.scalars(
                select(OutboundMessage).where(OutboundMessage.contact_id == owner["id"])
            ).all()
            assert "10 万元" in reply.body and "来源" in reply.body
            assert uow.session.scalars(select(Ticket)).all() == []
        board = admin.get("/knowledge/dashboard")
        assert board["answers"] == 1 and board["answered"] == 1
        assert board["recent"][0]["source"] == "agent"
