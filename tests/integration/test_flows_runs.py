"""Flows through the service layer and the real consumer on SQLite and PostgreSQL: a
published flow starts on a matching event, waits as a row, fires on time, calls tools
through the gateway with arguments from expressions, asks for approval through the
gateway's approval mechanism, and every run says the path it took."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from kith.container import Container
from kith.core.errors import ValidationFailed
from kith.crm.schemas import TicketIn
from kith.crm.service import RecordService
from kith.flows.jobs import fire_due
from kith.flows.models import FlowRun, FlowStep
from kith.gateway.approvals import ApprovalService
from kith.gateway.gateway import gateway_of
from kith.gateway.models import DecisionRecord, Notification
from tests.conftest import Workspace
from tests.integration.flows_support import (
    Clock,
    Pump,
    principal,
    publish,
    s1_escalation,
    service,
)


def _ticket(container: Container, who: Any, clock: Clock, severity: str) -> str:
    with container.uow() as uow:
        record = RecordService(uow, who, clock).create(
            "ticket", TicketIn(subject=f"Printer on fire ({severity})", severity=severity)
        )
        uow.commit()
        return str(record["id"])


def test_s1_ticket_without_response_is_escalated_after_two_hours(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    manager = principal(container, workspace.users["admin"])  # owner: reaches every ticket
    publish(container, manager, clock, s1_escalation(workspace.users["manager"].id))
    pump = Pump(container, clock)
    pump.skip_existing()
    agent = principal(container, workspace.users["service"])
    s1 = _ticket(container, agent, clock, "s1")
    _ticket(container, agent, clock, "s3")  # filtered out: no run
    pump.run()
    with container.uow() as uow:
        runs = uow.session.scalars(select(FlowRun)).all()
        assert [(r.status, r.wait_kind) for r in runs] == [("waiting", "event")]
        assert runs[0].wait_reason == "waits for ticket.updated (at most 2h)"
        run_id = runs[0].id
    clock.advance(hours=1, minutes=59)
    with container.uow() as uow:
        assert fire_due(uow, workspace.tenant_id, clock()) == 0
    clock.advance(minutes=2)
    with container.uow() as uow:
        assert fire_due(uow, workspace.tenant_id, clock()) == 1
        uow.commit()
    pump.run()
    with container.uow() as uow:
        flows = service(uow, manager, container, clock)
        run, steps = flows.run(run_id)
        assert run.status == "completed"
        path = [(s.node_id, s.status, s.next_node) for s in steps]
        assert path == [
            ("start", "completed", "wait_response"),
            ("wait_response", "completed", "escalate"),
            ("escalate", "completed", "tell_manager"),
            ("tell_manager", "completed", "escalated"),
            ("escalated", "completed", None),
        ]
        escalate = steps[2]
        assert escalate.input is not None and escalate.input["ticket_id"] == s1
        decision = uow.session.get(DecisionRecord, escalate.decision_id)
        assert decision is not None and decision.tool == "tickets.escalate"
        assert decision.status == "executed"
        note = uow.session.scalars(
            select(Notification).where(Notification.user_id == workspace.users["manager"].id)
        ).all()
        assert any("S1 ticket escalated: Printer on fire (s1)" in n.title for n in note)


def test_an_answered_ticket_ends_the_wait_without_escalation(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    manager = principal(container, workspace.users["admin"])  # owner: reaches every ticket
    publish(container, manager, clock, s1_escalation(workspace.users["manager"].id))
    pump = Pump(container, clock)
    pump.skip_existing()
    agent = principal(container, workspace.users["service"])
    other = _ticket(container, agent, clock, "s1")
    mine = _ticket(container, agent, clock, "s1")
    pump.run()
    clock.advance(minutes=30)
    with container.uow() as uow:
        from kith.crm.specs import PATCH_SCHEMAS

        RecordService(uow, agent, clock).update(
            "ticket", mine, PATCH_SCHEMAS["ticket"](version=1, status="open")
        )
        uow.commit()
    pump.run()
    with container.uow() as uow:
        runs = {
            r.context["event"]["subject_id"]: r for r in uow.session.scalars(select(FlowRun)).all()
        }
        assert runs[mine].status == "completed"
        assert runs[other].status == "waiting"  # the match is per ticket
        steps = uow.session.scalars(
            select(FlowStep).where(FlowStep.run_id == runs[mine].id).order_by(FlowStep.seq)
        ).all()
        assert [s.node_id for s in steps] == ["start", "wait_response", "done"]


def _approval_flow() -> dict[str, Any]:
    return {
        "key": "compensation",
        "name": "Compensation approval",
        "nodes": [
            {"id": "start", "kind": "trigger", "on": "manual", "next": "big"},
            {
                "id": "big",
                "kind": "condition",
                "when": "int(event.payload.amount) > 200",
                "then": "ask",
                "else": "small",
            },
            {
                "id": "ask",
                "kind": "approval",
                "question": "Compensate this customer?",
                "timeout": "1d",
                "on_approved": "yes",
                "on_rejected": "no",
            },
            {"id": "yes", "kind": "end", "outcome": "compensated"},
            {"id": "no", "kind": "end", "outcome": "refused"},
            {"id": "small", "kind": "end", "outcome": "small"},
        ],
    }


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_approval_node_waits_for_a_person_through_the_gateway(
    container: Container, workspace: Workspace, decide: str
) -> None:
    clock = Clock()
    manager = principal(container, workspace.users["manager"])
    publish(container, manager, clock, _approval_flow())
    pump = Pump(container, clock)
    with container.uow() as uow:
        run = service(uow, manager, container, clock).start("compensation", {"amount": 500})
        pump.engine.advance(uow, run)
        uow.commit()
        run_id = run.id
    with container.uow() as uow:
        run = uow.session.get(FlowRun, run_id)
        assert run is not None and run.status == "waiting" and run.wait_kind == "approval"
        steps = uow.session.scalars(select(FlowStep).where(FlowStep.run_id == run_id)).all()
        branch = next(s for s in steps if s.node_id == "big").branch
        assert branch == {"when": "int(event.payload.amount) > 200", "value": True}
        approval_id = run.wait_key
    pump.skip_existing()
    admin = principal(container, workspace.users["admin"])
    with container.uow() as uow:
        approvals = ApprovalService(gateway_of(container), uow, admin)
        if decide == "approve":
            approvals.approve(str(approval_id), "ok")
        else:
            approvals.reject(str(approval_id), "too much")
        uow.commit()
    pump.run()
    with container.uow() as uow:
        run = uow.session.get(FlowRun, run_id)
        assert run is not None and run.status == "completed"
        last = uow.session.scalars(
            select(FlowStep).where(FlowStep.run_id == run_id).order_by(FlowStep.seq.desc())
        ).first()
        assert last is not None
        assert last.node_id == ("yes" if decide == "approve" else "no")


def test_a_redelivered_event_starts_no_second_run_and_no_tool_runs_twice(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    manager = principal(container, workspace.users["admin"])
    definition = s1_escalation(workspace.users["manager"].id)
    definition["nodes"][0]["next"] = "escalate"  # no wait: straight to the tools
    definition["nodes"] = [
        n for n in definition["nodes"] if n["id"] not in ("wait_response", "done")
    ]
    publish(container, manager, clock, definition)
    pump = Pump(container, clock)
    pump.skip_existing()
    start = pump.seq
    _ticket(container, principal(container, workspace.users["service"]), clock, "s1")
    pump.run()
    pump.seq = start  # the bus delivers everything again (at least once)
    pump.runner = Pump(container, clock).runner  # a fresh runner: only the marks protect
    pump.run()
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(FlowRun)) == 1
        escalations = uow.session.scalar(
            select(func.count())
            .select_from(DecisionRecord)
            .where(DecisionRecord.tool == "tickets.escalate", DecisionRecord.status == "executed")
        )
        assert escalations == 1


def test_validation_lists_every_problem_with_its_path_and_publishes_nothing(
    container: Container, workspace: Workspace
) -> None:
    clock = Clock()
    manager = principal(container, workspace.users["manager"])
    bad = {
        "key": "broken",
        "name": "Broken",
        "nodes": [
            {"id": "start", "kind": "trigger", "event_type": "ticket.created", "next": "a"},
            {"id": "a", "kind": "condition", "when": "event.payload.x >", "then": "b", "else": "c"},
            {"id": "b", "kind": "tool", "tool": "tickets.teleport", "args": {}, "next": "a"},
            {
                "id": "c",
                "kind": "tool",
                "tool": "tickets.escalate",
                "args": {"ticket_id": "=event.subject_id", "assignee": "x"},
                "next": "d",
            },
            {"id": "d", "kind": "wait", "until_event": {"type": "ticket.updated"}, "next": "c"},
            {"id": "e", "kind": "end"},
        ],
    }
    with container.uow() as uow:
        flows = service(uow, manager, container, clock)
        with pytest.raises(ValidationFailed) as caught:
            flows.validate(bad)
        paths = {".".join(map(str, e.path)): e.message for e in caught.value.errors}
        assert "nodes.1.when" in paths  # does not compile
        assert "nodes.2.tool" in paths and "no tool named" in paths["nodes.2.tool"]
        assert "nodes.3.args.assignee" in paths  # not an argument of the tool
        assert "nodes.3.args.reason" in paths  # required
        assert "nodes.4.timeout" in paths  # a wait without timeout
        assert "nodes.5" in paths  # unreachable
        flows.save_draft(bad)
        with pytest.raises(ValidationFailed):
            flows.publish("broken")
        uow.commit()
    with container.uow() as uow:
        _, versions = service(uow, manager, container, clock).get("broken")
        assert [v.status for v in versions] == ["draft"]


def test_a_cycle_without_a_wait_is_refused(container: Container, workspace: Workspace) -> None:
    clock = Clock()
    manager = principal(container, workspace.users["manager"])
    loop = {
        "key": "loop",
        "name": "Loop",
        "nodes": [
            {"id": "start", "kind": "trigger", "on": "manual", "next": "a"},
            {"id": "a", "kind": "condition", "when": "true", "then": "b", "else": "z"},
            {"id": "b", "kind": "branch", "cases": [{"when": "true", "next": "a"}], "default": "z"},
            {"id": "z", "kind": "end"},
        ],
    }
    with container.uow() as uow:
        with pytest.raises(ValidationFailed) as caught:
            service(uow, manager, container, clock).validate(loop)
        [error] = caught.value.errors
        assert error.path == ["nodes", 1] and "a → b → a" in error.message


def test_a_tool_the_owner_may_not_use_is_refused(
    container: Container, workspace: Workspace
) -> None:
    from kith.flows.validate import validate_definition

    analyst = principal(container, workspace.users["analyst"])
    definition = s1_escalation(workspace.users["manager"].id)
    with pytest.raises(ValidationFailed) as caught:
        validate_definition(definition, analyst)
    paths = {".".join(map(str, e.path)) for e in caught.value.errors}
    assert "nodes.2.tool" in paths


def _fragile() -> dict[str, Any]:
    return {
        "key": "fragile",
        "name": "Fragile",
        "nodes": [
            {"id": "start", "kind": "trigger", "on": "manual", "next": "pause"},
            {"id": "pause", "kind": "wait", "duration": "1h", "next": "escalate"},
            {
                "id": "escalate",
                "kind": "tool",
                "tool": "tickets.escalate",
                "args": {"ticket_id": "=event.payload.ticket", "reason": "retry test"},
                "next": "done",
            },
            {"id": "done", "kind": "end"},
        ],
    }


def test_a_failed_run_tells_its_owner_and_a_retry_is_a_new_attempt(
    container: Container, workspace: Workspace
) -> None:
    from kith.flows.service import drive

    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    publish(container, admin, clock, _fragile())
    pump = Pump(container, clock)
    with container.uow() as uow:
        run_id = service(uow, admin, container, clock).start("fragile", {"ticket": "0" * 32}).id
        uow.commit()
    drive(container, run_id, pump.engine)
    clock.advance(hours=2)
    with container.uow() as uow:
        assert fire_due(uow, workspace.tenant_id, clock()) == 1
        uow.commit()
    drive(container, run_id, pump.engine)
    with container.uow() as uow:
        run, steps = service(uow, admin, container, clock).run(run_id)
        assert run.status == "failed" and run.cursor == "escalate"
        assert steps[-1].node_id == "escalate" and steps[-1].status == "failed"
        alerts = uow.session.scalars(
            select(Notification).where(Notification.kind == "flow_run_failed")
        ).all()
        assert [a.user_id for a in alerts] == [workspace.users["admin"].id]
        service(uow, admin, container, clock).retry(run_id)
        uow.commit()
    drive(container, run_id, pump.engine)
    with container.uow() as uow:
        run, steps = service(uow, admin, container, clock).run(run_id)
        assert run.status == "failed"
        assert [(s.node_id, s.attempt) for s in steps if s.node_id == "escalate"] == [
            ("escalate", 1),
            ("escalate", 2),
        ]
        keys = uow.session.scalars(
            select(DecisionRecord.idempotency_key).where(DecisionRecord.tool == "tickets.escalate")
        ).all()
        assert sorted(keys) == [f"flow:{run_id}:escalate:1", f"flow:{run_id}:escalate:2"]


def test_a_cancelled_waiting_run_never_runs_another_step(
    container: Container, workspace: Workspace
) -> None:
    from kith.core.errors import Conflict
    from kith.flows.service import drive

    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    publish(container, admin, clock, _fragile())
    pump = Pump(container, clock)
    with container.uow() as uow:
        run_id = service(uow, admin, container, clock).start("fragile", {"ticket": "x"}).id
        uow.commit()
    drive(container, run_id, pump.engine)
    with container.uow() as uow:
        service(uow, admin, container, clock).cancel(run_id, "not needed")
        uow.commit()
    clock.advance(hours=2)
    with container.uow() as uow:
        assert fire_due(uow, workspace.tenant_id, clock()) == 0
        with pytest.raises(Conflict):
            service(uow, admin, container, clock).cancel(run_id, "again")
        run, steps = service(uow, admin, container, clock).run(run_id)
        assert run.status == "cancelled" and [s.node_id for s in steps] == ["start", "pause"]


def test_a_run_that_lost_its_event_is_nudged_and_its_owner_told(
    container: Container, workspace: Workspace
) -> None:
    from kith.flows.jobs import nudge_stuck

    clock = Clock()
    admin = principal(container, workspace.users["admin"])
    publish(container, admin, clock, _approval_flow())
    with container.uow() as uow:
        run_id = service(uow, admin, container, clock).start("compensation", {"amount": 1}).id
        uow.commit()  # its flow.run_started is never delivered: the run would hang
    pump = Pump(container, clock)
    pump.skip_existing()
    start = clock()
    for minutes in (5, 11, 22, 33):
        clock.at = start + timedelta(minutes=minutes)
        with container.uow() as uow:
            nudged = nudge_stuck(uow, workspace.tenant_id, clock())
            uow.commit()
        assert nudged == (0 if minutes == 5 else 1)
    with container.uow() as uow:
        alerts = uow.session.scalars(
            select(Notification).where(Notification.kind == "flow_run_stuck")
        ).all()
        assert len(alerts) == 1  # the third nudge tells the owner
    pump.run()
    with container.uow() as uow:
        run, steps = service(uow, admin, container, clock).run(run_id)
        assert run.status == "completed" and [s.node_id for s in steps][-1] == "small"
