"""Storing one e-mail of a mailbox: match it to a customer by address, thread it into a
conversation and write it as an interaction — the one path for synced mail, the demo's
``.eml`` files and tests.

Idempotent: a message already stored for the mailbox (same ``message_key``) is not
stored again; only where it now lives on the server (folder, UID) is updated.
Matching: the other party's addresses (the sender of inbound mail; the recipients of
mail the mailbox sent), compared without case with contacts' e-mail, then accounts'.
With ``only_matched`` (the default) mail from no known customer is not stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.core.domain import DomainEvent
from kith.core.event_types import EventType
from kith.crm.models import Contact
from kith.crm.schemas import InteractionIn
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.inbox.models import Conversation, InboxAttachment, InboxMessage, Mailbox
from kith.inbox.parse import MAX_ATTACHMENT_BYTES, ParsedMail, key_of, parse_mail
from kith.inbox.repository import InboxRepository

FIRST_RESPONSE = timedelta(hours=4)  # SLA: an inbound message is answered within this
REPLY_PREFIX = re.compile(r"^((re|fw|fwd|aw|回复|答复|转发)\s*[:：]\s*)+", re.IGNORECASE)
Outcome = Literal["stored", "duplicate", "unmatched"]
Direction = Literal["inbound", "outbound"]


@dataclass(frozen=True)
class Ingested:
    outcome: Outcome
    message_id: str | None = None
    conversation_id: str | None = None


def ingest_raw(
    uow: UnitOfWork,
    mailbox: Mailbox,
    raw: bytes,
    *,
    clock: Callable[[], datetime],
    folder: str | None = None,
    uid: int | None = None,
    received_at: datetime | None = None,
    max_attachment_bytes: int | None = None,
    recorder: Principal | None = None,
) -> Ingested:
    limit = MAX_ATTACHMENT_BYTES if max_attachment_bytes is None else max_attachment_bytes
    return ingest_parsed(
        uow,
        mailbox,
        parse_mail(raw, max_attachment_bytes=limit),
        clock=clock,
        folder=folder,
        uid=uid,
        received_at=received_at,
        recorder=recorder,
    )


def ingest_parsed(
    uow: UnitOfWork,
    mailbox: Mailbox,
    mail: ParsedMail,
    *,
    clock: Callable[[], datetime],
    folder: str | None = None,
    uid: int | None = None,
    received_at: datetime | None = None,
    recorder: Principal | None = None,
    prefetched: Prefetched | None = None,
) -> Ingested:
    """Store ``mail`` for ``mailbox`` as ``recorder`` (default: Kith's "mail sync").
    ``prefetched``: what a batch looked up at once (known keys, contacts by address)."""
    recorder = recorder or _recorder(mailbox)
    repo = InboxRepository(uow.session, mailbox.tenant_id)
    if prefetched is None or mail.message_key in prefetched.known_keys:
        known = repo.message_by_key(mailbox.id, mail.message_key)
        if known is not None:
            if uid is not None:
                known.folder, known.uid, known.deleted_on_server_at = folder, uid, None
            return Ingested("duplicate", known.id, known.conversation_id)
    parties = parties_of(mailbox, mail)
    outbound = mail.from_addr == mailbox.address.strip().lower()
    if prefetched is None:
        contacts = repo.contacts_by_email(parties)
    else:
        contacts = {a: prefetched.contacts[a] for a in parties if a in prefetched.contacts}
    contact = next((contacts[a] for a in parties if a in contacts), None)
    account_id = contact.account_id if contact else None
    if account_id is None:
        account = repo.account_by_email(parties)
        account_id = account.id if account else None
    if contact is None and account_id is None and mailbox.only_matched:
        return Ingested("unmatched")
    now = clock()
    sent_at = mail.date or received_at or now
    direction: Direction = "outbound" if outbound else "inbound"
    conversation = _conversation(
        uow, repo, mailbox, mail, sent_at, contact_id=_id(contact), recorder=recorder
    )
    if conversation.contact_id is None and contact is not None:
        conversation.contact_id = contact.id
    conversation.account_id = conversation.account_id or account_id
    interaction = RecordService(uow, recorder, clock).create(
        "interaction",
        InteractionIn(
            channel="email",
            direction=direction,
            occurred_at=sent_at,
            contact_id=_id(contact),
            account_id=account_id,
            owner_id=getattr(contact, "owner_id", None) or mailbox.owner_id,
            subject=mail.subject[:300] or None,
            text=mail.text[:100_000],
            meta={
                "mailbox_id": mailbox.id,
                "thread_id": conversation.id,
                "message_id": mail.message_id,
                "from": mail.from_addr,
                "to": mail.to_addrs,
                "attachments": [a.filename for a in mail.attachments],
            },
        ),
    )
    message = InboxMessage(
        tenant_id=mailbox.tenant_id,
        conversation_id=conversation.id,
        source_id=mailbox.id,
        direction=direction,
        message_key=mail.message_key,
        rfc_message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references[-50:],
        from_addr=mail.from_addr,
        from_name=(mail.from_name or "")[:200] or None,
        to_addrs=mail.to_addrs,
        cc_addrs=mail.cc_addrs,
        subject=mail.subject[:300] or None,
        text=mail.text,
        sent_at=sent_at,
        folder=folder,
        uid=uid,
        interaction_id=interaction["id"],
        problems=mail.problems,
        delivery_status="received" if not outbound else "sent",
        created_at=now,
    )
    uow.session.add(message)
    uow.session.flush()
    for item in mail.attachments:
        uow.session.add(
            InboxAttachment(
                tenant_id=mailbox.tenant_id,
                message_id=message.id,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                content=item.content,
                skipped=item.skipped,
            )
        )
    touch(conversation, direction, sent_at, now)
    if prefetched is not None:
        prefetched.known_keys.add(mail.message_key)
    return Ingested("stored", message.id, conversation.id)


@dataclass
class Prefetched:
    known_keys: set[str]  # grows as the batch stores messages (a key seen twice in a batch)
    contacts: Mapping[str, Contact]


def prefetch(uow: UnitOfWork, mailbox: Mailbox, mails: list[ParsedMail]) -> Prefetched:
    """One query for the keys already stored and one for the contacts of a whole batch."""
    repo = InboxRepository(uow.session, mailbox.tenant_id)
    keys = repo.known_keys(mailbox.id, [m.message_key for m in mails])
    addresses = {a for m in mails for a in parties_of(mailbox, m)}
    return Prefetched(set(keys), repo.contacts_by_email(addresses))


def parties_of(mailbox: Mailbox, mail: ParsedMail) -> list[str]:
    """The other side: the sender of inbound mail, the recipients of the mailbox's own."""
    own = mailbox.address.strip().lower()
    outbound = mail.from_addr == own
    parties = [a for a in (mail.to_addrs + mail.cc_addrs if outbound else [mail.from_addr]) if a]
    return [a for a in dict.fromkeys(parties) if a != own]


def touch(conversation: Conversation, direction: str, at: datetime, now: datetime) -> None:
    """A message joined the conversation: customers writing re-open it and start the
    first-response clock; our answer puts it in "waiting on customer"."""
    conversation.message_count += 1
    if at >= conversation.last_message_at or conversation.message_count == 1:
        conversation.last_message_at = at
        conversation.last_direction = direction
        if direction == "inbound":
            conversation.status = "open"
            if conversation.sla_due_at is None:
                conversation.sla_due_at = at + FIRST_RESPONSE
        else:
            if conversation.status == "open":
                conversation.status = "waiting"
            conversation.sla_due_at = None
    conversation.updated_at = now


def _conversation(
    uow: UnitOfWork,
    repo: InboxRepository,
    mailbox: Mailbox,
    mail: ParsedMail,
    sent_at: datetime,
    *,
    contact_id: str | None,
    recorder: Principal,
) -> Conversation:
    """The conversation of the messages this one answers, else of its thread root,
    else a new one."""
    answered = [key_of(i, b"") for i in mail.thread_ids]
    found_id = repo.conversation_of_keys(mailbox.id, answered)
    if found_id is not None:
        found = repo.conversation(found_id)
        if found is not None:
            return found
    thread_key = key_of(mail.thread_root, b"")
    existing = repo.conversation_by_thread("email", mailbox.id, thread_key)
    if existing is not None:
        return existing
    conversation = Conversation(
        tenant_id=mailbox.tenant_id,
        channel="email",
        source_id=mailbox.id,
        thread_key=thread_key,
        subject=_base_subject(mail.subject)[:300] or None,
        contact_id=contact_id,
        assignee_id=mailbox.owner_id,
        team_id=mailbox.team_id,
        status="open",
        last_message_at=sent_at,
        message_count=0,
        created_at=sent_at,
        updated_at=sent_at,
    )
    uow.session.add(conversation)
    uow.session.flush()
    uow.emit(
        DomainEvent(
            type=EventType.CONVERSATION_OPENED,
            tenant_id=mailbox.tenant_id,
            subject_type="conversation",
            subject_id=conversation.id,
            actor=recorder.actor,
            payload={"channel": "email", "mailbox_id": mailbox.id},
            contact_id=contact_id,
            summary=f"conversation.opened: {conversation.subject or ''}"[:500],
            occurred_at=sent_at,
        )
    )
    return conversation


def _base_subject(subject: str) -> str:
    """The subject without its reply and forward prefixes (Re:, 回复:, Fwd:, 转发:)."""
    return REPLY_PREFIX.sub("", subject).strip()


def _recorder(mailbox: Mailbox) -> Principal:
    return system_principal(mailbox.tenant_id, "mail sync")


def _id(contact: object | None) -> str | None:
    return getattr(contact, "id", None)
