"""Answers that do not depend on the asker using the documents' own words (issue 17),
through the service on SQLite and PostgreSQL: a framing word no document uses is
ignored, a general synonym reaches the passage, a subject the documents never mention
makes it abstain even in a familiar template, and numbers still match exactly."""

from __future__ import annotations

from datetime import UTC, datetime

from kith.access.service import principal_for_user
from kith.container import Container
from kith.knowledge.answer import Answer
from kith.knowledge.service import KnowledgeService
from tests.conftest import Workspace

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SPACE = "冷链服务"
ZH = """# 冷链服务说明

## 温度限值

| 货品 | 限值 | 检测方法 |
| --- | --- | --- |
| 疫苗 | 8 °C | 探头记录法 |
| 冻肉 | -18 °C | 红外测温法 |

## 服务费用

二级城市的上门取件服务费为 30 元。

## 保修期

冷藏箱保修期为 2 年。
""".encode()
EN = """# Cold chain service

## Temperature limits

| Goods | Limit | Method |
| --- | --- | --- |
| Vaccines | 8 °C | Probe logging |
| Frozen meat | -18 °C | Infrared reading |

## Fees

In tier-2 cities the pick-up fee is RMB 30.

The insurance surcharge is 2% of the declared value.

## Warranty

Cold boxes carry a warranty of 2 years.
""".encode()


def _load(container: Container, workspace: Workspace) -> None:
    with container.uow() as uow:
        principal = principal_for_user(uow.session, workspace.users["admin"])
        service = KnowledgeService(uow, principal, clock=lambda: NOW)
        service.create_space(SPACE, "internal")
        service.add_document(SPACE, "cold.md", ZH, title="冷链服务说明", language="zh")
        service.add_document(SPACE, "cold-en.md", EN, title="Cold chain service", language="en")
        uow.commit()


def _ask(container: Container, workspace: Workspace, question: str) -> Answer:
    with container.uow() as uow:
        principal = principal_for_user(uow.session, workspace.users["admin"])
        return KnowledgeService(uow, principal, clock=lambda: NOW).answer(question, spaces=[SPACE])


def test_a_framing_word_no_document_uses_is_ignored(
    container: Container, workspace: Workspace
) -> None:
    _load(container, workspace)
    for question in (
        "Could you explain the warranty of cold boxes?",
        "想了解一下冷藏箱保修期的情况",
    ):
        answer = _ask(container, workspace, question)
        assert answer.status == "answered", (question, answer.reason)
        assert "2" in answer.text


def test_a_general_synonym_reaches_the_passage(container: Container, workspace: Workspace) -> None:
    _load(container, workspace)
    # "最多允许" / "at most" / "maximum" meet the table's "限值" / "Limit" column
    for question, expected in (
        ("疫苗最多允许多少度?", "8 °C"),
        ("What is the maximum temperature for vaccines?", "8 °C"),
        ("How much does pick-up cost in tier-2 cities?", "RMB 30"),
        ("二级城市上门取件要多少钱?", "30 元"),
    ):
        answer = _ask(container, workspace, question)
        assert answer.status == "answered", (question, answer.reason)
        assert expected in answer.text, question


def test_a_subject_no_document_mentions_abstains_in_a_familiar_template(
    container: Container, workspace: Workspace
) -> None:
    _load(container, workspace)
    for question, word in (
        ("胰岛素最多允许多少度?", "胰岛素"),
        ("What is the maximum temperature for insulin?", "insulin"),
        ("Could you explain the warranty of drones?", "drone"),
    ):
        answer = _ask(container, workspace, question)
        assert answer.status == "handover", question
        assert word in (answer.reason or ""), answer.reason


def test_numbers_units_and_labels_still_match_exactly(
    container: Container, workspace: Workspace
) -> None:
    _load(container, workspace)
    # a synonym does not loosen a number: 8 °C is in the table, 12 °C nowhere
    assert _ask(container, workspace, "疫苗的上限是 12 °C 吗?").status == "handover"
    assert _ask(container, workspace, "疫苗的上限是 8 °C 吗?").status == "answered"
    # "tier-2" names a tier: it is not the "2%" of the insurance surcharge
    answer = _ask(container, workspace, "What is the pick-up fee in tier-2 cities?")
    assert answer.status == "answered" and "RMB 30" in answer.text
    assert "2%" not in answer.text
