"""Queries of the gateway's own rows read by the HTTP and web layers: the outbound mailbox,
a user's notifications and agents' decisions, always inside the principal's tenant."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.gateway.models import DecisionRecord, Notification, OutboundMessage


class GatewayRepository:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    def messages(
        self,
        *,
        own_only: bool,
        contact_id: str | None,
        status: str | None,
        limit: int,
    ) -> Sequence[OutboundMessage]:
        """Outbound messages newest first; ``own_only``: those the principal created."""
        m = OutboundMessage
        stmt = select(m).where(m.tenant_id == self.principal.tenant_id)
        if own_only:
            mine = [self.principal.id, self.principal.user_id or self.principal.id]
            stmt = stmt.where(m.created_by_id.in_(mine))
        if contact_id:
            stmt = stmt.where(m.contact_id == contact_id)
        if status:
            stmt = stmt.where(m.status == status)
        return self.session.scalars(
            stmt.order_by(m.created_at.desc(), m.id.desc()).limit(limit)
        ).all()

    def notifications(self, *, unread: bool, limit: int) -> Sequence[Notification]:
        """The signed-in user's notifications, newest first."""
        stmt = select(Notification).where(*self._mine())
        if unread:
            stmt = stmt.where(Notification.read_at.is_(None))
        order = (Notification.created_at.desc(), Notification.id.desc())
        return self.session.scalars(stmt.order_by(*order).limit(limit)).all()

    def unread_count(self) -> int:
        if self.principal.user_id is None:
            return 0
        stmt = select(func.count()).where(*self._mine(), Notification.read_at.is_(None))
        return int(self.session.scalar(stmt) or 0)

    def mark_read(self, ids: Sequence[str] | None, now: datetime) -> None:
        """Mark the user's own unread notifications read: the listed ones, or all."""
        if self.principal.user_id is None:
            return
        stmt = update(Notification).where(*self._mine(), Notification.read_at.is_(None))
        if ids is not None:
            stmt = stmt.where(Notification.id.in_(ids))
        self.session.execute(stmt.values(read_at=now).execution_options(synchronize_session=False))

    def agent_decisions_since(self, since: datetime, limit: int) -> Sequence[DecisionRecord]:
        """Agents' decisions in the tenant since ``since``, newest first (at most ``limit``;
        the caller decides which of them the principal may read)."""
        d = DecisionRecord
        stmt = (
            select(d)
            .where(d.tenant_id == self.principal.tenant_id, d.actor_kind == "agent", d.at >= since)
            .order_by(d.id.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def _mine(self) -> tuple[ColumnElement[bool], ...]:
        n = Notification
        return (n.tenant_id == self.principal.tenant_id, n.user_id == self.principal.user_id)
