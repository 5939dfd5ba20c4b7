"""The language development and held-out sets on the demo data (``make test`` runs them).

The development set (tests/data/language_devset.jsonl) is what the rules were tuned
against; the held-out set (tests/data/language_holdout.jsonl) was written afterwards
and measured before any change (83.1 % exact then; see docs/language.md). The floors
below are a little under today's figures, so the test fails when the planner regresses.
"""

from __future__ import annotations

from pathlib import Path

from kith.bootstrap import build_container
from kith.core.settings import Settings
from kith.gateway.gateway import Gateway, gateway_of
from kith.language.devset import DEFAULT_DEVSET, load_entries, run_devset

HOLDOUT = DEFAULT_DEVSET.with_name("language_holdout.jsonl")


def _gateway() -> Gateway:
    """The process's gateway (run_devset plans in its own temporary database)."""
    return gateway_of(build_container(Settings(database_url="sqlite://", mode="test")))


def test_devset_is_bilingual_large_and_covers_the_catalog() -> None:
    entries = load_entries()
    assert len(entries) >= 200
    zh = sum(1 for e in entries if e["lang"] == "zh")
    assert 0.4 <= zh / len(entries) <= 0.6
    assert sum(1 for e in entries if e.get("kind") == "question") >= 20
    tools = {t for e in entries for t in e.get("tools", [])}
    catalog = {
        "tasks.create", "notes.add", "meetings.schedule", "interactions.log",
        "deals.update_stage", "campaigns.enroll", "coupons.issue", "refunds.request",
        "email.draft", "messages.send", "users.notify", "records.get", "records.create",
        "records.update", "records.delete", "tickets.create", "tickets.assign",
        "tickets.escalate",
    }  # fmt: skip
    assert catalog <= tools
    assert any(e.get("refused") for e in entries) and any(e.get("question") for e in entries)


def test_devset_accuracy_does_not_regress() -> None:
    result = run_devset(gateway=_gateway())
    assert result["exact_plan_match"] >= 0.97, result["failures"][:10]
    assert result["slot_accuracy"] >= 0.98


def test_holdout_accuracy_does_not_regress() -> None:
    assert Path(HOLDOUT).exists()
    result = run_devset(HOLDOUT, gateway=_gateway())
    assert result["exact_plan_match"] >= 0.93, result["failures"][:10]
