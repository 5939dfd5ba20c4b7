"""The demo's flows: the four templates saved as drafts owned by the workspace's first
administrator (simulate them on the demo's events, then publish), and the schedule that
fires due waits every minute. Drafts, not published: the demo's history is archived and
nothing runs until a person publishes a flow."""

from __future__ import annotations

from sqlalchemy import select

from kith.access.models import Role, User, UserRole
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.domain import Actor
from kith.flows.engine import FlowEngine
from kith.flows.service import FlowService
from kith.flows.templates import NAMES, template
from kith.gateway.gateway import gateway_of
from kith.scheduling.service import ScheduleService

FIRE_EVERY = "1m"


def seed_flows(container: Container, tenant_id: str) -> list[str]:
    """Save the templates as drafts and schedule ``flows.fire_due``; the keys saved."""
    with container.uow() as uow:
        admin = uow.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .join(Role, Role.id == UserRole.role_id)
            .where(User.tenant_id == tenant_id, User.is_active.is_(True), Role.name == "admin")
            .order_by(User.created_at, User.id)
            .limit(1)
        ).first()
        if admin is None:
            return []
        principal = principal_for_user(uow.session, admin)
        engine = FlowEngine(gateway_of(container), container.clock)
        flows = FlowService(uow, principal, engine, container.clock)
        saved = [flows.save_draft(template(name))[0].key for name in NAMES]
        ScheduleService(uow, tenant_id, Actor("system", None, "kith demo")).add(
            "flows.fire_due", every=FIRE_EVERY
        )
        uow.commit()
    return saved
