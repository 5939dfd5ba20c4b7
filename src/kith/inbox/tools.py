"""Gateway tools of the inbox (registered by ``kith.bootstrap.wire``): ``inbox.reply``
answers a conversation in its channel. The gateway checks consent (the contact, e-mail,
the purpose) and the risk policy and records the decision before this runs; the tool
stores the outbound message and its interaction, then hands it to the channel
(``kith.inbox.delivery``: sent now, or retried with back-off)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from kith.access import policy
from kith.core.domain import DomainEvent
from kith.core.event_types import EventType
from kith.crm.schemas import InteractionIn
from kith.gateway.registry import ToolContext, tool
from kith.gateway.tools.common import invalid
from kith.inbox.channels import EmailChannel
from kith.inbox.delivery import attempt
from kith.inbox.ingest import touch
from kith.inbox.models import InboxMessage
from kith.inbox.parse import key_of
from kith.inbox.repository import InboxRepository
from kith.inbox.service import InboxService

Ref = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
REPLY_PURPOSES = ("service", "sales", "crm_ui", "api")


class ReplyArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: Ref
    contact_id: Ref
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
    subject: Annotated[str, StringConstraints(max_length=300)] | None = None


class ReplyOut(BaseModel):
    message_id: str
    conversation_id: str
    to: str
    delivery_status: str
    attempts: int
    last_error: str | None
    interaction_id: str | None


@tool(
    "inbox.reply",
    purposes=REPLY_PURPOSES,
    touches=("message", "conversation"),
    external_effect=True,
    channel="email",
    description="Reply to a conversation of the inbox in its channel (e-mail: threaded)",
)
def reply(ctx: ToolContext, args: ReplyArgs) -> ReplyOut:
    policy.require(ctx.principal, "conversation", "update")
    service = InboxService(ctx.uow, ctx.principal, ctx.clock)
    conversation = service.conversation(args.conversation_id)
    if conversation.contact_id != args.contact_id:
        raise invalid("the conversation is not with this contact", "contact_id")
    repo = InboxRepository(ctx.uow.session, ctx.tenant_id)
    mailbox = repo.mailbox(conversation.source_id)
    if mailbox is None:
        raise invalid("the conversation's mailbox is gone", "conversation_id")
    messages = list(repo.messages(conversation.id))
    last_in = next((m for m in reversed(messages) if m.direction == "inbound"), None)
    to = (last_in.from_addr if last_in else None) or _contact_email(ctx, args.contact_id)
    if not to:
        raise invalid("the contact has no e-mail address", "contact_id")
    anchor = last_in or (messages[-1] if messages else None)
    references = [str(r) for r in (anchor.references if anchor else [])]
    if anchor and anchor.rfc_message_id:
        references.append(anchor.rfc_message_id)
    subject = args.subject or _reply_subject(anchor.subject if anchor else conversation.subject)
    now = ctx.clock()
    message_id = EmailChannel(mailbox).new_message_id()
    interaction = ctx.records.create(
        "interaction",
        InteractionIn(
            channel="email",
            direction="outbound",
            occurred_at=now,
            contact_id=args.contact_id,
            account_id=conversation.account_id,
            subject=subject[:300],
            text=args.body,
            meta={"mailbox_id": mailbox.id, "thread_id": conversation.id, "message_id": message_id},
        ),
    )
    message = InboxMessage(
        tenant_id=ctx.tenant_id,
        conversation_id=conversation.id,
        source_id=mailbox.id,
        direction="outbound",
        message_key=key_of(message_id, b""),
        rfc_message_id=message_id,
        in_reply_to=anchor.rfc_message_id if anchor else None,
        references=references[-50:],
        from_addr=mailbox.address,
        from_name=mailbox.name,
        to_addrs=[to],
        cc_addrs=[],
        subject=subject[:300],
        text=args.body,
        sent_at=now,
        interaction_id=interaction["id"],
        delivery_status="queued",
        attempts=0,
        decision_id=ctx.decision_id,
        created_at=now,
    )
    ctx.uow.session.add(message)
    ctx.uow.session.flush()
    attempt(ctx.uow, message, mailbox, now)
    touch(conversation, "outbound", now, now)
    conversation.version += 1
    ctx.about("conversation", conversation.id, contact_id=args.contact_id)
    ctx.uow.emit(
        DomainEvent(
            type=EventType.CONVERSATION_REPLIED,
            tenant_id=ctx.tenant_id,
            subject_type="conversation",
            subject_id=conversation.id,
            actor=ctx.principal.actor,
            payload={"message_id": message.id, "delivery_status": message.delivery_status},
            account_id=conversation.account_id,
            contact_id=conversation.contact_id,
            summary=f"conversation.replied: {subject}"[:500],
            occurred_at=now,
        )
    )
    return ReplyOut(
        message_id=message.id,
        conversation_id=conversation.id,
        to=to,
        delivery_status=message.delivery_status,
        attempts=message.attempts,
        last_error=message.last_error,
        interaction_id=message.interaction_id,
    )


def _reply_subject(subject: str | None) -> str:
    base = subject or ""
    return base if base.lower().startswith(("re:", "回复:", "回复：")) else f"Re: {base}".strip()


def _contact_email(ctx: ToolContext, contact_id: str) -> str | None:
    record = ctx.records.get("contact", contact_id)
    value = record.get("email")
    return str(value) if value else None
