"""Issue 14's failure classes on the demo data, each with examples written for the
development set (d259–d288, never taken from the independent set), and the deal metrics
a question must state, checked against the rows themselves.

One demo workspace for the module: every test reads it, none writes to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.repository import AccessRepository
from kith.access.service import principal_for_user
from kith.bench.harness import demo_workspace
from kith.container import Container
from kith.crm import models as crm
from kith.gateway.gateway import gateway_of
from kith.language.devset import DEFAULT_DEVSET, NOW, load_entries, run_devset
from kith.language.service import plan_and_answer

CLASSES = {
    "deal_by_description": ["d259", "d260", "d261", "d262", "d263", "d273"],
    "log_interaction": ["d264", "d265", "d266", "d286"],
    "tell_a_colleague": ["d267", "d268", "d269"],
    "channels": ["d270", "d271"],
    "notes_on_records": ["d272", "d273"],
    "ticket_fields": ["d274", "d275"],
    "times": ["d276", "d277", "d278", "d279"],
    "questions": ["d282", "d283", "d284", "d285", "d287", "d288"],
    "ask_back": ["d280", "d281"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    container = demo_workspace(tmp_path_factory.mktemp("demo"))
    yield container
    container.engine.dispose()


@pytest.fixture(scope="module")
def failures(demo: Container, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    wanted = {i for ids in CLASSES.values() for i in ids}
    entries = [e for e in load_entries(DEFAULT_DEVSET) if e["id"] in wanted]
    assert {e["id"] for e in entries} == wanted
    path = tmp_path_factory.mktemp("set") / "classes.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in entries) + "\n")
    result = run_devset(path, container=demo)
    return {f["id"]: f for f in result["failures"]}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_each_failure_class_plans_right(name: str, failures: dict[str, Any]) -> None:
    wrong = [failures[i] for i in CLASSES[name] if i in failures]
    assert not wrong, wrong


def _ask(demo: Container, text: str, email: str = "chen.jing@kith.demo") -> dict[str, Any]:
    with demo.uow() as uow:
        repo = AccessRepository(uow.session)
        tenant = repo.tenant_by_slug("default")
        assert tenant is not None
        user = repo.user_in_tenant(tenant.id, email)
        assert user is not None
        plan, answer = plan_and_answer(
            uow, principal_for_user(uow.session, user), text, None, NOW, gateway_of(demo)
        )
        uow.rollback()
    assert plan.kind == "question" and answer is not None, plan.as_dict()
    return answer


def _deals(demo: Container) -> list[crm.Deal]:
    with demo.uow() as uow:
        rows = list(uow.session.scalars(select(crm.Deal).where(crm.Deal.deleted_at.is_(None))))
        uow.session.expunge_all()
    return rows


def _states(answer: dict[str, Any], value: float) -> bool:
    text = answer["sentence"] + " " + json.dumps(answer["rows"], ensure_ascii=False)
    plain = text.replace(",", "")
    return f"{value:.1f}" in plain or f"{value:.2f}" in plain


def test_the_win_rate_is_won_over_closed(demo: Container) -> None:
    closed = [d for d in _deals(demo) if d.status in ("won", "lost")]
    rate = 100 * sum(d.status == "won" for d in closed) / len(closed)
    answer = _ask(demo, "我们的赢单率是多少？")
    assert _states(answer, round(rate, 1)), answer["sentence"]


def test_the_weighted_pipeline_is_amount_times_probability(demo: Container) -> None:
    open_cny = [d for d in _deals(demo) if d.status == "open" and d.currency == "CNY"]
    total = sum(Decimal(d.amount) * Decimal(d.probability or 0) / 100 for d in open_cny)
    answer = _ask(demo, "What is our weighted pipeline?")
    assert _states(answer, float(total)), answer["sentence"]


def test_an_average_is_per_currency(demo: Container) -> None:
    won_cny = [d.amount for d in _deals(demo) if d.status == "won" and d.currency == "CNY"]
    average = sum(Decimal(a) for a in won_cny) / len(won_cny)
    answer = _ask(demo, "What is the average amount of our won deals in RMB?")
    assert _states(answer, float(round(average, 2))), answer["sentence"]


def test_the_top_customer_is_the_one_with_the_most_won(demo: Container) -> None:
    totals: dict[str, Decimal] = {}
    for d in _deals(demo):
        if d.status == "won" and d.currency == "CNY" and d.account_id:
            totals[d.account_id] = totals.get(d.account_id, Decimal(0)) + Decimal(d.amount)
    best = max(totals, key=lambda k: totals[k])
    with demo.uow() as uow:
        name = uow.session.get(crm.Account, best).name  # type: ignore[union-attr]
    answer = _ask(demo, "Which customer has the most won business with us?")
    assert [row[0] for row in answer["rows"]] == [name], answer


def test_a_question_lists_deals_instead_of_summing_them(demo: Container) -> None:
    lost = {d.name for d in _deals(demo) if d.status == "lost"}
    answer = _ask(demo, "Which deals have we lost?")
    assert {row[0] for row in answer["rows"]} == lost
