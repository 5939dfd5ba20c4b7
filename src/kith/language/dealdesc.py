"""Deals named by description: "嘉禾那个10台V9的单子", "the Jiahe 10-van deal", "顺达二期".

People rarely type a deal's full name. They name the customer (often by the first two
characters of its short name, or their pinyin: 嘉禾, Jiahe) and what sets the deal apart:
a quantity (10台, 33 cars), a model (V9, E5), a product word (冷链, monitors), a phase
(二期, phase 2). Among the deals the user may read, those of that customer that carry every
feature given are the candidates; one → that deal, several → a question, never a pick.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

_QTY_ZH = re.compile(r"(?<![\dA-Za-z])(\d{1,4})\s*(?:台|辆|部|套|车年)")
_QTY_EN = re.compile(
    r"(?<![\dA-Za-z])(\d{1,4})[- ]?(?:vans?|cars?|units?|vehicles?|trucks?|pumps?|monitors?"
    r"|vehicle-years?)\b",
    re.I,
)
_MODEL = re.compile(r"(?<![A-Za-z\d])([A-Z]\d{1,2})(?![A-Za-z\d])", re.I)
_PHASE_ZH = re.compile(r"([一二三四五])期")
_PHASE_EN = re.compile(r"\bphase[- ]?(\d|one|two|three|four|five|i{1,3})\b", re.I)
_PHASE_NUM = {"1": "一", "2": "二", "3": "三", "4": "四", "5": "五", "one": "一", "two": "二"}
_PHASE_NUM |= {"three": "三", "four": "四", "five": "五", "i": "一", "ii": "二", "iii": "三"}
# product words as people say them → the words deal names carry
PRODUCT_WORDS: dict[str, tuple[str, ...]] = {
    "冷链": ("冷链",),
    "cold-chain": ("冷链",),
    "cold chain": ("冷链",),
    "监护仪": ("监护仪",),
    "monitor": ("监护仪",),
    "输液泵": ("输液泵",),
    "infusion pump": ("输液泵",),
    "平台": ("平台",),
    "platform": ("平台", "platform"),
    "质控": ("质控",),
    "quality control": ("质控",),
    "影像": ("影像",),
    "imaging": ("影像",),
    "物流车": ("物流车",),
    "van": ("物流车",),
    "公务用车": ("公务用车",),
    "商务用车": ("商务用车",),
}
DEAL_WORDS = re.compile(
    r"商机|单子|那单|这单|那个单|项目|\bdeals?\b|\bopportunit(?:y|ies)\b|\bproject\b", re.I
)
STATUS_WORDS = re.compile(
    r"(?:已|已经)?(?:赢单|输单|丢单)了|丢了|成交了|签了|\bwon\b|\blost\b|\bclosed\b", re.I
)


@dataclass(frozen=True)
class Description:
    quantities: tuple[str, ...]
    models: tuple[str, ...]
    phases: tuple[str, ...]
    products: tuple[tuple[str, ...], ...]
    end: int  # where the description ends in the text (for the entity's span)

    @property
    def empty(self) -> bool:
        return not (self.quantities or self.models or self.phases or self.products)


def describe(text: str, start: int, stop: int) -> Description:
    """The features of a deal named in ``text[start:stop]``."""
    window = text[start:stop]
    ends: list[int] = []
    quantities: list[str] = []
    for m in (*_QTY_ZH.finditer(window), *_QTY_EN.finditer(window)):
        quantities.append(m.group(1))
        ends.append(m.end())
    models = []
    for m in _MODEL.finditer(window):
        if m.group(1).upper().startswith("T") or m.group(1).upper().startswith("S"):
            continue  # T-000013, severity s2
        models.append(m.group(1).upper())
        ends.append(m.end())
    phases = []
    for m in (*_PHASE_ZH.finditer(window), *_PHASE_EN.finditer(window)):
        phases.append(_PHASE_NUM.get(m.group(1).lower(), m.group(1)) + "期")
        ends.append(m.end())
    products = []
    lower = window.lower()
    for word, carried in PRODUCT_WORDS.items():
        pos = lower.find(word)
        if pos >= 0 and (word.isascii() is False or re.search(rf"\b{re.escape(word)}", lower)):
            products.append(carried)
            ends.append(pos + len(word))
    deal_word = DEAL_WORDS.search(window)
    if deal_word:
        ends.append(deal_word.end())
    return Description(
        tuple(quantities),
        tuple(models),
        tuple(phases),
        tuple(products),
        start + max(ends) if ends else start,
    )


def fits(name: str, d: Description) -> bool:
    """Whether a deal's name carries every feature of the description."""
    lowered = name.lower()
    for q in d.quantities:
        if not re.search(rf"(?<!\d){q}(?!\d)", name):
            return False
    if any(m.lower() not in lowered for m in d.models):
        return False
    if any(p not in name for p in d.phases):
        return False
    return all(any(w.lower() in lowered for w in words) for words in d.products)


def window_of(text: str, start: int, end: int) -> tuple[int, int]:
    """The stretch around an account mention that can describe its deal: up to the clause's
    punctuation, at most 24 characters on either side."""
    stops = "，,。；;：:！!？?\n"
    lo = start
    while lo > 0 and start - lo < 24 and text[lo - 1] not in stops:
        lo -= 1
    hi = end
    while hi < len(text) and hi - end < 24 and text[hi] not in stops:
        hi += 1
    return lo, hi


def _cjk(ch: str) -> bool:
    return bool(ch) and "\u4e00" <= ch <= "\u9fff"


def account_stems(
    accounts: list[tuple[str, str | None]], pinyin: Callable[[str], str]
) -> dict[str, tuple[str, ...]]:
    """How people shorten a Chinese company: the first two characters of its short name
    (嘉禾供应链 → 嘉禾) and their pinyin (Jiahe), when no other company shares them."""
    out: dict[str, tuple[str, ...]] = {}
    counts: dict[str, int] = {}
    for name, short in accounts:
        base = short or name
        if len(base) >= 4 and _cjk(base[:1]) and _cjk(base[1:2]):
            counts[base[:2]] = counts.get(base[:2], 0) + 1
    for name, short in accounts:
        base = short or name
        stem = base[:2]
        if counts.get(stem) == 1:
            out[name] = (stem, pinyin(stem).title())
    return out


def described_deals(
    text: str, start: int, end: int, account_id: str | None, deals: Iterable[Any]
) -> tuple[int, int, list[Any]] | None:
    """The deals (gazetteer entries) of the account named at ``text[start:end]`` that fit
    the description around it, and the span of the description; None when nothing is
    described or nothing fits. Open deals first unless the sentence speaks of a won or
    lost one."""
    lo, hi = window_of(text, start, end)
    desc = describe(text, lo, hi)
    if desc.empty:
        return None
    fitting = [e for e in deals if e.account_id == account_id and fits(e.display, desc)]
    if not fitting:
        return None
    if not STATUS_WORDS.search(text[lo:hi]):
        fitting = [e for e in fitting if e.extra.get("status") == "open"] or fitting
    return start, max(desc.end, end), fitting
