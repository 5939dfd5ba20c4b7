"""iCalendar (RFC 5545) export of a meeting activity."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from kith.core.clock import as_utc

MAX_LINE_OCTETS = 75


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _stamp(value: datetime) -> str:
    return as_utc(value).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space,
    cut between characters so a Chinese character is never split."""
    parts: list[str] = []
    current = ""
    for ch in line:
        limit = MAX_LINE_OCTETS if not parts else MAX_LINE_OCTETS - 1
        if len((current + ch).encode()) > limit:
            parts.append(current)
            current = ""
        current += ch
    parts.append(current)
    return "\r\n ".join(parts)


def meeting_ics(
    meeting: Mapping[str, Any],
    attendees: Iterable[tuple[str, str]],
    organizer: str | None,
    now: datetime,
) -> str:
    """``attendees`` are (display name, email); those without an email are left out."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Kith//CRM//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{meeting['id']}@kith",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(meeting['starts_at'])}",
        f"DTEND:{_stamp(meeting['ends_at'])}",
        f"SUMMARY:{_escape(meeting['subject'])}",
        f"SEQUENCE:{int(meeting.get('version') or 1) - 1}",
    ]
    if meeting.get("location"):
        lines.append(f"LOCATION:{_escape(meeting['location'])}")
    if meeting.get("body"):
        lines.append(f"DESCRIPTION:{_escape(meeting['body'])}")
    if organizer:
        lines.append(f"ORGANIZER:mailto:{organizer}")
    for name, email in attendees:
        # Parameter values are quoted (a name may contain ",;:"); quotes cannot be escaped.
        cn = name.replace('"', "")
        lines.append(f'ATTENDEE;CN="{cn}";RSVP=TRUE:mailto:{email}')
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
