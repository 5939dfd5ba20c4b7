"""Named months and named deadlines: "11月", "in November", "12月底前", "元旦前"."""

from __future__ import annotations

import re

MONTH_NAMES_EN = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
)
NAMED_MONTH = {
    "zh": re.compile(
        r"(?:(?P<year>\d{4})\s*年\s*)?(?P<month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月份?"
        r"(?![\d一二三四五六七八九十日号底末初中]|上旬|下旬)"
    ),
    "en": re.compile(
        rf"\b(?:(?:in|during|for|of)\s+)?(?P<month>{MONTH_NAMES_EN}|jan|feb|mar|apr|jun|jul|aug"
        r"|sept|sep|oct|nov|dec)\.?(?:\s+(?P<year>\d{4}))?\b(?!\s+\d{1,2}(?:st|nd|rd|th)?\b)",
        re.IGNORECASE,
    ),
}
MONTH_END_ZH = re.compile(
    r"(?:(?P<year>\d{4})\s*年\s*)?(?P<month>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])\s*月(?:底|末)"
    r"(?:前|之前|以前)?"
)
HOLIDAY_ZH = re.compile(r"(?P<holiday>元旦|国庆节?|劳动节|五一)(?:节)?(?:前|之前|以前)")
HOLIDAY_DATES = {
    "元旦": (1, 1),
    "国庆": (10, 1),
    "国庆节": (10, 1),
    "劳动节": (5, 1),
    "五一": (5, 1),
}
MONTH_NUMBER_EN = {name: i + 1 for i, name in enumerate(MONTH_NAMES_EN.split("|"))}
MONTH_NUMBER_EN |= {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8}
MONTH_NUMBER_EN |= {"sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
MONTHS_AHEAD_READ_AS_FUTURE = 2
"""A bare month up to two months ahead is the coming one ("12月" in November); any other
month without a year is the most recent one (questions look back: "won in March")."""
