"""Real mail servers for the inbox tests: a pymap IMAP server (its in-memory ``dict``
backend, one process on a free port) and an aiosmtpd SMTP server (in this process).

pymap offers IMAP4rev1 with UIDPLUS, MOVE, IDLE and MULTIAPPEND, not CONDSTORE: the
MODSEQ fast path of the sync is therefore not exercised against it."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from kith.bench.inbox import running_pymap

USER, PASSWORD = "wangqiang", "imap-pass-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ImapServer:
    host: str
    port: int
    user: str = USER
    password: str = PASSWORD

    def client(self) -> Any:
        from imapclient import IMAPClient

        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def new_folder(self) -> str:
        name = f"T{uuid.uuid4().hex[:10]}"
        with self.session() as c:
            c.create_folder(name)
        return name

    @contextmanager
    def session(self) -> Iterator[Any]:
        c = self.client()
        try:
            yield c
        finally:
            c.logout()

    def append(self, folder: str, *raws: bytes) -> None:
        with self.session() as c:
            if len(raws) > 1 and c.has_capability("MULTIAPPEND"):
                c.multiappend(folder, list(raws))
            else:
                for raw in raws:
                    c.append(folder, raw)

    def delete(self, folder: str, uids: list[int]) -> None:
        with self.session() as c:
            c.select_folder(folder)
            c.delete_messages(uids)
            c.uid_expunge(uids) if c.has_capability("UIDPLUS") else c.expunge()

    def uids(self, folder: str) -> list[int]:
        with self.session() as c:
            c.select_folder(folder, readonly=True)
            return sorted(c.search(["ALL"]))


@contextmanager
def running_imap() -> Iterator[ImapServer]:
    with running_pymap(USER, PASSWORD) as port:
        yield ImapServer("127.0.0.1", port)


@dataclass
class SmtpInbox:
    """What the SMTP server received (raw bytes per message) and a switch to refuse."""

    messages: list[bytes] = field(default_factory=list)
    refuse: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(bytes(envelope.original_content or envelope.content))
        return "250 OK"


@contextmanager
def running_smtp() -> Iterator[tuple[int, SmtpInbox]]:
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


def mail(
    *,
    sender: str,
    to: str,
    subject: str,
    body: str,
    message_id: str,
    date: datetime,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    charset: str = "utf-8",
    attachment: tuple[str, str, bytes] | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id
    msg["Date"] = format_datetime(date)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    msg.set_content(body, charset=charset)
    if attachment:
        name, ctype, data = attachment
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


__all__ = ["ImapServer", "SmtpInbox", "free_port", "mail", "running_imap", "running_smtp"]
