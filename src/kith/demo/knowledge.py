"""The demo's knowledge story (scenario S9): the franchise-policy, lab-standards and
internal spaces of ``kith.knowledge.demo``, and a month of customers' questions the
Knowledge agent answered, asked to clarify, flagged as a conflict or handed over —
with two ratings from staff — so the knowledge dashboard has something to show.

The answers are computed by the real service at the times they are dated (relative to
the demo's anchor) and kept as the agent keeps them; like the rest of the demo they
are history (an administrative load, no gateway call, no message sent)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.access.models import Role, User, UserRole
from kith.access.policy import KnowledgeAudience as Audience
from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.container import Container
from kith.knowledge import feedback
from kith.knowledge.demo import FRANCHISE, LAB
from kith.knowledge.evaluate import load_demo
from kith.knowledge.service import KnowledgeService

# (hours before the anchor, who asked, question, rating, correction): "agent" is a
# prospect's message the Knowledge agent answered (public spaces only), "api" a colleague.
QUESTIONS: tuple[tuple[int, str, str, str | None, str | None], ...] = (
    (600, "agent", "一线城市的加盟费是多少?", "up", None),
    (540, "agent", "What is the franchise fee in tier-2 cities?", None, None),
    (500, "agent", "二线城市加盟需要交多少保证金?", None, None),  # FAQ and policy disagree
    (460, "agent", "培训", None, None),  # too vague: the training or the preparation after it?
    (420, "agent", "加盟店可以卖酒吗?", None, None),
    (380, "api", "GB/T 18384 对绝缘电阻的要求是多少?", None, None),
    (300, "agent", "加盟店可以卖酒吗?", None, None),
    (240, "api", "铅用什么方法检测?", None, None),
    (200, "agent", "加盟费可以分期付款吗?", None, None),
    (150, "agent", "How long does the qualification review take?", None, None),
    (90, "agent", "开业前退出能退加盟费吗?", "down", "开业前退出:保证金全额退还,加盟费不退。"),
    (40, "agent", "加盟店可以卖酒吗?", None, None),
)


class _At:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _publisher(session: Session, tenant_id: str) -> Principal:
    """The workspace's first administrator (timelines name a person), else the system."""
    user = session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), Role.name == "admin")
        .order_by(User.created_at, User.id)
        .limit(1)
    ).first()
    return principal_for_user(session, user) if user else system_principal(tenant_id, "demo")


def seed_knowledge_story(container: Container, tenant_id: str, anchor: datetime) -> dict[str, Any]:
    """Publish the demo knowledge, then answer and rate the demo's questions."""
    clock = _At(anchor - timedelta(days=60))
    with container.uow() as uow:
        principal = _publisher(uow.session, tenant_id)
        service = KnowledgeService(uow, principal, clock=clock, grounded=False)
        if service.spaces():
            return {"status": "already_loaded"}
        load_demo(service)
        uow.commit()
    statuses: dict[str, int] = {}
    with container.uow() as uow:
        service = KnowledgeService(uow, principal, clock=clock, grounded=False)
        for hours, source, question, rating, correction in QUESTIONS:
            clock.at = anchor - timedelta(hours=hours)
            audience: Audience = "customer" if source == "agent" else "staff"
            spaces = (FRANCHISE,) if source == "agent" else (FRANCHISE, LAB)
            answer = service.answer(question, spaces=spaces, audience=audience)
            row = feedback.record_answer(
                service,
                question,
                answer,
                source=source,
                audience=audience,
                space_ids=service.answer_space_ids(spaces, audience),
            )
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            if rating:
                clock.at += timedelta(hours=2)
                feedback.rate(service, row.id, rating, correction)
        uow.commit()
    return {"status": "loaded", "answers": statuses}
