"""The templates validate for an administrator and run on a
constructed case: routing by skill and load, the cross-border hold with a compliance
approval, the renewal reminder (a date-field wait, the churn score choosing the
channel), complaint escalation with an approval for compensation, and the dispatch
recommendation of a proposed work order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.principal import Principal
from kith.container import Container
from kith.crm.models import FieldDefinition, PipelineStage
from kith.crm.schemas import (
    ContactIn,
    DealIn,
    InteractionIn,
    OrderIn,
    PipelineIn,
    ProductIn,
    TicketIn,
)
from kith.crm.service import RecordService
from kith.flows.jobs import fire_due
from kith.flows.models import FlowRun, FlowStep
from kith.flows.service import drive
from kith.flows.templates import NAMES, template
from kith.flows.validate import validate_definition
from kith.gateway.approvals import ApprovalService
from kith.gateway.gateway import gateway_of
from kith.gateway.models import Coupon
from kith.intelligence.models import Score
from tests.conftest import Workspace
from tests.integration.flows_support import NOW, Clock, Pump, principal, publish


def _path(container: Container, flow_key_run: str) -> list[str]:
    with container.uow() as uow:
        steps = uow.session.scalars(
            select(FlowStep).where(FlowStep.run_id == flow_key_run).order_by(FlowStep.seq)
        ).all()
        return [s.node_id for s in steps]


def _runs(container: Container) -> list[FlowRun]:
    with container.uow() as uow:
        runs = list(uow.session.scalars(select(FlowRun).order_by(FlowRun.started_at, FlowRun.id)))
        uow.session.expunge_all()
        return runs


def _create(container: Container, who: Principal, clock: Clock, kind: str, data: Any) -> str:
    with container.uow() as uow:
        record = RecordService(uow, who, clock).create(kind, data)
        uow.commit()
        return str(record["id"])


@pytest.mark.parametrize("name", NAMES)
def test_every_template_validates(container: Container, workspace: Workspace, name: str) -> None:
    admin = principal(container, workspace.users["admin"])
    with container.uow() as uow:
        validate_definition(template(name), admin)
        assert uow.session is not None


def test_ticket_routing_by_skill_and_load(container: Container, workspace: Workspace) -> None:
    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    publish(container, admin, clock, template("ticket_routing"))
    pump = Pump(container, clock)
    pump.skip_existing()
    busy = workspace.users["sales"].id  # already has an open ticket
    _create(container, admin, clock, "ticket", TicketIn(subject="Old", assignee_id=busy))
    pump.run()  # that ticket was assigned: not routed
    billing = _create(
        container, admin, clock, "ticket", TicketIn(subject="发票抬头错误", category="发票")
    )
    battery = _create(
        container, admin, clock, "ticket", TicketIn(subject="续航缩水", category="battery")
    )
    pump.run()
    with container.uow() as uow:
        service = RecordService(uow, admin, clock)
        assert service.get("ticket", battery)["assignee_id"] == workspace.users["service"].id
        assigned = service.get("ticket", billing)["assignee_id"]
        assert assigned in (workspace.users["sales2"].id, workspace.users["sales3"].id)
    runs = _runs(container)
    assert len(runs) == 2 and {r.status for r in runs} == {"completed"}


def test_cross_border_order_is_held_until_compliance_approves(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    publish(container, admin, clock, template("cross_border_compliance"))
    pump = Pump(container, clock)
    pump.skip_existing()
    product = _create(container, admin, clock, "product", ProductIn(sku="EV-1", name="Battery"))

    def order(number: str, currency: str, price: str) -> str:
        line = {"product_id": product, "quantity": 1, "unit_price": price}
        return _create(
            container,
            admin,
            clock,
            "order",
            OrderIn(number=number, currency=currency, lines=[line]),
        )

    order("SO-1", "CNY", "50000")  # domestic: no run
    order("SO-2", "USD", "120")  # small: cleared
    big = order("SO-3", "USD", "25000")
    pump.run()
    runs = {r.context["event"]["subject_id"]: r for r in _runs(container)}
    assert len(runs) == 2
    held = runs[big]
    assert held.status == "waiting" and held.wait_kind == "approval"
    with container.uow() as uow:
        manager = principal(container, workspace.users["manager"])
        ApprovalService(gateway_of(container), uow, manager).approve(str(held.wait_key), "ok")
        uow.commit()
    pump.run()
    assert _path(container, held.id) == ["start", "check", "hold", "ask_compliance", "released"]
    small = next(r for k, r in runs.items() if k != big)
    assert _path(container, small.id) == ["start", "check", "cleared"]


def test_renewal_reminder_waits_for_the_date_and_the_churn_score_picks_a_call(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    with container.uow() as uow:
        uow.session.add(
            FieldDefinition(
                tenant_id=workspace.tenant_id,
                object_type="deal",
                name="contract_end",
                type="date",
                label_en="Contract end",
            )
        )
        uow.commit()
    publish(container, admin, clock, template("renewal_reminders"))
    contact = _create(container, admin, clock, "contact", ContactIn(name="王芳"))
    pipeline = _create(
        container, admin, clock, "pipeline", PipelineIn(name="Sales", is_default=True)
    )
    with container.uow() as uow:
        uow.session.add(
            PipelineStage(
                tenant_id=workspace.tenant_id,
                pipeline_id=pipeline,
                name="Qualify",
                probability=10,
                kind="open",
                position=0,
            )
        )
        uow.commit()
    end = (NOW + timedelta(days=90)).date().isoformat()
    deal = _create(
        container,
        admin,
        clock,
        "deal",
        DealIn(name="Fleet 2027", contact_id=contact, custom={"contract_end": end}),
    )
    with container.uow() as uow:
        uow.session.add(
            Score(
                tenant_id=workspace.tenant_id,
                object_type="contact",
                record_id=contact,
                kind="churn",
                score=0.81,
                band="high",
                model_version="churn@1",
            )
        )
        uow.commit()
    pump = Pump(container, clock)
    with container.uow() as uow:
        from tests.integration.flows_support import service

        run = service(uow, admin, container, clock).start(
            "renewal_reminders", {"subject_id": deal, "subject_type": "deal"}
        )
        uow.commit()
        run_id = run.id
    drive(container, run_id, pump.engine)
    [waiting] = _runs(container)
    assert waiting.status == "waiting" and waiting.due_at is not None
    assert waiting.due_at.date().isoformat() == (NOW + timedelta(days=60)).date().isoformat()
    clock.advance(days=61)
    with container.uow() as uow:
        assert fire_due(uow, workspace.tenant_id, clock()) == 1
        uow.commit()
    drive(container, run_id, pump.engine)
    path = _path(container, run_id)
    assert path[-4:] == ["churn", "channel", "call_task", "reminded"]
    with container.uow() as uow:
        [step] = uow.session.scalars(
            select(FlowStep).where(FlowStep.run_id == run_id, FlowStep.node_id == "channel")
        ).all()
        assert step.branch is not None and step.branch["value"] is True
    [done] = _runs(container)
    assert done.status == "completed"


def test_complaint_escalation_compensates_only_after_approval(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    publish(container, admin, clock, template("complaint_escalation"))
    pump = Pump(container, clock)
    pump.skip_existing()
    contact = _create(container, admin, clock, "contact", ContactIn(name="李雷"))
    angry = "刹车失灵，太危险了！非常生气，要投诉！"
    _create(
        container,
        admin,
        clock,
        "interaction",
        InteractionIn(channel="wechat", direction="inbound", contact_id=contact, text=angry),
    )
    _create(
        container,
        admin,
        clock,
        "interaction",
        InteractionIn(
            channel="wechat", direction="inbound", contact_id=contact, text="谢谢，服务很好"
        ),
    )
    pump.run()
    runs = _runs(container)
    assert len(runs) == 2
    escalated = next(r for r in runs if r.status == "waiting")
    calm = next(r for r in runs if r.status == "completed")
    assert _path(container, calm.id)[-1] == "calm"
    with container.uow() as uow:
        assert uow.session.scalars(select(Coupon)).all() == []  # nothing before approval
        manager = principal(container, workspace.users["manager"])
        ApprovalService(gateway_of(container), uow, manager).approve(str(escalated.wait_key), "ok")
        uow.commit()
    pump.run()
    assert _path(container, escalated.id) == [
        "start",
        "read",
        "severe",
        "ticket",
        "tell_manager",
        "compensate",
        "voucher",
        "compensated",
    ]
    with container.uow() as uow:
        [coupon] = uow.session.scalars(select(Coupon)).all()
        assert coupon.contact_id == contact


def test_work_order_dispatch_ranks_a_proposed_order_and_tells_the_owner(
    container: Container, workspace: Workspace
) -> None:
    """The dispatch template: a proposed order is ranked through ``dispatch.recommend``
    (its decision record keeps the explained ranking) and the owner is told who comes
    first; an order nobody can take says so."""
    from kith.bootstrap import wire_services
    from kith.demo.fieldservice import seed_field_resources
    from kith.fieldservice.schemas import WorkOrderIn
    from kith.fieldservice.service import FieldService
    from kith.gateway.models import DecisionRecord, Notification

    clock = Clock()
    container.clock = clock  # the gateway ranks at the test's "now"
    wire_services(container)
    admin = principal(container, workspace.users["admin"])
    seed_field_resources(container, workspace.tenant_id, clock())
    publish(container, admin, clock, template("work_order_dispatch"))
    pump = Pump(container, clock)
    pump.skip_existing()
    site = {
        "kind": "installation",
        "title": "Install",
        "asset_kind": "serial",
        "address": "上海市浦东新区张江路 188 号",
        "region": "上海",
        "lat": 31.2050,
        "lon": 121.5900,
        "window_start": clock() + timedelta(days=1),
        "window_end": clock() + timedelta(days=1, hours=8),
        "duration_min": 60,
    }
    with container.uow() as uow:
        fields = FieldService(uow, admin, clock)
        ranked = fields.create_work_order(
            WorkOrderIn.model_validate({**site, "asset_serial": "SN-FLOW-1"})
        )
        nobody = fields.create_work_order(
            WorkOrderIn.model_validate(
                {**site, "asset_serial": "SN-FLOW-2", "required_skills": ["underwater_welding"]}
            )
        )
        uow.commit()
    pump.run()
    runs = {r.context["event"]["subject_id"]: r for r in _runs(container)}
    assert _path(container, runs[ranked.id].id)[-3:] == ["anyone", "tell_ranked", "ranked"]
    assert _path(container, runs[nobody.id].id)[-3:] == ["anyone", "tell_nobody", "nobody"]
    assert {r.status for r in runs.values()} == {"completed"}
    with container.uow() as uow:
        decisions = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.tool == "dispatch.recommend")
        ).all()
        assert {d.subject_id for d in decisions} == {ranked.id, nobody.id}
        titles = uow.session.scalars(
            select(Notification.title).where(Notification.user_id == admin.user_id)
        ).all()
    assert any("ready to assign" in t for t in titles)
    assert any("No engineer is eligible" in t for t in titles)
