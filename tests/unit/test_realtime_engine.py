"""Rule sets in memory: ordered rules, hard outcomes, thresholds, the canary split by a
stable hash, lists with CIDR ranges and expiry, the in-memory one-hour window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kith.core.errors import ValidationFailed
from kith.realtime.defaults import PAYMENT_CHECK, PAYMENT_RULES
from kith.realtime.engine import compile_ruleset, run_test_cases, with_defaults
from kith.realtime.features.lists import Entry, ListSnapshot
from kith.realtime.features.window import MemoryWindow, Txn
from kith.realtime.runtime import RouteSnapshot
from kith.realtime.schemas import RuleSetDefinition
from kith.realtime.service import choose_variant, stable_bucket

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def _compiled(version: int = 1, definition: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    given = RuleSetDefinition.model_validate(definition or PAYMENT_RULES)
    return compile_ruleset(PAYMENT_CHECK, version, given)


def test_the_payment_rules_pass_their_own_test_cases() -> None:
    results = run_test_cases(_compiled())
    assert [r["passed"] for r in results] == [True, True, True]


def test_first_hard_outcome_wins_and_scores_add_up_to_thresholds() -> None:
    ruleset = _compiled()
    blocked = ruleset.evaluate(
        with_defaults({"lists": {"device_blocked": True, "card_allowed": True}})
    )
    assert blocked.outcome == "block" and [f.rule for f in blocked.fired] == [
        "blocked_device_or_ip"
    ]
    allowed = ruleset.evaluate(
        with_defaults({"lists": {"card_allowed": True}, "card": {"accounts_1h": 9}})
    )
    assert allowed.outcome == "pass" and [f.rule for f in allowed.fired] == ["allowlisted_card"]
    review = ruleset.evaluate(
        with_defaults({"card": {"accounts_1h": 6}, "history": {"disputes": 1, "known": True}})
    )
    assert (review.outcome, review.score) == ("review", 100.0)
    loyal = ruleset.evaluate(
        with_defaults({"card": {"accounts_1h": 6}, "history": {"known": True, "delivered": 5}})
    )
    assert (loyal.outcome, loyal.score) == ("pass", 40.0)


def test_canary_at_ten_percent_stays_within_one_point_over_100k_keys() -> None:
    champion, challenger = _compiled(1), _compiled(2)
    route = RouteSnapshot(PAYMENT_CHECK, champion, challenger, "canary", 10.0, "customer_id")
    keys = [f"customer-{n}" for n in range(100_000)]
    chosen = [choose_variant(route, key)[1] for key in keys]
    share = chosen.count("challenger") / len(keys)
    assert 0.09 <= share <= 0.11
    assert [choose_variant(route, k)[1] for k in keys[:1000]] == chosen[:1000]  # stable
    raised = RouteSnapshot(PAYMENT_CHECK, champion, challenger, "canary", 20.0, "customer_id")
    # raising the canary keeps everyone already on the challenger there
    assert all(
        choose_variant(raised, k)[1] == "challenger"
        for k, v in zip(keys, chosen, strict=True)
        if v == "challenger"
    )
    assert stable_bucket(PAYMENT_CHECK, "customer-1") == stable_bucket(PAYMENT_CHECK, "customer-1")


def test_shadow_mode_serves_the_champion_and_evaluates_the_challenger() -> None:
    champion, challenger = _compiled(1), _compiled(2)
    route = RouteSnapshot(PAYMENT_CHECK, champion, challenger, "shadow", 0.0, "customer_id")
    serving, variant, shadow = choose_variant(route, "anyone")
    assert (serving.version, variant, shadow and shadow.version) == (1, "champion", 2)


def test_a_rule_set_with_duplicate_names_or_bad_expressions_does_not_compile() -> None:
    definition = {
        "rules": [
            {"name": "a", "when": "true", "score": 1},
            {"name": "a", "when": "true", "score": 1},
            {"name": "b", "when": "input.amount >", "score": 1},
        ]
    }
    with pytest.raises(ValidationFailed) as failed:
        _compiled(1, definition)
    assert [e.path for e in failed.value.errors] == [["rules", 1, "name"], ["rules", 2, "when"]]


def test_lists_match_ips_ranges_devices_cards_and_drop_expired_entries() -> None:
    entries = [
        Entry("blocklist", "cidr", "10.8.0.0/16", None),
        Entry("blocklist", "ip", "2001:db8::1", None),
        Entry("blocklist", "device", "dev-1", NOW + timedelta(minutes=5)),
        Entry("blocklist", "card", "card-1", NOW - timedelta(minutes=5)),
        Entry("allowlist", "card", "card-2", None),
    ]
    lists = ListSnapshot(entries, NOW)
    assert lists.features("10.8.200.3", "dev-1", "card-1") == {
        "ip_blocked": True,
        "device_blocked": True,
        "card_blocked": False,  # expired before the snapshot
        "ip_allowed": False,
        "device_allowed": False,
        "card_allowed": False,
    }
    assert lists.features("10.9.0.1", "dev-2", "card-2")["ip_blocked"] is False
    assert lists.features("2001:db8::1", "d", "card-2")["ip_blocked"] is True
    assert lists.features("10.9.0.1", "dev-2", "card-2")["card_allowed"] is True
    assert not lists.stale(NOW) and lists.stale(NOW + timedelta(minutes=5))


def test_the_memory_window_counts_the_last_hour_only() -> None:
    window = MemoryWindow()
    start = NOW.timestamp()
    for n in range(5):
        card, device = window.observe(
            "t", Txn("card-x", f"dev-{n % 2}", f"acct-{n}", "1.1.1.1", 10.0), start + n
        )
    assert card == {"accounts_1h": 5, "devices_1h": 2, "ips_1h": 1, "txns_1h": 5, "amount_1h": 50.0}
    assert device == {"accounts_1h": 3, "cards_1h": 1, "txns_1h": 3}
    later, _ = window.observe("t", Txn("card-x", "dev-9", "acct-9", "1.1.1.1", 1.0), start + 3603)
    assert later["txns_1h"] == 3 and later["accounts_1h"] == 3  # n=0..2 left the window
    other, _ = window.observe("other-tenant", Txn("card-x", "dev-0", "a", "1.1.1.1", 1.0), start)
    assert other["accounts_1h"] == 1


def test_the_memory_window_is_bounded() -> None:
    window = MemoryWindow(max_keys=10)
    for n in range(50):
        window.observe("t", Txn(f"card-{n}", f"dev-{n}", "a", "ip", 1.0), NOW.timestamp())
    assert len(window._cards) == 10 and len(window._devices) == 10
