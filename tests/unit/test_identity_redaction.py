"""What the identity graph keeps of a contact field hidden from a person stays hidden:
the compared features and the identities that are that value (a phone node's ref)."""

from __future__ import annotations

from kith.access.principal import Principal
from kith.identity.service import HIDDEN, redact


def person(rules: dict[str, str]) -> Principal:
    return Principal(
        kind="user",
        id="u1",
        tenant_id="t1",
        name="Li",
        user_id="u1",
        roles=frozenset({"sales"}),
        grants={("contact", "read"): "all"},
        field_rules={"contact": rules},  # type: ignore[dict-item]
    )


PHONE_NODE = {
    "id": "n1",
    "kind": "phone",
    "ref": "+8613912345678",
    "features": {"phone": "+8613912345678", "surname": "zhao", "city": "上海"},
}


def test_a_hidden_phone_is_gone_from_features_and_refs() -> None:
    out = redact(person({"phone": "hidden"}), PHONE_NODE)
    assert out["ref"] == HIDDEN
    assert out["features"] == {"surname": "zhao", "city": "上海"}
    assert "13912345678" not in repr(out)


def test_nothing_hidden_leaves_the_node_as_it_is() -> None:
    assert redact(person({}), PHONE_NODE) == PHONE_NODE
    read_only = redact(person({"phone": "read_only"}), PHONE_NODE)
    assert read_only["ref"] == PHONE_NODE["ref"]
