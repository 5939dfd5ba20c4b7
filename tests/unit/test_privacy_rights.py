"""Pure parts of the data subject's rights: deriving the restriction state from its
history, what counts as an automated decision, reasons that fit the decision record,
and the CLI's ``--set field=value`` pairs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kith.access.principal import Principal
from kith.privacy.ledger import REASON_LIMIT, _fit, is_automated
from kith.privacy.models import ProcessingRestriction
from kith.privacy.restrictions import _latest, describe, is_live
from kith.privacy.rights import changes_from_pairs

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def step(
    action: str, minutes_ago: int, until: datetime | None = None, id_: str = "a"
) -> ProcessingRestriction:
    return ProcessingRestriction(
        id=id_ * 32,
        tenant_id="t" * 32,
        contact_id="c" * 32,
        action=action,
        reason="客户提出异议",
        until=until,
        at=NOW - timedelta(minutes=minutes_ago),
        actor_kind="user",
        actor_id=None,
        actor_name="admin",
        detail={},
    )


def principal(kind: str) -> Principal:
    return Principal(kind=kind, id="p", tenant_id="t", name="p", user_id=None,  # type: ignore[arg-type]
                     roles=frozenset({"admin"}), grants={})  # fmt: skip


def test_the_latest_step_decides_and_until_ends_a_restriction_by_itself() -> None:
    applied, lifted = step("applied", 10, id_="a"), step("lifted", 5, id_="b")
    assert _latest([lifted, applied])["c" * 32] is lifted
    assert not is_live(lifted, NOW) and is_live(applied, NOW)
    ending = step("applied", 10, until=NOW + timedelta(hours=1))
    assert is_live(ending, NOW) and not is_live(ending, NOW + timedelta(hours=1))
    assert "until 2026-11-22T10:00:00+00:00" in describe(ending)


def test_agents_and_profiling_are_automated_decisions_people_are_not() -> None:
    assert is_automated(principal("agent"), "service")
    assert is_automated(principal("user"), "profiling")
    assert is_automated(principal("api_key"), "analytics")
    assert not is_automated(principal("user"), "service")
    assert not is_automated(principal("system"), "marketing")


def test_reasons_fit_the_decision_record_and_keep_their_conclusion() -> None:
    tail = ": excluded from automated decisions"
    fitted = _fit("x" * 1000, tail)
    assert len(fitted) == REASON_LIMIT and fitted.endswith("…" + tail)
    assert _fit("short", tail) == "short" + tail


def test_set_pairs_become_changes_and_an_empty_value_clears() -> None:
    assert changes_from_pairs(["email=a@b.cn", "city=", "note=a=b"]) == {
        "email": "a@b.cn",
        "city": None,
        "note": "a=b",
    }
    with pytest.raises(ValueError, match="field=value"):
        changes_from_pairs(["email"])
    with pytest.raises(ValueError, match="field=value"):
        changes_from_pairs(["=x"])
