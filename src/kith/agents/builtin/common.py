"""Small helpers the built-in agents share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.agents.reasoning import DraftRequest, Language
from kith.agents.repository import flat_meta
from kith.agents.sdk import StepContext
from kith.core.errors import NotFound, PermissionDenied
from kith.crm.service import RecordService
from kith.events.envelope import Envelope
from kith.gateway.contracts import ExecutionResult

# The send channel that answers a message where it came from.
REPLY_CHANNEL = {"app": "app_push", "chat": "app_push", "wechat": "wechat", "email": "email"}
# How to reach a contact when nothing says otherwise: the app first, then WeChat, SMS, e-mail.
CONTACT_CHANNELS = (
    ("app_push", "app_user_id"),
    ("wechat", "wechat_id"),
    ("sms", "mobile"),
    ("email", "email"),
)
SETTLED_TICKET = frozenset({"resolved", "closed"})
# Identity and bank numbers: no built-in agent needs them, so none sees them.
PII_HIDDEN = {"contact": ("id_number", "bank_account"), "account": ("bank_account", "tax_id")}


def snapshot(envelope: Envelope) -> Mapping[str, Any]:
    record = envelope.payload.get("record")
    return record if isinstance(record, dict) else {}


def meta_of(envelope: Envelope) -> Mapping[str, Any]:
    meta = snapshot(envelope).get("meta")
    return flat_meta(meta) if isinstance(meta, dict) else {}


def by_agent(envelope: Envelope) -> bool:
    return envelope.actor_kind == "agent"


def readable(records: RecordService, object_type: str, record_id: str | None) -> dict[str, Any]:
    """The record as this agent may see it, or empty when it cannot (or it is gone)."""
    if not record_id:
        return {}
    try:
        return records.get(object_type, record_id)
    except (NotFound, PermissionDenied):
        return {}


def send_channel(contact: Mapping[str, Any], came_in_on: str | None = None) -> str | None:
    """Reply where the customer wrote if we can reach them there, else their best channel."""
    preferred = REPLY_CHANNEL.get(came_in_on or "")
    for channel, address_field in CONTACT_CHANNELS:
        if channel == preferred and contact.get(address_field):
            return channel
    for channel, address_field in CONTACT_CHANNELS:
        if contact.get(address_field):
            return channel
    return None


def language_of_contact(contact: Mapping[str, Any], fallback: Language = "zh") -> Language:
    return "en" if contact.get("language") == "en" else fallback


def private_values(contact: Mapping[str, Any]) -> dict[str, str]:
    """Values a language model must never see in clear (masked, then restored)."""
    keys = ("name", "email", "mobile", "phone", "wechat_id", "app_user_id")
    return {f"private_{k}": str(contact[k]) for k in keys if contact.get(k)}


def regions_of(records: RecordService, contact: Mapping[str, Any]) -> tuple[str, ...]:
    """The contact's region for parsing phone numbers: their account's country, if any."""
    country = readable(records, "account", contact.get("account_id")).get("country")
    return (str(country).upper(),) if country else ()


def draft(
    ctx: StepContext,
    template: str,
    language: Language,
    variables: Mapping[str, Any],
    contact: Mapping[str, Any] | None = None,
) -> tuple[str, str]:
    """(subject, text) from the engine: a template, or a model's wording when configured."""
    private = private_values(contact or {})
    regions = regions_of(ctx.records, contact) if contact and private else ()
    request = DraftRequest(template, language, variables, private, regions)
    result = ctx.engine.draft(request)
    return result.subject, result.text


def output(result: ExecutionResult) -> Mapping[str, Any]:
    return result.output or {}
