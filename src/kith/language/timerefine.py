"""What ``TimeParser.find`` leaves for a second pass: short relative times (半小时后, in
20 minutes), an English hour before its day ("at 10 tomorrow"), and a correction that
replaces an earlier time ("周三下午两点……不对，改成周四同一时间", "actually make it Friday")."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kith.language.timeparse import TimeMention, TimeParser

_SOON_ZH = re.compile(
    r"(?P<n>半|一|两|二|三|四|五|六|十|十五|二十|三十|四十|\d{1,3})\s*(?:个)?\s*(?:半)?"
    r"(?P<unit>小时|钟头|分钟)(?:以?后|之后)"
)
_SOON_EN = re.compile(
    r"\bin\s+(?P<n>half an|an|a|one|two|three|four|five|ten|fifteen|twenty|thirty|\d{1,3})"
    r"\s+(?P<unit>hours?|minutes?|mins?)\b",
    re.I,
)
_WORDS = {"half an": 0.5, "半": 0.5, "an": 1, "a": 1, "one": 1, "一": 1, "two": 2, "两": 2}
_WORDS |= {"二": 2, "three": 3, "三": 3, "four": 4, "四": 4, "five": 5, "五": 5, "六": 6}
_WORDS |= {"ten": 10, "十": 10, "fifteen": 15, "十五": 15, "twenty": 20, "二十": 20}
_WORDS |= {"thirty": 30, "三十": 30, "四十": 40}
_BARE_AT_EN = re.compile(r"\bat\s+(?P<h>\d{1,2})(?!\s*(?:[:.\d]|a\.?m|p\.?m|%|days?|hours?))", re.I)
CORRECTION = re.compile(
    r"不对[，,、]?\s*(?:改成|改到|换成|改为|应该是)?|改成"
    r"|\b(?:actually|no wait|sorry)[,]?\s*(?:make it|change it to)?|\bmake it\b",
    re.I,
)
_SAME_TIME = re.compile(r"同一时间|同样时间|同一个时间|same time", re.I)


def refine(parser: TimeParser, text: str, lang: str, found: list[TimeMention]) -> list[TimeMention]:
    from kith.language.timeparse import TimeMention

    out = list(found)
    pattern = _SOON_ZH if lang == "zh" else _SOON_EN
    for m in pattern.finditer(text):
        if any(t.start_index <= m.start() < t.end_index for t in out):
            continue
        n = _WORDS.get(m.group("n").lower())
        if n is None:
            n = int(m.group("n")) if m.group("n").isdigit() else None
        if n is None:
            continue
        if "半" in m.group(0)[len(m.group("n")) :] and n >= 1:
            n += 0.5  # 一个半小时
        minutes = n * (60 if m.group("unit").lower().startswith(("小时", "钟头", "hour")) else 1)
        at = parser.now + timedelta(minutes=minutes)
        out.append(TimeMention(m.group(0), m.start(), m.end(), "instant", at, at, True))
    if lang == "en":
        out = [_bare_hour(parser, text, t) for t in out]
    out.sort(key=lambda t: t.start_index)
    return _corrected(text, out)


def _bare_hour(parser: TimeParser, text: str, t: TimeMention) -> TimeMention:
    """ "at 10 tomorrow": an hour without am/pm just before its day (1–7 read as pm)."""
    if t.has_clock or t.kind != "day":
        return t
    m = next(
        (x for x in _BARE_AT_EN.finditer(text) if 0 <= t.start_index - x.end() <= 2), None
    ) or next((x for x in _BARE_AT_EN.finditer(text) if 0 <= x.start() - t.end_index <= 2), None)
    if m is None or not 1 <= int(m.group("h")) <= 23:
        return t
    hour = int(m.group("h"))
    hour += 12 if hour <= 7 else 0
    at = datetime.combine(t.start.date(), time(hour, 0), tzinfo=parser.zone)
    lo, hi = min(m.start(), t.start_index), max(m.end(), t.end_index)
    return replace(t, kind="instant", start=at, end=at, has_clock=True, text=text[lo:hi],
                   start_index=lo, end_index=hi)  # fmt: skip


def _corrected(text: str, found: list[TimeMention]) -> list[TimeMention]:
    """A time corrected later in the sentence: only the correction stays; "同一时间" keeps
    the earlier clock on the new day."""
    fix = CORRECTION.search(text)
    if fix is None:
        return found
    before = [t for t in found if t.end_index <= fix.start()]
    after = [t for t in found if t.start_index >= fix.start()]
    if not before or not after:
        return found
    new = after[0]
    old = before[-1]
    same = _SAME_TIME.search(text, fix.start())
    if same and old.has_clock and (not new.has_clock or same.start() < new.end_index):
        at = datetime.combine(
            new.start.date(), old.start.timetz()
        )  # "一时" of 同一时间 is no clock
        new = replace(new, kind="instant", start=at, end=at, has_clock=True)
    return [t for t in found if t not in before and t is not after[0]] + [new]
