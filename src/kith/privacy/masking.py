"""Masking personal data before it is stored in snapshots (decision records, rationale inputs).

Two layers: values under a sensitive key (ID numbers, bank accounts, tax ids — the
``sensitive_fields`` of the object specs) are replaced whole; every other string is
scanned for Chinese mobile numbers, email addresses, 18-digit resident ID numbers and
bank card numbers, which are masked in place so the text stays readable.

Patterns use ASCII look-arounds instead of ``\\b``: next to CJK characters ``\\b`` does
not behave as a boundary ("卡号6222…" would be missed, "邮箱a@b.cn" swallowed). Letters
count as part of a token, so digit runs inside record ids (32 hex characters) stay intact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

MASK = "***"

# 6-digit region, birth date 18xx/19xx/20xx-MM-DD, 3-digit sequence, checksum digit or X.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9A-Za-z])"
)
# 16-19 digits, optionally grouped by single spaces or dashes.
_BANK_CARD = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){15,18}(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally prefixed with +86 / 86.
_CN_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch in "Xx")


def _mask_id_number(match: re.Match[str]) -> str:
    value = match.group(0)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def _mask_bank_card(match: re.Match[str]) -> str:
    return f"****{_digits(match.group(0))[-4:]}"


def _mask_mobile(match: re.Match[str]) -> str:
    digits = _digits(match.group(0))[-11:]
    return f"{digits[:3]}****{digits[-4:]}"


def _mask_email(match: re.Match[str]) -> str:
    local, _, domain = match.group(0).partition("@")
    return f"{local[:1]}***@{domain}"


def mask_text(text: str) -> str:
    """Mask every personal identifier found in free text; the rest is left as is."""
    # Longest identifiers first, so an ID number is not half-masked as a mobile.
    text = _ID_NUMBER.sub(_mask_id_number, text)
    text = _BANK_CARD.sub(_mask_bank_card, text)
    text = _CN_MOBILE.sub(_mask_mobile, text)
    return _EMAIL.sub(_mask_email, text)


@lru_cache(maxsize=1)
def sensitive_field_names() -> frozenset[str]:
    """Every field any object spec declares sensitive (ID numbers, bank accounts, …)."""
    from kith.crm.specs import SPECS

    return frozenset(name for spec in SPECS.values() for name in spec.sensitive_fields)


def mask_value(value: Any, sensitive_keys: Iterable[str] | None = None) -> Any:
    """A copy of ``value`` (JSON-like) with sensitive keys blanked and identifiers masked."""
    keys = frozenset(sensitive_keys) if sensitive_keys is not None else sensitive_field_names()
    return _mask(value, keys)


def _mask(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, Mapping):
        return {
            k: (MASK if k in keys and v not in (None, "") else _mask(v, keys))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_mask(v, keys) for v in value]
    return value
