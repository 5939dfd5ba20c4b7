"""Delivering outbound inbox messages, with retries.

A reply is stored first (``queued``) and handed to the channel at once; when the provider
does not take it, the message becomes ``retrying`` with the error and the time of the
next attempt (1, 2, 4, 8 minutes…), and after ``MAX_ATTEMPTS`` it is ``failed`` and the
conversation's people are told by the ``conversation.delivery_failed`` event. The retries
are the job ``inbox.deliver`` (the reply's decision was recorded when it was made; a retry
is the same reply). A permanent refusal (recipient refused, no SMTP server) fails at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kith.core.domain import Actor, DomainEvent
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.inbox.channels import DeliveryFailed, EmailChannel, Outgoing
from kith.inbox.models import InboxMessage, Mailbox
from kith.inbox.repository import InboxRepository

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(minutes=1)


def retry_after(attempts: int) -> timedelta:
    delay: timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 20))
    return delay


def attempt(uow: UnitOfWork, message: InboxMessage, mailbox: Mailbox, now: datetime) -> None:
    """One delivery attempt; the message's status, error and next attempt say how it went."""
    channel = EmailChannel(mailbox)
    message.attempts += 1
    try:
        sent = channel.send(
            Outgoing(
                to=(message.to_addrs or [""])[0],
                subject=message.subject or "",
                body=message.text,
                message_id=message.rfc_message_id or channel.new_message_id(),
                in_reply_to=message.in_reply_to,
                references=tuple(str(r) for r in message.references),
                sent_at=message.sent_at,
            )
        )
    except DeliveryFailed as exc:
        message.last_error = str(exc)[:500]
        if exc.permanent or message.attempts >= MAX_ATTEMPTS:
            message.delivery_status = "failed"
            message.next_attempt_at = None
            _failed(uow, message, now)
        else:
            message.delivery_status = "retrying"
            message.next_attempt_at = now + retry_after(message.attempts)
        return
    message.delivery_status = "sent"
    message.last_error = None
    message.next_attempt_at = None
    message.rfc_message_id = sent.transport_id or message.rfc_message_id


def deliver_due(uow: UnitOfWork, tenant_id: str, now: datetime, limit: int = 100) -> dict[str, int]:
    """Retry the workspace's messages whose next attempt is due (the job)."""
    repo = InboxRepository(uow.session, tenant_id)
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for message in repo.due_deliveries(now, limit):
        mailbox = repo.mailbox(message.source_id)
        if mailbox is None:
            continue
        attempt(uow, message, mailbox, now)
        counts[message.delivery_status] = counts.get(message.delivery_status, 0) + 1
    return counts


def _failed(uow: UnitOfWork, message: InboxMessage, now: datetime) -> None:
    conversation = InboxRepository(uow.session, message.tenant_id).conversation(
        message.conversation_id
    )
    uow.emit(
        DomainEvent(
            type=EventType.CONVERSATION_DELIVERY_FAILED,
            tenant_id=message.tenant_id,
            subject_type="conversation",
            subject_id=message.conversation_id,
            actor=Actor.system(),
            payload={
                "message_id": message.id,
                "attempts": message.attempts,
                "error": message.last_error,
                "assignee_id": conversation.assignee_id if conversation else None,
            },
            account_id=conversation.account_id if conversation else None,
            contact_id=conversation.contact_id if conversation else None,
            summary=f"conversation.delivery_failed: {message.last_error or ''}"[:500],
            occurred_at=now,
        )
    )
