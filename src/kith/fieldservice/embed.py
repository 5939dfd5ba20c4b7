"""Short-lived tokens for the embeddable dispatch panel (``<kith-dispatch>``, served at
``/embed/dispatch.js``): a host system's page (MES, ERP) shows one work order's panel
and may assign, acting for the person who asked for the token, for that order only.

A token is ``base64url(payload) "." base64url(HMAC-SHA256(key, payload))`` with the
tenant, the user, the work order and the expiry (at most ``MAX_TTL``), like the
preference links (``kith.privacy.links``), under its own derived key. ``issue`` and
``verify`` are the whole contract: when the open platform's embed tokens
(``kith.platform``) land, these two functions are what to replace.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kith.core.errors import PermissionDenied
from kith.core.settings import Settings, ensure_install_secret

DEFAULT_TTL = timedelta(minutes=15)
MAX_TTL = timedelta(hours=1)


class EmbedKeyMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class EmbedClaims:
    tenant_id: str
    user_id: str
    work_order_id: str
    expires_at: datetime


def _key(settings: Settings) -> bytes:
    if settings.secret_key:
        secret = settings.secret_key
    elif settings.is_demo:
        secret = ensure_install_secret(settings.home)
    else:
        raise EmbedKeyMissing("KITH_SECRET_KEY is required to sign embed tokens")
    return hashlib.sha256(b"embed-dispatch:" + secret.encode()).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(settings: Settings, claims: EmbedClaims) -> str:
    payload = json.dumps(
        {
            "t": claims.tenant_id,
            "u": claims.user_id,
            "w": claims.work_order_id,
            "e": int(claims.expires_at.timestamp()),
        },
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(_key(settings), payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(settings: Settings, token: str, now: datetime) -> EmbedClaims:
    """The claims of a valid, unexpired token; ``PermissionDenied`` otherwise."""
    denied = PermissionDenied("this embed token is not valid")
    try:
        payload_part, mac_part = token.split(".", 1)
        payload, mac = _unb64(payload_part), _unb64(mac_part)
    except ValueError as exc:
        raise denied from exc
    if not hmac.compare_digest(mac, hmac.new(_key(settings), payload, hashlib.sha256).digest()):
        raise denied
    try:
        data = json.loads(payload)
        claims = EmbedClaims(
            str(data["t"]), str(data["u"]), str(data["w"]), datetime.fromtimestamp(data["e"], UTC)
        )
    except (ValueError, KeyError, TypeError, OverflowError, OSError) as exc:
        raise denied from exc
    if claims.expires_at <= now:
        raise PermissionDenied("this embed token has expired; ask the host for a new one")
    return claims
