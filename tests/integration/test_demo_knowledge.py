"""The demo's knowledge story (S9): loading the demo publishes the franchise-policy and
lab-standards spaces, and a month of questions the Knowledge agent answered, asked to
clarify, flagged as a conflict or handed over, with staff ratings, fills the knowledge
dashboard."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from kith.access.service import system_principal
from kith.container import Container
from kith.knowledge import feedback
from kith.knowledge.models import KnowledgeAnswer
from kith.knowledge.service import KnowledgeService
from tests.integration.test_demo import ANCHOR, load


def test_the_demo_tells_the_knowledge_story(container: Container) -> None:
    load(container, "demo")
    with container.uow() as uow:
        rows = uow.session.scalars(select(KnowledgeAnswer).order_by(KnowledgeAnswer.created_at))
        answers = list(rows)
        statuses = Counter(a.status for a in answers)
        assert set(statuses) == {"answered", "conflict", "clarify", "handover"}
        assert {a.source for a in answers} == {"agent", "api"}
        # a customer's answer never cites the internal lab space
        for a in answers:
            if a.audience == "customer":
                assert all(p["document"] not in ("内部销售政策",) for p in a.passages)
        tenant_id = answers[0].tenant_id
        service = KnowledgeService(uow, system_principal(tenant_id), clock=lambda: ANCHOR)
        board = feedback.dashboard(service, days=30)
        assert board["answers"] == len(answers) == 12
        assert board["top_unanswered"][0]["question"] == "加盟店可以卖酒吗?"
        assert board["top_unanswered"][0]["count"] == 3
        assert (board["thumbs_up"], board["thumbs_down"]) == (1, 1)
        assert board["corrections"][0]["correction"].startswith("开业前退出")
        assert {s["name"] for s in board["spaces"]} >= {"加盟政策", "检测标准"}
