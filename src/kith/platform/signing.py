"""Webhook signatures: HMAC-SHA256 over ``"<timestamp>.<body>"``.

Every request Kith sends carries ``Kith-Signature: t=<unix seconds>,v1=<hex digest>``
(the digest of ``f"{t}.".encode() + body`` keyed by the subscription's secret). A
receiver recomputes it over the raw body, compares in constant time and refuses a
timestamp outside its replay window (default five minutes), then de-duplicates on
``Kith-Event-Id``. ``verify`` is that check, for Python receivers and for the tests;
each refusal says why (``SignatureError.reason``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "Kith-Signature"
EVENT_ID_HEADER = "Kith-Event-Id"
EVENT_TYPE_HEADER = "Kith-Event-Type"
DELIVERY_ID_HEADER = "Kith-Delivery-Id"
ATTEMPT_HEADER = "Kith-Attempt"
DEFAULT_TOLERANCE = 300  # seconds either side of the receiver's clock
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={digest(secret, timestamp, body)}"


class SignatureError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE,
) -> int:
    """The signed timestamp if ``header`` signs ``body`` with ``secret`` within
    ``tolerance`` seconds of ``now`` (unix seconds); else ``SignatureError``."""
    if not header:
        raise SignatureError("missing Kith-Signature header")
    parts: dict[str, list[str]] = {}
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if sep:
            parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        raise SignatureError("Kith-Signature has no valid t= timestamp") from None
    candidates = parts.get("v1", [])
    if not candidates:
        raise SignatureError("Kith-Signature has no v1= signature")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"timestamp {timestamp} is outside the {tolerance} s replay window")
    expected = digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("signature does not match the body")
    return timestamp
