"""Finding and masking personal identifiers in Chinese and English text.

``detect`` finds e-mail addresses, 18-digit resident ID numbers (date and ISO 7064
checksum verified), bank card numbers (16–19 digits, Luhn verified; an 18-digit number
shaped like an ID number is never a card), phone numbers (validated by
``phonenumbers`` against the caller's regions — the contact's or tenant's — and the
configured ones, ``KITH_PII_PHONE_REGIONS``; accepted when valid in any, and always
when written with a +country code), passport numbers (mainland formats, or any 6–9
character number right after "护照"/"passport"), and names or addresses the caller
knows (the CRM's own records are the dictionary).

Never personal data, in either mode: dates and times ("2026-12-04 10:20", "2026/12/04",
"10:20-11:00", "20261204") are claimed first and left as they are; a number right
after a business-reference word (订单号, order no., 合同编号, invoice, 发票号, tracking,
运单号, …) or glued to a reference prefix ("INV-", "SO-") is not a card or a phone.

``mask_text`` is what snapshots (decision records, rationale inputs), logs and model
prompts use. It errs toward masking: a number shaped like an ID number or a card is
masked even when its checksum fails (a mistyped ID is still personal data).
``pseudonymise``/``restore`` swap identifiers for placeholders before text goes to a
model provider and put them back in the reply; ``Masker`` does the same over a whole
conversation (the agents' language-model engine uses it).

Patterns use ASCII look-arounds instead of ``\\b``: next to CJK characters ``\\b`` does
not behave as a boundary ("卡号6222…" would be missed, "邮箱a@b.cn" swallowed). Letters
count as part of a token, so digit runs inside record ids (32 hex characters) stay intact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

MASK = "***"
LABELS = ("EMAIL", "ID_CN", "BANK_CARD", "PHONE", "PASSPORT", "KNOWN")
DEFAULT_PHONE_REGIONS = ("CN", "US", "GB")
_phone_regions: list[tuple[str, ...]] = [DEFAULT_PHONE_REGIONS]


def set_phone_regions(regions: Iterable[str]) -> None:
    """The configured regions phone numbers are parsed against (``kith.bootstrap`` sets
    them from ``Settings.pii_phone_regions``)."""
    cleaned = tuple(dict.fromkeys(r.strip().upper() for r in regions if r and r.strip()))
    _phone_regions[0] = cleaned or DEFAULT_PHONE_REGIONS


def phone_regions() -> tuple[str, ...]:
    return _phone_regions[0]


# Dates and times: claimed before any number pattern, never masked.
_DATE_TIME = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"(?:19|20)\d{2}[-/.](?:0?[1-9]|1[0-2])[-/.](?:0?[1-9]|[12]\d|3[01])"  # 2026-12-04
    r"(?:[ T]?(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?"
    r"(?:\s*[-~–至到]\s*(?:[01]?\d|2[0-3]):[0-5]\d)?)?"
    r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"  # 20261204
    r"(?:[ T]?(?:[01]\d|2[0-3])[0-5]\d(?:[0-5]\d)?)?"
    r"|(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?:\s*[-~–至到]\s*(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?)?"
    r")(?![0-9A-Za-z])"
)
# Words after which a number is a business reference, not a card or a phone number.
_REFERENCE_WORDS = (
    "订单号", "订单编号", "订单", "合同编号", "合同号", "发票号", "发票代码", "发票", "运单号",
    "快递单号", "物流单号", "单号", "流水号", "交易号", "工单", "编号", "序列号", "型号", "批次号",
    "order no", "order number", "order #", "order", "invoice", "inv", "tracking", "waybill",
    "contract no", "contract number", "reference", "ref", "serial", "sku", "po", "ticket", "isbn",
    "会议号", "会议 id", "meeting id",
)  # fmt: skip
_REFERENCE_BEFORE = re.compile(
    r"(?:^|[^a-z])(?:" + "|".join(re.escape(w) for w in _REFERENCE_WORDS) + r")[\s:：#.no-]*$"
)
_PREFIX_BEFORE = re.compile(r"[A-Za-z]{2,6}[-_/]$")
_CLAUSE_END = re.compile(r"[，。；;,!！?？\n、]")

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 6-digit region, birth date 18xx/19xx/20xx-MM-DD, 3-digit sequence, checksum digit or X.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    r"(?![0-9A-Za-z])"
)
# 16-19 digits, optionally grouped by single spaces or dashes.
_BANK_CARD = re.compile(r"(?<![0-9A-Za-z])\d(?:[ -]?\d){15,18}(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally prefixed with +86 / 86.
_CN_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z])")
# Anything that may be a phone number: optional +country, optional (area), 7-15 digits.
_PHONE_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z+])(?:\+\d{1,3}[ -]?)?(?:\(\d{2,4}\)[ -]?)?\d(?:[ -]?\d){6,14}(?![0-9A-Za-z])"
)
# Mainland passports: E/G + 8 digits, E + letter + 7 digits; or a number after a keyword.
_PASSPORT = re.compile(r"(?<![0-9A-Za-z])(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7})(?![0-9A-Za-z])")
_PASSPORT_KEYWORD = re.compile(
    r"(?:护照(?:号码|号)?|passport(?:\s*(?:no\.?|number|#))?)\s*[:：]?\s*([A-Z0-9]{6,9})(?![0-9A-Za-z])",
    re.IGNORECASE,
)

# Vehicle identification numbers (17 characters, no I/O/Q, letters and digits mixed): a
# car ties to its owner, so model prompts mask them; ``detect`` reports them only when
# asked (``vehicles=True``): in CRM notes they are mostly product data, not a person's.
_VIN = re.compile(
    r"(?<![0-9A-Za-z])(?=[A-HJ-NPR-Z0-9]*[0-9])(?=[A-HJ-NPR-Z0-9]*[A-HJ-NPR-Z])"
    r"[A-HJ-NPR-Z0-9]{17}(?![0-9A-Za-z])"
)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_checksum_ok(value: str) -> bool:
    """ISO 7064 MOD 11-2 check of an 18-character resident ID number."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17].upper()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch in "Xx")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    label: str
    text: str


class _Spans:
    """Non-overlapping spans; the first claim on a stretch of text wins."""

    def __init__(self) -> None:
        self.items: list[Span] = []
        self.protected: list[tuple[int, int]] = []  # dates and times: claimed, never output

    def free(self, start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in self.items) and all(
            end <= a or start >= b for a, b in self.protected
        )

    def add(self, text: str, start: int, end: int, label: str) -> None:
        if self.free(start, end):
            self.items.append(Span(start, end, label, text[start:end]))


def _phone_valid(candidate: str, regions: tuple[str, ...]) -> bool:
    """Valid in any of ``regions`` (a number with +country code is parsed as written)."""
    digits = _digits(candidate)
    if len(digits) < 7:
        return False
    # A bare run of digits (no separator, no trunk 0, no +) reads as a number of the
    # first region only: "1763718000" is a timestamp, not a British landline.
    bare = candidate.isdigit() and not candidate.startswith("0")
    for region in regions[:1] if bare or candidate.startswith("+") else regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


def _reference(text: str, start: int) -> bool:
    """Is the number at ``start`` a business reference (order, invoice, tracking number)?"""
    before = text[max(0, start - 24) : start]
    if _PREFIX_BEFORE.search(before):
        return True  # INV-5431567064, SO-…, PO/…
    clause = _CLAUSE_END.split(before)[-1].lower()
    return bool(_REFERENCE_BEFORE.search(clause))


def detect(
    text: str,
    *,
    strict: bool = True,
    known: Iterable[str] = (),
    vehicles: bool = False,
    regions: Iterable[str] = (),
) -> list[Span]:
    """Identifiers in ``text``, in order. ``strict`` (the default) keeps only numbers that
    pass their checksum or phone-number validation; ``strict=False`` also takes numbers
    merely shaped like an ID number, a card or a mainland mobile (what masking uses).
    ``vehicles`` adds VINs (label ``VIN``). ``regions`` (the contact's, the tenant's)
    are tried before the configured phone regions."""
    spans = _Spans()
    tried = tuple(dict.fromkeys([*(r.upper() for r in regions if r), *phone_regions()]))
    for value in sorted({k for k in known if k and len(k) >= 2}, key=len, reverse=True):
        for m in re.finditer(re.escape(value), text):
            spans.add(text, m.start(), m.end(), "KNOWN")
    for m in _EMAIL.finditer(text):
        spans.add(text, m.start(), m.end(), "EMAIL")
    for m in _DATE_TIME.finditer(text):
        if spans.free(m.start(), m.end()):
            spans.protected.append((m.start(), m.end()))
    for m in _ID_NUMBER.finditer(text):
        if id_checksum_ok(m.group(0)) or not (strict or _reference(text, m.start())):
            spans.add(text, m.start(), m.end(), "ID_CN")  # masking: a mistyped ID still is one
    for m in _BANK_CARD.finditer(text):
        digits = _digits(m.group(0))
        if _ID_NUMBER.fullmatch(m.group(0)) or _reference(text, m.start()):
            continue  # an ID number with a bad checksum, an order or contract number
        if not strict or luhn_ok(digits):
            spans.add(text, m.start(), m.end(), "BANK_CARD")
    if not strict:
        for m in _CN_MOBILE.finditer(text):
            if not _reference(text, m.start()):
                spans.add(text, m.start(), m.end(), "PHONE")
    for m in _PHONE_CANDIDATE.finditer(text):
        if (
            spans.free(m.start(), m.end())
            and not _reference(text, m.start())
            and _phone_valid(m.group(0), tried)
        ):
            spans.add(text, m.start(), m.end(), "PHONE")
    for m in _PASSPORT.finditer(text):
        spans.add(text, m.start(), m.end(), "PASSPORT")
    for m in _PASSPORT_KEYWORD.finditer(text):
        spans.add(text, m.start(1), m.end(1), "PASSPORT")
    if vehicles:
        for m in _VIN.finditer(text):
            spans.add(text, m.start(), m.end(), "VIN")
    return sorted(spans.items, key=lambda s: s.start)


def _mask_span(span: Span) -> str:
    value = span.text
    if span.label == "EMAIL":
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    if span.label == "ID_CN":
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"
    if span.label == "BANK_CARD":
        return f"****{_digits(value)[-4:]}"
    if span.label == "PHONE":
        digits = _digits(value)
        if re.fullmatch(r"(?:86)?1[3-9]\d{9}", digits):
            digits = digits[-11:]
            return f"{digits[:3]}****{digits[-4:]}"
        return f"****{digits[-4:]}"
    if span.label == "PASSPORT":
        return f"{value[:1]}{'*' * (len(value) - 3)}{value[-2:]}"
    return MASK


def mask_text(text: str, *, known: Iterable[str] = (), regions: Iterable[str] = ()) -> str:
    """Mask every personal identifier found in free text; the rest is left as is."""
    if not any(ch.isdigit() or ch == "@" for ch in text) and not known:
        return text  # nothing any pattern could match
    out: list[str] = []
    last = 0
    for span in detect(text, strict=False, known=known, regions=regions):
        out.append(text[last : span.start])
        out.append(_mask_span(span))
        last = span.end
    out.append(text[last:])
    return "".join(out)


@dataclass(frozen=True)
class Pseudonymised:
    text: str
    mapping: Mapping[str, str]  # placeholder -> original


def pseudonymise(text: str, *, known: Iterable[str] = ()) -> Pseudonymised:
    """Replace identifiers with stable placeholders (``⟦PHONE_1⟧``) before the text leaves
    Kith; the same value gets the same placeholder."""
    mapping: dict[str, str] = {}
    by_value: dict[tuple[str, str], str] = {}
    counters: dict[str, int] = {}
    out: list[str] = []
    last = 0
    for span in detect(text, strict=False, known=known):
        key = (span.label, span.text)
        if key not in by_value:
            counters[span.label] = counters.get(span.label, 0) + 1
            by_value[key] = f"⟦{span.label}_{counters[span.label]}⟧"
            mapping[by_value[key]] = span.text
        out.append(text[last : span.start])
        out.append(by_value[key])
        last = span.end
    out.append(text[last:])
    return Pseudonymised("".join(out), mapping)


def restore(text: str, mapping: Mapping[str, str]) -> str:
    """Put the original values back into a model's reply."""
    for placeholder, value in mapping.items():
        text = text.replace(placeholder, value)
    return text


class Masker:
    """One conversation with a language model: identifiers (and VINs) become placeholders
    such as ``<PHONE_1>``, the same value keeps its placeholder across ``mask`` calls, and
    ``restore`` puts the values back in the reply.

    ``known`` maps a name to a value from the CRM (``{"private_name": "陈晓峰"}``): the
    value is masked wherever it appears, as ``<NAME_1>`` (the name without ``private_``).
    ``regions`` (the contact's, the tenant's) are tried first when parsing phone numbers.
    """

    def __init__(self, known: Mapping[str, str] | None = None, regions: Iterable[str] = ()) -> None:
        self._regions = tuple(regions)  # the contact's / tenant's phone regions, tried first
        self._labels = {
            value: key.removeprefix("private_").upper()
            for key, value in (known or {}).items()
            if value
        }
        self._placeholders: dict[str, str] = {}  # original -> placeholder
        self._originals: dict[str, str] = {}  # placeholder -> original
        self._counts: dict[str, int] = {}

    def mask(self, text: str) -> str:
        out: list[str] = []
        last = 0
        for span in detect(
            text, strict=False, known=self._labels, vehicles=True, regions=self._regions
        ):
            label = self._labels.get(span.text, span.label) if span.label == "KNOWN" else span.label
            out.append(text[last : span.start])
            out.append(self._placeholder(label, span.text))
            last = span.end
        out.append(text[last:])
        return "".join(out)

    def restore(self, text: str) -> str:
        return restore(text, self._originals)

    def restore_value(self, value: Any) -> Any:
        """Restore placeholders inside a decoded JSON value (tool arguments)."""
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, list):
            return [self.restore_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.restore_value(v) for k, v in value.items()}
        return value

    def _placeholder(self, label: str, value: str) -> str:
        existing = self._placeholders.get(value)
        if existing is not None:
            return existing
        self._counts[label] = self._counts.get(label, 0) + 1
        placeholder = f"<{label}_{self._counts[label]}>"
        self._placeholders[value] = placeholder
        self._originals[placeholder] = value
        return placeholder


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
