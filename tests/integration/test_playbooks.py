"""Micro-practice units through the service layer on SQLite and PostgreSQL: capture
from a deal (pre-filled, private to its creator), the quality gate's rules, applying a
practice (tasks through the gateway), a verification point met by a committed event,
the circuit breaker stopping a practice and notifying the rep and their manager, and a
recommendation on a similar deal through the Sales agent's read tool."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kith.access import service as access
from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from kith.crm import models as m
from kith.crm import schemas as cs
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS
from kith.events.delivery import ConsumerRunner
from kith.events.envelope import Envelope
from kith.events.models import OutboxEvent
from kith.gateway.gateway import gateway_of
from kith.gateway.models import Notification
from kith.playbooks import jobs
from kith.playbooks.application import Applications
from kith.playbooks.consumer import StopNotifier, VerificationConsumer
from kith.playbooks.models import Practice, PracticeApplication
from kith.playbooks.schemas import CaptureIn, GateIn, ReviewIn, ValueConfirmationIn
from kith.playbooks.service import PracticeService
from kith.scheduling.registry import JobContext
from tests.conftest import PASSWORD, Workspace

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def _p(container: Container, user: Any) -> Principal:
    with container.uow() as uow:
        return principal_for_user(uow.session, user)


@pytest.fixture
def people(container: Container, workspace: Workspace) -> dict[str, Principal]:
    with container.uow() as uow:
        workspace.users["manager2"] = access.create_user(
            uow.session,
            workspace.tenant_id,
            email="manager2@acme.example.com",
            name="manager2",
            password=PASSWORD,
            roles=["manager"],
        )
        uow.commit()
    return {k: _p(container, u) for k, u in workspace.users.items()}


def _pipeline(svc: RecordService) -> dict[str, str]:
    pipeline = svc.create("pipeline", cs.PipelineIn(name="政府与医院", is_default=True))["id"]
    stages = {}
    for i, (name, prob, kind) in enumerate(
        [
            ("初步接触", 10, "open"),
            ("预算审批", 40, "open"),
            ("述标", 70, "open"),
            ("赢单", 100, "won"),
            ("输单", 0, "lost"),
        ]
    ):
        row = m.PipelineStage(
            tenant_id=svc.principal.tenant_id,
            pipeline_id=pipeline,
            name=name,
            probability=prob,
            kind=kind,
            position=i,
        )
        svc.uow.session.add(row)
        svc.uow.session.flush()
        stages[name] = row.id
    stages["pipeline"] = pipeline
    return stages


def _deal(svc: RecordService, name: str, industry: str, stage: str, amount: int) -> str:
    account = svc.create(
        "account", cs.AccountIn(name=f"{name} 客户", industry=industry, tier="key")
    )
    return str(
        svc.create(
            "deal", cs.DealIn(name=name, account_id=account["id"], stage_id=stage, amount=amount)
        )["id"]
    )


@pytest.fixture
def deals(container: Container, people: dict[str, Principal]) -> dict[str, str]:
    """A hospital deal of the sales rep in budget approval with what was done on it,
    a similar hospital deal of sales2, and a logistics deal."""
    with container.uow() as uow:
        admin = RecordService(uow, people["admin"], clock=lambda: NOW)
        stages = _pipeline(admin)
        uow.commit()
    out = dict(stages)
    with container.uow() as uow:
        rep = RecordService(uow, people["sales"], clock=lambda: NOW)
        out["origin"] = _deal(rep, "市一医院 影像设备", "医院", stages["预算审批"], 500_000)
        rep.create(
            "activity",
            cs.ActivityIn(kind="task", subject="同步财政资金到位证明", deal_id=out["origin"]),
        )
        rep.create(
            "activity",
            cs.ActivityIn(
                kind="meeting",
                subject="多部门联合评审会",
                deal_id=out["origin"],
                starts_at=NOW,
                ends_at=NOW + timedelta(hours=1),
            ),
        )
        rep.create(
            "activity",
            cs.ActivityIn(
                kind="note",
                subject="政策匹配度矩阵",
                body="把客户需求逐条对照采购政策",
                deal_id=out["origin"],
            ),
        )
        uow.commit()
    with container.uow() as uow:
        rep2 = RecordService(uow, people["sales2"], clock=lambda: NOW)
        out["similar"] = _deal(rep2, "区中心医院 监护仪", "医院", stages["预算审批"], 300_000)
        out["other"] = _deal(rep2, "顺达物流 车队", "物流", stages["初步接触"], 80_000)
        uow.commit()
    return out


def _svc(uow: Any, principal: Principal, at: datetime = NOW) -> PracticeService:
    return PracticeService(uow, principal, clock=lambda: at)


def _events(container: Container, kind: str) -> list[Envelope]:
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == kind).order_by(OutboxEvent.seq)
        )
        return [Envelope.from_outbox(r) for r in rows]


def _deliver(container: Container, consumer: Any, after_seq: int = 0) -> int:
    """Hand every committed event after ``after_seq`` to ``consumer`` the way the event
    runtime does (``ConsumerRunner``: its own transaction, idempotency mark)."""
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.seq > after_seq).order_by(OutboxEvent.seq)
        ).all()
        envelopes = [Envelope.from_outbox(r) for r in rows]
    ConsumerRunner(container, consumer).apply(envelopes)
    return max((e.seq for e in envelopes), default=after_seq)


def _capture(
    container: Container, principal: Principal, deal_id: str, **over: Any
) -> dict[str, Any]:
    with container.uow() as uow:
        out = _svc(uow, principal).capture(
            CaptureIn(source_id=deal_id, title="政策匹配度矩阵", overrides=over)
        )
        uow.commit()
        return out


def test_capture_from_a_deal_is_prefilled_and_private_to_its_creator(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    practice = _capture(container, people["sales"], deals["origin"])
    assert practice["state"] == "private"
    assert practice["situation"] == {
        "industry": ["hospital"],
        "stage": ["budget_approval"],
        "deal_size": ["medium"],
        "customer_type": ["key"],
    }
    assert [a["label"] for a in practice["actions"]] == ["同步财政资金到位证明", "多部门联合评审会"]
    assert "政策匹配度矩阵" in practice["summary"] and "采购政策" in practice["summary"]
    assert practice["source_type"] == "deal" and practice["source_id"] == deals["origin"]
    assert [e.subject_id for e in _events(container, "practice.created")] == [practice["id"]]
    with container.uow() as uow:
        audit = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "practice.create")
        ).all()
        assert [a.record_id for a in audit] == [practice["id"]]
        # the creator sees it; nobody else does, not even a manager or an admin
        assert [p["id"] for p in _svc(uow, people["sales"]).list()] == [practice["id"]]
        for who in ("sales2", "manager", "admin"):
            assert _svc(uow, people[who]).list() == []
            with pytest.raises(NotFound):
                _svc(uow, people[who]).get(practice["id"])


def test_capture_refuses_invalid_elements_with_field_paths(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    bad = {
        "situation": {"industry": ["hospital", "spaceships"]},
        "verification": [{"key": "x", "label": "x", "event_type": "deal.exploded"}],
        "breaker": {
            "label": "b",
            "hours": 48,
            "event_type": "activity.created",
            "condition": "event.payload.nope(",
        },
    }
    with container.uow() as uow, pytest.raises(ValidationFailed) as caught:
        _svc(uow, people["sales"]).capture(CaptureIn(source_id=deals["origin"], overrides=bad))
    paths = {tuple(e.path) for e in caught.value.errors}
    assert ("body", "situation", "industry", 1) in paths
    assert ("body", "verification", 0, "event_type") in paths
    assert ("body", "breaker", "condition") in paths
    with container.uow() as uow:
        assert uow.session.scalars(select(Practice)).all() == []
    # a deal the rep may not see cannot be captured from
    with container.uow() as uow, pytest.raises((NotFound, PermissionDenied)):
        _svc(uow, people["marketing"]).capture(CaptureIn(source_id=deals["origin"]))


def _review(
    container: Container, who: Principal, practice_id: str, verdict: str = "effective"
) -> dict[str, Any]:
    with container.uow() as uow:
        out = _svc(uow, who).review(
            practice_id, ReviewIn(verdict=verdict, comment="在两个医院项目上有效")
        )
        uow.commit()
        return out


def test_quality_gate_needs_three_senior_reviews_and_the_customers_value(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    practice = _capture(container, people["sales"], deals["origin"])
    pid = practice["id"]
    with container.uow() as uow:
        assert _svc(uow, people["sales"]).submit(pid)["state"] == "in_review"
        uow.commit()
    # in review: seniors see it, another rep does not (and so cannot review it)
    with container.uow() as uow:
        assert [p["id"] for p in _svc(uow, people["manager"]).list("in_review")] == [pid]
        with pytest.raises(NotFound):
            _svc(uow, people["sales2"]).review(
                pid, ReviewIn(verdict="effective", comment="有用有用")
            )
    _review(container, people["manager"], pid, "not_effective")
    _review(container, people["manager"], pid)  # a reviewer's later verdict replaces the first
    _review(container, people["admin"], pid)
    status = _review(container, people["manager2"], pid)
    assert status["state"] == "in_review"
    assert status["gate"]["effective_reviews"] == 3
    assert status["gate"]["missing"] == ["the customer's value confirmation"]
    assert [r["counted"] for r in status["reviews"]] == [True, True, True]
    with container.uow() as uow:
        done = _svc(uow, people["sales"]).confirm_value(
            pid,
            ValueConfirmationIn(text="方案第三版正是我们需要的", customer="市一医院 信息科主任"),
        )
        uow.commit()
    assert done["state"] == "published" and done["gate"]["passed"]
    assert [e.subject_id for e in _events(container, "practice.published")] == [pid]
    # published: everyone who reads practices sees it; only creator or senior retires it
    with container.uow() as uow:
        assert [p["id"] for p in _svc(uow, people["viewer"]).list()] == [pid]
        with pytest.raises(PermissionDenied):
            _svc(uow, people["sales2"]).retire(pid)
        assert _svc(uow, people["manager"]).retire(pid)["state"] == "retired"
        uow.commit()


def test_gate_rules_creator_and_non_senior_reviews_do_not_count(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    # a manager's own practice: the manager cannot review it
    practice = _capture(container, people["manager"], deals["origin"])
    pid = practice["id"]
    with container.uow() as uow:
        _svc(uow, people["manager"]).submit(pid)
        uow.commit()
    with container.uow() as uow, pytest.raises(PermissionDenied):
        _svc(uow, people["manager"]).review(
            pid, ReviewIn(verdict="effective", comment="我自己觉得好")
        )
    # the gate is data: with only admins senior, a manager's review no longer counts
    with container.uow() as uow:
        _svc(uow, people["admin"]).set_gate(
            GateIn(
                required_reviews=2,
                reviewer_roles=["admin", "manager"],
                require_customer_value=False,
            )
        )
        uow.commit()
    status = _review(container, people["admin"], pid)
    assert status["gate"]["effective_reviews"] == 1 and status["state"] == "in_review"
    with container.uow() as uow:
        _svc(uow, people["admin"]).set_gate(
            GateIn(required_reviews=1, reviewer_roles=["admin"], require_customer_value=False)
        )
        uow.commit()
    # managers are no longer senior: manager2 cannot even see the practice in review
    with container.uow() as uow, pytest.raises(NotFound):
        _svc(uow, people["manager2"]).review(
            pid, ReviewIn(verdict="effective", comment="我觉得好用")
        )
    status = _review(container, people["admin"], pid)  # the admin's verdict meets a gate of 1
    assert status["state"] == "published"
    assert [e.type for e in _events(container, "practice_gate.changed")] == [
        "practice_gate.changed"
    ] * 2
    with container.uow() as uow, pytest.raises(PermissionDenied):
        _svc(uow, people["manager"]).set_gate(
            GateIn(required_reviews=1, reviewer_roles=["manager"], require_customer_value=False)
        )


STOP_RULE = {
    "label": "超48小时未获技术部门支持",
    "hours": 48,
    "event_type": "activity.created",
    "condition": 'event.payload.record.subject.contains("技术部")',
}


def _published(
    container: Container, people: dict[str, Principal], deal_id: str, **over: Any
) -> str:
    """A practice of the sales rep, published through a gate of one admin review."""
    with container.uow() as uow:
        _svc(uow, people["admin"]).set_gate(
            GateIn(required_reviews=1, reviewer_roles=["admin"], require_customer_value=False)
        )
        uow.commit()
    practice = _capture(container, people["sales"], deal_id, **over)
    with container.uow() as uow:
        _svc(uow, people["sales"]).submit(practice["id"])
        uow.commit()
    assert _review(container, people["admin"], practice["id"])["state"] == "published"
    return str(practice["id"])


def _apply(
    container: Container, who: Principal, pid: str, deal_id: str, at: datetime = NOW
) -> dict[str, Any]:
    with container.uow() as uow:
        out = Applications(uow, who, gateway_of(container), clock=lambda: at).apply(pid, deal_id)
        uow.commit()
        return out


POINTS = [
    {
        "key": "shortlist",
        "label": "进入最终述标名单",
        "event_type": "deal.stage_changed",
        "condition": 'event.payload.stage_name == "述标"',
    },
    {
        "key": "third_version",
        "label": "客户主动索要第三版方案",
        "kind": "confirm",
        "customer_value": True,
    },
]


def test_apply_creates_tasks_through_the_gateway_and_a_point_is_met_by_an_event(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    pid = _published(container, people, deals["origin"], verification=POINTS, breaker=STOP_RULE)
    seq = _deliver(container, VerificationConsumer())  # nothing before applying counts
    applied = _apply(container, people["sales2"], pid, deals["similar"])
    assert applied["status"] == "active"
    assert applied["breaker_due_at"] == NOW + timedelta(hours=48)
    assert [c["status"] for c in applied["calls"]] == ["executed", "executed"]
    with container.uow() as uow:
        tasks = uow.session.scalars(
            select(m.Activity)
            .where(m.Activity.deal_id == deals["similar"])
            .order_by(m.Activity.subject)
        ).all()
        assert {(t.kind, t.subject) for t in tasks} == {
            ("task", "同步财政资金到位证明"),
            ("task", "多部门联合评审会"),
        }
        assert all(t.owner_id == people["sales2"].user_id for t in tasks)
        assert [t.id for t in tasks if t.id in applied["task_ids"]] == [t.id for t in tasks]
    with container.uow() as uow, pytest.raises(Conflict):  # once per deal
        Applications(uow, people["sales2"], gateway_of(container), clock=lambda: NOW).apply(
            pid, deals["similar"]
        )
    # the deal enters the shortlist stage: the consumer marks the point from the event
    with container.uow() as uow:
        rep = RecordService(uow, people["sales2"], clock=lambda: NOW + timedelta(hours=5))
        version = rep.get("deal", deals["similar"])["version"]
        rep.update(
            "deal", deals["similar"], PATCH_SCHEMAS["deal"](version=version, stage_id=deals["述标"])
        )
        uow.commit()
    _deliver(container, VerificationConsumer(), seq)
    with container.uow() as uow:
        row = uow.session.scalars(select(PracticeApplication)).one()
        met = {p["key"]: p for p in row.points}
        assert met["shortlist"]["how"] == "event" and met["shortlist"]["met_at"]
        assert met["third_version"]["met_at"] is None and row.status == "active"
        # the other point is the rep's to confirm; then the application is complete
        apps = Applications(uow, people["sales2"], gateway_of(container), clock=lambda: NOW)
        out = apps.confirm_point(pid, deals["similar"], "third_version", "客户来电索要")
        uow.commit()
    assert out["status"] == "completed"
    assert len(_events(container, "practice.point_met")) == 2


def test_circuit_breaker_stops_the_practice_and_tells_rep_and_manager(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    pid = _published(container, people, deals["origin"], verification=POINTS, breaker=STOP_RULE)
    seq = _deliver(container, VerificationConsumer())
    _apply(container, people["sales2"], pid, deals["similar"])
    _apply(container, people["sales"], pid, deals["origin"])
    # on the rep's own deal the technical department answers within 48 hours
    with container.uow() as uow:
        RecordService(uow, people["sales"], clock=lambda: NOW + timedelta(hours=20)).create(
            "activity",
            cs.ActivityIn(kind="call", subject="技术部确认支持方案", deal_id=deals["origin"]),
        )
        uow.commit()
    _deliver(container, VerificationConsumer(), seq)

    def run(at: datetime) -> dict[str, Any]:
        with container.uow() as uow:
            ctx = JobContext(
                uow, system_principal(people["admin"].tenant_id), people["admin"].tenant_id, {}, at
            )
            out = dict(jobs.breakers(ctx))
            uow.commit()
            return out

    assert run(NOW + timedelta(hours=47))["stopped"] == []  # not due yet
    stopped = run(NOW + timedelta(hours=49))["stopped"]
    assert [s["deal_id"] for s in stopped] == [deals["similar"]]
    assert run(NOW + timedelta(hours=50))["stopped"] == []  # once
    _deliver(container, StopNotifier(gateway_of(container)))
    _deliver(container, StopNotifier(gateway_of(container)))  # delivered twice: told once
    with container.uow() as uow:
        apps = {a.deal_id: a for a in uow.session.scalars(select(PracticeApplication))}
        assert apps[deals["similar"]].status == "stopped"
        assert apps[deals["similar"]].stop_reason == "超48小时未获技术部门支持"
        assert apps[deals["origin"]].status == "active"
        told = uow.session.scalars(select(Notification).order_by(Notification.user_id)).all()
        assert sorted(n.user_id for n in told) == sorted(
            [people["sales2"].user_id, people["manager"].user_id]
        )
        assert all("实践已熔断" in n.title for n in told)


def test_recommendation_on_a_similar_deal_through_the_sales_agents_tool(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    pid = _published(container, people, deals["origin"])
    private = _capture(container, people["sales"], deals["origin"])  # never recommended
    with container.uow() as uow:
        result = gateway_of(container).execute(
            uow,
            people["sales2"],
            "practices.recommend",
            {"deal_id": deals["similar"]},
            purpose="sales",
        )
        uow.commit()
    assert result.status == "executed"
    items = result.output["practices"]
    assert [i["practice_id"] for i in items] == [pid]
    assert private["id"] not in {i["practice_id"] for i in items}
    top = items[0]
    assert top["matched"] == {
        "industry": "hospital",
        "stage": "budget_approval",
        "deal_size": "medium",
        "customer_type": "key",
    }
    assert "行业相同(hospital)" in top["rationale_zh"]
    assert "effect not yet measurable" in top["rationale_en"] and top["lift"] is None
    with container.uow() as uow:  # the logistics deal is not a similar situation
        other = gateway_of(container).execute(
            uow,
            people["sales2"],
            "practices.recommend",
            {"deal_id": deals["other"]},
            purpose="sales",
        )
    assert other.output["practices"] == []


def test_apply_is_all_or_nothing_and_needs_more_than_read(
    container: Container, people: dict[str, Principal], deals: dict[str, str]
) -> None:
    steps = [
        {"label": "同步财政资金到位证明"},
        {"label": "发送对比分析简报", "tool": "email.draft"},  # the deal has no contact
    ]
    pid = _published(container, people, deals["origin"], actions=steps)
    with container.uow() as uow, pytest.raises(ValidationFailed) as caught:
        Applications(uow, people["sales2"], gateway_of(container), clock=lambda: NOW).apply(
            pid, deals["similar"]
        )
    assert [e.path for e in caught.value.errors] == [["actions", 1, "tool"]]
    with container.uow() as uow:  # the caller did not commit: no application, no task
        assert uow.session.scalars(select(PracticeApplication)).all() == []
        tasks = uow.session.scalars(
            select(m.Activity).where(m.Activity.deal_id == deals["similar"])
        ).all()
        assert tasks == []
    with container.uow() as uow, pytest.raises(PermissionDenied):
        Applications(uow, people["viewer"], gateway_of(container), clock=lambda: NOW).apply(
            pid, deals["similar"]
        )
