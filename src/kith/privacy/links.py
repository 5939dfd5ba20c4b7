"""Signed, expiring links to a person's preference page (no login).

A token is ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))`` with
the tenant, the contact and the expiry in the payload. The key is
``KITH_SECRET_KEY`` (the settings' secret); demo and test mode fall back to a
fixed development key so links work out of the box, production refuses to sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kith.core.errors import PermissionDenied
from kith.core.settings import Settings

DEFAULT_TTL = timedelta(days=30)
_DEV_KEY = b"kith-development-preference-links"  # never used in production mode


class LinkKeyMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class LinkClaims:
    tenant_id: str
    contact_id: str
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    if settings.secret_key:
        return hashlib.sha256(b"preference-link:" + settings.secret_key.encode()).digest()
    if settings.is_demo:
        return _DEV_KEY
    raise LinkKeyMissing("KITH_SECRET_KEY is required to sign preference links")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(settings: Settings, tenant_id: str, contact_id: str, expires_at: datetime) -> str:
    payload = json.dumps(
        {"t": tenant_id, "c": contact_id, "e": int(expires_at.timestamp())},
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(_key(settings), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(settings: Settings, token: str, now: datetime) -> LinkClaims:
    """The claims of a valid, unexpired token; ``PermissionDenied`` otherwise."""
    try:
        payload_part, mac_part = token.split(".", 1)
        payload = _unb64(payload_part)
        mac = _unb64(mac_part)
    except ValueError as exc:
        raise PermissionDenied("this link is not valid") from exc
    expected = hmac.new(_key(settings), payload, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise PermissionDenied("this link is not valid")
    data = json.loads(payload)
    expires_at = datetime.fromtimestamp(int(data["e"]), UTC)
    if expires_at <= now:
        raise PermissionDenied("this link has expired; ask for a new one")
    return LinkClaims(str(data["t"]), str(data["c"]), expires_at)
