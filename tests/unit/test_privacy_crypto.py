"""AES-256-GCM field encryption: round trip, binding to the field, tamper detection,
key rings from the environment, and reading values written under an older key."""

from __future__ import annotations

import base64

import pytest

from kith.db.crypto import (
    DecryptionFailed,
    KeyMissing,
    KeyRing,
    generate_key,
    is_encrypted,
    keyring_from_environment,
    parse_keys,
)

K1 = bytes(range(32))
K2 = bytes(range(32, 64))


def test_values_round_trip_and_never_repeat() -> None:
    ring = KeyRing("k1", {"k1": K1})
    a = ring.encrypt("310115199003071239", "contact.id_number")
    b = ring.encrypt("310115199003071239", "contact.id_number")
    assert a != b and is_encrypted(a) and "310115" not in a
    assert ring.decrypt(a, "contact.id_number") == "310115199003071239"


def test_a_value_is_bound_to_its_field_and_tampering_is_detected() -> None:
    ring = KeyRing("k1", {"k1": K1})
    sealed = ring.encrypt("6222021234567890128", "contact.bank_account")
    with pytest.raises(DecryptionFailed):
        ring.decrypt(sealed, "account.bank_account")
    body = sealed[-10:]
    flipped = sealed[:-10] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(DecryptionFailed):
        ring.decrypt(flipped, "contact.bank_account")


def test_old_values_stay_readable_after_a_new_primary_key() -> None:
    old = KeyRing("k1", {"k1": K1}).encrypt("secret", "f")
    rotated = KeyRing("k2", {"k2": K2, "k1": K1})
    assert rotated.decrypt(old, "f") == "secret"
    assert rotated.key_id_of(rotated.encrypt("secret", "f")) == "k2"
    with pytest.raises(DecryptionFailed, match="no key 'k1'"):
        KeyRing("k2", {"k2": K2}).decrypt(old, "f")


def test_legacy_plaintext_is_returned_as_is() -> None:
    assert KeyRing("k1", {"k1": K1}).decrypt("110101", "f") == "110101"


def test_keys_come_from_the_environment() -> None:
    spec = f"k2:{base64.b64encode(K2).decode()},k1:{base64.b64encode(K1).decode()}"
    ring = parse_keys(spec)
    assert ring.primary == "k2" and set(ring.keys) == {"k1", "k2"}
    assert len(base64.b64decode(generate_key())) == 32
    with pytest.raises(KeyMissing, match="32 bytes"):
        parse_keys("k1:" + base64.b64encode(b"short").decode())
    with pytest.raises(KeyMissing):
        keyring_from_environment({"KITH_MODE": "production"})
    dev = keyring_from_environment({"KITH_MODE": "test"})
    assert dev.primary == "dev"
    # production's required secret key yields a field key; another secret, another key
    derived = keyring_from_environment({"KITH_MODE": "production", "KITH_SECRET_KEY": "x"})
    other = keyring_from_environment({"KITH_MODE": "production", "KITH_SECRET_KEY": "y"})
    assert derived.primary == "sk" and derived.keys["sk"] != other.keys["sk"]
