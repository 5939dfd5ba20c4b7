"""PII masking for text sent to a language model, and restoring it in the reply.

Known values (the customer's name, company) are replaced first, then patterns
for Chinese mobiles, resident ID numbers, bank cards (Luhn-checked), e-mail
addresses and VINs. Patterns use explicit digit/ASCII look-arounds instead of
``\\b``, which does not fire next to CJK characters.

A local helper until ``kith.privacy.masking`` exists; the agent runtime is its
only user.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


# Order matters: an 18-digit ID would otherwise be taken for a bank card.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("EMAIL", re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")),
    ("ID", re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")),
    ("CARD", re.compile(r"(?<![0-9])[0-9]{13,19}(?![0-9])")),
    (
        "PHONE",
        re.compile(r"(?<![0-9])(?:\+?86[\- ]?)?1[3-9][0-9][\- ]?[0-9]{4}[\- ]?[0-9]{4}(?![0-9])"),
    ),
    ("VIN", re.compile(r"(?<![A-Z0-9])[A-HJ-NPR-Z0-9]{17}(?![A-Z0-9])")),
)


class Masker:
    """One masking session: the same value always gets the same placeholder."""

    def __init__(self, known: Mapping[str, str] | None = None) -> None:
        self._placeholders: dict[str, str] = {}  # original -> placeholder
        self._originals: dict[str, str] = {}  # placeholder -> original
        # "private_name" -> placeholders <NAME_1>, <NAME_2>, ...
        self._known = {
            key.removeprefix("private_").upper(): value
            for key, value in (known or {}).items()
            if value
        }

    def mask(self, text: str) -> str:
        # Longest first, so "张建国" is masked before a shorter known value inside it.
        for label, value in sorted(self._known.items(), key=lambda kv: -len(kv[1])):
            if value in text:
                text = text.replace(value, self._placeholder(label, value))
        for label, pattern in _PATTERNS:
            text = pattern.sub(self._replacer(label), text)
        return text

    def restore(self, text: str) -> str:
        for placeholder, original in self._originals.items():
            text = text.replace(placeholder, original)
        return text

    def restore_value(self, value: Any) -> Any:
        """Restore placeholders inside a decoded JSON value (tool arguments)."""
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, list):
            return [self.restore_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.restore_value(v) for k, v in value.items()}
        return value

    def _replacer(self, label: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            value = match.group(0)
            if label == "CARD" and not _luhn_ok(value):
                return value
            return self._placeholder(label, value)

        return replace

    def _placeholder(self, label: str, value: str) -> str:
        existing = self._placeholders.get(value)
        if existing is not None:
            return existing
        count = sum(1 for p in self._originals if p.startswith(f"<{label}_"))
        placeholder = f"<{label}_{count + 1}>"
        self._placeholders[value] = placeholder
        self._originals[placeholder] = value
        return placeholder
