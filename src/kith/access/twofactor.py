"""TOTP (RFC 6238, ``pyotp``) and one-time recovery codes, as pure functions.

Codes are six digits over 30-second steps; one step either side is accepted for
clock drift, and a step is never accepted twice (the caller stores the last one).
Recovery codes carry 80 random bits (``xxxx-xxxx-xxxx-xxxx``, base32), so a fast
hash (SHA-256) is enough to store them, like API keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime

import pyotp

RECOVERY_CODES = 10
DRIFT_STEPS = 1
_CODE = re.compile(r"^\d{6}$")


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    """The ``otpauth://totp/…`` URI an authenticator app scans or opens."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator shows at ``when`` (tests, the CLI's checks)."""
    return pyotp.TOTP(secret).at(when)


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step ``code`` is valid for around ``now``, if any and newer than ``last_step``."""
    code = code.strip().replace(" ", "")
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    codes = []
    for _ in range(count):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def normalise_recovery_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).lower()


def recovery_code_hash(code: str) -> str:
    return hashlib.sha256(b"kith-recovery:" + normalise_recovery_code(code).encode()).hexdigest()
