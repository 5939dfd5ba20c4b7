"""OAuth 2.1 client credentials (RFC 6749 §4.4 as OAuth 2.1 keeps it) for
server-to-server callers.

The client is an API key: ``client_id`` is the key's prefix, ``client_secret`` the key
itself (``kak_…``), sent in the form or with HTTP Basic. ``POST /oauth/token`` answers a
short-lived bearer token (``kat_…``, one hour) with the scopes asked for — a subset of the
key's — so a back end can hold the long-lived key in its vault and hand only tokens to
the processes that call Kith.

Tokens are stateless and signed with the key's own stored hash (server-side only): a
token names its key, expiry and scopes, and is checked against the key row on every
use, so revoking or rotating the key ends its tokens at once; nothing new is stored.
What a token may do is what its key may do, narrowed to the token's scopes.

Not built (see docs/security.md): the authorization-code flow with PKCE for third-party
apps acting for a user, with its consent screen; a token introspection endpoint.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from kith.access.models import ApiKey
from kith.access.principal import Principal, api_scope_grants
from kith.access.repository import AccessRepository
from kith.core.clock import as_utc

TOKEN_PREFIX = "kat_"  # noqa: S105 - a prefix, not a secret
TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class OAuthError(Exception):
    """An RFC 6749 §5.2 error: ``error`` code, a description, the HTTP status."""

    error: str
    description: str
    status: int = 400


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(key: ApiKey, body: str) -> str:
    return _b64(hmac.new(key.key_hash.encode(), body.encode(), hashlib.sha256).digest())


def issue(
    session: Session,
    client_id: str,
    client_secret: str,
    requested: str | None,
    now: datetime,
) -> IssuedToken:
    """A token for the client (an API key) with the requested scopes (default: all of
    the key's)."""
    from kith.access.service import API_KEY_PREFIX, sha256

    prefix, _, secret = client_secret.removeprefix(API_KEY_PREFIX).partition("_")
    key = AccessRepository(session).api_key_by_prefix(prefix)
    if (
        key is None
        or prefix != client_id
        or not hmac.compare_digest(key.key_hash, sha256(secret))
        or key.revoked_at is not None
        or (key.expires_at is not None and as_utc(key.expires_at) <= now)
    ):
        raise OAuthError("invalid_client", "unknown, revoked or expired client", 401)
    held = frozenset(key.scopes)
    scopes = sorted(set((requested or "").split())) or sorted(held)
    refused = [
        s for s in scopes if (s.count(":") != 1 and s != "*") or not api_scope_grants(held, s)
    ]
    if refused:
        raise OAuthError("invalid_scope", f"the client does not hold: {' '.join(refused)}")
    expires = now + TOKEN_LIFETIME
    if key.expires_at is not None:
        expires = min(expires, as_utc(key.expires_at))
    body = f"{prefix}.{int(expires.timestamp())}.{_b64(' '.join(scopes).encode())}"
    token = f"{TOKEN_PREFIX}{body}.{_signature(key, body)}"
    return IssuedToken(token, max(int((expires - now).total_seconds()), 0), " ".join(scopes))


def verified_key(session: Session, token: str, now: datetime) -> tuple[ApiKey, frozenset[str]]:
    """The live key a token was issued for, and the token's scopes; ``LookupError`` with
    the reason when the token is not valid now."""
    body, _, signature = token.removeprefix(TOKEN_PREFIX).rpartition(".")
    prefix, _, rest = body.partition(".")
    expiry, _, scopes_b64 = rest.partition(".")
    key = AccessRepository(session).api_key_by_prefix(prefix) if prefix else None
    if key is None or not expiry.isdigit():
        raise LookupError("unknown access token")
    if not hmac.compare_digest(_signature(key, body), signature):
        raise LookupError("unknown access token")
    if int(expiry) <= now.timestamp():
        raise LookupError("access token expired")
    if key.revoked_at is not None or (key.expires_at and as_utc(key.expires_at) <= now):
        raise LookupError("the access token's client was revoked")
    try:
        scopes = frozenset(_unb64(scopes_b64).decode().split())
    except (ValueError, UnicodeDecodeError) as exc:
        raise LookupError("unknown access token") from exc
    return key, scopes


def narrowed(principal: Principal, scopes: frozenset[str], key: ApiKey) -> Principal:
    """The key's principal with the token's scopes (never wider than the key's)."""
    held = principal.api_scopes or frozenset()
    kept = frozenset(s for s in scopes if api_scope_grants(held, s))
    return replace(principal, name=f"OAuth client {key.name}", api_scopes=kept)
