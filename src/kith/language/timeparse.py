"""Relative and absolute time expressions in Chinese and English, against a fixed "now".

Measured alternatives (docs/language.md): dateparser does not parse 下周三下午3点 /
明天下午三点 / 下周一; JioNLP does, but it is a 70 MB single-author package with a
63 ms first call and raises on 月底前. The expressions a CRM command uses are a small,
closed set, so they are patterns here, deterministic for a given ``now`` and time zone.

``find_times`` returns every expression in the text with its span (start inclusive,
end exclusive, in the user's zone), its kind (``instant`` with a clock time, ``day``,
``week``, ``month``, ``quarter``, ``year`` or ``deadline``) and, when the text reads
two ways (下周三方会议: 下周三 + 方会议, or 下周 + 三方会议), the other reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from kith.language.months import (
    HOLIDAY_DATES,
    HOLIDAY_ZH,
    MONTH_END_ZH,
    MONTH_NUMBER_EN,
    MONTHS_AHEAD_READ_AS_FUTURE,
    NAMED_MONTH,
)

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6}
CN_DIGITS.update({"七": 7, "八": 8, "九": 9})
WEEKDAY_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
WEEKDAY_EN = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
MONTH_EN = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
NUMBER_EN = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "a": 1,
    "an": 1,
    "couple of": 2,
}

WORK_START = time(9, 0)
WORK_END = time(18, 0)
DEFAULT_MEETING_TIME = time(10, 0)
DEFAULT_DUE_TIME = time(18, 0)


@dataclass(frozen=True)
class TimeMention:
    text: str
    start_index: int
    end_index: int
    kind: str  # instant | day | week | month | quarter | year | deadline | range
    start: datetime
    end: datetime
    has_clock: bool = False
    alternatives: tuple[TimeMention, ...] = field(default=())
    note: str | None = None

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "text": self.text,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }
        if self.alternatives:
            out["alternatives"] = [a.as_dict() for a in self.alternatives]
        if self.note:
            out["note"] = self.note
        return out


def cn_number(text: str) -> int | None:
    """Arabic or Chinese numerals up to 9999 (十, 十五, 二十三, 两, 一百二十)."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    total, section, digit = 0, 0, 0
    units = {"十": 10, "百": 100, "千": 1000}
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in units:
            section += (digit or 1) * units[ch]
            digit = 0
        else:
            return None
    total = section + digit
    return total


_NUM = r"(?:\d{1,4}|[零〇一二两三四五六七八九十百]{1,5})"
_CLOCK_ZH = (
    rf"(?P<ampm>凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|今晚)?\s*(?P<hour>{_NUM})\s*(?:点|时|:|：)"
    rf"(?:\s*(?P<half>半)|\s*(?P<quarter>一刻|三刻)|\s*(?P<minute>{_NUM})\s*分?)?"
)
_CLOCK_ZH_RE = re.compile(_CLOCK_ZH)
_AMPM_ONLY_ZH = re.compile(r"(?P<ampm>上午|下午|晚上|早上|中午)")
_CLOCK_EN_RE = re.compile(
    r"(?:\bat\s+)?\b(?P<hour>\d{1,2})(?::(?P<minute>\d{2}))?\s*(?P<ampm>a\.?m\.?|p\.?m\.?)"
    r"|(?:\bat\s+)(?P<hour24>\d{1,2}):(?P<minute24>\d{2})\b"
    r"|\b(?P<hhmm>[01]?\d|2[0-3]):(?P<mm>[0-5]\d)\b"
    r"|\b(?P<noon>noon|midday)\b",
    re.IGNORECASE,
)
_AMPM_ONLY_EN = re.compile(r"\b(?:in the\s+)?(?P<ampm>morning|afternoon|evening)\b", re.I)

_DAY_ZH = re.compile(
    r"(?P<rel>大后天|后天|明天|明日|今天|今日|昨天|前天)"
    r"|(?P<wprefix>下下|下|本|这|上)?(?:个)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末])"
    r"|(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月\s*"
    r"(?P<day>\d{1,2}|[一二三四五六七八九十]{1,3})\s*(?:日|号)"
    r"|(?P<iso>\d{4}-\d{1,2}-\d{1,2})"
)
_PERIOD_ZH = re.compile(
    r"(?P<wk>下下|下|本|这|上)(?:个)?(?:周|星期|礼拜)(?![一二三四五六日天末])"
    r"|(?P<mon>下|本|这|上)(?:个)?月(?!底|末|初)"
    r"|(?P<monthend>(?:本|这个?|下个?)?月(?:底|末))(?P<mbefore>前|之前)?"
    r"|(?P<qend>(?:本|这个?)?季度(?:末|底))(?P<qbefore>前|之前)?"
    r"|(?P<q>上|本|这|下)(?:个)?季度(?!末|底)"
    r"|(?P<yend>年底|年末)(?P<ybefore>前|之前)?"
    r"|(?P<yr>今年|去年|明年)"
    r"|(?:(?:过去|最近|近)(?P<pastn>{num})(?:个)?(?P<pastunit>天|周|星期|月))"
    r"|(?P<aftern>{num})(?:个)?(?P<afterunit>天|周|星期|礼拜|月|小时)(?P<afterword>后|之后|以后|内|以内)".replace(
        "{num}", _NUM
    )
)
_DAY_EN = re.compile(
    r"\b(?P<rel>today|tonight|tomorrow|yesterday|the day after tomorrow)\b"
    r"|\b(?P<wprefix>next|this|last|coming|on|by)?\s*(?P<wd>monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|mon|tue|tues|wed|thu|thur|thurs|fri)\b"
    r"|\b(?P<mname>january|february|march|april|may|june|july|august|september|october|"
    r"november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)\.?\s+(?P<mday>\d{1,2})"
    r"(?:st|nd|rd|th)?(?:,?\s*(?P<myear>\d{4}))?\b"
    r"|\b(?P<iso>\d{4}-\d{1,2}-\d{1,2})\b",
    re.IGNORECASE,
)
_PERIOD_EN = re.compile(
    r"\b(?P<wk>next|this|last|coming)\s+week\b"
    r"|\b(?P<mon>next|this|last)\s+month\b"
    r"|\b(?P<mbefore>by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?month\b"
    r"|\b(?P<qbefore>by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?quarter\b"
    r"|\b(?P<q>next|this|last)\s+quarter\b"
    r"|\b(?P<ybefore>by\s+|before\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?year\b"
    r"|\b(?P<yr>this|last|next)\s+year\b"
    r"|\b(?:in\s+the\s+)?(?:past|last)\s+(?P<pastn>\d{1,3}|[a-z]+)\s+(?P<pastunit>days?|weeks?|months?)\b"
    r"|\b(?:in|within)\s+(?P<aftern>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"couple of)\s+(?P<afterunit>days?|weeks?|months?|hours?)\b"
    r"|\b(?P<aftern2>\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+"
    r"(?P<afterunit2>days?|weeks?|months?)\s+(?:from\s+now|later)\b",
    re.IGNORECASE,
)


def _en_number(text: str) -> int | None:
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    return NUMBER_EN.get(text)


class TimeParser:
    """Parses against ``now`` (aware) in the user's time zone."""

    def __init__(self, now: datetime, tz: str = "Asia/Shanghai") -> None:
        self.zone = ZoneInfo(tz)
        self.now = now.astimezone(self.zone)
        self.today = self.now.date()

    # --- helpers ---------------------------------------------------------------------

    def _at(self, day: date, clock: time = time(0, 0)) -> datetime:
        return datetime.combine(day, clock, tzinfo=self.zone)

    def _day(self, day: date) -> tuple[datetime, datetime]:
        return self._at(day), self._at(day + timedelta(days=1))

    def _week_start(self, offset_weeks: int) -> date:
        monday = self.today - timedelta(days=self.today.weekday())
        return monday + timedelta(weeks=offset_weeks)

    def _month_start(self, offset: int) -> date:
        index = self.today.year * 12 + self.today.month - 1 + offset
        return date(index // 12, index % 12 + 1, 1)

    def _quarter_start(self, offset: int) -> date:
        q = (self.today.month - 1) // 3 + offset
        year = self.today.year + q // 4
        return date(year, (q % 4) * 3 + 1, 1)

    def _mention(
        self, text: str, m: re.Match[str], kind: str, span: tuple[datetime, datetime], **kw: object
    ) -> TimeMention:
        return TimeMention(text[m.start() : m.end()], m.start(), m.end(), kind, *span, **kw)  # type: ignore[arg-type]

    # --- days --------------------------------------------------------------------------

    def _weekday_date(self, prefix: str | None, weekday: int) -> date:
        if prefix in ("下", "next"):
            return self._week_start(1) + timedelta(days=weekday)
        if prefix == "下下":
            return self._week_start(2) + timedelta(days=weekday)
        if prefix in ("上", "last"):
            return self._week_start(-1) + timedelta(days=weekday)
        if prefix in ("本", "这", "this"):
            return self._week_start(0) + timedelta(days=weekday)
        # bare weekday / "on" / "by" / "coming": the next such day (today counts if later)
        ahead = (weekday - self.today.weekday()) % 7
        return self.today + timedelta(days=ahead or 7)

    def _days_zh(self, text: str) -> list[TimeMention]:
        out: list[TimeMention] = []
        for m in _DAY_ZH.finditer(text):
            day: date | None = None
            if m.group("rel"):
                offsets = {"大后天": 3, "后天": 2, "明天": 1, "明日": 1, "今天": 0, "今日": 0}
                offsets.update({"昨天": -1, "前天": -2})
                day = self.today + timedelta(days=offsets[m.group("rel")])
            elif m.group("wd"):
                wd = m.group("wd")
                day = self._weekday_date(m.group("wprefix"), WEEKDAY_ZH[wd])
                if wd == "末":
                    mention = self._mention(
                        text, m, "range", (self._at(day), self._at(day + timedelta(days=2)))
                    )
                    out.append(mention)
                    continue
            elif m.group("month"):
                month = cn_number(m.group("month"))
                dom = cn_number(m.group("day"))
                year = int(m.group("year")) if m.group("year") else self.today.year
                day = _safe_date(year, month, dom)
                if day is not None and not m.group("year") and day < self.today - timedelta(60):
                    day = _safe_date(year + 1, month, dom)
            elif m.group("iso"):
                y, mo, d = (int(x) for x in m.group("iso").split("-"))
                day = _safe_date(y, mo, d)
            if day is None:
                continue
            out.append(self._mention(text, m, "day", self._day(day)))
        return out

    def _days_en(self, text: str) -> list[TimeMention]:
        out: list[TimeMention] = []
        for m in _DAY_EN.finditer(text):
            day: date | None = None
            if m.group("rel"):
                rel = m.group("rel").lower()
                offsets = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
                offsets["the day after tomorrow"] = 2
                day = self.today + timedelta(days=offsets[rel])
            elif m.group("wd"):
                word = m.group("wd").lower()
                if word in ("mon", "sun", "sat", "wed") and not m.group("wprefix"):
                    continue  # too short to trust alone
                prefix = (m.group("wprefix") or "").lower() or None
                day = self._weekday_date(prefix, WEEKDAY_EN[word])
            elif m.group("mname"):
                year = int(m.group("myear")) if m.group("myear") else self.today.year
                month = MONTH_EN[m.group("mname").lower()]
                day = _safe_date(year, month, int(m.group("mday")))
                if day is not None and not m.group("myear") and day < self.today - timedelta(60):
                    day = _safe_date(year + 1, month, int(m.group("mday")))
            elif m.group("iso"):
                y, mo, d = (int(x) for x in m.group("iso").split("-"))
                day = _safe_date(y, mo, d)
            if day is None:
                continue
            kind = "deadline" if (m.group("wprefix") or "").lower() == "by" else "day"
            out.append(self._mention(text, m, kind, self._day(day)))
        return out

    # --- periods -----------------------------------------------------------------------

    def _period(self, m: re.Match[str], text: str, lang: str) -> TimeMention | None:
        g = m.groupdict()
        rel = {"下": 1, "下下": 2, "本": 0, "这": 0, "上": -1}
        rel.update({"next": 1, "this": 0, "last": -1, "coming": 1})
        if g.get("wk"):
            start = self._week_start(rel[g["wk"].lower()])
            return self._mention(
                text, m, "week", (self._at(start), self._at(start + timedelta(days=7)))
            )
        if g.get("mon"):
            start = self._month_start(rel[g["mon"].lower()])
            nxt = self._month_start(rel[g["mon"].lower()] + 1)
            return self._mention(text, m, "month", (self._at(start), self._at(nxt)))
        if g.get("monthend") or (
            lang == "en" and "month" in m.group(0).lower() and "end" in m.group(0).lower()
        ):
            offset = 1 if g.get("monthend", "") and g["monthend"].startswith("下") else 0
            end = self._at(self._month_start(offset + 1))
            return self._mention(text, m, "deadline", (self._at(self.today), end))
        if g.get("qend") or (
            lang == "en" and "quarter" in m.group(0).lower() and "end" in m.group(0).lower()
        ):
            end = self._at(self._quarter_start(1))
            return self._mention(text, m, "deadline", (self._at(self.today), end))
        if g.get("q"):
            off = rel[g["q"].lower()]
            span = (self._at(self._quarter_start(off)), self._at(self._quarter_start(off + 1)))
            return self._mention(text, m, "quarter", span)
        if g.get("yend") or (
            lang == "en" and "year" in m.group(0).lower() and "end" in m.group(0).lower()
        ):
            end = self._at(date(self.today.year + 1, 1, 1))
            return self._mention(text, m, "deadline", (self._at(self.today), end))
        if g.get("yr"):
            off = {"今年": 0, "去年": -1, "明年": 1, "this": 0, "last": -1, "next": 1}[
                g["yr"].lower()
            ]
            y = self.today.year + off
            return self._mention(
                text, m, "year", (self._at(date(y, 1, 1)), self._at(date(y + 1, 1, 1)))
            )
        if g.get("pastn"):
            n = cn_number(g["pastn"]) if lang == "zh" else _en_number(g["pastn"])
            if n is None:
                return None
            unit = g["pastunit"].lower()
            days = n * (7 if unit[0] in "周星w" else 30 if unit[0] in "月m" else 1)
            start = self._at(self.today - timedelta(days=days))
            return self._mention(text, m, "range", (start, self.now))
        n_text = g.get("aftern") or g.get("aftern2")
        if n_text:
            n = cn_number(n_text) if lang == "zh" else _en_number(n_text)
            if n is None:
                return None
            unit = (g.get("afterunit") or g.get("afterunit2") or "").lower()
            word = g.get("afterword") or ""
            if unit[0] in "小h":
                at = self.now + timedelta(hours=n)
                return self._mention(text, m, "instant", (at, at), has_clock=True)
            if unit[0] in "月m":
                target = self._month_start(n).replace(day=min(self.today.day, 28))
            else:
                target = self.today + timedelta(days=n * (7 if unit[0] in "周星礼w" else 1))
            if word in ("内", "以内") or m.group(0).lower().startswith("within"):
                return self._mention(text, m, "deadline", (self._at(self.today), self._at(target)))
            return self._mention(text, m, "day", self._day(target))
        return None

    def _named_months(self, text: str, lang: str) -> list[TimeMention]:
        """ "11月", "2026年11月", "in November", "Oct 2026": the whole month."""
        out: list[TimeMention] = []
        for m in NAMED_MONTH[lang].finditer(text):
            raw = m.group("month")
            if lang == "en" and raw.lower() == "may" and not m.group(0).lower().startswith("in"):
                continue  # the modal verb, not the month
            month = cn_number(raw) if lang == "zh" else MONTH_NUMBER_EN.get(raw.lower())
            if month is None or not 1 <= month <= 12:
                continue
            year = int(m.group("year")) if m.group("year") else self._year_of_bare_month(month)
            start = date(year, month, 1)
            end = date(year + (month == 12), month % 12 + 1, 1)
            out.append(self._mention(text, m, "month", (self._at(start), self._at(end))))
        return out

    def _named_deadlines_zh(self, text: str) -> list[TimeMention]:
        """ "12月底前" (by the end of December), "元旦前" (before New Year's Day)."""
        out: list[TimeMention] = []
        for m in MONTH_END_ZH.finditer(text):
            month = cn_number(m.group("month"))
            if month is None or not 1 <= month <= 12:
                continue
            year = int(m.group("year")) if m.group("year") else self._year_of_bare_month(month)
            end = date(year + (month == 12), month % 12 + 1, 1)
            out.append(self._mention(text, m, "deadline", (self._at(self.today), self._at(end))))
        for m in HOLIDAY_ZH.finditer(text):
            month, day = HOLIDAY_DATES[m.group("holiday")]
            holiday = date(self.today.year, month, day)
            if holiday <= self.today:
                holiday = date(self.today.year + 1, month, day)
            span = (self._at(self.today), self._at(holiday))
            out.append(self._mention(text, m, "deadline", span))
        return out

    def _year_of_bare_month(self, month: int) -> int:
        ahead = (month - self.today.month) % 12
        if ahead <= MONTHS_AHEAD_READ_AS_FUTURE:
            return self.today.year + (month < self.today.month)
        return self.today.year - (month > self.today.month)

    # --- clock ---------------------------------------------------------------------

    def _clock_zh(self, text: str) -> list[tuple[int, int, time]]:
        out = []
        for m in _CLOCK_ZH_RE.finditer(text):
            hour = cn_number(m.group("hour"))
            if hour is None or hour > 24:
                continue
            minute = 0
            if m.group("half"):
                minute = 30
            elif m.group("quarter"):
                minute = 15 if m.group("quarter") == "一刻" else 45
            elif m.group("minute"):
                minute = cn_number(m.group("minute")) or 0
            ampm = m.group("ampm") or ""
            if (ampm in ("下午", "傍晚", "晚上", "今晚") and hour < 12) or (
                ampm == "中午" and hour < 6
            ):
                hour += 12
            elif not ampm and 1 <= hour <= 6:
                hour += 12  # 三点 in an office means 15:00
            out.append((m.start(), m.end(), time(hour % 24, min(minute, 59))))
        return out

    def _clock_en(self, text: str) -> list[tuple[int, int, time]]:
        out = []
        for m in _CLOCK_EN_RE.finditer(text):
            if m.group("noon"):
                out.append((m.start(), m.end(), time(12, 0)))
                continue
            if m.group("hour"):
                hour, minute = int(m.group("hour")), int(m.group("minute") or 0)
                pm = m.group("ampm").lower().startswith("p")
                if hour > 12:
                    continue
                hour = (hour % 12) + (12 if pm else 0)
            elif m.group("hour24"):
                hour, minute = int(m.group("hour24")), int(m.group("minute24"))
            else:
                hour, minute = int(m.group("hhmm")), int(m.group("mm"))
            if hour > 23 or minute > 59:
                continue
            out.append((m.start(), m.end(), time(hour, minute)))
        return out

    # --- entry -----------------------------------------------------------------------

    def find(self, text: str, lang: str) -> list[TimeMention]:
        days = self._days_zh(text) if lang == "zh" else self._days_en(text)
        periods_re = _PERIOD_ZH if lang == "zh" else _PERIOD_EN
        periods = [p for m in periods_re.finditer(text) if (p := self._period(m, text, lang))]
        periods += self._named_months(text, lang)
        if lang == "zh":
            periods += self._named_deadlines_zh(text)
        mentions = _non_overlapping(
            sorted(days + periods, key=lambda t: (t.start_index, -t.end_index))
        )
        clocks = self._clock_zh(text) if lang == "zh" else self._clock_en(text)
        clocks = [
            c for c in clocks if not any(t.start_index <= c[0] < t.end_index for t in mentions)
        ]
        ampm_re = _AMPM_ONLY_ZH if lang == "zh" else _AMPM_ONLY_EN
        result: list[TimeMention] = []
        for t in mentions:
            if t.kind in ("day", "deadline") and t.end - t.start == timedelta(days=1):
                clock = _nearest_clock(clocks, t.end_index, len(text))
                if clock is not None:
                    at = self._at(t.start.date(), clock[2])
                    t = replace(
                        t,
                        kind="instant",
                        start=at,
                        end=at,
                        has_clock=True,
                        text=text[t.start_index : max(t.end_index, clock[1])],
                        end_index=max(t.end_index, clock[1]),
                    )
                    clocks.remove(clock)
                else:
                    part = ampm_re.search(text, t.end_index, min(len(text), t.end_index + 20))
                    if part is not None and part.start() <= t.end_index + 2:
                        hour = {"上午": 10, "早上": 9, "中午": 12, "下午": 15, "晚上": 19}
                        hour.update({"morning": 10, "afternoon": 15, "evening": 19})
                        at = self._at(t.start.date(), time(hour[part.group("ampm").lower()], 0))
                        t = replace(
                            t,
                            kind="instant",
                            start=at,
                            end=at,
                            has_clock=True,
                            text=text[t.start_index : part.end()],
                            end_index=part.end(),
                        )
            result.append(t)
        for start, end, alone in clocks:  # a clock time alone: today, or tomorrow if past
            day = (
                self.today if self._at(self.today, alone) > self.now else self.today + timedelta(1)
            )
            at = self._at(day, alone)
            result.append(TimeMention(text[start:end], start, end, "instant", at, at, True))
        if lang == "zh":
            result = [self._three_party(text, t) for t in result]
        from kith.language.timerefine import refine

        return refine(self, text, lang, sorted(result, key=lambda t: t.start_index))

    def _three_party(self, text: str, t: TimeMention) -> TimeMention:
        """下周三方会议: 下周三 + 方会议, or 下周 + 三方会议 — keep both readings."""
        if not re.fullmatch(r"(下下|下|本|这)(?:个)?(?:周|星期|礼拜)三", t.text):
            return t
        if not text.startswith("方", t.end_index):
            return t
        prefix = t.text[:-1]
        offset = {"下": 1, "下下": 2, "本": 0, "这": 0}[prefix.rstrip("个周星期礼拜")]
        start = self._week_start(offset)
        week = TimeMention(
            prefix,
            t.start_index,
            t.end_index - 1,
            "week",
            self._at(start),
            self._at(start + timedelta(days=7)),
            note="三方会议 = three-party meeting",
        )
        day = replace(t, note="周三 = Wednesday")
        return replace(week, alternatives=(day,))


def _safe_date(year: int, month: int | None, day: int | None) -> date | None:
    if month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _non_overlapping(items: list[TimeMention]) -> list[TimeMention]:
    out: list[TimeMention] = []
    for t in items:
        if out and t.start_index < out[-1].end_index:
            continue
        out.append(t)
    return out


def _nearest_clock(
    clocks: list[tuple[int, int, time]], after: int, length: int
) -> tuple[int, int, time] | None:
    for clock in clocks:
        if after <= clock[0] <= after + 6:
            return clock
    return None


def find_times(text: str, lang: str, now: datetime, tz: str = "Asia/Shanghai") -> list[TimeMention]:
    return TimeParser(now, tz).find(text, lang)
