"""The quality gate's rules, as data (``kith.playbooks.gate``)."""

from __future__ import annotations

from kith.playbooks.gate import DEFAULT_GATE, Gate, Review, counts, evaluate

CREATOR = "u-creator"


def _r(
    who: str,
    roles: tuple[str, ...] = ("manager",),
    verdict: str = "effective",
    comment: str = "好用,已复用",
) -> Review:
    return Review(who, verdict, comment, roles)


def test_three_senior_effective_reviews_and_the_customer_value_pass() -> None:
    reviews = [_r("a"), _r("b", ("admin",)), _r("c", ("senior_sales",))]
    status = evaluate(DEFAULT_GATE, reviews, CREATOR, customer_value=True)
    assert status.passed and status.effective_reviews == 3 and status.missing == ()


def test_without_the_customer_value_the_gate_is_not_passed() -> None:
    reviews = [_r("a"), _r("b"), _r("c")]
    status = evaluate(DEFAULT_GATE, reviews, CREATOR, customer_value=False)
    assert not status.passed
    assert status.missing == ("the customer's value confirmation",)
    assert status.missing_zh == ("客户价值确认",)
    assert evaluate(Gate(3, ("manager",), False), reviews, CREATOR, False).passed


def test_a_non_senior_review_does_not_count() -> None:
    reviews = [_r("a"), _r("b"), _r("c", ("sales",))]
    status = evaluate(DEFAULT_GATE, reviews, CREATOR, customer_value=True)
    assert not status.passed and status.effective_reviews == 2
    assert status.missing == ("1 more effective review(s) by a senior reviewer",)


def test_the_creator_cannot_count_for_their_own_practice() -> None:
    assert not counts(DEFAULT_GATE, _r(CREATOR), CREATOR)
    reviews = [_r(CREATOR), _r("b"), _r("c")]
    assert evaluate(DEFAULT_GATE, reviews, CREATOR, True).effective_reviews == 2


def test_not_effective_and_empty_comments_do_not_count_and_the_latest_verdict_wins() -> None:
    assert not counts(DEFAULT_GATE, _r("a", verdict="not_effective"), CREATOR)
    assert not counts(DEFAULT_GATE, _r("a", comment="   "), CREATOR)
    # one voice per reviewer: three reviews by one person are one review
    assert evaluate(DEFAULT_GATE, [_r("a"), _r("a"), _r("a")], CREATOR, True).effective_reviews == 1
    # a reviewer who changes their mind no longer counts
    changed = [_r("a"), _r("b"), _r("c"), _r("c", verdict="not_effective")]
    assert evaluate(DEFAULT_GATE, changed, CREATOR, True).effective_reviews == 2


def test_which_roles_are_senior_is_the_gates_data() -> None:
    only_admins = Gate(required_reviews=1, reviewer_roles=("admin",))
    assert not counts(only_admins, _r("a", ("manager",)), CREATOR)
    assert counts(only_admins, _r("a", ("sales", "admin")), CREATOR)
