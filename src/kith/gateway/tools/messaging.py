"""Messages to customers (``email.draft``, ``messages.send``) and to users (``users.notify``).

A sent message is an ``outbound_messages`` row delivered by the channel's adapter
and, when it goes to a known contact, an outbound interaction on their timeline.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.networks import validate_email
from pydantic_core import PydanticCustomError

from kith.access import policy
from kith.crm.schemas import InteractionIn, RecordRef
from kith.gateway.models import Coupon, OutboundMessage
from kith.gateway.notify import notify
from kith.gateway.registry import ToolContext, Undo, tool
from kith.gateway.tools.common import PURPOSES, invalid, require_contact, require_user

SendChannel = Literal["email", "sms", "app_push", "wechat"]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
MessageSubject = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
MessageBody = Annotated[str, StringConstraints(min_length=1, max_length=20_000)]

# Where a contact is reached on each channel, in order of preference.
CONTACT_ADDRESS_FIELDS: dict[str, tuple[str, ...]] = {
    "email": ("email",),
    "sms": ("mobile", "phone"),
    "wechat": ("wechat_id",),
    "app_push": ("app_user_id",),
}
# The interaction channel a message appears as on the customer's timeline.
INTERACTION_CHANNEL = {"email": "email", "sms": "sms", "wechat": "wechat", "app_push": "app"}
OUTREACH_PURPOSES = ("sales", "sales_outreach", "service", "marketing", "crm_ui", "api")


class _Addressed(BaseModel):
    """A recipient: a contact (address looked up per channel), an explicit address, or both."""

    model_config = ConfigDict(extra="forbid")

    contact_id: RecordRef | None = None
    to: Address | None = None

    @model_validator(mode="after")
    def _has_recipient(self) -> _Addressed:
        if not self.contact_id and not self.to:
            raise PydanticCustomError("missing", "give contact_id or to")
        return self


TemplateCategory = Literal[
    "marketing", "promotion", "newsletter", "service", "transactional", "notification",
    "verification",
]  # fmt: skip
AttachmentKind = Literal["coupon", "voucher", "offer", "file", "image", "link"]


class MessageTemplate(BaseModel):
    """The template a message was written from. A marketing/promotion category makes the
    message promotional; a service category does not make a promotional text a service
    message (the consent ledger classifies the text too)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    category: TemplateCategory


class MessageAttachment(BaseModel):
    """Something attached to a message; a coupon, voucher or offer makes it promotional."""

    model_config = ConfigDict(extra="forbid")

    kind: AttachmentKind
    coupon_id: RecordRef | None = None
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    url: Annotated[str, StringConstraints(max_length=500)] | None = None

    @model_validator(mode="after")
    def _coupon_is_a_coupon(self) -> MessageAttachment:
        if self.coupon_id and self.kind not in ("coupon", "voucher"):
            raise PydanticCustomError("coupon", "coupon_id goes with kind coupon or voucher")
        return self


class _Content(_Addressed):
    template: MessageTemplate | None = None
    attachments: list[MessageAttachment] = Field(default_factory=list, max_length=20)


class DraftEmailIn(_Content):
    subject: MessageSubject
    body: MessageBody


class SendMessageIn(_Content):
    channel: SendChannel
    subject: MessageSubject | None = None
    body: MessageBody

    @model_validator(mode="after")
    def _email_address_is_valid(self) -> SendMessageIn:
        if self.channel == "email" and self.to:
            validate_email(self.to)
        return self


class DraftOut(BaseModel):
    message_id: str
    to: str
    subject: str
    body: str


class SentOut(BaseModel):
    message_id: str
    channel: str
    to: str
    status: str
    transport: str | None
    interaction_id: str | None


class NotifyUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: RecordRef
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    body: Annotated[str, StringConstraints(max_length=5_000)] | None = None
    link: Annotated[str, StringConstraints(max_length=500)] | None = None
    subject_type: Annotated[str, StringConstraints(max_length=32)] | None = None
    subject_id: RecordRef | None = None


class NotifiedOut(BaseModel):
    notification_id: str
    user_id: str


def _recipient(ctx: ToolContext, channel: str, args: _Addressed) -> str:
    if args.to:
        if args.contact_id:
            require_contact(ctx, args.contact_id, "contact_id")
        return args.to
    assert args.contact_id is not None  # the schema requires one of the two
    contact = require_contact(ctx, args.contact_id, "contact_id")
    for field_name in CONTACT_ADDRESS_FIELDS[channel]:
        if contact.get(field_name):
            return str(contact[field_name])
    raise invalid(f"the contact has no {channel} address", "contact_id")


def _check_attachments(ctx: ToolContext, args: _Content) -> list[dict[str, Any]]:
    """The attachments as recorded on the timeline; a coupon must be one issued to the
    recipient in this workspace."""
    out: list[dict[str, Any]] = []
    for index, attachment in enumerate(args.attachments):
        if attachment.coupon_id:
            coupon = ctx.uow.session.get(Coupon, attachment.coupon_id)
            if (
                coupon is None
                or coupon.tenant_id != ctx.tenant_id
                or (args.contact_id and coupon.contact_id != args.contact_id)
            ):
                raise invalid(
                    "no coupon with this id for this contact", "attachments", index, "coupon_id"
                )
        out.append(attachment.model_dump(exclude_none=True))
    return out


def _content_meta(ctx: ToolContext, args: _Content) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    if args.template is not None:
        meta["template"] = args.template.model_dump()
    attachments = _check_attachments(ctx, args)
    if attachments:
        meta["attachments"] = attachments
    return meta


def _new_message(
    ctx: ToolContext, channel: str, to: str, subject: str | None, body: str, status: str
) -> OutboundMessage:
    policy.require(ctx.principal, "message", "create")
    message = OutboundMessage(
        tenant_id=ctx.tenant_id,
        channel=channel,
        recipient=to,
        subject=subject,
        body=body,
        status=status,
        purpose=ctx.purpose,
        decision_id=ctx.decision_id,
        created_by_kind=ctx.principal.kind,
        created_by_id=ctx.principal.id,
        created_at=ctx.clock(),
    )
    ctx.uow.session.add(message)
    ctx.uow.session.flush()
    return message


@tool(
    "email.draft",
    purposes=OUTREACH_PURPOSES,
    touches=("message",),
    idempotent=False,
    description="Prepare an email for a person to review; nothing is sent",
    undo=Undo("inverse_tool", "message", ("message_id",), inverse="email.discard_draft"),
)
def draft_email(ctx: ToolContext, args: DraftEmailIn) -> DraftOut:
    to = _recipient(ctx, "email", args)
    _check_attachments(ctx, args)
    message = _new_message(ctx, "email", to, args.subject, args.body, "draft")
    message.contact_id = args.contact_id
    if args.contact_id:
        ctx.about("contact", args.contact_id)
    return DraftOut(message_id=message.id, to=to, subject=args.subject, body=args.body)


class DiscardDraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class DiscardedOut(BaseModel):
    message_id: str
    status: str


@tool(
    "email.discard_draft",
    purposes=OUTREACH_PURPOSES,
    touches=("message",),
    description="Discard an e-mail draft that was never sent",
)
def discard_draft(ctx: ToolContext, args: DiscardDraftIn) -> DiscardedOut:
    message = ctx.uow.session.get(OutboundMessage, args.message_id)
    if message is None or message.tenant_id != ctx.tenant_id:
        raise invalid("no such draft", "message_id")
    # whoever drafted it may throw it away; anyone else needs the right to change messages
    if message.created_by_id != ctx.principal.id:
        policy.require(ctx.principal, "message", "update")
    if message.status != "draft":
        raise invalid(
            f"only a draft can be discarded; this message is {message.status}", "message_id"
        )
    message.status = "discarded"
    return DiscardedOut(message_id=message.id, status=message.status)


@tool(
    "messages.send",
    purposes=OUTREACH_PURPOSES,
    touches=("message",),
    external_effect=True,
    description="Send an email, SMS, app push or WeChat message to a contact or an address",
)
def send_message(ctx: ToolContext, args: SendMessageIn) -> SentOut:
    to = _recipient(ctx, args.channel, args)
    content = _content_meta(ctx, args)
    message = _new_message(ctx, args.channel, to, args.subject, args.body, "sending")
    message.contact_id = args.contact_id
    if args.contact_id:
        interaction = ctx.records.create(
            "interaction",
            InteractionIn(
                channel=INTERACTION_CHANNEL[args.channel],
                direction="outbound",
                contact_id=args.contact_id,
                subject=args.subject,
                text=args.body,
                meta={"message_id": message.id, **content},
            ),
        )
        message.interaction_id = interaction["id"]
        ctx.about("contact", args.contact_id)
    delivery = ctx.channels.for_channel(args.channel).deliver(message)
    message.status = "sent"
    message.sent_at = ctx.clock()
    message.transport, message.transport_id = delivery.transport, delivery.transport_id
    return SentOut(
        message_id=message.id,
        channel=args.channel,
        to=to,
        status=message.status,
        transport=delivery.transport,
        interaction_id=message.interaction_id,
    )


@tool(
    "users.notify",
    purposes=PURPOSES,
    touches=("notification",),
    description="Notify a user inside Kith (hand-over, alert, request)",
)
def notify_user(ctx: ToolContext, args: NotifyUserIn) -> NotifiedOut:
    policy.require(ctx.principal, "notification", "create")
    require_user(ctx, args.user_id, "user_id")
    row = notify(
        ctx.uow,
        ctx.principal,
        args.user_id,
        kind="message",
        title=args.title,
        body=args.body,
        link=args.link,
        subject_type=args.subject_type,
        subject_id=args.subject_id,
        decision_id=ctx.decision_id,
    )
    ctx.uow.session.flush()
    return NotifiedOut(notification_id=row.id, user_id=args.user_id)
