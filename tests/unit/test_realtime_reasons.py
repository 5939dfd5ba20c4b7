"""What the customer is told about a step-up, a review or a block: each rule's own words
in zh and en, or plain words for the outcome — never a rule's internal name."""

from __future__ import annotations

from kith.realtime.defaults import PAYMENT_RULES
from kith.realtime.engine import compile_ruleset, with_defaults
from kith.realtime.explain import FALLBACK_REASON, reasons_of
from kith.realtime.schemas import RuleSetDefinition


def _reasons(definition: dict[str, object], given: dict[str, object]) -> list[tuple[str, str]]:
    ruleset = compile_ruleset("payment_check", 1, RuleSetDefinition.model_validate(definition))
    result = ruleset.evaluate(with_defaults(given))
    return [(r.zh, r.en) for r in reasons_of(ruleset, list(result.fired), result.outcome, None)]


def test_a_step_up_is_explained_in_the_rules_own_words() -> None:
    given = {"card": {"accounts_1h": 6}, "history": {"known": True, "orders": 1}}
    assert _reasons(PAYMENT_RULES, given) == [
        (
            "该银行卡在过去一小时内被多个账户使用。",
            "This card was used by several accounts within the last hour.",
        )
    ]


def test_rules_without_words_give_the_outcomes_plain_words_once() -> None:
    definition = {
        "rules": [
            {"name": "odd_hour_velocity_x7", "when": "card.txns_1h >= 3", "score": 30},
            {"name": "geo_mismatch_v2", "when": "input.country != 'CN'", "score": 30},
            {"name": "half_written", "when": "input.amount > 100.0", "score": 1, "reason_en": "x"},
        ],
        "thresholds": [{"min_score": 50, "outcome": "step_up"}],
    }
    given = {"card": {"txns_1h": 4}, "input": {"country": "US", "amount": 500.0}}
    reasons = _reasons(definition, given)
    assert reasons == [
        (
            "我们需要确认这笔支付是您本人操作。",
            "We need to confirm that it is you making this payment.",
        )
    ]
    assert not any("_" in zh or "_" in en for zh, en in reasons)


def test_a_pass_says_nothing_and_a_fallback_asks_to_verify() -> None:
    assert _reasons(PAYMENT_RULES, {"history": {"known": True, "delivered": 5}}) == []
    assert FALLBACK_REASON.zh.startswith("我们需要先核实") and "verify" in FALLBACK_REASON.en
