"""Why a real-time decision came out as it did: the reasons the customer is told and the
full decision record (passport) of a non-pass decision, with its flagged event (see
kith.realtime.log for what is written in the request and what in a batch)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kith.core.domain import DomainEvent
from kith.core.event_types import EventType
from kith.core.ids import new_id
from kith.db.uow import UnitOfWork
from kith.gateway.contracts import Factor, Rationale
from kith.gateway.decisions import (
    finish_decision,
    new_decision,
    rationale_snapshot,
    set_subject,
    with_customer,
)
from kith.gateway.registry import Subject
from kith.realtime.engine import CompiledRuleSet, Evaluation
from kith.realtime.log import PassportWriter
from kith.realtime.schemas import Reason

if TYPE_CHECKING:
    from kith.realtime.service import RealtimeService

# What the customer is told when the set fell back (budget exhausted, a rule failed).
FALLBACK_REASON = Reason(
    rule="fallback",
    en="We need to verify this payment before it goes through.",
    zh="我们需要先核实这笔支付,才能继续处理。",
)


# What the customer is told for a rule without its own words in both languages: plain
# words for the outcome, never a rule's internal name.
OUTCOME_REASONS = {
    "step_up": Reason(
        rule="step_up",
        en="We need to confirm that it is you making this payment.",
        zh="我们需要确认这笔支付是您本人操作。",
    ),
    "review": Reason(
        rule="review",
        en="We will check this order briefly before it ships.",
        zh="这笔订单需要我们简单核对后再发货。",
    ),
    "block": Reason(
        rule="block",
        en="We cannot accept this payment.",
        zh="我们无法受理这笔支付。",
    ),
}


def reasons_of(
    ruleset: CompiledRuleSet, fired: list[Any], outcome: str, fallback: str | None
) -> list[Reason]:
    """The reasons shown to the customer (zh and en): each fired rule's own words, or
    the outcome's plain words (once) for rules without them; none for a pass."""
    if fallback:
        return [FALLBACK_REASON]
    if outcome == "pass":
        return []
    out: list[Reason] = []
    for f in fired:
        rule = ruleset.by_name[f.rule]
        if f.contribution <= 0 and f.outcome is None:
            continue
        if rule.reason_en and rule.reason_zh:
            out.append(Reason(rule=rule.name, en=rule.reason_en, zh=rule.reason_zh))
        elif outcome in OUTCOME_REASONS and OUTCOME_REASONS[outcome] not in out:
            out.append(OUTCOME_REASONS[outcome])
    return out or ([OUTCOME_REASONS[outcome]] if outcome in OUTCOME_REASONS else [])


def flagged(
    service: RealtimeService,
    fields: dict[str, Any],
    ruleset: CompiledRuleSet,
    evaluation: Evaluation | None,
    reasons: list[Reason],
    actions: list[str],
) -> PassportWriter:
    """Emit a non-pass decision's ``risk_decision.flagged`` event in the request's unit
    of work (transactional: its actions run from it) and return the writer of its
    passport — run in the same unit of work, or later in a batch (kith.realtime.log).
    Sets ``fields["passport_id"]`` first, so the event and the log row name it."""
    passport_id = fields["passport_id"] = new_id()
    summary = (
        f"{fields['decision_key']} v{fields['version']} ({fields['variant']}): "
        f"{fields['outcome']}, score {fields['score']:g}"
        + (f" — fallback: {fields['fallback']}" if fields["fallback"] else "")
        + (f" — {evaluation.error}" if evaluation is not None and evaluation.error else "")
    )
    customer_id, order_id = fields["customer_id"], fields["order_id"]
    contact_id = customer_id if customer_id and len(customer_id) <= 32 else None
    service.uow.emit(
        DomainEvent(
            type=EventType.RISK_DECISION_FLAGGED,
            tenant_id=service.tenant_id,
            subject_type="risk_decision",
            subject_id=fields["id"],
            actor=service.principal.actor,
            contact_id=contact_id,
            payload={
                "decision_key": fields["decision_key"],
                "version": fields["version"],
                "variant": fields["variant"],
                "outcome": fields["outcome"],
                "score": fields["score"],
                "fallback": fields["fallback"],
                "fired": [f["rule"] for f in fields["fired"]],
                "actions": actions,
                "passport_id": passport_id,
                "order_id": order_id,
                "customer_id": customer_id,
            },
            summary=summary,
            occurred_at=fields["at"],
        )
    )
    factors = tuple(
        Factor(
            f["rule"],
            True,
            f["contribution"],
            ruleset.by_name[f["rule"]].reason_en if f["rule"] in ruleset.by_name else None,
        )
        for f in fields["fired"]
    )
    rationale = Rationale(
        engine="rules",
        engine_version=f"{fields['decision_key']}@v{fields['version']}",
        summary=summary,
        factors=factors,
        threshold=None,
        inputs={
            "input": fields["inputs"],
            "features": fields["features"] or {},
            "variant": fields["variant"],
            "actions": actions,
            "reasons": [r.model_dump() for r in reasons],
        },
    )
    principal, at = service.principal, fields["at"]
    short_order = order_id if order_id and len(order_id) <= 32 else None
    subject = Subject("order" if short_order else None, short_order, None, contact_id)

    def write(uow: UnitOfWork) -> None:
        """The full, explained record of the decision, listed under its customer."""
        record = new_decision(
            principal, at=at, purpose="risk", rationale=rationale_snapshot(rationale)
        )
        record.id = passport_id
        set_subject(record, with_customer(uow, principal.tenant_id, subject))
        finish_decision(uow, record, "no_action", summary)

    return write
