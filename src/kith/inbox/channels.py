"""Channel adapters of the inbox behind one interface: send a reply, parse an inbound
webhook (its signature verified first), tell a message's delivery status.

E-mail is real: replies go out over the mailbox's own SMTP server with ``In-Reply-To`` and
``References`` so the customer's client threads them; inbound mail comes by IMAP sync
(``kith.inbox.sync``) or, for providers that push, as a signed webhook carrying the raw
message. Other channels (WeCom, SMS, web chat) implement the same protocol.

Webhook signatures: header ``Kith-Inbound-Signature: t=<unix seconds>,v1=<hex>``, the
HMAC-SHA256 of ``"<t>." + body`` keyed by the channel's secret; older than five minutes
or not matching is refused (``SignatureInvalid``).
"""

from __future__ import annotations

import hashlib
import hmac
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol

from kith.inbox.models import InboxMessage, Mailbox
from kith.inbox.parse import ParsedMail, format_address, parse_mail

SIGNATURE_HEADER = "kith-inbound-signature"
SIGNATURE_TOLERANCE = timedelta(minutes=5)
TIMEOUT_SECONDS = 10.0


class SignatureInvalid(Exception):
    pass


class DeliveryFailed(Exception):
    """The provider did not take the message; ``permanent`` ones are not retried."""

    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    to: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]
    sent_at: datetime


@dataclass(frozen=True)
class Sent:
    transport: str
    transport_id: str | None


class InboxChannel(Protocol):
    channel: str

    def send(self, message: Outgoing) -> Sent: ...

    def parse_inbound(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> ParsedMail: ...

    def delivery_status(self, message: InboxMessage) -> str: ...


def sign(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str | None, body: bytes, now: datetime) -> None:
    if not header:
        raise SignatureInvalid("no signature")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise SignatureInvalid("no timestamp") from None
    if abs(now.timestamp() - timestamp) > SIGNATURE_TOLERANCE.total_seconds():
        raise SignatureInvalid("signature too old")
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("v1", "")):
        raise SignatureInvalid("signature does not match")


@dataclass(frozen=True)
class EmailChannel:
    """Sends with the mailbox's SMTP settings; a webhook body is one raw RFC 5322 message."""

    mailbox: Mailbox
    webhook_secret: str | None = None
    channel: str = "email"

    def new_message_id(self) -> str:
        domain = self.mailbox.address.partition("@")[2] or "kith.local"
        return make_msgid(domain=domain)

    def send(self, message: Outgoing) -> Sent:
        box = self.mailbox
        if not box.smtp_host:
            raise DeliveryFailed("the mailbox has no SMTP server", permanent=True)
        mail = EmailMessage()
        mail["From"] = format_address(box.name, box.address)
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = format_datetime(message.sent_at)
        mail["Message-ID"] = message.message_id
        if message.in_reply_to:
            mail["In-Reply-To"] = message.in_reply_to
        if message.references:
            mail["References"] = " ".join(message.references)
        mail.set_content(message.body)
        try:
            with self._connect() as smtp:
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryFailed(f"recipient refused: {exc.recipients}", permanent=True) from exc
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryFailed(f"SMTP authentication failed ({exc.smtp_code})") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:400]) from exc
        return Sent("smtp", message.message_id)

    def parse_inbound(self, headers: Mapping[str, str], body: bytes, now: datetime) -> ParsedMail:
        if not self.webhook_secret:
            raise SignatureInvalid("this channel takes no webhooks")
        verify(self.webhook_secret, headers.get(SIGNATURE_HEADER), body, now)
        return parse_mail(body)

    def delivery_status(self, message: InboxMessage) -> str:
        # SMTP hand-off is the last receipt e-mail gives without DSN parsing.
        return message.delivery_status

    def _connect(self) -> smtplib.SMTP:
        box = self.mailbox
        host = box.smtp_host or "localhost"
        if box.smtp_security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, box.smtp_port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, box.smtp_port, timeout=TIMEOUT_SECONDS)
            if box.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if box.smtp_user and box.smtp_password:
            smtp.login(box.smtp_user, box.smtp_password)
        return smtp
