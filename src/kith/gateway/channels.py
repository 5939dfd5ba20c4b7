"""Channel adapters: how ``messages.send`` reaches people outside Kith.

Every message is an ``outbound_messages`` row whatever the channel. The default
adapter stops there: the table *is* the mailbox (``GET /api/v1/messages``), which
is what a demo, a test or an air-gapped install wants. With ``KITH_SMTP_URL`` set,
email goes out over SMTP (``smtp://user:pass@host:port``, ``smtp+starttls://…`` or
``smtps://…``; sender from ``KITH_SMTP_FROM``).

Adapters deliver synchronously inside the caller's transaction, last in the
gateway's pipeline; a failure makes the tool fail and nothing is recorded as sent.
The remaining gap: if the commit itself fails after an SMTP hand-off, the mail has
left without its row.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol
from urllib.parse import unquote, urlsplit

from kith.gateway.models import OutboundMessage


@dataclass(frozen=True)
class Delivery:
    transport: str
    transport_id: str | None = None


class ChannelAdapter(Protocol):
    def deliver(self, message: OutboundMessage) -> Delivery: ...


class MailboxAdapter:
    """Delivers into the local ``outbound_messages`` mailbox (the row itself)."""

    def deliver(self, message: OutboundMessage) -> Delivery:
        return Delivery("mailbox", message.id)


@dataclass(frozen=True)
class SmtpAdapter:
    url: str
    sender: str
    timeout_seconds: float = 10.0

    def deliver(self, message: OutboundMessage) -> Delivery:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject or ""
        mail["Message-ID"] = make_msgid(idstring=message.id, domain="kith.local")
        mail.set_content(message.body)
        with self._connect() as smtp:
            smtp.send_message(mail)
        return Delivery("smtp", mail["Message-ID"])

    def _connect(self) -> smtplib.SMTP:
        parts = urlsplit(self.url)
        host = parts.hostname or "localhost"
        if parts.scheme == "smtps":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, parts.port or 465, timeout=self.timeout_seconds
            )
        else:
            smtp = smtplib.SMTP(host, parts.port or 25, timeout=self.timeout_seconds)
            if parts.scheme == "smtp+starttls":
                smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        return smtp


@dataclass
class ChannelRegistry:
    """Adapter per channel; channels without their own adapter use the mailbox."""

    adapters: dict[str, ChannelAdapter] = field(default_factory=dict)
    fallback: ChannelAdapter = field(default_factory=MailboxAdapter)

    def for_channel(self, channel: str) -> ChannelAdapter:
        return self.adapters.get(channel, self.fallback)

    @classmethod
    def from_environment(cls) -> ChannelRegistry:
        registry = cls()
        url = os.environ.get("KITH_SMTP_URL")
        if url:
            sender = os.environ.get("KITH_SMTP_FROM", "kith@localhost")
            registry.adapters["email"] = SmtpAdapter(url, sender)
        return registry
