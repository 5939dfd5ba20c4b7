"""The demo's playbooks and value anchors (scenario S12).

刘洋's 政策匹配度矩阵 for hospital and government tenders, 王强's 24-hour follow-up
after a test drive and 李娜's TCO comparison before negotiation are published (three
senior reviews each and the customer's value confirmed); 刘洋's tender-document
pre-check is in review. The adoption history is 政策匹配度矩阵 applied on closed hospital
deals when they were in the tender-preparation stage — chosen deterministically (seeded)
so the applied deals win more often than comparable ones, which the effect
measurement then shows with its interval. Two value anchors — key accounts' first
resolution time (72 h → 4 h) and the fleet renewal rate — get fourteen days of
readings with their drivers.

Everything goes through the playbooks services except the history of applications,
which is written as rows with its events (an administrative load, like the rest of
the demo's backdated history).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kith.access.models import Role, User, UserRole
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.event_types import EventType
from kith.crm.models import Account, Deal, DealStageChange, Pipeline, PipelineStage
from kith.playbooks.anchors import AnchorService, compute
from kith.playbooks.models import PracticeApplication, ValueAnchor
from kith.playbooks.repository import PlaybookRepository
from kith.playbooks.schemas import (
    AnchorIn,
    GateIn,
    PracticeBody,
    ReviewIn,
    ValueConfirmationIn,
)
from kith.playbooks.service import PracticeService, emit_practice

SENIOR_ROLE = "senior_sales"
SENIORS = ("wang.qiang@kith.demo", "liu.yang@kith.demo")
REVIEWERS = ("chen.jing@kith.demo", "zhou.ming@kith.demo", *SENIORS)

MATRIX: dict[str, Any] = {
    "title": "政策匹配度矩阵 / Policy-fit matrix",
    "summary": "把客户需求逐条对照财政与采购政策,做成一页矩阵,在预算审批和联合评审时先给出"
    "“合规与资金到位”的证据。/ Map each requirement to the funding and procurement "
    "policy on one page before budget approval and the joint review.",
    "situation": {
        "industry": ["hospital", "government"],
        "stage": ["budget_approval", "tender"],
        "buying_committee": ["multi_department", "joint_review"],
    },
    "free_tags": ["预算审批阶段", "多部门联合评审"],
    "actions": [
        {
            "label": "同步财政资金到位证明 / Share proof that the funds are in place",
            "due_hours": 24,
        },
        {"label": "生成对比分析简报 / Prepare the comparison brief", "due_hours": 48},
        {"label": "约技术部门确认支持 / Get the technical department's support", "due_hours": 24},
    ],
    "verification": [
        {
            "key": "shortlist",
            "label": "进入最终述标名单 / On the final bid shortlist",
            "event_type": "deal.stage_changed",
            "condition": 'event.payload.stage_name == "投标"',
        },
        {
            "key": "third_version",
            "label": "客户主动索要第三版方案 / The customer asks for the third version",
            "kind": "confirm",
            "customer_value": True,
        },
    ],
    "breaker": {
        "label": "超48小时未获技术部门支持 / No technical support within 48 h",
        "hours": 48,
        "event_type": "activity.created",
        "condition": 'event.payload.record.subject.contains("技术")',
    },
}
TEST_DRIVE: dict[str, Any] = {
    "title": "试驾后 24 小时回访 / Call back within 24 h of a test drive",
    "summary": "试驾当天发送车辆与充电方案总结,24 小时内由大客户经理回访,"
    "邀请车队负责人和财务一起参加。",
    "situation": {"industry": ["logistics", "automotive"], "deal_size": ["medium", "large"]},
    "free_tags": ["试驾评估"],
    "actions": [
        {"label": "发送试驾总结与充电方案 / Send the test-drive summary", "due_hours": 4},
        {"label": "24 小时内回访车队负责人 / Call the fleet manager back", "due_hours": 24},
    ],
    "verification": [
        {
            "key": "negotiation",
            "label": "进入商务谈判 / Moves to negotiation",
            "event_type": "deal.stage_changed",
            "condition": 'event.payload.stage_name == "商务谈判"',
        }
    ],
    "breaker": {"label": "72 小时无回应 / No answer within 72 h", "hours": 72},
}
TCO: dict[str, Any] = {
    "title": "谈判前的 TCO 对比 / TCO comparison before negotiation",
    "summary": "用五年总拥有成本(能耗、保养、残值)对比燃油车,谈判前发给客户财务。",
    "situation": {"industry": ["logistics", "retail", "manufacturing"], "stage": ["negotiation"]},
    "free_tags": ["商务谈判"],
    "actions": [
        {"label": "生成五年 TCO 对比表 / Build the five-year TCO table", "due_hours": 24},
        {
            "label": "与客户财务过一遍 / Walk the customer's finance team through it",
            "due_hours": 72,
        },
    ],
    "verification": [
        {"key": "won", "label": "赢单 / Won", "event_type": "deal.won"},
    ],
}
PRECHECK: dict[str, Any] = {
    "title": "招标文件预审清单 / Tender-document pre-check",
    "summary": "投标前三天按清单核对资质、授权书和技术偏离表。",
    "situation": {"industry": ["hospital"], "stage": ["tender"]},
    "actions": [{"label": "按清单核对投标文件 / Check the bid documents", "due_hours": 24}],
    "verification": [
        {
            "key": "won",
            "label": "中标 / Won the tender",
            "event_type": "deal.won",
        }
    ],
}


class _At:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _person(session: Any, tenant_id: str, email: str) -> Principal:
    user = session.scalars(
        select(User).where(User.tenant_id == tenant_id, User.email == email)
    ).one()
    return principal_for_user(session, user)


def _senior_badge(session: Any, tenant_id: str) -> None:
    """A role without permissions that marks 王强 and 刘洋 as senior reps (gate reviewers)."""
    role = session.scalars(
        select(Role).where(Role.tenant_id == tenant_id, Role.name == SENIOR_ROLE)
    ).first()
    if role is None:
        role = Role(
            tenant_id=tenant_id,
            name=SENIOR_ROLE,
            description="资深销售:评审微实践 / Senior rep: reviews micro-practices",
        )
        session.add(role)
        session.flush()
    for email in SENIORS:
        user = session.scalars(
            select(User).where(User.tenant_id == tenant_id, User.email == email)
        ).one()
        session.add(UserRole(tenant_id=tenant_id, user_id=user.id, role_id=role.id))
    session.flush()


def _practice(
    container: Container,
    tenant_id: str,
    creator: str,
    body: dict[str, Any],
    at: datetime,
    *,
    publish: bool,
) -> str:
    clock = _At(at)
    with container.uow() as uow:
        owner = _person(uow.session, tenant_id, creator)
        service = PracticeService(uow, owner, clock=clock)
        practice_id = str(service.create(PracticeBody.model_validate(body))["id"])
        clock.at = at + timedelta(hours=2)
        service.submit(practice_id)
        uow.commit()
    reviewers = [r for r in REVIEWERS if r != creator]
    for i, email in enumerate(reviewers[: 3 if publish else 1]):
        clock.at = at + timedelta(days=1 + i)
        with container.uow() as uow:
            PracticeService(uow, _person(uow.session, tenant_id, email), clock=clock).review(
                practice_id,
                ReviewIn(
                    verdict="effective",
                    comment="在我负责的项目上复用过,确实有效。/ Reused it; it works.",
                ),
            )
            uow.commit()
    if publish:
        clock.at = at + timedelta(days=4)
        with container.uow() as uow:
            PracticeService(
                uow, _person(uow.session, tenant_id, creator), clock=clock
            ).confirm_value(
                practice_id,
                ValueConfirmationIn(
                    text="这份矩阵让我们在联合评审时一次说清了资金与合规。"
                    "/ It settled funding and compliance in one meeting.",
                    customer="客户项目负责人 / The customer's project lead",
                    source="邮件 / e-mail",
                ),
            )
            uow.commit()
    return practice_id


def _history(container: Container, tenant_id: str, practice_id: str, seed: int) -> int:
    """Applications of the matrix on closed hospital deals, at their tender-preparation
    stage: 70% of the won ones and 25% of the lost ones (seeded)."""
    rng = random.Random(seed)
    with container.uow() as uow:
        session = uow.session
        stage_ids = {
            s.id
            for s in session.scalars(
                select(PipelineStage)
                .join(Pipeline, Pipeline.id == PipelineStage.pipeline_id)
                .where(PipelineStage.tenant_id == tenant_id, PipelineStage.name == "招标准备")
            )
        }
        rows = session.execute(
            select(Deal, DealStageChange.changed_at, DealStageChange.to_stage_id)
            .join(DealStageChange, DealStageChange.deal_id == Deal.id)
            .join(Account, Account.id == Deal.account_id)
            .where(
                Deal.tenant_id == tenant_id,
                Deal.status.in_(("won", "lost")),
                Account.industry == "healthcare",
                DealStageChange.to_stage_id.in_(stage_ids),
            )
            .order_by(Deal.id)
        ).all()
        row_practice = PlaybookRepository(session, tenant_id).practice(practice_id)
        assert row_practice is not None
        count = 0
        for deal, entered, stage_id in rows:
            if rng.random() >= (0.7 if deal.status == "won" else 0.25):
                continue
            at = entered + timedelta(hours=3)
            won = deal.status == "won"
            application = PracticeApplication(
                tenant_id=tenant_id,
                practice_id=practice_id,
                deal_id=deal.id,
                account_id=deal.account_id,
                applied_by=deal.owner_id or row_practice.created_by,
                applied_at=at,
                stage_id=stage_id,
                status="completed" if won else "stopped",
                points=[
                    {
                        "key": "shortlist",
                        "label": MATRIX["verification"][0]["label"],
                        "met_at": (at + timedelta(days=9)).isoformat() if won else None,
                        "how": "event",
                    },
                    {
                        "key": "third_version",
                        "label": MATRIX["verification"][1]["label"],
                        "met_at": (at + timedelta(days=5)).isoformat() if won else None,
                        "how": "confirmed",
                    },
                ],
                task_ids=[],
                calls=[],
                breaker_due_at=at + timedelta(hours=48),
                breaker_cleared_at=at + timedelta(hours=20) if won else None,
                stopped_at=None if won else at + timedelta(hours=48),
                stop_reason=None if won else MATRIX["breaker"]["label"],
            )
            session.add(application)
            session.flush()
            owner = session.get(User, application.applied_by)
            actor = principal_for_user(session, owner).actor if owner else None
            if actor is not None:
                emit_practice(
                    uow,
                    row_practice,
                    EventType.PRACTICE_APPLIED,
                    actor,
                    at,
                    "practice.apply",
                    deal_id=deal.id,
                    application_id=application.id,
                )
            count += 1
        uow.commit()
    return count


ANCHORS: tuple[dict[str, Any], ...] = (
    {
        "name": "重点客户首次解决时长 72h→4h / Key accounts' first resolution 72 h → 4 h",
        "metric": "ticket_resolution_hours",
        "params": {"account_tiers": ["key", "strategic"], "window_days": 30},
        "dimensions": ["category", "team", "priority", "assignee"],
        "baseline": 72,
        "target": 4,
        "owner": "sun.li@kith.demo",
    },
    {
        "name": "车队客户续约率 / Fleet renewal rate",
        "metric": "renewal_rate",
        "params": {"source": "老客户复购", "window_days": 90, "pipeline": "fleet"},
        "dimensions": ["owner", "industry", "lost_reason"],
        "baseline": 0.55,
        "target": 0.8,
        "owner": "chen.jing@kith.demo",
    },
)


def _anchors(container: Container, tenant_id: str, anchor: datetime) -> None:
    with container.uow() as uow:
        admin = _person(uow.session, tenant_id, "zhou.ming@kith.demo")
        fleet = uow.session.scalars(
            select(Pipeline.id).where(
                Pipeline.tenant_id == tenant_id, Pipeline.is_default.is_(True)
            )
        ).first()
        service = AnchorService(uow, admin, clock=_At(anchor - timedelta(days=30)))
        for spec in ANCHORS:
            params = dict(spec["params"])
            if params.pop("pipeline", None) and fleet:
                params["pipeline_id"] = fleet
            owner = _person(uow.session, tenant_id, spec["owner"])
            service.create(
                AnchorIn(
                    name=spec["name"],
                    metric=spec["metric"],
                    params=params,
                    dimensions=spec["dimensions"],
                    baseline=spec["baseline"],
                    target=spec["target"],
                    starts_on=(anchor - timedelta(days=30)).date(),
                    deadline=(anchor + timedelta(days=150)).date(),
                    owner_id=owner.user_id or "",
                )
            )
        uow.commit()
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(ValueAnchor).where(ValueAnchor.tenant_id == tenant_id)
        ).all()
        for row in rows:
            for days in range(13, -1, -1):
                compute(uow, row, anchor - timedelta(days=days))
        uow.commit()


def seed_playbooks(
    container: Container, tenant_id: str, anchor: datetime, seed: int = 42
) -> dict[str, Any]:
    """The demo's practices, their adoption history and two value anchors."""
    with container.uow() as uow:
        _senior_badge(uow.session, tenant_id)
        admin = _person(uow.session, tenant_id, "zhou.ming@kith.demo")
        PracticeService(uow, admin, clock=_At(anchor - timedelta(days=400))).set_gate(
            GateIn(
                required_reviews=3,
                reviewer_roles=[SENIOR_ROLE, "manager", "admin"],
                require_customer_value=True,
            )
        )
        uow.commit()
    start = anchor - timedelta(days=380)
    matrix = _practice(container, tenant_id, "liu.yang@kith.demo", MATRIX, start, publish=True)
    _practice(
        container,
        tenant_id,
        "wang.qiang@kith.demo",
        TEST_DRIVE,
        start + timedelta(days=30),
        publish=True,
    )
    _practice(
        container, tenant_id, "li.na@kith.demo", TCO, start + timedelta(days=60), publish=True
    )
    _practice(
        container,
        tenant_id,
        "liu.yang@kith.demo",
        PRECHECK,
        anchor - timedelta(days=3),
        publish=False,
    )
    applied = _history(container, tenant_id, matrix, seed)
    _anchors(container, tenant_id, anchor)
    return {"practices": 4, "applications": applied, "anchors": len(ANCHORS)}
