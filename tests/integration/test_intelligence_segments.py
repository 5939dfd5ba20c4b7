"""Saved segments through the service layer on SQLite and PostgreSQL: a refresh stores
adds and removes and tells the agents; enrolling a segment skips members without
marketing consent; a large enrollment waits for a person; agents ask in_segment."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.agents.router import AgentRouter
from kith.agents.runtime import AgentRuntime
from kith.agents.sdk import (
    Agent,
    AgentRegistry,
    AgentSpec,
    Assessment,
    DataScope,
    Perception,
    ProposedAction,
    StepContext,
    on,
)
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.errors import PermissionDenied
from kith.core.event_payloads import SegmentMemberChanged
from kith.crm.schemas import ContactIn, OrderIn
from kith.crm.service import RecordService
from kith.events.models import OutboxEvent
from kith.gateway.gateway import Gateway
from kith.gateway.models import CampaignEnrollment, RiskRule
from kith.gateway.risk import rules_of
from kith.intelligence.models import Score, SegmentMember, SegmentRefresh
from kith.intelligence.segments import service as segment_service
from kith.intelligence.segments.repository import in_segment
from kith.intelligence.segments.schemas import Definition, PreviewIn, SegmentIn
from kith.intelligence.segments.service import SegmentService
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService
from kith.scheduling import registry
from tests.conftest import Workspace
from tests.integration.test_agents_support import (
    FakeGateway,
    RecordingDecisions,
    drive,
    last_seq,
)

SHANGHAI_CHURN = {
    "filters": [{"field": "city", "op": "eq", "value": "上海"}],
    "scores": [{"model": "churn", "op": "gte", "value": 0.6}],
}


def _contacts(container: Container, tenant_id: str, cities: list[str]) -> list[str]:
    with container.uow() as uow:
        records = RecordService(uow, system_principal(tenant_id))
        ids = [
            records.create("contact", ContactIn(name=f"客户{i}", city=city))["id"]
            for i, city in enumerate(cities)
        ]
        uow.commit()
    return ids


def _score(container: Container, tenant_id: str, scores: dict[str, float]) -> None:
    with container.uow() as uow:
        for record_id, value in scores.items():
            row = uow.session.scalars(
                select(Score).where(Score.tenant_id == tenant_id, Score.record_id == record_id)
            ).first()
            if row is None:
                row = Score(
                    tenant_id=tenant_id,
                    object_type="contact",
                    record_id=record_id,
                    kind="churn",
                    band="high",
                    model_version="churn@1",
                    score=value,
                )
                uow.session.add(row)
            row.score = value
        uow.commit()


def _as_role(container: Container, workspace: Workspace, role: str, uow: Any) -> Principal:
    user = uow.session.get(User, workspace.users[role].id)
    assert user is not None
    return principal_for_user(uow.session, user)


def _create(
    container: Container, workspace: Workspace, name: str, definition: dict[str, Any]
) -> str:
    with container.uow() as uow:
        service = SegmentService(uow, _as_role(container, workspace, "marketing", uow))
        segment = service.create(
            SegmentIn(
                name=name,
                label_zh="上海流失风险",
                label_en="Shanghai churn risk",
                definition=Definition.model_validate(definition),
            )
        )
        uow.commit()
        return segment.id


def _refresh(container: Container, workspace: Workspace, ref: str) -> Any:
    with container.uow() as uow:
        result = SegmentService(uow, _as_role(container, workspace, "marketing", uow)).refresh(ref)
        uow.commit()
        return result


def _events(container: Container, *types: str) -> list[SimpleNamespace]:
    with container.uow() as uow:
        stmt = select(OutboxEvent).where(OutboxEvent.type.in_(types)).order_by(OutboxEvent.seq)
        return [
            SimpleNamespace(subject_id=e.subject_id, payload=e.payload)
            for e in uow.session.scalars(stmt)
        ]


def _members(container: Container, segment_id: str) -> set[str]:
    with container.uow() as uow:
        stmt = select(SegmentMember.record_id).where(SegmentMember.segment_id == segment_id)
        return set(uow.session.scalars(stmt))


def _consent(container: Container, tenant_id: str, contact_id: str, state: str) -> None:
    with container.uow() as uow:
        ConsentService(uow, system_principal(tenant_id)).record(
            contact_id, ConsentIn(purpose="marketing", channel="*", state=state, source="form")
        )
        uow.commit()


def test_a_refresh_stores_adds_and_removes_and_emits_events(
    container: Container, workspace: Workspace
) -> None:
    a, b, c, beijing = _contacts(container, workspace.tenant_id, ["上海", "上海", "上海", "北京"])
    _score(container, workspace.tenant_id, {a: 0.8, b: 0.9, c: 0.3, beijing: 0.95})
    segment_id = _create(container, workspace, "sh_churn", SHANGHAI_CHURN)

    first = _refresh(container, workspace, "sh_churn")
    assert (first.added, first.removed, first.total) == (2, 0, 2)
    assert _members(container, segment_id) == {a, b}
    added = _events(container, "segment.member_added")
    assert {e.subject_id for e in added} == {a, b}
    assert added[0].payload["segment"] == "sh_churn" and added[0].payload["initial"] is True
    for event in [*added, *_events(container, "segment.member_removed")]:
        SegmentMemberChanged.model_validate(event.payload)  # the catalogue's schema

    _score(container, workspace.tenant_id, {a: 0.2, c: 0.7})
    second = _refresh(container, workspace, segment_id)
    assert (second.added, second.removed, second.total) == (1, 1, 2)
    assert _members(container, segment_id) == {b, c}
    removed = _events(container, "segment.member_removed")
    assert [e.subject_id for e in removed] == [a]
    assert [e.subject_id for e in _events(container, "segment.member_added")][-1] == c
    refreshed = _events(container, "segment.refreshed")
    assert [(e.payload["added"], e.payload["removed"]) for e in refreshed] == [(2, 0), (1, 1)]
    with container.uow() as uow:
        log = uow.session.scalars(select(SegmentRefresh).order_by(SegmentRefresh.at)).all()
        assert [(r.added, r.removed, r.total) for r in log] == [(2, 0, 2), (1, 1, 2)]
        assert in_segment(uow.session, workspace.tenant_id, c, "sh_churn")
        assert not in_segment(uow.session, workspace.tenant_id, a, "sh_churn")


def test_member_events_stop_at_the_cap_and_the_summary_says_so(
    container: Container, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segment_service, "MEMBER_EVENT_CAP", 2)
    _contacts(container, workspace.tenant_id, ["上海"] * 5)
    _create(container, workspace, "everyone_sh", {"filters": ["city:eq:上海"]})
    result = _refresh(container, workspace, "everyone_sh")
    assert (result.total, result.events_capped) == (5, True)
    assert len(_events(container, "segment.member_added")) == 2
    (summary,) = _events(container, "segment.refreshed")
    assert summary.payload["added"] == 5 and summary.payload["member_events_capped"] is True


def test_a_preview_counts_only_what_the_person_may_read(
    container: Container, workspace: Workspace
) -> None:
    mine, theirs = _contacts(container, workspace.tenant_id, ["上海", "上海"])
    sales = workspace.users["sales"]
    with container.uow() as uow:
        records = RecordService(uow, system_principal(workspace.tenant_id))
        contact = records.get("contact", mine)
        from kith.crm.specs import PATCH_SCHEMAS

        records.update(
            "contact", mine, PATCH_SCHEMAS["contact"](version=contact["version"], owner_id=sales.id)
        )
        uow.commit()
    preview = PreviewIn(definition=Definition.model_validate({"filters": ["city:eq:上海"]}))
    with container.uow() as uow:
        person = _as_role(container, workspace, "sales", uow)
        own_only = replace(person, grants={**person.grants, ("contact", "read"): "own"})
        assert SegmentService(uow, own_only).preview(preview)["total"] == 1
        assert SegmentService(uow, person).preview(preview)["total"] == 2
    assert theirs


def test_a_segment_cannot_filter_on_a_field_hidden_from_the_person(
    container: Container, workspace: Workspace
) -> None:
    """Otherwise a saved segment (``city:eq:X`` for each X) would reveal the hidden value
    of every record, one preview at a time, to someone the field is hidden from."""
    _contacts(container, workspace.tenant_id, ["上海", "北京"])
    preview = PreviewIn(definition=Definition.model_validate({"filters": ["city:eq:上海"]}))
    with container.uow() as uow:
        person = _as_role(container, workspace, "marketing", uow)
        blind = replace(person, field_rules={**person.field_rules, "contact": {"city": "hidden"}})
        with pytest.raises(PermissionDenied) as refused:
            SegmentService(uow, blind).preview(preview)
        assert [e.path for e in refused.value.errors] == [["filter"]]
        assert "city" in refused.value.errors[0].message
        assert SegmentService(uow, person).preview(preview)["total"] == 1


def _enroll(container: Container, workspace: Workspace, segment: str, members: int) -> Any:
    with container.uow() as uow:
        result = Gateway().execute(
            uow,
            _as_role(container, workspace, "marketing", uow),
            "campaigns.enroll_segment",
            {"campaign": "spring-launch", "segment": segment, "members": members},
            purpose="marketing",
        )
        uow.commit()
        return result


def test_enrolling_a_segment_skips_members_without_marketing_consent(
    container: Container, workspace: Workspace
) -> None:
    granted, revoked, never_asked = _contacts(container, workspace.tenant_id, ["上海"] * 3)
    _consent(container, workspace.tenant_id, granted, "granted")
    _consent(container, workspace.tenant_id, revoked, "granted")
    _consent(container, workspace.tenant_id, revoked, "revoked")
    _create(container, workspace, "sh_all", {"filters": ["city:eq:上海"]})
    _refresh(container, workspace, "sh_all")

    result = _enroll(container, workspace, "sh_all", 3)
    assert result.status == "executed", result.reason
    assert result.output is not None
    assert result.output["enrolled_ids"] == [granted]
    reasons = {s["contact_id"]: s["reason"] for s in result.output["skipped"]}
    assert set(reasons) == {revoked, never_asked}
    assert reasons[revoked].startswith("no consent:") and "revoked" in reasons[revoked]
    assert reasons[never_asked] == "no marketing consent on record"
    with container.uow() as uow:
        enrolled = uow.session.scalars(select(CampaignEnrollment.contact_id)).all()
    assert list(enrolled) == [granted]

    again = _enroll(container, workspace, "sh_all", 3)
    assert again.output is not None
    assert (again.output["enrolled"], again.output["already_enrolled"]) == (0, 1)


def test_a_large_segment_waits_for_approval_and_a_wrong_size_is_refused(
    container: Container, workspace: Workspace
) -> None:
    _contacts(container, workspace.tenant_id, ["上海"] * 3)
    _create(container, workspace, "sh_three", {"filters": ["city:eq:上海"]})
    _refresh(container, workspace, "sh_three")
    with container.uow() as uow:
        (rule,) = [
            r
            for r in rules_of(uow.session, workspace.tenant_id)
            if r.name == "segment_enrollment_over_limit"
        ]
        rule.condition = {">": [{"var": "args.members"}, 2]}  # an admin lowered the limit
        uow.commit()

    assert _enroll(container, workspace, "sh_three", 3).status == "pending_approval"
    understated = _enroll(container, workspace, "sh_three", 1)
    assert understated.status == "failed" and "has 3 members" in (understated.reason or "")
    with container.uow() as uow:
        assert uow.session.scalars(select(CampaignEnrollment)).first() is None
        assert uow.session.scalars(select(RiskRule)).first() is not None


def test_the_scheduled_job_refreshes_segments_that_are_due(
    container: Container, workspace: Workspace
) -> None:
    import kith.intelligence.segments.jobs  # noqa: F401 - registers the job

    _contacts(container, workspace.tenant_id, ["上海", "上海"])
    _create(container, workspace, "sh_manual", {"filters": ["city:eq:上海"]})
    with container.uow() as uow:
        service = SegmentService(uow, system_principal(workspace.tenant_id))
        hourly = service.create(
            SegmentIn(
                name="sh_hourly",
                label_zh="上海",
                label_en="Shanghai",
                definition=Definition.model_validate({"filters": ["city:eq:上海"]}),
                refresh_policy="hourly",
            )
        )
        uow.commit()
    job = registry.get("segments.refresh")
    assert job is not None
    with container.uow() as uow:
        ctx = registry.JobContext(
            uow, system_principal(workspace.tenant_id), workspace.tenant_id, {}, utcnow()
        )
        out = job.run(ctx)
        uow.commit()
    assert out["refreshed"] == 1 and out["segments"]["sh_hourly"]["total"] == 2
    assert _members(container, hourly.id) and len(_events(container, "segment.refreshed")) == 1


# --- an agent reacting to segment membership ------------------------------------------


def _joined_vip(envelope: Any) -> bool:
    return bool(envelope.payload.get("segment") == "sh_vip")


class WinBackAgent(Agent):
    """Opens a win-back task for a contact who entered the at-risk VIP segment."""

    spec = AgentSpec(
        name="win_back",
        scope=DataScope({"contact": ("read",), "activity": ("read", "create")}),
        subscriptions=(on("segment.member_added", _joined_vip),),
        tools=frozenset({"tasks.create"}),
    )

    def perceive(self, ctx: StepContext) -> Perception | None:
        contact_id = ctx.envelope.subject_id
        # Still a member? A later refresh may have removed them before this step ran.
        if not in_segment(ctx.uow.session, ctx.principal.tenant_id, contact_id, "sh_vip"):
            return None
        return Perception("entered sh_vip", contact_id=contact_id)

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        task = {"subject": "Win-back call", "contact_id": assessment.perception.contact_id}
        return [ctx.propose("tasks.create", task, purpose="service", summary="win back")]


@pytest.fixture
def agents(container: Container) -> Iterator[tuple[FakeGateway, AgentRouter]]:
    agent_registry = AgentRegistry()
    agent_registry.register(WinBackAgent)
    gateway = FakeGateway()
    runtime = AgentRuntime(agent_registry, gateway, decisions=RecordingDecisions())
    yield gateway, AgentRouter(agent_registry, runtime)
    runtime.close()


def test_an_agent_subscribed_to_member_added_checks_in_segment(
    container: Container, workspace: Workspace, agents: tuple[FakeGateway, AgentRouter]
) -> None:
    gateway, router = agents
    a, b = _contacts(container, workspace.tenant_id, ["上海", "上海"])
    _score(container, workspace.tenant_id, {a: 0.9, b: 0.1})
    _create(container, workspace, "sh_vip", SHANGHAI_CHURN)
    _create(container, workspace, "sh_other", {"filters": ["city:eq:上海"]})
    seq = last_seq(container)
    _refresh(container, workspace, "sh_vip")
    _refresh(container, workspace, "sh_other")
    drive(container, router, seq)
    assert [(c.tool, c.args["contact_id"]) for c in gateway.calls] == [("tasks.create", a)]


def test_behavioural_conditions_select_customers_by_their_orders(
    container: Container, workspace: Workspace
) -> None:
    buyer, one_order, no_orders = _contacts(container, workspace.tenant_id, ["上海"] * 3)
    with container.uow() as uow:
        records = RecordService(uow, system_principal(workspace.tenant_id))
        for n, (contact_id, days) in enumerate(((buyer, 3), (buyer, 40), (one_order, 400))):
            records.create(
                "order",
                OrderIn(
                    number=f"SO-{n}",
                    contact_id=contact_id,
                    ordered_at=utcnow() - timedelta(days=days),
                ),
            )
        uow.commit()
    # Fewer than five customers score 3 on every axis: all "potential", one cluster.
    _create(container, workspace, "ordered", {"rfm": ["potential"], "clusters": [0]})
    result = _refresh(container, workspace, "ordered")
    assert result.total == 2
    with container.uow() as uow:
        rows = uow.session.scalars(select(SegmentMember)).all()
        snapshots = {r.record_id: r.snapshot for r in rows}
    assert set(snapshots) == {buyer, one_order} and no_orders not in snapshots
    assert snapshots[buyer] == {"rfm": "potential", "cluster": 0}


def test_a_refresh_that_changes_nothing_stays_quiet(
    container: Container, workspace: Workspace
) -> None:
    _contacts(container, workspace.tenant_id, ["上海"])
    _create(container, workspace, "quiet", {"filters": ["city:eq:上海"]})
    _refresh(container, workspace, "quiet")
    again = _refresh(container, workspace, "quiet")
    assert (again.added, again.removed, again.total) == (0, 0, 1)
    assert len(_events(container, "segment.refreshed", "segment.member_added")) == 2
    with container.uow() as uow:
        assert len(uow.session.scalars(select(SegmentRefresh)).all()) == 2
