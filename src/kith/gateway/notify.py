"""Notifications: messages to users inside Kith (``GET /api/v1/notifications``)."""

from __future__ import annotations

from sqlalchemy import select

from kith.access.models import Role, User, UserRole
from kith.access.principal import Principal
from kith.db.uow import UnitOfWork
from kith.gateway.models import Notification


def notify(
    uow: UnitOfWork,
    sender: Principal,
    user_id: str,
    *,
    kind: str,
    title: str,
    body: str | None = None,
    link: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    decision_id: str | None = None,
) -> Notification:
    row = Notification(
        tenant_id=sender.tenant_id,
        user_id=user_id,
        kind=kind,
        title=title[:300],
        body=body,
        link=link,
        subject_type=subject_type,
        subject_id=subject_id,
        sender_kind=sender.kind,
        sender_id=sender.id,
        decision_id=decision_id,
    )
    uow.session.add(row)
    return row


def users_with_role(uow: UnitOfWork, tenant_id: str, role: str) -> list[str]:
    stmt = (
        select(User.id)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Role, Role.id == UserRole.role_id)
        .where(User.tenant_id == tenant_id, User.is_active.is_(True), Role.name == role)
        .order_by(User.id)
    )
    return list(uow.session.scalars(stmt))


def notify_users_with_role(
    uow: UnitOfWork,
    sender: Principal,
    role: str,
    *,
    kind: str,
    title: str,
    body: str | None = None,
    link: str | None = None,
    decision_id: str | None = None,
) -> list[str]:
    """Notify everyone holding ``role``; nobody does, the admins (so nothing waits unseen)."""
    recipients = users_with_role(uow, sender.tenant_id, role) or users_with_role(
        uow, sender.tenant_id, "admin"
    )
    for user_id in recipients:
        notify(
            uow,
            sender,
            user_id,
            kind=kind,
            title=title,
            body=body,
            link=link,
            decision_id=decision_id,
        )
    return recipients
