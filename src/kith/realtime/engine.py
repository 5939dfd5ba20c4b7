"""A rule set compiled once and evaluated per decision.

Rules run in order. A rule whose condition is true adds its ``score``; a rule with an
``outcome`` decides at once (the first such rule wins, later rules are not evaluated).
Otherwise the total score picks the outcome of the highest threshold it reaches
("pass" below every threshold). A rule that fails at run time makes the whole set
fall back to its ``fallback_outcome`` (documented in docs/realtime-decisions.md) and
the failure is reported, never raised to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kith.core.errors import FieldError, ValidationFailed
from kith.core.expressions import (
    Activation,
    CompiledExpression,
    ExpressionError,
    activation,
    compile_expression,
)
from kith.realtime.schemas import OUTCOMES, RuleSetDefinition

# What a rule may read (docs/realtime-decisions.md lists every field), with the value
# each field has when nothing is known (test cases give only what they need).
DEFAULTS: dict[str, dict[str, Any]] = {
    "input": {
        "customer_id": "",
        "order_id": "",
        "amount": 0.0,
        "currency": "CNY",
        "ip": "",
        "device": "",
        "card": "",
        "country": "",
        "city": "",
    },
    "lists": {
        "ip_blocked": False,
        "device_blocked": False,
        "card_blocked": False,
        "ip_allowed": False,
        "device_allowed": False,
        "card_allowed": False,
    },
    "card": {"accounts_1h": 0, "devices_1h": 0, "ips_1h": 0, "txns_1h": 0, "amount_1h": 0.0},
    "device": {"accounts_1h": 0, "cards_1h": 0, "txns_1h": 0},
    "history": {
        "known": False,
        "orders": 0,
        "delivered": 0,
        "refunds": 0,
        "disputes": 0,
        "tickets": 0,
        "days_since_first_order": -1,
    },
}
VARIABLES = tuple(DEFAULTS)


def with_defaults(given: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``given`` over the defaults, per variable (unknown variables are dropped)."""
    return {name: {**fields, **dict(given.get(name) or {})} for name, fields in DEFAULTS.items()}


@dataclass(frozen=True)
class CompiledRule:
    name: str
    condition: CompiledExpression
    score: float
    outcome: str | None
    reason_en: str | None  # what the customer is told; None: the outcome's plain words
    reason_zh: str | None


@dataclass(frozen=True)
class Fired:
    rule: str
    contribution: float
    outcome: str | None


@dataclass(frozen=True)
class Evaluation:
    outcome: str
    score: float
    fired: tuple[Fired, ...]
    error: str | None = None  # the run-time error that made the set fall back

    @property
    def fallback(self) -> str | None:
        return "error" if self.error else None


@dataclass(frozen=True)
class CompiledRuleSet:
    decision_key: str
    version: int
    definition: RuleSetDefinition
    rules: tuple[CompiledRule, ...]
    thresholds: tuple[tuple[float, str], ...]  # highest first
    by_name: dict[str, CompiledRule] = field(default_factory=dict)

    @property
    def fallback_outcome(self) -> str:
        return self.definition.fallback_outcome

    @property
    def budget_ms(self) -> int:
        return self.definition.budget_ms

    def actions(self, outcome: str) -> list[str]:
        return list(self.definition.actions.get(outcome, []))  # type: ignore[call-overload]

    def evaluate(self, values: Mapping[str, Any] | Activation) -> Evaluation:
        prepared = values if isinstance(values, Activation) else activation(values)
        score = 0.0
        fired: list[Fired] = []
        for rule in self.rules:
            try:
                hit = rule.condition.test(prepared)
            except ExpressionError as exc:
                return Evaluation(
                    self.fallback_outcome, score, tuple(fired), f"rule {rule.name}: {exc.message}"
                )
            if not hit:
                continue
            score += rule.score
            fired.append(Fired(rule.name, rule.score, rule.outcome))
            if rule.outcome is not None:
                return Evaluation(rule.outcome, score, tuple(fired))
        for minimum, outcome in self.thresholds:
            if score >= minimum:
                return Evaluation(outcome, score, tuple(fired))
        return Evaluation("pass", score, tuple(fired))


def compile_ruleset(
    decision_key: str, version: int, definition: RuleSetDefinition
) -> CompiledRuleSet:
    """Compile every rule; all compile errors at once, each with its field path."""
    errors: list[FieldError] = []
    rules: list[CompiledRule] = []
    seen: set[str] = set()
    for index, rule in enumerate(definition.rules):
        if rule.name in seen:
            errors.append(FieldError(["rules", index, "name"], f"duplicate rule name {rule.name}"))
            continue
        seen.add(rule.name)
        try:
            condition = compile_expression(rule.when, VARIABLES, path=("rules", index, "when"))
        except ValidationFailed as exc:
            errors.extend(exc.errors)
            continue
        rules.append(
            CompiledRule(
                rule.name,
                condition,
                rule.score,
                rule.outcome,
                rule.reason_en or None,
                rule.reason_zh or None,
            )
        )
    for outcome in definition.actions:
        if outcome not in OUTCOMES:  # pragma: no cover - the schema already refuses it
            errors.append(FieldError(["actions", outcome], "unknown outcome"))
    if errors:
        raise ValidationFailed("the rule set does not compile; nothing was saved", errors)
    thresholds = tuple(
        sorted(((t.min_score, t.outcome) for t in definition.thresholds), key=lambda t: -t[0])
    )
    return CompiledRuleSet(
        decision_key, version, definition, tuple(rules), thresholds, {r.name: r for r in rules}
    )


def run_test_cases(ruleset: CompiledRuleSet) -> list[dict[str, Any]]:
    """Each test case's expected and actual outcome (``passed``)."""
    out: list[dict[str, Any]] = []
    for case in ruleset.definition.test_cases:
        result = ruleset.evaluate(with_defaults(case.given))
        out.append(
            {
                "name": case.name,
                "expect": case.expect,
                "actual": result.outcome,
                "score": result.score,
                "passed": result.outcome == case.expect and result.error is None,
                "error": result.error,
            }
        )
    return out
