"""The asking user's view of the CRM while a plan is built.

Everything a builder or a question parser reads goes through here, with the asker's
rights: the gazetteer and resolver (``resolve.py``), the time parser, records by id,
interactions about a topic, meetings that make people busy and the next free slot.
``Planner`` (``planner.py``) extends it with planning and checking.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.principal import Principal
from kith.crm import models as crm
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS
from kith.gateway.authz import with_gateway_grants
from kith.gateway.registry import REGISTRY, ToolRegistry
from kith.language.resolve import Gazetteer, Resolver, gazetteer
from kith.language.timeparse import TimeParser


class Lookups:
    def __init__(
        self,
        session: Session,
        principal: Principal,
        now: datetime,
        *,
        tz: str = "Asia/Shanghai",
        registry: ToolRegistry = REGISTRY,
    ) -> None:
        self.session = session
        self.principal = principal
        self.acting = with_gateway_grants(principal)
        self.now = now
        self.tz = tz
        self.registry = registry
        self.times = TimeParser(now, tz)
        self.gaz: Gazetteer = gazetteer(session, principal)
        self.resolver = Resolver(self.gaz, principal)
        self.repo = RecordRepository(session, principal)

    def record(self, object_type: str, record_id: str) -> Any:
        return self.repo.find(SPECS[object_type], record_id)

    def orders_of_contact(self, contact_id: str) -> list[str]:
        """The ids of a contact's orders the asker may read."""
        if policy.scope_for(self.principal, "order", "read") is None:
            return []
        stmt = self.repo.scoped(SPECS["order"], "read").where(crm.Order.contact_id == contact_id)
        return [row.id for row in self.session.scalars(stmt.limit(20))]

    def interaction_about(
        self, contact_id: str, keywords: tuple[str, ...]
    ) -> crm.Interaction | None:
        spec = SPECS["interaction"]
        stmt = (
            self.repo.scoped(spec, "read")
            .where(crm.Interaction.contact_id == contact_id)
            .order_by(crm.Interaction.occurred_at.desc(), crm.Interaction.id.desc())
            .limit(200)
        )
        if policy.scope_for(self.principal, "interaction", "read") is None:
            return None
        rows: list[crm.Interaction] = list(self.session.scalars(stmt))
        if keywords:
            for row in rows:
                blob = f"{row.subject or ''} {row.text or ''}".lower()
                if any(k.lower() in blob for k in keywords):
                    return row
            return None
        inbound = [r for r in rows if r.direction == "inbound"]
        candidates = inbound or rows
        return candidates[0] if candidates else None

    def busy(
        self, user_ids: list[str], contact_ids: list[str], start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Meetings the user can see that involve any attendee, overlapping [start, end)."""
        if policy.scope_for(self.principal, "activity", "read") is None:
            return []
        spec = SPECS["activity"]
        a = crm.Activity
        stmt = self.repo.scoped(spec, "read").where(
            a.kind == "meeting", a.starts_at < end, a.ends_at > start
        )
        refs = set(user_ids) | set(contact_ids)
        out = []
        for row in self.session.scalars(stmt):
            people = {row.owner_id, row.assignee_id, row.contact_id} | {
                str(x.get("ref")) for x in (row.attendees or []) if isinstance(x, dict)
            }
            if people & refs and row.starts_at and row.ends_at:
                out.append((row.starts_at, row.ends_at))
        return out

    def free_slot(
        self,
        day_from: datetime,
        day_to: datetime,
        users: list[str],
        contacts: list[str],
        minutes: int = 60,
    ) -> datetime | None:
        busy = self.busy(users, contacts, day_from, day_to)
        earliest = self.now + timedelta(hours=2)
        day = day_from
        while day < day_to:
            if day.weekday() < 5:
                for clock in (time(10, 0), time(14, 0), time(16, 0)):
                    start = datetime.combine(day.date(), clock, tzinfo=day.tzinfo)
                    end = start + timedelta(minutes=minutes)
                    if start < earliest:
                        continue
                    if all(end <= b0 or start >= b1 for b0, b1 in busy):
                        return start
            day += timedelta(days=1)
        return None
