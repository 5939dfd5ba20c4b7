"""Survivorship rules on a merge (no database): most recent, most trusted, manual pick;
an empty value never wins; unknown fields and rules are refused; restore refuses to
overwrite a later edit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kith.core.errors import Conflict
from kith.crm.models import Contact
from kith.identity.survivorship import plan, record, restore

T0 = datetime(2026, 6, 1, tzinfo=UTC)


def _contact(cid: str, days: int, writer: str, **fields: str | None) -> Contact:
    return Contact(
        id=cid, tenant_id="t", updated_at=T0 + timedelta(days=days), updated_by_kind=writer,
        **fields,
    )  # fmt: skip


def test_each_field_follows_its_rule() -> None:
    primary = _contact("a", 0, "user", name="张建国", email="old@x.example", city="上海")
    other = _contact("b", 5, "system", name="Zhang Jianguo", email="new@x.example", city=None)
    chosen = {c.field: (c.value, c.contact_id, c.rule) for c in plan(primary, [other])}
    assert chosen == {"email": ("new@x.example", "b", "most_recent")}  # name: user beats system

    picked = plan(primary, [other], rules={"name": "most_recent"}, picks={"city": "b"})
    assert {c.field: c.value for c in picked} == {
        "name": "Zhang Jianguo",
        "email": "new@x.example",
        "city": None,  # a manual pick takes the named contact's value, even empty
    }


def test_bad_rules_and_picks_are_refused() -> None:
    primary, other = _contact("a", 0, "user", name="A"), _contact("b", 1, "user", name="B")
    with pytest.raises(Conflict, match="no survivorship"):
        plan(primary, [other], rules={"owner_id": "most_recent"})
    with pytest.raises(Conflict, match="unknown survivorship rule"):
        plan(primary, [other], rules={"name": "loudest"})
    with pytest.raises(Conflict, match="not one of"):
        plan(primary, [other], picks={"name": "zzz"})
    with pytest.raises(Conflict, match="manual pick names"):
        plan(primary, [other], rules={"name": "manual"})


def test_restore_gives_back_the_values_before_and_refuses_a_later_edit() -> None:
    primary = _contact("a", 0, "user", name="A", email="a@x.example")
    other = _contact("b", 3, "user", name="B", email="b@x.example")
    kept = record(primary, plan(primary, [other]))
    primary.name, primary.email = "B", "b@x.example"  # what the merge wrote
    assert restore(primary, kept) == {"name": "A", "email": "a@x.example"}
    primary.email = "edited@x.example"
    with pytest.raises(Conflict, match="edited since the merge"):
        restore(primary, kept)
