"""CRM use cases against a real database: conversion, stage history, SLA, custom fields,
timeline and the outbox written in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.errors import Conflict, ValidationFailed
from kith.core.event_types import CATALOG, EventType
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.conversion import LeadConverter
from kith.crm.query import build_list_query
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.events.models import OutboxEvent
from tests.conftest import Workspace

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def service(container: Container, workspace: Workspace) -> Callable[..., Any]:
    @contextmanager
    def _service(role: str = "admin", clock: Clock | None = None) -> Iterator[RecordService]:
        with container.uow() as uow:
            user = uow.session.get(type(workspace.users[role]), workspace.users[role].id)
            assert user is not None
            principal = principal_for_user(uow.session, user)
            yield RecordService(uow, principal, clock or Clock(T0))
            uow.commit()

    return _service


def _events(container: Container, type_: str) -> list[OutboxEvent]:
    with container.uow() as uow:
        rows = uow.session.scalars(select(OutboxEvent).where(OutboxEvent.type == type_)).all()
        uow.session.expunge_all()
        return list(rows)


def _check_payload_schemas(container: Container) -> set[str]:
    """Validate every outbox payload whose type has a registered schema; the types seen."""
    seen = set()
    with container.uow() as uow:
        for row in uow.session.scalars(select(OutboxEvent)):
            schema = CATALOG[EventType(row.type)].payload
            if schema is not None:
                schema.model_validate(row.payload)
                seen.add(row.type)
    return seen


def _pipeline(svc: RecordService, name: str = "Sales") -> tuple[str, list[str]]:
    pipeline = svc.create("pipeline", s.PipelineIn(name=name, is_default=True))["id"]
    stages = []
    for i, (stage, probability, kind) in enumerate(
        [
            ("Qualify", 10, "open"),
            ("方案演示", 40, "open"),
            ("Won", 100, "won"),
            ("Lost", 0, "lost"),
        ]
    ):
        row = m.PipelineStage(
            tenant_id=svc.principal.tenant_id,
            pipeline_id=pipeline,
            name=stage,
            probability=probability,
            kind=kind,
            position=i,
        )
        svc.uow.session.add(row)
        svc.uow.session.flush()
        stages.append(row.id)
    return pipeline, stages


def test_lead_conversion_reuses_matching_contact_and_account(
    service: Any, container: Container
) -> None:
    with service() as svc:
        _pipeline(svc)
        lead = svc.create(
            "lead", s.LeadIn(name="张建国", company="顺达物流", email="zhang@shunda.cn")
        )
    with service() as svc:
        first = LeadConverter(svc).convert(lead["id"], s.LeadConversionIn(version=1, amount=5000))
    assert first.account_created and first.contact_created and first.deal_id
    with service() as svc:
        again = svc.create(
            "lead", s.LeadIn(name="张总", company="顺达物流", email="ZHANG@shunda.cn")
        )
        second = LeadConverter(svc).convert(again["id"], s.LeadConversionIn(version=1))
    assert (second.account_id, second.contact_id) == (first.account_id, first.contact_id)
    assert not second.account_created and not second.contact_created
    with service() as svc:
        counts = [
            svc.uow.session.scalar(select(func.count()).select_from(t))
            for t in (m.Account, m.Contact, m.Deal)
        ]
        assert counts == [1, 1, 2]
        with pytest.raises(Conflict):
            LeadConverter(svc).convert(lead["id"], s.LeadConversionIn(version=2))
    assert len(_events(container, "lead.converted")) == 2


def test_company_name_matches_an_existing_account(service: Any) -> None:
    with service() as svc:
        account = svc.create("account", s.AccountIn(name="Acme Medical Ltd", short_name="Acme"))
        lead = svc.create("lead", s.LeadIn(name="Ann Lee", company="acme"))
        result = LeadConverter(svc).convert(
            lead["id"], s.LeadConversionIn(version=1, create_deal=False)
        )
    assert result.account_id == account["id"]
    assert result.contact_created and result.deal_id is None


def test_deal_stage_history_probability_and_events(service: Any, container: Container) -> None:
    clock = Clock(T0)
    with service(clock=clock) as svc:
        _, stages = _pipeline(svc)
        deal = svc.create("deal", s.DealIn(name="Fleet 50", amount=120000))
    assert (deal["stage_id"], deal["probability"], deal["status"]) == (stages[0], 10, "open")
    clock.advance(days=9)
    with service(clock=clock) as svc:
        deal = svc.update("deal", deal["id"], PATCH_SCHEMAS["deal"](version=1, stage_id=stages[1]))
    assert deal["probability"] == 40
    clock.advance(days=3)
    with service(clock=clock) as svc:
        deal = svc.update("deal", deal["id"], PATCH_SCHEMAS["deal"](version=2, stage_id=stages[2]))
        history = svc.uow.session.scalars(
            select(m.DealStageChange).order_by(m.DealStageChange.changed_at)
        ).all()
        assert [(h.to_stage_id, h.seconds_in_previous) for h in history] == [
            (stages[0], None),
            (stages[1], 9 * 86400),
            (stages[2], 3 * 86400),
        ]
    assert deal["status"] == "won"
    assert deal["closed_at"] is not None
    assert len(_events(container, "deal.stage_changed")) == 2
    assert len(_events(container, "deal.won")) == 1
    assert {"deal.created", "deal.updated", "deal.stage_changed", "deal.won"} <= (
        _check_payload_schemas(container)
    )


def test_stage_from_another_pipeline_is_rejected(service: Any) -> None:
    with service() as svc:
        _, first = _pipeline(svc, "A")
        other_pipeline, _ = _pipeline(svc, "B")
        with pytest.raises(ValidationFailed) as error:
            svc.create("deal", s.DealIn(name="x", pipeline_id=other_pipeline, stage_id=first[0]))
    assert error.value.errors[0].path == ["body", "stage_id"]


def test_ticket_sla_and_status_history(service: Any, container: Container) -> None:
    clock = Clock(T0)
    with service("service", clock) as svc:
        ticket = svc.create("ticket", s.TicketIn(subject="冬季续航缩水严重", priority="urgent"))
    assert ticket["number"] == "T-000001"
    assert ticket["first_response_due_at"] == T0 + timedelta(minutes=30)
    assert ticket["resolution_due_at"] == T0 + timedelta(hours=4)
    clock.advance(minutes=20)
    with service("service", clock) as svc:
        ticket = svc.update(
            "ticket", ticket["id"], PATCH_SCHEMAS["ticket"](version=1, status="open")
        )
    clock.advance(hours=2)
    with service("service", clock) as svc:
        ticket = svc.update(
            "ticket",
            ticket["id"],
            PATCH_SCHEMAS["ticket"](version=2, status="resolved", escalated=True),
        )
    assert ticket["first_responded_at"] == T0 + timedelta(minutes=20)
    assert ticket["resolved_at"] == clock.now
    assert [e.payload["to_status"] for e in _events(container, "ticket.status_changed")] == [
        "open",
        "resolved",
    ]
    assert len(_events(container, "ticket.escalated")) == 1
    assert {"ticket.created", "ticket.status_changed", "ticket.escalated"} <= (
        _check_payload_schemas(container)
    )


def test_custom_fields_are_typed_validated_and_filterable(service: Any) -> None:
    with service() as svc:
        svc.uow.session.add_all(
            [
                m.FieldDefinition(
                    tenant_id=svc.principal.tenant_id,
                    object_type="contact",
                    name="segment",
                    type="enum",
                    label_en="Segment",
                    options=["vip", "standard"],
                ),
                m.FieldDefinition(
                    tenant_id=svc.principal.tenant_id,
                    object_type="contact",
                    name="nps",
                    type="number",
                    label_en="NPS",
                ),
            ]
        )
    with service() as svc:
        svc.create("contact", s.ContactIn(name="A", custom={"segment": "vip", "nps": 9}))
        svc.create("contact", s.ContactIn(name="B", custom={"segment": "standard", "nps": 4}))
        with pytest.raises(ValidationFailed) as error:
            svc.create("contact", s.ContactIn(name="C", custom={"segment": "gold", "x": 1}))
        assert {tuple(e.path) for e in error.value.errors} == {
            ("body", "custom", "segment"),
            ("body", "custom", "x"),
        }
        types = {"segment": "enum", "nps": "number"}
        query = build_list_query(
            SPECS["contact"],
            filters=["custom.segment:eq:vip"],
            sort=None,
            cursor=None,
            limit=10,
            q=None,
            custom_fields=types,
        )
        assert [c["name"] for c in svc.list_page("contact", query).items] == ["A"]
        query = build_list_query(
            SPECS["contact"],
            filters=["custom.nps:lt:5"],
            sort=None,
            cursor=None,
            limit=10,
            q=None,
            custom_fields=types,
        )
        assert [c["name"] for c in svc.list_page("contact", query).items] == ["B"]


def test_customer_timeline_collects_changes_and_interactions(service: Any) -> None:
    clock = Clock(T0)
    with service("sales", clock) as svc:
        account = svc.create("account", s.AccountIn(name="顺达物流"))
        contact = svc.create("contact", s.ContactIn(name="张建国", account_id=account["id"]))
        clock.advance(hours=1)
        svc.create(
            "interaction",
            s.InteractionIn(
                channel="wechat",
                direction="inbound",
                contact_id=contact["id"],
                text="上周的货又晚了三天，物流延迟太严重了",
            ),
        )
        clock.advance(hours=1)
        svc.update("contact", contact["id"], PATCH_SCHEMAS["contact"](version=1, title="总经理"))
    with service("sales", clock) as svc:
        contact_timeline = svc.timeline("contact", contact["id"])
        account_timeline = svc.timeline("account", account["id"])
    assert [e["event_type"] for e in contact_timeline] == [
        "contact.updated",
        "interaction.received",
        "contact.created",
    ]
    assert contact_timeline[0]["payload"]["changes"] == {"title": [None, "总经理"]}
    assert {e["actor_kind"] for e in contact_timeline} == {"user"}
    assert [e["event_type"] for e in account_timeline] == [
        "contact.updated",
        "interaction.received",
        "contact.created",
        "account.created",
    ]


def test_failed_unit_of_work_leaves_no_record_and_no_event(
    container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        user = uow.session.get(type(workspace.users["admin"]), workspace.users["admin"].id)
        assert user is not None
        svc = RecordService(uow, principal_for_user(uow.session, user))
        svc.create("account", s.AccountIn(name="never committed"))
        # leaving the block without commit() rolls everything back
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(m.Account)) == 0
        assert uow.session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_every_committed_change_has_exactly_one_outbox_event(
    service: Any, container: Container
) -> None:
    with service() as svc:
        account = svc.create("account", s.AccountIn(name="Acme"))
        svc.update("account", account["id"], PATCH_SCHEMAS["account"](version=1, city="上海"))
        svc.update("account", account["id"], PATCH_SCHEMAS["account"](version=2, city="上海"))
        svc.delete("account", account["id"], 2)
    with container.uow() as uow:
        rows = uow.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
        assert [r.type for r in rows] == ["account.created", "account.updated", "account.deleted"]
        assert len({r.event_id for r in rows}) == 3
    assert _check_payload_schemas(container) == {
        "account.created",
        "account.updated",
        "account.deleted",
    }


def test_concurrent_ticket_creation_never_reuses_a_number(
    container: Container, workspace: Workspace
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def open_ticket(i: int) -> str:
        with container.uow() as uow:
            user = uow.session.get(type(workspace.users["service"]), workspace.users["service"].id)
            assert user is not None
            svc = RecordService(uow, principal_for_user(uow.session, user))
            number = svc.create("ticket", s.TicketIn(subject=f"issue {i}"))["number"]
            uow.commit()
            return str(number)

    with ThreadPoolExecutor(max_workers=4) as pool:
        numbers = list(pool.map(open_ticket, range(12)))
    assert sorted(numbers) == [f"T-{i:06d}" for i in range(1, 13)]
