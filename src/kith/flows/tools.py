"""The gateway tool behind a flow's approval node: ``flows.approval`` is high risk, so
the gateway's risk policy holds every call for a person (the approver role of the
rule, a manager by default) — the same approval inbox, expiry and audit as any other
held call. Approving runs it (it only says yes); the flows consumer then resumes the
run on ``on_approved``, a rejection on ``on_rejected``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from kith.gateway.registry import ToolContext, tool


class ApprovalIn(BaseModel):
    run_id: str = Field(max_length=32)
    node_id: str = Field(max_length=64)
    question: str = Field(min_length=1, max_length=500)


class ApprovalOut(BaseModel):
    approved: bool
    run_id: str
    node_id: str


@tool(
    "flows.approval",
    purposes=("service", "sales", "marketing"),
    touches=("flow",),
    risk="high",
    description="A flow asks a person to approve before it goes on (an approval node).",
)
def approve_flow_step(ctx: ToolContext, args: ApprovalIn) -> ApprovalOut:
    ctx.about("flow_run", args.run_id)
    return ApprovalOut(approved=True, run_id=args.run_id, node_id=args.node_id)


class ScoresIn(BaseModel):
    object_type: Literal["contact", "deal", "lead", "account"]
    record_id: str = Field(min_length=1, max_length=32)


class ScoresOut(BaseModel):
    scores: dict[str, float]  # kind → score (churn, deal_win, ...); absent when not scored
    bands: dict[str, str]


@tool(
    "scores.get",
    purposes=("service", "sales", "marketing"),
    touches=("*",),
    read_only=True,
    idempotent=True,
    description="The latest model scores of a record (churn, deal win, ...) for a flow's "
    "condition; a record the caller may not read is refused",
)
def get_scores(ctx: ToolContext, args: ScoresIn) -> ScoresOut:
    from kith.intelligence.repository import IntelligenceRepository

    ctx.records.get(args.object_type, args.record_id)  # the caller may read it
    rows = IntelligenceRepository(ctx.uow.session, ctx.tenant_id).scores_for(
        args.object_type, args.record_id
    )
    ctx.about(args.object_type, args.record_id)
    return ScoresOut(
        scores={r.kind: round(float(r.score), 4) for r in rows},
        bands={r.kind: r.band for r in rows},
    )


class TextIn(BaseModel):
    text: str = Field(max_length=20_000)


class TextOut(BaseModel):
    topic: str
    severity: str  # the topic's: s1 (safety) .. s4 (cosmetic)
    priority: str
    sentiment: float  # -1 (angry) .. +1 (happy)
    negative: bool
    question: bool
    language: str
    cues: list[str]


@tool(
    "text.read",
    purposes=("service", "sales", "marketing"),
    touches=("interaction",),
    read_only=True,
    idempotent=True,
    description="Read a customer's message: topic, sentiment (-1..+1), question, language "
    "(the service agent's reading, rules-based)",
)
def read_message(ctx: ToolContext, args: TextIn) -> TextOut:
    from kith.agents.builtin.understanding import read_text

    reading = read_text(args.text)
    return TextOut(
        topic=reading.topic.name,
        severity=reading.topic.severity,
        priority=reading.topic.priority,
        sentiment=round(reading.sentiment, 3),
        negative=reading.negative,
        question=reading.question,
        language=str(reading.language),
        cues=list(reading.cues + reading.mood_cues),
    )


class LeastLoadedIn(BaseModel):
    role: str = Field(min_length=1, max_length=64, description="The skill: a role, e.g. service")


class LeastLoadedOut(BaseModel):
    user_id: str
    open_tickets: int


OPEN_TICKET_STATES = ("resolved", "closed")


@tool(
    "tickets.least_loaded",
    purposes=("service",),
    touches=("ticket",),
    read_only=True,
    idempotent=True,
    description="The active user with the given role who has the fewest open tickets "
    "(ties: the earliest user), for routing a ticket by skill and load",
)
def least_loaded(ctx: ToolContext, args: LeastLoadedIn) -> LeastLoadedOut:
    from sqlalchemy import func, select

    from kith.access.models import Role, User, UserRole
    from kith.core.errors import FieldError, ValidationFailed
    from kith.crm.models import Ticket

    session = ctx.uow.session
    people = session.execute(
        select(User.id, User.created_at)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .where(User.tenant_id == ctx.tenant_id, User.is_active.is_(True), Role.name == args.role)
    ).all()
    if not people:
        message = f"no active user has the role {args.role!r}"
        raise ValidationFailed(message, [FieldError(["args", "role"], message)])
    load: dict[str, int] = {
        str(assignee): int(count)
        for assignee, count in session.execute(
            select(Ticket.assignee_id, func.count())
            .where(
                Ticket.tenant_id == ctx.tenant_id,
                Ticket.deleted_at.is_(None),
                Ticket.status.not_in(OPEN_TICKET_STATES),
                Ticket.assignee_id.in_([p.id for p in people]),
            )
            .group_by(Ticket.assignee_id)
        ).all()
    }
    chosen = min(people, key=lambda p: (load.get(p.id, 0), p.created_at, p.id))
    return LeastLoadedOut(user_id=chosen.id, open_tickets=int(load.get(chosen.id, 0)))
