"""Signed, expiring links to a person's preference page (no login).

A token is ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))`` with
the tenant, the contact and the expiry in the payload. The key is derived from
``KITH_SECRET_KEY`` (the settings' secret); demo and test mode without it use the
per-install random secret ``kith init`` writes to ``$KITH_HOME/secret.key`` (created
on first use if missing), production refuses to sign. A token whose signature is
valid but whose payload is not one we write is a bad request (400), not a crash.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kith.core.errors import BadRequest, PermissionDenied
from kith.core.settings import Settings, ensure_install_secret

DEFAULT_TTL = timedelta(days=30)


class LinkKeyMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class LinkClaims:
    tenant_id: str
    contact_id: str
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    if settings.secret_key:
        secret = settings.secret_key
    elif settings.is_demo:
        secret = ensure_install_secret(settings.home)
    else:
        raise LinkKeyMissing("KITH_SECRET_KEY is required to sign preference links")
    return hashlib.sha256(b"preference-link:" + secret.encode()).digest()


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
    claims = _claims(payload)
    if claims.expires_at <= now:
        raise PermissionDenied("this link has expired; ask for a new one")
    return claims


def _claims(payload: bytes) -> LinkClaims:
    """The payload of a correctly signed token; ``BadRequest`` if it is not one we write."""
    try:
        data = json.loads(payload)
        tenant_id, contact_id, expiry = data["t"], data["c"], data["e"]
        if not (
            isinstance(tenant_id, str)
            and isinstance(contact_id, str)
            and isinstance(expiry, int)
            and not isinstance(expiry, bool)
        ):
            raise TypeError("unexpected claim types")
        expires_at = datetime.fromtimestamp(expiry, UTC)
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise BadRequest("this link is malformed") from exc
    return LinkClaims(tenant_id, contact_id, expires_at)
