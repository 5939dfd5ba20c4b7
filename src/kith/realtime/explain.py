"""Why a real-time decision came out as it did: the reasons the customer is told and the
full decision record (passport) of a non-pass decision, with its flagged event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kith.core.domain import DomainEvent
from kith.core.event_types import EventType
from kith.gateway.contracts import Factor, Rationale
from kith.gateway.decisions import record_decision
from kith.gateway.registry import Subject
from kith.realtime.engine import CompiledRuleSet, Evaluation
from kith.realtime.models import RealtimeDecision
from kith.realtime.schemas import Reason

if TYPE_CHECKING:
    from kith.realtime.service import RealtimeService

# What the customer is told when the set fell back (budget exhausted, a rule failed).
FALLBACK_REASON = Reason(
    rule="fallback",
    en="We need to verify this payment before it goes through.",
    zh="我们需要先核实这笔支付,才能继续处理。",
)


def reasons_of(
    ruleset: CompiledRuleSet, fired: list[Any], outcome: str, fallback: str | None
) -> list[Reason]:
    if fallback:
        return [FALLBACK_REASON]
    if outcome == "pass":
        return []
    out = []
    for f in fired:
        rule = ruleset.by_name[f.rule]
        if f.contribution > 0 or f.outcome is not None:
            out.append(Reason(rule=rule.name, en=rule.reason_en, zh=rule.reason_zh))
    return out


def record_passport(
    service: RealtimeService,
    row: RealtimeDecision,
    ruleset: CompiledRuleSet,
    evaluation: Evaluation | None,
    reasons: list[Reason],
    actions: list[str],
) -> None:
    """The full, explained record of a non-pass decision, under its customer."""
    factors = tuple(
        Factor(
            f["rule"],
            True,
            f["contribution"],
            ruleset.by_name[f["rule"]].reason_en if f["rule"] in ruleset.by_name else None,
        )
        for f in row.fired
    )
    summary = (
        f"{row.decision_key} v{row.version} ({row.variant}): {row.outcome}, score {row.score:g}"
        + (f" — fallback: {row.fallback}" if row.fallback else "")
        + (f" — {evaluation.error}" if evaluation is not None and evaluation.error else "")
    )
    rationale = Rationale(
        engine="rules",
        engine_version=f"{row.decision_key}@v{row.version}",
        summary=summary,
        factors=factors,
        threshold=None,
        inputs={
            "input": row.inputs,
            "features": row.features or {},
            "variant": row.variant,
            "actions": actions,
            "reasons": [r.model_dump() for r in reasons],
        },
    )
    contact_id = row.customer_id if row.customer_id and len(row.customer_id) <= 32 else None
    order_id = row.order_id if row.order_id and len(row.order_id) <= 32 else None
    subject = Subject("order" if order_id else None, order_id, None, contact_id)
    row.passport_id = record_decision(
        service.uow,
        service.principal,
        rationale=rationale,
        status="no_action",
        reason=summary,
        subject=subject,
        purpose="risk",
        clock=service.clock,
    )
    service.uow.emit(
        DomainEvent(
            type=EventType.RISK_DECISION_FLAGGED,
            tenant_id=service.tenant_id,
            subject_type="risk_decision",
            subject_id=row.id,
            actor=service.principal.actor,
            contact_id=contact_id,
            payload={
                "decision_key": row.decision_key,
                "version": row.version,
                "variant": row.variant,
                "outcome": row.outcome,
                "score": row.score,
                "fallback": row.fallback,
                "actions": actions,
                "passport_id": row.passport_id,
                "order_id": row.order_id,
            },
            summary=summary,
            occurred_at=row.at,
        )
    )
