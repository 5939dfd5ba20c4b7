"""Field encryption at rest: AES-256-GCM (``cryptography``) with a key ring.

Stored form: ``enc:v1:<key id>:<base64url(12-byte nonce ‖ ciphertext ‖ tag)>``. The
associated data binds a value to its field (``contact.id_number``), so a ciphertext
copied into another column does not decrypt. Values without the prefix are legacy
plaintext (written before encryption was switched on, or by a bulk load) and are
returned as they are; ``rotate`` encrypts them and re-encrypts everything under
older keys with the primary key.

Keys: ``KITH_FIELD_KEYS`` = ``"k2:<base64 32 bytes>,k1:<base64 32 bytes>"`` (the first
is primary), or ``KITH_FIELD_KEY_FILE`` = a JSON file ``{"primary": "k2", "keys":
{"k1": "…", "k2": "…"}}``. Without them the key is derived from ``KITH_SECRET_KEY``
(which production requires anyway); demo and test mode without either use a fixed
development key; production with neither refuses to write or read sensitive fields.

``EncryptedString`` is the column type that applies this transparently; a column is
encrypted once its model declares it (``mapped_column(EncryptedString(255,
"contact.id_number"))``) and its width allows the longer stored form.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Dialect, String, Table, select, update
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

PREFIX = "enc:v1:"
NONCE_BYTES = 12


class KeyMissing(RuntimeError):
    pass


class DecryptionFailed(ValueError):
    pass


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def generate_key() -> str:
    """A new random 256-bit key, base64 (for ``KITH_FIELD_KEYS``)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class KeyRing:
    primary: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.primary not in self.keys:
            raise KeyMissing(f"primary key {self.primary!r} is not in the key ring")
        for kid, key in self.keys.items():
            if len(key) != 32:
                raise KeyMissing(f"key {kid!r} must be 32 bytes (AES-256), not {len(key)}")
            if ":" in kid or "," in kid:
                raise KeyMissing(f"key id {kid!r} may not contain ':' or ','")

    def encrypt(self, plaintext: str, context: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.primary]).encrypt(
            nonce, plaintext.encode(), context.encode()
        )
        return f"{PREFIX}{self.primary}:{_b64e(nonce + sealed)}"

    def decrypt(self, stored: str, context: str) -> str:
        if not is_encrypted(stored):
            return stored
        kid, _, body = stored.removeprefix(PREFIX).partition(":")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionFailed(f"no key {kid!r} in the key ring")
        raw = _b64d(body)
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except Exception as exc:  # InvalidTag: wrong key, wrong field, or tampered
            raise DecryptionFailed(f"{context}: value does not decrypt") from exc
        return plain.decode()

    def key_id_of(self, stored: str) -> str | None:
        if not is_encrypted(stored):
            return None
        return stored.removeprefix(PREFIX).partition(":")[0]


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def parse_keys(spec: str) -> KeyRing:
    """``"k2:<b64>,k1:<b64>"`` → a key ring whose primary is the first entry."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        kid, sep, value = part.partition(":")
        if not sep:
            raise KeyMissing("KITH_FIELD_KEYS entries are <key id>:<base64 key>")
        keys[kid] = base64.b64decode(value)
        order.append(kid)
    if not order:
        raise KeyMissing("KITH_FIELD_KEYS is empty")
    return KeyRing(order[0], keys)


def keyring_from_file(path: Path) -> KeyRing:
    data = json.loads(path.read_text(encoding="utf-8"))
    return KeyRing(
        str(data["primary"]), {k: base64.b64decode(v) for k, v in dict(data["keys"]).items()}
    )


def keyring_from_environment(environ: Mapping[str, str] | None = None) -> KeyRing:
    env = os.environ if environ is None else environ
    if env.get("KITH_FIELD_KEYS"):
        return parse_keys(env["KITH_FIELD_KEYS"])
    if env.get("KITH_FIELD_KEY_FILE"):
        return keyring_from_file(Path(env["KITH_FIELD_KEY_FILE"]))
    development = env.get("KITH_MODE", "production") in ("demo", "test")
    dev_key = {"dev": hashlib.sha256(b"field-key:kith-development").digest()}
    if env.get("KITH_SECRET_KEY"):
        # A deployment's one required secret; its own field keys (above) decouple the
        # two, so rotating the secret key does not strand encrypted values.
        derived = hashlib.sha256(b"kith field key:" + env["KITH_SECRET_KEY"].encode()).digest()
        # demo data written without a secret key stays readable once one is set
        return KeyRing("sk", {"sk": derived, **(dev_key if development else {})})
    if development:
        return KeyRing("dev", dev_key)
    raise KeyMissing(
        "set KITH_FIELD_KEYS, KITH_FIELD_KEY_FILE or KITH_SECRET_KEY to encrypt sensitive fields"
    )


_keyring: KeyRing | None = None


def current_keyring() -> KeyRing:
    global _keyring
    if _keyring is None:
        _keyring = keyring_from_environment()
    return _keyring


def use_keyring(ring: KeyRing | None) -> None:
    """Replace the process's key ring (tests, key rotation); ``None`` re-reads the env."""
    global _keyring
    _keyring = ring


class EncryptedString(TypeDecorator[str]):
    """A string column stored AES-256-GCM encrypted, bound to ``context``."""

    impl = String
    cache_ok = True

    def __init__(self, length: int, context: str) -> None:
        super().__init__(length)
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value == "" or is_encrypted(value):
            return value
        return current_keyring().encrypt(value, self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value
        return current_keyring().decrypt(value, self.context)


@dataclass(frozen=True)
class RotationReport:
    column: str
    encrypted: int
    re_encrypted: int
    current: int


def encrypted_columns(tables: Iterable[Table]) -> list[tuple[Table, str, str]]:
    """(table, column, context) of every column declared ``EncryptedString``."""
    return [
        (table, column.name, column.type.context)
        for table in tables
        for column in table.columns
        if isinstance(column.type, EncryptedString)
    ]


def rotate(
    session: Session, table: Table, column: str, context: str, ring: KeyRing
) -> RotationReport:
    """Encrypt plaintext and re-encrypt values under older keys with the primary key.
    Reads and writes the raw stored text (no type processing), in the caller's transaction."""
    raw = table.c[column]
    pk = next(iter(table.primary_key.columns))
    stored = select(pk, raw.cast(String())).where(raw.is_not(None), raw != "")
    encrypted = re_encrypted = current = 0
    for key_value, value in session.execute(stored).all():
        kid = ring.key_id_of(value)
        if kid == ring.primary:
            current += 1
            continue
        plain = ring.decrypt(value, context)
        new = ring.encrypt(plain, context)
        session.execute(
            update(table).where(pk == key_value).values({column: new}),
        )
        if kid is None:
            encrypted += 1
        else:
            re_encrypted += 1
    return RotationReport(f"{table.name}.{column}", encrypted, re_encrypted, current)
