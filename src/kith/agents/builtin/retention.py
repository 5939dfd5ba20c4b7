"""The Retention & Marketing agent: reacts to risk signals with consent-respecting offers.

- Product Insight found that a complaint is explained by cold weather (S1):
  send the owner cold-weather driving tips with a free battery health check.
- Product Insight flagged a fast-ageing cell batch (S11): give every affected
  owner a free battery-check voucher.
- A churn score crossed its threshold: a thank-you offer.

Every offer is a marketing action: the gateway checks the customer's consent,
and the coordinator holds it while a severe complaint is open and caps how
often any agent writes to the customer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from kith.agents.builtin import common
from kith.agents.builtin.insight import ask_about_cohort, is_cell_batch_flag
from kith.agents.collaboration import ANALYSIS_COMPLETED
from kith.agents.sdk import (
    Agent,
    AgentSpec,
    Assessment,
    DataScope,
    Perception,
    ProposedAction,
    StepContext,
    on,
)
from kith.events.types import EventType
from kith.gateway.contracts import Factor

COLD_WEATHER = "cold_weather_range_loss"
CHURN_THRESHOLD = 0.7
BATTERY_CHECK_VALUE = Decimal("199")


def _cold_weather_answer(envelope: Any) -> bool:
    answer = envelope.payload.get("answer") or {}
    return answer.get("conclusion") == COLD_WEATHER and bool(envelope.payload.get("contact_id"))


def _score_snapshot(payload: Mapping[str, Any], score: float) -> dict[str, Any]:
    return {
        "score_kind": payload.get("kind"),
        "score": score,
        "band": payload.get("band"),
        "model_version": payload.get("model_version"),
    }


def _model_factors(payload: Mapping[str, Any]) -> tuple[Factor, ...]:
    """The model's own top factors (log-odds contributions) carried by ``score.changed``."""
    version = payload.get("model_version")
    return tuple(
        Factor(
            str(f["name"]),
            f.get("value"),
            float(f["contribution"]),
            f"log-odds contribution ({version})" if version else "log-odds contribution",
        )
        for f in payload.get("factors") or ()
        if isinstance(f, Mapping) and f.get("name") and f.get("contribution") is not None
    )


def _churn_risk(envelope: Any) -> bool:
    payload = envelope.payload
    return (
        payload.get("kind") == "churn"
        and envelope.subject_type == "contact"
        and float(payload.get("score") or 0) >= CHURN_THRESHOLD
    )


class RetentionAgent(Agent):
    spec = AgentSpec(
        name="retention",
        label_zh="客户保留与营销智能体",
        label_en="Retention & marketing agent",
        description="Consent-respecting offers in answer to risk signals",
        scope=DataScope(
            objects={
                "contact": ("read",),
                "account": ("read",),
                "interaction": ("read", "create"),  # a sent message is an outbound interaction
                "ticket": ("read",),
                "product": ("read",),
                "order": ("read",),
                "activity": ("read", "create"),
                "message": ("create",),
                "coupon": ("create",),
                "campaign": ("create",),
            },
            hidden_fields=common.PII_HIDDEN,
        ),
        subscriptions=(
            on(ANALYSIS_COMPLETED, _cold_weather_answer),
            on(EventType.TICKET_CREATED, is_cell_batch_flag),
            on(EventType.SCORE_CHANGED, _churn_risk),
        ),
        tools=frozenset(
            {"messages.send", "coupons.issue", "campaigns.enroll", "agents.request_analysis"}
        ),
        purpose="marketing",
        budget_per_hour=300,
    )

    def perceive(self, ctx: StepContext) -> Perception | None:
        envelope = ctx.envelope
        if envelope.type == EventType.TICKET_CREATED:
            return Perception(
                summary=f"cell batch flagged: {ctx.record.get('subject')}",
                facts={"kind": "cohort", "ticket": dict(ctx.record)},
            )
        contact_id = (
            envelope.payload.get("contact_id")
            if envelope.type == ANALYSIS_COMPLETED
            else envelope.subject_id
        )
        contact = common.readable(ctx.records, "contact", contact_id)
        if not contact:
            return None
        kind = "cold_weather" if envelope.type == ANALYSIS_COMPLETED else "churn"
        return Perception(
            summary=f"{kind} signal for {contact.get('name')}",
            contact_id=contact["id"],
            account_id=contact.get("account_id"),
            language=common.language_of_contact(contact),
            facts={"kind": kind, "contact": contact, **common.private_values(contact)},
        )

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        kind = perception.facts["kind"]
        if kind == "cold_weather":
            answer = ctx.envelope.payload["answer"]
            factors = (
                Factor("fleet_conclusion", answer["conclusion"], 0.6, answer["summary"][:200]),
                Factor("customer_complained", True, 0.4),
            )
            return Assessment(
                perception,
                "cold_weather_offer",
                {"answer": answer},
                factors,
                answer.get("confidence"),
                0.5,
            )
        if kind == "churn":
            payload = ctx.envelope.payload
            score = float(payload.get("score") or 0)
            labels = {"score": _score_snapshot(payload, score)}
            drivers = _model_factors(payload) or (Factor("churn_score", score, 1.0),)
            return Assessment(
                perception, "retention_offer", labels, drivers, score, CHURN_THRESHOLD
            )
        return Assessment(perception, "cohort_vouchers", confidence=0.9)

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        if assessment.intent == "cohort_vouchers":
            return [self._ask_cohort(ctx, assessment)]
        contact: Mapping[str, Any] = assessment.perception.facts["contact"]
        channel = common.send_channel(contact)
        if channel is None:
            return []
        answer = assessment.labels.get("answer") or {}
        subject, body = common.draft(
            ctx,
            "cold_range_offer" if assessment.intent == "cold_weather_offer" else "retention_offer",
            assessment.perception.language,
            {"name": contact.get("name"), "finding": answer.get("summary", "")},
            contact,
        )
        args = {"contact_id": contact["id"], "channel": channel, "subject": subject, "body": body}
        proposal = ctx.propose(
            "messages.send",
            args,
            purpose="marketing",
            summary=f"{assessment.intent} via {channel}",
            assessment=assessment,
            contact_id=contact["id"],
            account_id=contact.get("account_id"),
        )
        if "score" in assessment.labels:  # the passport shows which score and model acted
            inputs = {**proposal.rationale.inputs, **assessment.labels["score"]}
            proposal = replace(proposal, rationale=replace(proposal.rationale, inputs=inputs))
        return [proposal]

    def _ask_cohort(self, ctx: StepContext, assessment: Assessment) -> ProposedAction:
        def vouchers(findings: Mapping[str, Any]) -> Sequence[ProposedAction]:
            owners = findings.get("owners") or []
            return [self._voucher(ctx, assessment, str(owner)) for owner in owners]

        return ask_about_cohort(ctx, assessment, "marketing", vouchers)

    def _voucher(self, ctx: StepContext, assessment: Assessment, contact_id: str) -> ProposedAction:
        subject, _ = common.draft(ctx, "soh_voucher", "zh", {})
        args = {
            "contact_id": contact_id,
            "kind": "service_voucher",
            "value": str(BATTERY_CHECK_VALUE),
            "currency": "CNY",
            "reason": subject,
            "valid_days": 60,
        }
        return ctx.propose(
            "coupons.issue",
            args,
            purpose="marketing",
            summary="free battery health check voucher",
            assessment=assessment,
            contact_id=contact_id,
        )
