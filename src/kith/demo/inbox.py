"""The inbox demo: 王强's mailbox with realistic threads, loaded without a network by
parsing the ``.eml`` files in ``demo/mail`` through the same ingest path as a sync —
a Chinese reply chain (question, 王强's answer, the customer's follow-up), a GBK-encoded
quoted-printable notice with GB2312/GBK encoded headers, and two English messages, one
with a PDF attachment. Each file's ``X-Kith-Demo-Hours-Before`` header places it before
the demo's anchor. The mailbox is paused: it points at no real server."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.inbox.ingest import ingest_raw
from kith.inbox.schemas import MailboxIn
from kith.inbox.service import InboxService

MAIL_DIR = Path(__file__).parent / "mail"
OWNER = "wang.qiang@kith.demo"
HOURS = re.compile(rb"^X-Kith-Demo-Hours-Before: *(\d+)\r?$", re.MULTILINE)
DATE = re.compile(rb"^Date: [^\r\n]*", re.MULTILINE)


class _At:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def mail_files() -> list[Path]:
    return sorted(MAIL_DIR.glob("*.eml"))


def dated(raw: bytes, anchor: datetime) -> bytes:
    """The message with its Date set to the anchor minus its demo offset."""
    found = HOURS.search(raw)
    if found is None:
        return raw
    when = anchor - timedelta(hours=int(found.group(1)))
    return DATE.sub(b"Date: " + format_datetime(when).encode(), raw, count=1)


def seed_inbox(container: Container, tenant_id: str, anchor: datetime) -> dict[str, Any]:
    clock = _At(anchor)
    with container.uow() as uow:
        owner = _person(uow.session, tenant_id, OWNER)
        records = RecordService(uow, owner, clock)
        account = records.create(
            "account",
            s.AccountIn(
                name="华东冷链物流",
                industry="logistics",
                city="上海",
                email="finance@hd-coldchain.example",
                owner_id=owner.user_id,
            ),
        )
        records.create(
            "contact",
            s.ContactIn(
                name="赵磊",
                title="车队主管",
                email="zhao.lei@hd-coldchain.example",
                mobile="13816620418",
                account_id=account["id"],
                city="上海",
                owner_id=owner.user_id,
            ),
        )
        northwind = records.create(
            "account",
            s.AccountIn(name="Northwind Fleet Services", city="苏州", owner_id=owner.user_id),
        )
        records.create(
            "contact",
            s.ContactIn(
                name="Harriet Vale",
                title="Fleet Manager",
                email="harriet.vale@northwind-fleet.example",
                account_id=northwind["id"],
                language="en",
                owner_id=owner.user_id,
            ),
        )
        mailbox = InboxService(uow, owner, clock).create_mailbox(
            MailboxIn(
                name="王强",
                address=OWNER,
                imap_host="imap.kith.demo",
                imap_user=OWNER,
                imap_password="demo-mailbox-not-connected",  # noqa: S106 - demo data
                smtp_host="smtp.kith.demo",
            )
        )
        mailbox.status = "paused"
        stored = 0
        for path in mail_files():
            result = ingest_raw(
                uow, mailbox, dated(path.read_bytes(), anchor), clock=clock, recorder=owner
            )
            stored += result.outcome == "stored"
        uow.commit()
    return {"mailbox": OWNER, "messages": stored}


def _person(session: Any, tenant_id: str, email: str) -> Principal:
    user = session.scalars(
        select(User).where(User.tenant_id == tenant_id, User.email == email)
    ).one()
    return principal_for_user(session, user)
