"""Turning the bytes of an e-mail into what the inbox stores, with the standard library's
``email`` package (``policy.default``).

Handled: multipart (text/plain preferred, text/html converted to text with Beautiful
Soup), quoted-printable and base64 bodies, RFC 2047 encoded headers, Chinese charsets
(GB2312 is read as GB18030, its superset, and so is GBK: mail that says GB2312 often
carries GBK characters), an unknown or wrong charset (decoded as UTF-8 with replacement
characters, noted in ``problems``), malformed MIME (the defects the parser found are
noted; what could be read is kept). Attachments are kept when their type is on the
allow-list and their size under the limit, otherwise only their metadata.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "text/plain",
        "text/csv",
        "text/calendar",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/msword",
        "application/vnd.ms-excel",
        "application/zip",
    }
)
MAX_TEXT = 200_000
# Mail that says GB2312 or GBK is read with GB18030, which contains both.
CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030"}
MSGID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int
    sha256: str
    content: bytes | None
    skipped: str | None  # None (kept) | too_large | type


@dataclass
class ParsedMail:
    message_key: str
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    from_addr: str | None
    from_name: str | None
    to_addrs: list[str]
    cc_addrs: list[str]
    subject: str
    date: datetime | None
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    auto_submitted: bool = False

    @property
    def thread_ids(self) -> list[str]:
        """The ids this message answers (most specific first)."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += [r for r in reversed(self.references) if r not in ids]
        return ids

    @property
    def thread_root(self) -> str:
        """The thread's first message as far as this one knows."""
        if self.references:
            return self.references[0]
        return self.in_reply_to or self.message_id or self.message_key


def key_of(message_id: str | None, raw: bytes) -> str:
    """The per-mailbox unique key: the hash of the Message-ID, or of the bytes."""
    basis = message_id.strip().lower().encode() if message_id else raw
    return hashlib.sha256(basis).hexdigest()


def parse_mail(
    raw: bytes,
    *,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
    allowed_types: frozenset[str] = ALLOWED_TYPES,
) -> ParsedMail:
    problems: list[str] = []
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    problems += [f"defect: {type(d).__name__}" for d in msg.defects]
    message_id = _first_id(_header(msg, "Message-ID", problems))
    in_reply_to = _first_id(_header(msg, "In-Reply-To", problems))
    references = MSGID.findall(_header(msg, "References", problems))
    from_name, from_addr = _one_address(_header(msg, "From", problems))
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        problems += [f"defect: {type(d).__name__}" for d in part.defects]
        disposition = part.get_content_disposition()
        ctype = part.get_content_type()
        if disposition == "attachment" or (
            part.get_filename() and ctype not in ("text/plain", "text/html")
        ):
            attachments.append(
                _attachment(part, max_attachment_bytes, allowed_types, problems, len(attachments))
            )
        elif ctype == "text/plain":
            texts.append(_text_of(part, problems))
        elif ctype == "text/html":
            htmls.append(html_to_text(_text_of(part, problems)))
    text = "\n\n".join(t.strip() for t in texts if t.strip()) or "\n\n".join(h for h in htmls if h)
    return ParsedMail(
        message_key=key_of(message_id, raw),
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        from_addr=from_addr,
        from_name=from_name,
        to_addrs=_addresses(_header(msg, "To", problems)),
        cc_addrs=_addresses(_header(msg, "Cc", problems)),
        subject=_header(msg, "Subject", problems).strip()[:300],
        date=_date(_header(msg, "Date", problems)),
        text=text[:MAX_TEXT],
        attachments=attachments,
        problems=problems[:20],
        auto_submitted=_header(msg, "Auto-Submitted", problems).lower() not in ("", "no"),
    )


def html_to_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _header(msg: Message, name: str, problems: list[str]) -> str:
    """A header's decoded text ("" when absent); a header the parser cannot decode is
    read raw rather than dropping the message."""
    try:
        value = msg.get(name)
    except Exception as exc:  # a malformed header value: keep going
        problems.append(f"header {name}: {type(exc).__name__}")
        raw = msg.get_all(name, failobj=[])
        return str(raw[0]) if raw else ""
    return "" if value is None else str(value)


def _first_id(value: str) -> str | None:
    found = MSGID.search(value)
    return found.group(0)[:998] if found else (value.strip()[:998] or None)


def _one_address(value: str) -> tuple[str | None, str | None]:
    pairs = getaddresses([value]) if value else []
    for name, addr in pairs:
        if "@" in addr:
            return (name or None), addr.strip().lower()
    return None, None


def _addresses(value: str) -> list[str]:
    if not value:
        return []
    return [a.strip().lower() for _, a in getaddresses([value]) if "@" in a][:50]


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _charset(part: Message, problems: list[str]) -> str:
    declared = (part.get_content_charset() or "utf-8").lower()
    name = CHARSET_ALIASES.get(declared, declared)
    try:
        codecs.lookup(name)
    except LookupError:
        problems.append(f"unknown charset {declared!r}: read as UTF-8")
        return "utf-8"
    return name


def _text_of(part: Message, problems: list[str]) -> str:
    payload = part.get_payload(decode=True)  # undoes quoted-printable and base64
    if not isinstance(payload, bytes):
        return ""
    charset = _charset(part, problems)
    try:
        return payload.decode(charset)
    except UnicodeDecodeError:
        problems.append(f"text not valid {charset}: undecodable bytes replaced")
        return payload.decode(charset, errors="replace")


def _attachment(
    part: Message,
    max_bytes: int,
    allowed: frozenset[str],
    problems: list[str],
    index: int,
) -> Attachment:
    try:
        filename = part.get_filename() or f"attachment-{index + 1}"
    except Exception:  # a malformed RFC 2231 name
        problems.append("attachment name unreadable")
        filename = f"attachment-{index + 1}"
    data = part.get_payload(decode=True)
    content = data if isinstance(data, bytes) else b""
    ctype = part.get_content_type()
    skipped = None
    if len(content) > max_bytes:
        skipped = "too_large"
    elif ctype not in allowed:
        skipped = "type"
    return Attachment(
        filename=filename[:255],
        content_type=ctype[:127],
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=None if skipped else content,
        skipped=skipped,
    )


def format_address(name: str | None, addr: str) -> str:
    """``"王强 <wq@example.com>"`` with the display name RFC 2047-encoded when sent."""
    if not name:
        return addr
    local, _, domain = addr.partition("@")
    return str(Address(display_name=name, username=local, domain=domain))
