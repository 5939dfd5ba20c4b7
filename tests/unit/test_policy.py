"""The permission decisions, on hand-made principals (no database)."""

from __future__ import annotations

import pytest

from kith.access import policy
from kith.access.principal import Principal
from kith.core.errors import PermissionDenied


def _principal(**overrides: object) -> Principal:
    base: dict[str, object] = {
        "kind": "user",
        "id": "u1",
        "tenant_id": "t1",
        "name": "Li",
        "user_id": "u1",
        "roles": frozenset({"sales"}),
        "grants": {("deal", "read"): "team", ("deal", "update"): "own", ("contact", "read"): "all"},
        "field_rules": {"contact": {"id_number": "hidden", "tax_id": "read_only"}},
        "team_user_ids": frozenset({"u1", "u2"}),
    }
    base.update(overrides)
    return Principal(**base)  # type: ignore[arg-type]


def test_record_scope_decides_by_owner() -> None:
    p = _principal()
    assert policy.may_act_on(p, "deal", "read", "u2")
    assert not policy.may_act_on(p, "deal", "read", "u3")
    assert not policy.may_act_on(p, "deal", "update", "u2")
    assert policy.may_act_on(p, "deal", "update", "u1")
    assert not policy.may_act_on(p, "deal", "read", None)
    assert policy.may_act_on(p, "contact", "read", None)


def test_missing_grant_is_refused() -> None:
    with pytest.raises(PermissionDenied):
        policy.require(_principal(), "deal", "delete")


def test_api_key_scopes_narrow_the_owner_rights() -> None:
    key = _principal(kind="api_key", api_scopes=frozenset({"contacts:read"}))
    assert policy.scope_for(key, "contact", "read") == "all"
    assert policy.scope_for(key, "deal", "read") is None
    writer = _principal(kind="api_key", api_scopes=frozenset({"deals:write"}))
    assert policy.scope_for(writer, "deal", "read") == "team"
    assert policy.scope_for(writer, "deal", "update") == "own"


def test_hidden_fields_are_stripped_including_custom_ones() -> None:
    p = _principal(field_rules={"contact": {"id_number": "hidden", "custom.salary": "hidden"}})
    data = {"name": "王", "id_number": "1", "custom": {"salary": 1, "segment": "vip"}}
    assert policy.strip_hidden(p, "contact", data) == {"name": "王", "custom": {"segment": "vip"}}


def test_writes_to_restricted_fields_name_each_field() -> None:
    with pytest.raises(PermissionDenied) as error:
        policy.require_writable(_principal(), "contact", ["name", "id_number", "tax_id"])
    assert [e.path for e in error.value.errors] == [["body", "id_number"], ["body", "tax_id"]]
