"""Gateway.execute against a real database: validation, delegated authorisation, consent,
idempotency, failures inside a savepoint, and what the decision record keeps."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel
from sqlalchemy import func, select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.models import OutboxEvent
from kith.gateway.contracts import ConsentDecision, Factor, Rationale
from kith.gateway.decisions import record_decision
from kith.gateway.gateway import Gateway
from kith.gateway.models import DecisionRecord, OutboundMessage
from kith.gateway.registry import REGISTRY, Subject, ToolContext, ToolRegistry, tool
from tests.conftest import Workspace

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def run(container: Container, workspace: Workspace) -> Callable[..., Any]:
    """Run ``fn(uow, principals)`` in one unit of work and commit, like an API request."""

    def _run(fn: Callable[[UnitOfWork, dict[str, Principal]], Any]) -> Any:
        with container.uow() as uow:
            principals = {
                role: principal_for_user(uow.session, uow.session.get(User, user.id))  # type: ignore[arg-type]
                for role, user in workspace.users.items()
            }
            out = fn(uow, principals)
            uow.commit()
            return out

    return _run


@contextmanager
def read(container: Container) -> Iterator[UnitOfWork]:
    with container.uow() as uow:
        yield uow


def agent_like(principal: Principal, name: str = "Sales agent") -> Principal:
    """An agent principal with the given role's rights (the agents context builds real ones)."""
    return replace(principal, kind="agent", id="a" * 32, name=name, user_id=None)


def count(uow: UnitOfWork, model: Any, *where: Any) -> int:
    return int(uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def _pipeline_and_deal(uow: UnitOfWork, admin: Principal, owner_id: str) -> tuple[str, str]:
    records = RecordService(uow, admin, lambda: T0)
    pipeline = records.create("pipeline", s.PipelineIn(name="Sales", is_default=True))["id"]
    for i, (name, probability) in enumerate([("Qualify", 10), ("方案演示", 40)]):
        uow.session.add(
            m.PipelineStage(
                tenant_id=admin.tenant_id,
                pipeline_id=pipeline,
                name=name,
                probability=probability,
                kind="open",
                position=i,
            )
        )
    uow.session.flush()
    deal = records.create("deal", s.DealIn(name="Fleet 2026", owner_id=owner_id))["id"]
    return pipeline, deal


def test_invalid_arguments_are_refused_with_paths_and_recorded(
    run: Callable[..., Any], container: Container
) -> None:
    result = run(
        lambda uow, p: Gateway().execute(
            uow,
            p["sales"],
            "tasks.create",
            {"subject": "", "due_at": "tomorrow", "colour": "red"},
            purpose="sales",
        )
    )
    assert result.status == "refused"
    locs = {tuple(e["loc"]) for e in result.errors}
    assert locs == {("args", "subject"), ("args", "due_at"), ("args", "colour")}
    with read(container) as uow:
        decision = uow.session.get(DecisionRecord, result.decision_id)
        assert decision is not None and decision.status == "refused"
        assert {tuple(e["loc"]) for e in decision.errors} == locs
        assert count(uow, m.Activity) == 0


def test_unknown_tools_and_foreign_purposes_are_refused(run: Callable[..., Any]) -> None:
    unknown = run(lambda uow, p: Gateway().execute(uow, p["sales"], "nope.x", {}, purpose="sales"))
    assert (unknown.status, unknown.reason) == ("refused", "no tool named 'nope.x'")
    wrong = run(
        lambda uow, p: Gateway().execute(
            uow,
            p["sales"],
            "campaigns.enroll",
            {"campaign": "x", "contact_id": "0" * 32},
            purpose="sales",
        )
    )
    assert wrong.status == "refused" and "not purpose 'sales'" in (wrong.reason or "")


def test_agent_for_a_user_who_cannot_update_the_deal_is_refused(
    run: Callable[..., Any], container: Container, workspace: Workspace
) -> None:
    sales2 = workspace.users["sales2"].id
    _, deal_id = run(lambda uow, p: _pipeline_and_deal(uow, p["admin"], sales2))

    def move_for(role: str) -> Any:
        def call(uow: UnitOfWork, p: dict[str, Principal]) -> Any:
            agent = agent_like(p["admin"])  # its own role could update any deal
            args = {"deal_id": deal_id, "stage_name": "方案演示"}
            return Gateway().execute(
                uow, agent, "deals.update_stage", args, purpose="sales", on_behalf_of=p[role]
            )

        return call

    refused = run(move_for("sales"))  # "sales" may update only their own deals
    assert refused.status == "refused"
    assert "outside your record scope" in (refused.reason or "")
    with read(container) as uow:
        deal = uow.session.get(m.Deal, deal_id)
        assert deal is not None and deal.version == 1
        decision = uow.session.get(DecisionRecord, refused.decision_id)
        assert decision is not None
        assert (decision.actor_kind, decision.actor_name) == ("agent", "Sales agent")
        assert decision.on_behalf_of_id == workspace.users["sales"].id
        assert decision.subject_type == "deal" and decision.subject_id == deal_id

    executed = run(move_for("sales2"))  # the deal's owner may
    assert executed.status == "executed", executed.reason
    assert executed.output["stage_name"] == "方案演示"


class _DenyMarketing:
    def check(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
    ) -> ConsentDecision:
        if purpose == "marketing":
            return ConsentDecision(False, "marketing consent withdrawn", "consent:marketing/email")
        return ConsentDecision(True, "granted", "legal:service")

    decide = check


def test_consent_refusal_is_recorded_with_its_reason(
    run: Callable[..., Any], container: Container
) -> None:
    def setup(uow: UnitOfWork, p: dict[str, Principal]) -> str:
        records = RecordService(uow, p["admin"])
        contact: str = records.create("contact", s.ContactIn(name="王芳", email="wf@a.cn"))["id"]
        records.create(
            "interaction", s.InteractionIn(channel="email", direction="inbound", contact_id=contact)
        )
        return contact

    contact_id = run(setup)
    gateway = Gateway(consent=_DenyMarketing())
    args = {"channel": "email", "contact_id": contact_id, "subject": "春季优惠", "body": "..."}
    refused = run(
        lambda uow, p: gateway.execute(
            uow, p["marketing"], "messages.send", args, purpose="marketing"
        )
    )
    sent = run(
        lambda uow, p: gateway.execute(uow, p["service"], "messages.send", args, purpose="service")
    )
    assert refused.status == "refused"
    assert refused.reason == "no consent: marketing consent withdrawn"
    assert sent.status == "executed", sent.reason
    with read(container) as uow:
        decision = uow.session.get(DecisionRecord, refused.decision_id)
        assert decision is not None
        assert decision.consent_allowed is False
        assert decision.consent_basis == "consent:marketing/email"
        assert decision.contact_id == contact_id
        assert count(uow, OutboundMessage) == 1


def test_the_default_consent_hook_is_the_ledger_and_says_why_it_allows(
    run: Callable[..., Any], container: Container
) -> None:
    result = run(
        lambda uow, p: Gateway().execute(
            uow, p["sales"], "tasks.create", {"subject": "回访"}, purpose="sales"
        )
    )
    with read(container) as uow:
        decision = uow.session.get(DecisionRecord, result.decision_id)
        assert decision is not None
        assert decision.consent_allowed is True
        assert decision.consent_basis == "not_required:no_channel"
        assert decision.consent_reason == "sales: nothing is sent to the person; no consent needed"


def test_an_idempotency_key_runs_the_tool_once_per_principal(
    run: Callable[..., Any], container: Container
) -> None:
    def task(role: str, subject: str = "follow up") -> Callable[..., Any]:
        return lambda uow, p: Gateway().execute(
            uow,
            p[role],
            "tasks.create",
            {"subject": subject},
            purpose="sales",
            idempotency_key="retry-1",
        )

    first = run(task("sales"))
    again = run(task("sales"))
    other_principal = run(task("sales2"))
    other_args = run(task("sales", "something else"))
    assert first.status == "executed"
    assert again.status == "duplicate" and again.output == first.output
    assert first.decision_id in (again.reason or "")
    assert other_principal.status == "executed"
    assert other_args.status == "refused" and other_args.errors[0]["loc"] == ["idempotency_key"]
    with read(container) as uow:
        assert count(uow, m.Activity) == 2


class ExplodeIn(BaseModel):
    name: str


class ExplodeOut(BaseModel):
    id: str


@pytest.fixture
def failing_gateway() -> Gateway:
    """A gateway whose only extra tool writes a record and then fails."""
    registry = ToolRegistry()
    for spec in REGISTRY:
        registry.register(spec)

    @tool("tests.explode", purposes=("sales",), touches=("account",), registry=registry)
    def explode(ctx: ToolContext, args: ExplodeIn) -> ExplodeOut:
        ctx.records.create("account", s.AccountIn(name=args.name))
        raise RuntimeError("the ERP did not answer")

    return Gateway(registry=registry)


def test_a_failing_tool_leaves_no_trace_but_its_decision(
    run: Callable[..., Any], container: Container, failing_gateway: Gateway
) -> None:
    result = run(
        lambda uow, p: failing_gateway.execute(
            uow, p["sales"], "tests.explode", {"name": "Half-written Ltd"}, purpose="sales"
        )
    )
    assert result.status == "failed"
    assert result.reason == "RuntimeError: the ERP did not answer"
    with read(container) as uow:
        assert count(uow, m.Account) == 0
        assert count(uow, OutboxEvent, OutboxEvent.type == "account.created") == 0
        decision = uow.session.get(DecisionRecord, result.decision_id)
        assert decision is not None and decision.status == "failed"
        audit = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "decision.recorded")
        ).all()
        assert [a.detail["decision_id"] for a in audit] == [result.decision_id]


def test_a_caller_that_rolls_back_undoes_the_call_and_its_decision(
    container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        user = uow.session.get(User, workspace.users["sales"].id)
        assert user is not None
        principal = principal_for_user(uow.session, user)
        result = Gateway().execute(
            uow, principal, "tasks.create", {"subject": "x"}, purpose="sales"
        )
        assert result.status == "executed"
        uow.rollback()
    with read(container) as uow:
        assert count(uow, m.Activity) == 0
        assert count(uow, DecisionRecord) == 0


def test_the_decision_record_keeps_who_why_and_a_masked_snapshot(
    run: Callable[..., Any], container: Container, workspace: Workspace
) -> None:
    def setup(uow: UnitOfWork, p: dict[str, Principal]) -> tuple[str, str]:
        records = RecordService(uow, p["admin"])
        account = records.create("account", s.AccountIn(name="顺达物流"))["id"]
        contact = records.create(
            "contact", s.ContactIn(name="张伟", account_id=account, owner_id=p["sales"].user_id)
        )["id"]
        return account, contact

    account_id, contact_id = run(setup)
    rationale = Rationale(
        engine="rules",
        engine_version="churn-2026.03",
        summary="客户张伟(13812345678)三次投诉，建议回访",
        factors=(
            Factor("complaints_30d", 3, 0.45, "three complaints"),
            Factor("nps", 4, -0.2),
        ),
        confidence=0.82,
        threshold=0.6,
        inputs={"email": "zhang.wei@shunda.cn"},
    )

    def call(uow: UnitOfWork, p: dict[str, Principal]) -> Any:
        return Gateway(clock=lambda: T0).execute(
            uow,
            agent_like(p["manager"], "Service agent"),
            "notes.add",
            {"contact_id": contact_id, "body": "回访：手机13812345678，身份证110101199003071234"},
            purpose="service",
            on_behalf_of=p["sales"],
            trigger_event_id="e" * 32,
            rationale=rationale,
        )

    result = run(call)
    assert result.status == "executed", result.reason
    with read(container) as uow:
        d = uow.session.get(DecisionRecord, result.decision_id)
        assert d is not None
        assert (d.actor_kind, d.actor_name) == ("agent", "Service agent")
        assert (d.on_behalf_of_id, d.on_behalf_of_name) == (
            workspace.users["sales"].id,
            workspace.users["sales"].name,
        )
        assert d.trigger_event_id == "e" * 32
        assert (d.tool, d.purpose, d.status, d.at) == ("notes.add", "service", "executed", T0)
        assert d.args["body"] == "回访：手机138****5678，身份证110***********1234"
        assert d.subject_type == "activity" and d.subject_id == result.output["id"]
        assert (d.contact_id, d.account_id) == (contact_id, account_id)
        assert d.rationale is not None
        assert d.rationale["summary"] == "客户张伟(138****5678)三次投诉，建议回访"
        assert d.rationale["inputs"] == {"email": "z***@shunda.cn"}
        assert [(f["name"], f["contribution"]) for f in d.rationale["factors"]] == [
            ("complaints_30d", 0.45),
            ("nps", -0.2),
        ]
        assert (d.rationale["confidence"], d.rationale["threshold"]) == (0.82, 0.6)
        assert (d.risk_level, d.risk_rule_id) == ("low", None)
        assert d.output is not None and d.output["id"] == result.output["id"]
        assert d.output["subject"] == "回访：手机138****5678，身份证110***********1234"


def test_decisions_without_action_are_recorded_too(
    run: Callable[..., Any], container: Container
) -> None:
    def decide(uow: UnitOfWork, p: dict[str, Principal]) -> str:
        _, deal_id = _pipeline_and_deal(uow, p["admin"], p["sales"].user_id or "")
        return record_decision(
            uow,
            agent_like(p["manager"]),
            rationale=Rationale("model:win", "3", "win probability 0.12 below 0.3: no follow-up"),
            subject=Subject("deal", deal_id),
            purpose="sales",
        )

    decision_id = run(decide)
    with read(container) as uow:
        d = uow.session.get(DecisionRecord, decision_id)
        assert d is not None
        assert (d.status, d.tool, d.subject_type) == ("no_action", None, "deal")
        assert d.reason == "win probability 0.12 below 0.3: no follow-up"
        assert d.rationale is not None and d.rationale["engine"] == "model:win"
