"""Queries of the platform context. Subscription and delivery reads for people are
tenant-scoped here; the dispatcher's scans run for the whole installation (it is
Kith's own process, like the outbox relay)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from kith.access.models import User
from kith.platform.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

OPEN = "pending"


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- subscriptions -----------------------------------------------------------------

    def subscriptions(self, tenant_id: str) -> Sequence[WebhookSubscription]:
        return self.session.scalars(
            select(WebhookSubscription)
            .where(
                WebhookSubscription.tenant_id == tenant_id,
                WebhookSubscription.deleted_at.is_(None),
            )
            .order_by(WebhookSubscription.created_at, WebhookSubscription.id)
        ).all()

    def active_subscriptions(self, tenant_id: str) -> Sequence[WebhookSubscription]:
        return [s for s in self.subscriptions(tenant_id) if s.active]

    def subscription(self, tenant_id: str, subscription_id: str) -> WebhookSubscription | None:
        row = self.session.get(WebhookSubscription, subscription_id)
        if row is None or row.tenant_id != tenant_id or row.deleted_at is not None:
            return None
        return row

    def user(self, tenant_id: str, user_id: str) -> User | None:
        user = self.session.get(User, user_id)
        return user if user is not None and user.tenant_id == tenant_id else None

    def active_admin_ids(self, tenant_id: str) -> list[str]:
        from kith.access.models import Role, UserRole

        return list(
            self.session.scalars(
                select(User.id)
                .join(UserRole, UserRole.user_id == User.id)
                .join(Role, Role.id == UserRole.role_id)
                .where(User.tenant_id == tenant_id, User.is_active.is_(True), Role.name == "admin")
                .order_by(User.created_at, User.id)
            ).all()
        )

    # --- deliveries --------------------------------------------------------------------

    def deliveries(
        self,
        tenant_id: str,
        subscription_id: str,
        status: str | None,
        limit: int,
        before_seq: int | None = None,
    ) -> Sequence[WebhookDelivery]:
        query = select(WebhookDelivery).where(
            WebhookDelivery.tenant_id == tenant_id,
            WebhookDelivery.subscription_id == subscription_id,
        )
        if status:
            query = query.where(WebhookDelivery.status == status)
        if before_seq is not None:
            query = query.where(WebhookDelivery.seq < before_seq)
        order = (WebhookDelivery.seq.desc(), WebhookDelivery.created_at.desc())
        return self.session.scalars(query.order_by(*order).limit(limit)).all()

    def delivery(self, tenant_id: str, delivery_id: str) -> WebhookDelivery | None:
        row = self.session.get(WebhookDelivery, delivery_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    def attempts(self, delivery_ids: Sequence[str]) -> Sequence[WebhookAttempt]:
        if not delivery_ids:
            return []
        return self.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.delivery_id, WebhookAttempt.number)
        ).all()

    def status_counts(self, subscription_id: str) -> dict[str, int]:
        rows = self.session.execute(
            select(WebhookDelivery.status, func.count())
            .where(WebhookDelivery.subscription_id == subscription_id)
            .group_by(WebhookDelivery.status)
        ).all()
        return {str(status): int(n) for status, n in rows}

    # --- the dispatcher (every tenant) ---------------------------------------------------

    def subscriptions_with_due(self, now: datetime) -> list[str]:
        """Active subscriptions with an open delivery whose time has come."""
        due = (
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.subscription_id == WebhookSubscription.id,
                WebhookDelivery.status == OPEN,
                WebhookDelivery.next_attempt_at <= now,
                or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
            )
            .exists()
        )
        return list(
            self.session.scalars(
                select(WebhookSubscription.id).where(
                    WebhookSubscription.active.is_(True),
                    WebhookSubscription.deleted_at.is_(None),
                    due,
                )
            ).all()
        )

    def open_window(self, subscription_id: str, limit: int) -> Sequence[Any]:
        """A subscription's oldest open deliveries, in event order (id, subject,
        next attempt, lease: not the bodies)."""
        return self.session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.subject_key,
                WebhookDelivery.next_attempt_at,
                WebhookDelivery.lease_until,
            )
            .where(
                WebhookDelivery.subscription_id == subscription_id,
                WebhookDelivery.status == OPEN,
            )
            .order_by(WebhookDelivery.seq, WebhookDelivery.created_at, WebhookDelivery.id)
            .limit(limit)
        ).all()

    def deliveries_by_id(self, delivery_ids: Sequence[str]) -> Sequence[WebhookDelivery]:
        if not delivery_ids:
            return []
        return self.session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.id.in_(list(delivery_ids)))
        ).all()

    def claim_many(
        self, delivery_ids: Sequence[str], now: datetime, lease_until: datetime, status: str
    ) -> set[str]:
        """Take those of the deliveries that are free, for this process until
        ``lease_until``; the ids taken."""
        if not delivery_ids:
            return set()
        free = or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now)
        self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(list(delivery_ids)),
                WebhookDelivery.status == status,
                free,
            )
            .values(lease_until=lease_until, status=OPEN)
            .execution_options(synchronize_session=False)
        )
        return set(
            self.session.scalars(
                select(WebhookDelivery.id).where(
                    WebhookDelivery.id.in_(list(delivery_ids)),
                    WebhookDelivery.status == OPEN,
                    WebhookDelivery.lease_until == lease_until,
                )
            ).all()
        )

    def claim(
        self, delivery_id: str, now: datetime, lease_until: datetime, status: str = OPEN
    ) -> bool:
        """Take the delivery for this process until ``lease_until``; False if another
        process holds it or it is no longer open."""
        result = self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == status,
                or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
            )
            .values(lease_until=lease_until, status=OPEN)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)
