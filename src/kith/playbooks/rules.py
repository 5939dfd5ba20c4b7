"""Checks of a practice's elements that pydantic cannot make alone: vocabulary tags,
registered event types, CEL conditions that compile over ``event`` and ``deal``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from kith.core.errors import FieldError, ValidationFailed
from kith.core.event_types import EventType
from kith.core.expressions import compile_expression
from kith.playbooks.schemas import CEL_VARIABLES, SIZE_BANDS, VOCABULARY, PracticeBody

# Stage names (zh/en fragments) -> the vocabulary's stage values, for pre-filling.
STAGE_WORDS: tuple[tuple[str, str], ...] = (
    ("预算", "budget_approval"),
    ("budget", "budget_approval"),
    ("招标", "tender"),
    ("述标", "tender"),
    ("投标", "tender"),
    ("tender", "tender"),
    ("谈判", "negotiation"),
    ("商务", "negotiation"),
    ("negotiat", "negotiation"),
    ("方案", "proposal"),
    ("报价", "proposal"),
    ("proposal", "proposal"),
    ("需求", "needs"),
    ("needs", "needs"),
    ("初步", "qualification"),
    ("资格", "qualification"),
    ("qualif", "qualification"),
)
KEY_TIERS = frozenset({"key", "a", "strategic", "vip", "ka"})


def check_body(body: PracticeBody, root: str = "body") -> None:
    errors: list[FieldError] = []
    for dimension, values in body.situation.items():
        allowed = VOCABULARY.get(dimension)
        if allowed is None:
            errors.append(
                FieldError(
                    [root, "situation", dimension],
                    f"unknown dimension; known: {', '.join(VOCABULARY)} (use free_tags)",
                )
            )
            continue
        for i, value in enumerate(values):
            if value not in allowed:
                errors.append(
                    FieldError(
                        [root, "situation", dimension, i],
                        f"not in the vocabulary; allowed: {', '.join(allowed)}",
                    )
                )
    keys: set[str] = set()
    for i, point in enumerate(body.verification):
        where: list[str | int] = [root, "verification", i]
        if point.key in keys:
            errors.append(FieldError([*where, "key"], "duplicate key"))
        keys.add(point.key)
        errors += _event_errors(point.event_type, point.condition, where)
    if body.breaker is not None:
        errors += _event_errors(body.breaker.event_type, body.breaker.condition, [root, "breaker"])
    if errors:
        raise ValidationFailed("the practice is not valid", errors)


def _event_errors(
    event_type: str | None, condition: str | None, where: list[str | int]
) -> list[FieldError]:
    errors: list[FieldError] = []
    if event_type is not None:
        try:
            EventType(event_type)
        except ValueError:
            errors.append(FieldError([*where, "event_type"], "not a registered event type"))
    if condition is not None:
        try:
            compile_expression(condition, CEL_VARIABLES, path=[*where, "condition"])
        except ValidationFailed as exc:
            errors += exc.errors
    return errors


def size_band(amount: Decimal | float | None) -> str | None:
    if amount is None:
        return None
    value = float(amount)
    for band, limit in SIZE_BANDS:
        if value < limit:
            return band
    return "large"


def stage_value(stage_name: str | None) -> str | None:
    if not stage_name:
        return None
    lowered = stage_name.lower()
    for word, value in STAGE_WORDS:
        if word in lowered:
            return value
    return None


ZH_INDUSTRIES = (("政府", "government"), ("医院", "hospital"), ("物流", "logistics"))
INDUSTRY_ALIASES = {"gov": "government", "healthcare": "hospital", "hospitals": "hospital"}


def industry_value(industry: str | None) -> str | None:
    """The vocabulary's industry for an account's: an exact (case-insensitive) value or
    alias, or a Chinese word it contains; None when the vocabulary has no such one."""
    if not industry:
        return None
    lowered = industry.strip().lower()
    lowered = INDUSTRY_ALIASES.get(lowered, lowered)
    if lowered in VOCABULARY["industry"]:
        return lowered
    for word, value in ZH_INDUSTRIES:
        if word in lowered:
            return value
    return None


def customer_type(tier: str | None) -> str | None:
    if not tier:
        return None
    return "key" if tier.strip().lower() in KEY_TIERS else "standard"


def deal_features(
    deal: Any, stage_name: str | None, industry: str | None, tier: str | None
) -> dict[str, str]:
    """A deal's values on the vocabulary's dimensions (those it has)."""
    values = {
        "industry": industry_value(industry),
        "stage": stage_value(stage_name),
        "deal_size": size_band(deal.amount),
        "customer_type": customer_type(tier),
    }
    return {k: v for k, v in values.items() if v}
