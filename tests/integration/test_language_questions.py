"""Questions answered from aggregates over everything the asker may read: true counts (not a
page), "my"/a named colleague as the owner, the right date field per question, amount bounds,
sums kept per currency, and hidden fields that cannot be counted around. Every expected
figure is computed here from the rows the test wrote, not from the code under test."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from kith.access import service as access
from kith.access.models import User
from kith.access.principal import Principal
from kith.container import Container
from kith.core.errors import PermissionDenied
from kith.core.ids import new_id
from kith.crm import models as m
from kith.crm import schemas as cs
from kith.crm.query import build_list_query
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.gateway.gateway import gateway_of
from kith.language.resolve import clear_cache
from kith.language.service import LanguageService
from tests.conftest import Workspace

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, Q4
TICKETS = 63  # more than a page of the old answer (50)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def utc(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def principal(container: Container, user: User) -> Principal:
    with container.uow() as uow:
        return access.principal_for_user(uow.session, uow.session.merge(user))


def ask(container: Container, user: User, text: str) -> dict[str, Any]:
    with container.uow() as uow:
        service = LanguageService(uow, principal(container, user), gateway_of(container))
        out = service.plan(text, None, NOW)
    assert out["kind"] == "question", out
    answer: dict[str, Any] = out["answer"]
    return answer


@pytest.fixture
def sales_data(container: Container, workspace: Workspace) -> dict[str, Any]:
    """Two named reps (王强, 李娜) with won, lost and open deals across 2025–2026 in CNY and
    USD, and 63 tickets spread over three assignees."""
    with container.uow() as uow:
        for role, name in (("sales", "王强"), ("sales2", "李娜")):
            uow.session.merge(workspace.users[role]).name = name
        uow.commit()
    clear_cache()
    admin = principal(container, workspace.users["admin"])
    clock = Clock(datetime(2025, 6, 1, tzinfo=UTC))
    deals: list[dict[str, Any]] = []
    with container.uow() as uow:
        records = RecordService(uow, admin, clock)
        pipeline = records.create("pipeline", cs.PipelineIn(name="Sales", is_default=True))
        stages = {}
        for position, (name, probability, kind) in enumerate(
            (("方案演示", 40, "open"), ("赢单", 100, "won"), ("输单", 0, "lost"))
        ):
            row = m.PipelineStage(
                id=new_id(), tenant_id=workspace.tenant_id, pipeline_id=pipeline["id"],
                name=name, position=position, probability=probability, kind=kind,
            )  # fmt: skip
            uow.session.add(row)
            stages[name] = row.id
        uow.session.flush()
        plan = [
            # owner, amount, currency, created, outcome, closed after (days), expected close
            ("sales", 300_000, "CNY", utc(2025, 11, 3), "赢单", 20, None),
            ("sales", 800_000, "CNY", utc(2026, 2, 10), "赢单", 30, None),
            ("sales", 120_000, "CNY", utc(2026, 5, 5), "赢单", 15, None),
            ("sales", 50_000, "USD", utc(2026, 9, 1), "赢单", 65, None),
            ("sales", 90_000, "CNY", utc(2026, 6, 1), "输单", 10, None),
            ("sales", 650_000, "CNY", utc(2026, 8, 1), None, 0, date(2026, 12, 20)),
            ("sales", 70_000, "CNY", utc(2026, 8, 2), None, 0, date(2027, 2, 1)),
            ("sales2", 1_200_000, "CNY", utc(2026, 3, 1), "赢单", 40, None),
            ("sales2", 200_000, "CNY", utc(2026, 10, 20), "赢单", 12, None),
            ("sales2", 400_000, "CNY", utc(2026, 7, 1), None, 0, date(2026, 11, 30)),
        ]  # fmt: skip
        for role, amount, currency, created, outcome, after, expected in plan:
            clock.now = created
            made = records.create(
                "deal",
                cs.DealIn(
                    name=f"{role} {created:%Y-%m-%d}", pipeline_id=pipeline["id"], amount=amount,
                    currency=currency, expected_close=expected,
                    owner_id=workspace.users[role].id,
                ),
            )  # fmt: skip
            closed = None
            if outcome is not None:
                clock.now = closed = created + timedelta(days=after)
                patch = PATCH_SCHEMAS["deal"](version=made["version"], stage_id=stages[outcome])
                records.update("deal", made["id"], patch)
            deals.append(
                {"owner": role, "amount": amount, "currency": currency, "closed": closed,
                 "status": {"赢单": "won", "输单": "lost", None: "open"}[outcome],
                 "expected": expected}
            )  # fmt: skip
        assignees = ("service", "sales", "sales2")
        for i in range(TICKETS):
            clock.now = datetime(2026, 10, 1, tzinfo=UTC) + timedelta(hours=7 * i)
            records.create(
                "ticket",
                cs.TicketIn(
                    subject=f"问题 {i}", priority=("low", "normal", "high", "urgent")[i % 4],
                    status=("new", "open", "resolved")[i % 3],
                    assignee_id=workspace.users[assignees[i % 3]].id,
                ),
            )  # fmt: skip
        uow.commit()
    return {"deals": deals, "users": workspace.users}


def test_a_count_covers_every_record_not_a_page(
    container: Container, workspace: Workspace, sales_data: dict[str, Any]
) -> None:
    answer = ask(container, workspace.users["admin"], "一共有多少个工单")
    assert answer["count"] == TICKETS
    assert f"共 {TICKETS} 个工单" in answer["sentence"]
    assert sum(row[1] for row in answer["rows"]) == TICKETS
    assert all(isinstance(row[1], int) for row in answer["rows"])
    open_answer = ask(container, workspace.users["admin"], "How many open tickets are there?")
    assert open_answer["count"] == sum(1 for i in range(TICKETS) if i % 3 != 2)


def test_a_named_colleague_or_my_scopes_the_count(
    container: Container, workspace: Workspace, sales_data: dict[str, Any]
) -> None:
    deals = sales_data["deals"]

    def won_in_2026(role: str) -> int:
        shanghai_2026 = (
            datetime(2025, 12, 31, 16, tzinfo=UTC),
            datetime(2026, 12, 31, 16, tzinfo=UTC),
        )
        return sum(
            1 for d in deals
            if d["owner"] == role and d["status"] == "won"
            and shanghai_2026[0] <= d["closed"] < shanghai_2026[1]
        )  # fmt: skip

    by_manager = ask(container, workspace.users["manager"], "今年王强一共赢了多少单")
    assert by_manager["count"] == won_in_2026("sales") == 3
    assert "负责人 = 王强" in by_manager["sentence"]
    mine = ask(container, workspace.users["sales2"], "我今年赢了多少单")
    assert mine["count"] == won_in_2026("sales2") == 2
    open_mine = ask(container, workspace.users["sales"], "How many open deals do I have by stage?")
    assert open_mine["count"] == 2
    assert open_mine["rows"] == [["Solution demo", 2]]  # English stage label, integer count


def test_close_questions_use_the_expected_close_date_and_won_questions_the_close_date(
    container: Container, workspace: Workspace, sales_data: dict[str, Any]
) -> None:
    deals = sales_data["deals"]
    q4 = (date(2026, 10, 1), date(2027, 1, 1))
    closing = ask(container, workspace.users["manager"], "本季度预计成交的商机金额是多少")
    expected = [
        d
        for d in deals
        if d["status"] == "open" and d["expected"] and q4[0] <= d["expected"] < q4[1]
    ]
    assert closing["count"] == len(expected) == 2
    assert Decimal(closing["totals"]["CNY"]) == sum(Decimal(d["amount"]) for d in expected)
    november = ask(container, workspace.users["manager"], "How many deals did we win in November?")
    nov = (datetime(2026, 10, 31, 16, tzinfo=UTC), datetime(2026, 11, 30, 16, tzinfo=UTC))
    assert november["count"] == sum(
        1 for d in deals if d["status"] == "won" and nov[0] <= d["closed"] < nov[1]
    ) == 2  # fmt: skip


def test_amount_bounds_and_sums_per_currency(
    container: Container, workspace: Workspace, sales_data: dict[str, Any]
) -> None:
    deals = sales_data["deals"]
    big = ask(container, workspace.users["manager"], "超过50万的赢单有多少个")
    assert big["count"] == sum(
        1 for d in deals if d["status"] == "won" and d["amount"] > 500_000
    ) == 2  # fmt: skip
    total = ask(container, workspace.users["manager"], "今年赢单总额")
    won_2026 = [
        d for d in deals
        if d["status"] == "won" and d["closed"] >= datetime(2025, 12, 31, 16, tzinfo=UTC)
    ]  # fmt: skip
    by_currency: dict[str, Decimal] = {}
    for d in won_2026:
        by_currency[d["currency"]] = by_currency.get(d["currency"], Decimal(0)) + d["amount"]
    assert {k: Decimal(v) for k, v in total["totals"].items()} == by_currency
    assert "US$50,000.00" in total["sentence"] and "¥" in total["sentence"]
    assert "不同币种分别合计" in total["sentence"]  # never one number across currencies


def test_hidden_fields_cannot_be_filtered_summed_or_grouped(
    container: Container, workspace: Workspace, sales_data: dict[str, Any]
) -> None:
    viewer = principal(container, workspace.users["manager"])
    blind = replace(viewer, field_rules={**viewer.field_rules, "deal": {"amount": "hidden"}})
    spec = SPECS["deal"]
    with container.uow() as uow:
        records = RecordService(uow, blind)
        probe = build_list_query(
            spec, filters=["amount:gt:500000"], sort=None, cursor=None, limit=10, q=None,
            custom_fields={},
        )  # fmt: skip
        with pytest.raises(PermissionDenied) as filtered:
            records.list_page("deal", probe)
        assert filtered.value.errors[0].path == ["query", "filter"]
        plain = build_list_query(
            spec, filters=[], sort="-amount", cursor=None, limit=10, q=None, custom_fields={}
        )
        with pytest.raises(PermissionDenied):
            records.list_page("deal", plain)  # sorting by it would rank the hidden values
        everything = build_list_query(
            spec, filters=[], sort=None, cursor=None, limit=10, q=None, custom_fields={}
        )
        with pytest.raises(PermissionDenied) as summed:
            records.aggregate("deal", everything, measure="amount")
        assert summed.value.errors[0].path == ["body", "measure"]
        counted = records.aggregate("deal", everything, group_by=("owner_id",))
        assert sum(g.count for g in counted) == len(sales_data["deals"])
        owners = set(uow.session.scalars(select(m.Deal.owner_id)))
        assert {g.key["owner_id"] for g in counted} == owners
