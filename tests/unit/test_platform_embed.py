"""Embed tokens of the open platform: what is signed is what is verified — a changed
record or component, a foreign key and an expired token are refused."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from kith.core.errors import PermissionDenied
from kith.core.settings import Settings
from kith.platform import embed

NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
SETTINGS = Settings(secret_key="k" * 40, mode="test")
CLAIMS = embed.EmbedClaims(
    token_id="t" * 32,
    tenant_id="a" * 32,
    component="dispatch",
    record_id="b" * 32,
    minter_kind="api_key",
    minter_id="c" * 32,
    expires_at=NOW + timedelta(minutes=15),
)


def test_a_token_verifies_to_what_was_signed() -> None:
    assert embed.verify(SETTINGS, embed.issue(SETTINGS, CLAIMS), NOW) == CLAIMS


def test_a_changed_payload_or_another_key_is_refused() -> None:
    token = embed.issue(SETTINGS, CLAIMS)
    payload, mac = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["r"] = "d" * 32  # another record
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    with pytest.raises(PermissionDenied, match="not valid"):
        embed.verify(SETTINGS, f"{forged}.{mac}", NOW)
    other = Settings(secret_key="z" * 40, mode="test")
    with pytest.raises(PermissionDenied, match="not valid"):
        embed.verify(other, token, NOW)
    with pytest.raises(PermissionDenied):
        embed.verify(SETTINGS, "no-dot", NOW)


def test_an_expired_token_says_so() -> None:
    token = embed.issue(SETTINGS, CLAIMS)
    with pytest.raises(PermissionDenied, match="expired"):
        embed.verify(SETTINGS, token, CLAIMS.expires_at)
