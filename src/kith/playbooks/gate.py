"""The quality gate a practice passes before it is published, as data.

``Gate`` is what a tenant stores (``models.PracticeGate``; ``DEFAULT_GATE`` when it
stored none): how many reviews marked "effective" with a comment are needed, which
roles count as senior, and whether a confirmation of the customer's value is needed.
``evaluate`` is pure: it gets the reviews and the confirmation and says whether the
gate is passed and what is missing, in words a person reads (zh and en).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Gate:
    required_reviews: int = 3
    reviewer_roles: tuple[str, ...] = ("senior_sales", "manager", "admin")
    require_customer_value: bool = True

    def is_senior(self, roles: Iterable[str]) -> bool:
        return bool(set(roles) & set(self.reviewer_roles))


DEFAULT_GATE = Gate()


@dataclass(frozen=True)
class Review:
    reviewer_id: str
    verdict: str  # effective | not_effective
    comment: str
    reviewer_roles: tuple[str, ...]


@dataclass(frozen=True)
class GateStatus:
    passed: bool
    effective_reviews: int  # counted: senior, not the creator, verdict effective
    required_reviews: int
    customer_value: bool
    missing: tuple[str, ...] = field(default_factory=tuple)  # en
    missing_zh: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "effective_reviews": self.effective_reviews,
            "required_reviews": self.required_reviews,
            "customer_value": self.customer_value,
            "missing": list(self.missing),
            "missing_zh": list(self.missing_zh),
        }


def counts(gate: Gate, review: Review, creator_id: str) -> bool:
    """Whether a review counts towards the gate: an effective verdict with a comment,
    by someone holding a senior role, who is not the practice's creator."""
    return (
        review.verdict == "effective"
        and bool(review.comment.strip())
        and review.reviewer_id != creator_id
        and gate.is_senior(review.reviewer_roles)
    )


def evaluate(
    gate: Gate, reviews: Sequence[Review], creator_id: str, customer_value: bool
) -> GateStatus:
    latest: dict[str, Review] = {}
    for review in reviews:  # one voice per reviewer: the latest verdict
        latest[review.reviewer_id] = review
    effective = sum(1 for r in latest.values() if counts(gate, r, creator_id))
    missing: list[str] = []
    missing_zh: list[str] = []
    if effective < gate.required_reviews:
        short = gate.required_reviews - effective
        missing.append(f"{short} more effective review(s) by a senior reviewer")
        missing_zh.append(f"还需 {short} 位资深评审标记有效")
    value_ok = customer_value or not gate.require_customer_value
    if not value_ok:
        missing.append("the customer's value confirmation")
        missing_zh.append("客户价值确认")
    return GateStatus(
        passed=effective >= gate.required_reviews and value_ok,
        effective_reviews=effective,
        required_reviews=gate.required_reviews,
        customer_value=customer_value,
        missing=tuple(missing),
        missing_zh=tuple(missing_zh),
    )
