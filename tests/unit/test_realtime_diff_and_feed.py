"""The rule-set diff the editor and `kith rules show --diff` show, and the bookkeeping of
the history change feed (what each process has applied) and the guests' negative cache."""

from __future__ import annotations

from copy import deepcopy

from kith.realtime.defaults import PAYMENT_RULES
from kith.realtime.diff import diff_definitions
from kith.realtime.features.history import HistoryCache, HistoryFeed, is_contact_id


def test_an_unchanged_set_has_an_empty_diff() -> None:
    diff = diff_definitions(PAYMENT_RULES, deepcopy(PAYMENT_RULES))
    assert diff["same"] is True
    assert (diff["added"], diff["removed"], diff["changed"], diff["settings"]) == ([], [], [], {})


def test_the_diff_names_rules_fields_order_settings_and_cases() -> None:
    new = deepcopy(PAYMENT_RULES)
    rules = new["rules"]
    rules[2]["when"] = "card.accounts_1h >= 3"  # card_shared_by_accounts
    rules[2]["score"] = 70
    removed = rules.pop(3)  # card_velocity
    rules.insert(0, {"name": "vip", "when": "history.orders > 50", "score": -40})
    rules[1], rules[2] = rules[2], rules[1]
    new["fallback_outcome"] = "review"
    new["test_cases"][0]["expect"] = "review"
    diff = diff_definitions(PAYMENT_RULES, new)
    assert [r["name"] for r in diff["added"]] == ["vip"]
    assert [r["name"] for r in diff["removed"]] == [removed["name"]]
    assert diff["changed"] == [
        {
            "name": "card_shared_by_accounts",
            "fields": {
                "when": {"from": "card.accounts_1h >= 5", "to": "card.accounts_1h >= 3"},
                "score": {"from": 60.0, "to": 70.0},
            },
        }
    ]
    assert diff["reordered"] is True
    assert diff["settings"] == {"fallback_outcome": {"from": "step_up", "to": "review"}}
    assert diff["test_cases"] == {"added": [], "removed": [], "changed": ["blocked device"]}
    assert diff["same"] is False


def test_the_feed_rereads_an_overlap_but_applies_each_entry_once() -> None:
    feed = HistoryFeed(overlap_s=5)
    start = 1_800_000_000_000
    assert feed.since("t", start) == f"{start - 5_000:012x}"
    first = f"{start + 100:012x}" + "0" * 20
    assert feed.fresh("t", [first], start + 250) == {first}
    # the next poll reads 5 s back again: the same entry is not applied twice
    assert feed.since("t", start + 500) == f"{start + 250 - 5_000:012x}"
    late = f"{start + 50:012x}" + "1" * 20  # committed late, with an earlier time
    assert feed.fresh("t", [first, late], start + 500) == {late}
    # entries far behind the window are forgotten
    assert feed.fresh("t", [], start + 60_000) == set()
    assert feed.fresh("t", [first], start + 60_001) == {first}


def test_guests_are_answered_from_memory_and_changed_customers_are_forgotten() -> None:
    cache = HistoryCache()
    contact = "0" * 31 + "a"
    assert is_contact_id(contact) and not is_contact_id("guest-1")
    loads: list[str] = []

    def load() -> dict[str, object]:
        loads.append(contact)
        return {"known": True, "orders": 2}

    assert cache.get("t", contact, load)["orders"] == 2
    assert cache.get("t", contact, load)["orders"] == 2 and len(loads) == 1
    assert cache.get("t", "guest-1", load)["disputes"] == 0 and len(loads) == 1
    cache.changed("t", [contact], ["guest-1"])
    assert cache.get("t", "guest-1", load)["disputes"] == 1
    assert cache.get("t", "guest-1", load)["known"] is False
    cache.get("t", contact, load)
    assert len(loads) == 2  # forgotten, loaded again
    assert cache.get("other", "guest-1", load)["disputes"] == 0  # per tenant
