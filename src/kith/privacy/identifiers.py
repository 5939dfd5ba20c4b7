"""A person's identifiers as erasure tombstones keep them: keyed hashes (HMAC-SHA256
under a key derived from ``KITH_SECRET_KEY``) of the normalised email, phone digits,
ID number and WeChat id, so a tombstone proves who was erased without holding who.

Kept apart from ``dsar`` so the contact rule (``kith.crm.rules``) can test a new
contact against the tombstones without importing the DSAR use cases, which use crm.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from kith.core.settings import Settings

# session.info key of the tenant's tombstone hashes, read once per transaction
TOMBSTONE_CACHE = "kith.privacy.tombstones"


def _identifier_key(settings: Settings) -> bytes:
    secret = settings.secret_key or "kith-development-erasure-key"
    return hashlib.sha256(b"erasure:" + secret.encode()).digest()


def identifiers(values: Mapping[str, Any]) -> list[str]:
    """Normalised identifiers of a person: email, phone digits, ID number, WeChat id."""
    out: list[str] = []
    email = values.get("email")
    if email:
        out.append(f"email:{str(email).strip().lower()}")
    for name in ("mobile", "phone"):
        digits = re.sub(r"\D", "", str(values.get(name) or ""))
        if len(digits) >= 7:
            out.append(f"phone:{digits[-11:]}")
    if values.get("id_number"):
        out.append(f"id:{str(values['id_number']).strip().upper()}")
    if values.get("wechat_id"):
        out.append(f"wechat:{values['wechat_id']}")
    return out


def keyed_identifiers(settings: Settings, values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(kind, keyed hash) of each identifier: kind is email, phone, id or wechat."""
    key = _identifier_key(settings)
    return [
        (i.partition(":")[0], hmac.new(key, i.encode(), hashlib.sha256).hexdigest())
        for i in identifiers(values)
    ]


def identifier_hashes(settings: Settings, values: Mapping[str, Any]) -> list[str]:
    return sorted({digest for _, digest in keyed_identifiers(settings, values)})
