"""Per-object business rules the generic record service applies on write.

Each rule receives the record *after* the client's changes are set and the
changed field names; it derives state (deal status from its stage, ticket SLA
due times) and returns the extra domain events the change implies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.core.clock import as_utc
from kith.core.errors import FieldError, ValidationFailed
from kith.crm import models as m
from kith.crm.refs import customer_refs
from kith.crm.repository import RecordRepository
from kith.db.base import RecordMixin
from kith.events.types import DomainEvent, EventType


@dataclass
class RuleContext:
    repo: RecordRepository
    principal: Principal
    now: datetime
    previous: dict[str, Any]  # field -> value before the change (empty on create)
    is_new: bool
    # Marks a rule puts on the record for its writer to report (an import's row result).
    flags: list[str] = field(default_factory=list)

    def event(
        self, type_: EventType, record: RecordMixin, summary: str, **payload: Any
    ) -> DomainEvent:
        account_id, contact_id = customer_refs(record)
        return DomainEvent(
            type=type_,
            tenant_id=record.tenant_id,
            subject_type=type_.split(".")[0],
            subject_id=record.id,
            actor=self.principal.actor,
            payload=payload,
            account_id=account_id,
            contact_id=contact_id,
            summary=summary,
            occurred_at=self.now,
        )


Rule = Callable[[RuleContext, Any, set[str]], list[DomainEvent]]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(["body", field], message)])


# --- deals ------------------------------------------------------------------


def deal_rule(ctx: RuleContext, deal: m.Deal, changed: set[str]) -> list[DomainEvent]:
    repo = ctx.repo
    if deal.pipeline_id is None:
        pipeline = repo.default_pipeline()
        if pipeline is None:
            raise _invalid("pipeline_id", "no pipeline exists; create one first")
        deal.pipeline_id = pipeline.id
    stages = repo.stages(deal.pipeline_id)
    if not stages:
        raise _invalid("pipeline_id", "pipeline has no stages")
    if deal.stage_id is None:
        deal.stage_id = stages[0].id
    stage = next((st for st in stages if st.id == deal.stage_id), None)
    if stage is None:
        raise _invalid("stage_id", "stage does not belong to the deal's pipeline")
    if not (ctx.is_new or "stage_id" in changed or "pipeline_id" in changed):
        return []
    if "probability" not in changed or deal.probability is None:
        deal.probability = stage.probability
    deal.status = stage.kind
    deal.closed_at = ctx.now if stage.kind != "open" else None
    previous_stage_id = ctx.previous.get("stage_id")
    entered = ctx.previous.get("stage_entered_at")
    seconds = int((ctx.now - as_utc(entered)).total_seconds()) if entered else None
    deal.stage_entered_at = ctx.now
    repo.session.add(
        m.DealStageChange(
            tenant_id=deal.tenant_id,
            deal_id=deal.id,
            from_stage_id=previous_stage_id,
            to_stage_id=stage.id,
            changed_at=ctx.now,
            seconds_in_previous=seconds,
            actor_kind=ctx.principal.kind,
            actor_id=ctx.principal.id,
        )
    )
    if ctx.is_new:
        return []
    events = [
        ctx.event(
            EventType.DEAL_STAGE_CHANGED,
            deal,
            f"{deal.name}: → {stage.name}",
            from_stage_id=previous_stage_id,
            to_stage_id=stage.id,
            stage_name=stage.name,
            seconds_in_previous=seconds,
        )
    ]
    if stage.kind in ("won", "lost"):
        events.append(
            ctx.event(
                EventType.DEAL_WON if stage.kind == "won" else EventType.DEAL_LOST,
                deal,
                f"{deal.name} {stage.kind}",
                amount=str(deal.amount) if deal.amount is not None else None,
            )
        )
    return events


# --- tickets ----------------------------------------------------------------

DEFAULT_SLA_MINUTES: dict[str, tuple[int, int]] = {
    "urgent": (30, 4 * 60),
    "high": (60, 8 * 60),
    "normal": (4 * 60, 24 * 60),
    "low": (8 * 60, 72 * 60),
}
RESOLVED = frozenset({"resolved", "closed"})


def _sla_minutes(repo: RecordRepository, priority: str) -> tuple[int, int]:
    policy = repo.sla_policies().get(priority)
    return DEFAULT_SLA_MINUTES[priority] if policy is None else policy


def _next_ticket_number(repo: RecordRepository) -> str:
    return f"T-{repo.next_in_sequence('ticket'):06d}"


def ticket_rule(ctx: RuleContext, ticket: m.Ticket, changed: set[str]) -> list[DomainEvent]:
    repo = ctx.repo
    events: list[DomainEvent] = []
    if ctx.is_new:
        ticket.number = _next_ticket_number(repo)
    if ctx.is_new or "priority" in changed:
        first, resolve = _sla_minutes(repo, ticket.priority)
        opened = as_utc(ticket.created_at) if ticket.created_at else ctx.now
        ticket.first_response_due_at = opened + timedelta(minutes=first)
        ticket.resolution_due_at = opened + timedelta(minutes=resolve)
    if ctx.is_new or "status" in changed:
        before = ctx.previous.get("status")
        if before in (None, "new") and ticket.status in ("open", "pending", *RESOLVED):
            ticket.first_responded_at = ticket.first_responded_at or ctx.now
        ticket.resolved_at = ctx.now if ticket.status in RESOLVED else None
        repo.session.add(
            m.TicketStatusChange(
                tenant_id=ticket.tenant_id,
                ticket_id=ticket.id,
                from_status=before,
                to_status=ticket.status,
                changed_at=ctx.now,
                actor_kind=ctx.principal.kind,
                actor_id=ctx.principal.id,
            )
        )
        if not ctx.is_new:
            events.append(
                ctx.event(
                    EventType.TICKET_STATUS_CHANGED,
                    ticket,
                    f"{ticket.number}: {before} → {ticket.status}",
                    from_status=before,
                    to_status=ticket.status,
                )
            )
    if "escalated" in changed and ticket.escalated:
        events.append(
            ctx.event(
                EventType.TICKET_ESCALATED,
                ticket,
                f"{ticket.number} escalated",
                priority=ticket.priority,
            )
        )
    return events


# --- others -----------------------------------------------------------------


def activity_rule(ctx: RuleContext, activity: m.Activity, changed: set[str]) -> list[DomainEvent]:
    if activity.kind == "meeting" and (activity.starts_at is None or activity.ends_at is None):
        raise _invalid("starts_at", "a meeting needs starts_at and ends_at")
    if activity.starts_at and activity.ends_at and activity.ends_at < activity.starts_at:
        raise _invalid("ends_at", "ends_at is before starts_at")
    return []


def interaction_rule(ctx: RuleContext, item: m.Interaction, changed: set[str]) -> list[DomainEvent]:
    if item.occurred_at is None:
        item.occurred_at = ctx.now
    if item.contact_id and not item.account_id:
        contact = ctx.repo.session.get(m.Contact, item.contact_id)
        item.account_id = contact.account_id if contact else None
    return []


def order_rule(ctx: RuleContext, order: m.Order, changed: set[str]) -> list[DomainEvent]:
    if order.ordered_at is None:
        order.ordered_at = ctx.now
    total = Decimal(0)
    for i, line in enumerate(order.lines):
        if not ctx.repo.exists("product", line["product_id"]):
            raise ValidationFailed(
                "unknown product", [FieldError(["body", "lines", i, "product_id"], "not found")]
            )
        total += Decimal(str(line["unit_price"])) * int(line["quantity"])
    order.total = total
    return []


def lead_rule(ctx: RuleContext, lead: m.Lead, changed: set[str]) -> list[DomainEvent]:
    if not ctx.is_new and ctx.previous.get("status") == "converted" and "status" in changed:
        raise _invalid("status", "a converted lead keeps its status")
    return []


@dataclass(frozen=True)
class ErasureCheck:
    """How the contact rule recognises a person coming back after erasure. The privacy
    context provides it (``kith.privacy.reimport``), the composition root installs it:
    privacy builds on crm, so crm does not import it."""

    flag: str
    flag_if_erased: Callable[[Session, Principal, Any, datetime], DomainEvent | None]
    may_be_erased: Callable[[Session, str, Mapping[str, Any]], bool]


_erasure_check: list[ErasureCheck] = []


def use_erasure_check(check: ErasureCheck) -> None:
    _erasure_check[:] = [check]


def _erasure() -> ErasureCheck:
    if not _erasure_check:
        raise RuntimeError("no erasure check installed (kith.bootstrap.wire)")
    return _erasure_check[0]


def contact_rule(ctx: RuleContext, contact: m.Contact, changed: set[str]) -> list[DomainEvent]:
    """Every new contact — API, imports, lead conversion — is checked against erasure
    tombstones: the same person coming back after erasure is flagged for an admin."""
    if not ctx.is_new:
        return []
    check = _erasure()
    event = check.flag_if_erased(ctx.repo.session, ctx.principal, contact, ctx.now)
    if event is None:
        return []
    ctx.flags.append(check.flag)
    return [event]


def contact_may_flag(ctx: RuleContext, values: Mapping[str, Any]) -> bool:
    return ctx.is_new and _erasure().may_be_erased(
        ctx.repo.session, ctx.principal.tenant_id, values
    )


# Cheap checks on a row's values: the bulk writer builds a record to run the type's
# rule on only when its check says the rule may do something.
RULE_CHECKS: dict[str, Callable[[RuleContext, Mapping[str, Any]], bool]] = {
    "contact": contact_may_flag,
}

RULES: dict[str, Rule] = {
    "contact": contact_rule,
    "deal": deal_rule,
    "ticket": ticket_rule,
    "activity": activity_rule,
    "interaction": interaction_rule,
    "order": order_rule,
    "lead": lead_rule,
}
