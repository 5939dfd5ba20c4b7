"""Preference-link signing: a per-install secret instead of a key in the source, and
malformed (but correctly signed) tokens refused as bad requests."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kith.core.errors import BadRequest, PermissionDenied
from kith.core.settings import Settings, ensure_install_secret, read_install_secret
from kith.privacy import links

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# The development key earlier versions compiled in: anyone could sign with it.
OLD_CONSTANT_KEY = b"kith-development-preference-links"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(key: bytes, payload: bytes) -> str:
    return f"{_b64(payload)}.{_b64(hmac.new(key, payload, hashlib.sha256).digest())}"


def demo(home: Path) -> Settings:
    return Settings(home=home, mode="demo", secret_key=None)


def test_install_secret_is_random_private_and_stable(tmp_path: Path) -> None:
    first = ensure_install_secret(tmp_path / "a")
    assert ensure_install_secret(tmp_path / "a") == first == read_install_secret(tmp_path / "a")
    assert len(first) >= 40
    assert stat.S_IMODE((tmp_path / "a" / "secret.key").stat().st_mode) == 0o600
    assert ensure_install_secret(tmp_path / "b") != first
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["secret.key"]


def test_a_link_forged_with_the_old_constant_key_is_refused(tmp_path: Path) -> None:
    settings = demo(tmp_path)
    expiry = int((NOW + timedelta(days=3)).timestamp())
    payload = json.dumps({"t": "t" * 32, "c": "c" * 32, "e": expiry}).encode()
    with pytest.raises(PermissionDenied):
        links.verify(settings, _signed(OLD_CONSTANT_KEY, payload), NOW)
    genuine = links.sign(settings, "t" * 32, "c" * 32, NOW + timedelta(days=3))
    assert links.verify(settings, genuine, NOW).contact_id == "c" * 32


def test_links_of_one_install_do_not_open_on_another(tmp_path: Path) -> None:
    token = links.sign(demo(tmp_path / "one"), "t" * 32, "c" * 32, NOW + timedelta(days=1))
    with pytest.raises(PermissionDenied):
        links.verify(demo(tmp_path / "two"), token, NOW)


def test_the_secret_key_wins_over_the_install_secret(tmp_path: Path) -> None:
    keyed = Settings(home=tmp_path, mode="demo", secret_key="s" * 40)
    token = links.sign(keyed, "t" * 32, "c" * 32, NOW + timedelta(days=1))
    assert links.verify(keyed, token, NOW).tenant_id == "t" * 32
    with pytest.raises(PermissionDenied):
        links.verify(demo(tmp_path), token, NOW)


def test_production_without_a_secret_key_refuses_to_sign(tmp_path: Path) -> None:
    ensure_install_secret(tmp_path)
    production = Settings(home=tmp_path, mode="production", secret_key=None)
    with pytest.raises(links.LinkKeyMissing):
        links.sign(production, "t" * 32, "c" * 32, NOW)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[1, 2]",
        b'{"t": "x", "c": "y"}',
        b'{"t": "x", "c": "y", "e": "soon"}',
        b'{"t": {"a": 1}, "c": "y", "e": 1900000000}',
        b'{"t": "x", "c": "y", "e": 99999999999999999999}',
        b'{"t": "x", "c": "y", "e": true}',
        b"\xff\xfe",
    ],
)
def test_a_correctly_signed_but_malformed_payload_is_a_bad_request(
    tmp_path: Path, payload: bytes
) -> None:
    settings = demo(tmp_path)
    token = _signed(links._key(settings), payload)
    with pytest.raises(BadRequest):
        links.verify(settings, token, NOW)
