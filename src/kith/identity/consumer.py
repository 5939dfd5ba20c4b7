"""The identity graph's consumer: every new contact, lead and inbound event is put in
the graph as it arrives (``kith.identity.ingest``), registered by
``kith.bootstrap.wire`` and run by ``kith serve`` / ``kith worker`` like every consumer.

* ``contact.created`` / ``lead.created``: the record's name, phone (mobile first),
  e-mail, WeChat id and city are matched; a contact of a strategic or key account is
  high-value (the stricter threshold).
* ``interaction.received`` with a contact: that contact's node records the activity.
  Without one (an inbound event whose identifiers matched no contact): its strongest
  identifier (app user id, open id, device id, WeChat id, card, e-mail, phone) becomes
  a node, matched with the event's other fields — or, when the identifier is already
  known, its activity is recorded (a ghost customer until it is linked).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kith.access.service import system_principal
from kith.core.event_types import EventType
from kith.crm.models import Account, Contact, Interaction, Lead
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.identity.ingest import IdentityIngest

if TYPE_CHECKING:
    from kith.container import Container

CONSUMER_NAME = "identity-online"
HIGH_VALUE_TIERS = frozenset({"strategic", "key"})
# An inbound event's identifiers, strongest first: (field in the event, node kind).
INBOUND_KEYS = (
    ("app_user_id", "app_user_id"),
    ("open_id", "open_id"),
    ("openid", "open_id"),
    ("device_id", "device_id"),
    ("wechat_id", "wechat_id"),
    ("card_no", "card"),
    ("email", "email"),
    ("phone", "phone"),
)
IDENTITY_FIELDS = (
    "name",
    "phone",
    "email",
    "device_id",
    "wechat_id",
    "card_no",
    "city",
    "birth_date",
)


def contact_record(uow: UnitOfWork, contact: Contact) -> dict[str, Any]:
    segment = "other"
    if contact.account_id:
        account = uow.session.get(Account, contact.account_id)
        if account is not None and account.tier in HIGH_VALUE_TIERS:
            segment = "high_value"
    return {
        "name": contact.name,
        "phone": contact.mobile or contact.phone,
        "email": contact.email,
        "wechat_id": contact.wechat_id,
        "city": contact.city,
        "segment": segment,
    }


def lead_record(lead: Lead) -> dict[str, Any]:
    return {"name": lead.name, "phone": lead.phone, "email": lead.email}


def inbound_identity(data: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]] | None:
    """(kind, ref, identity fields) of an inbound event's data, looking one level into
    nested objects (the customer reference), or None without an identifier."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            for inner, v in value.items():
                if isinstance(v, str | int) and v != "":
                    flat.setdefault(str(inner), str(v))
        elif isinstance(value, str | int) and value != "":
            flat.setdefault(str(key), str(value))
    if "openid" in flat:
        flat.setdefault("open_id", flat["openid"])
    if "mobile" in flat:
        flat.setdefault("phone", flat["mobile"])
    for field, kind in INBOUND_KEYS:
        if flat.get(field):
            record = {k: flat[k] for k in IDENTITY_FIELDS if flat.get(k)}
            return kind, flat[field][:255], record
    return None


class IdentityConsumer:
    name = CONSUMER_NAME
    event_types: frozenset[str] | None = frozenset(
        {
            EventType.CONTACT_CREATED.value,
            EventType.LEAD_CREATED.value,
            EventType.INTERACTION_RECEIVED.value,
        }
    )

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        principal = system_principal(envelope.tenant_id, "identity graph")
        ingest = IdentityIngest(uow, principal)
        tenant = envelope.tenant_id
        if envelope.type == EventType.CONTACT_CREATED.value:
            contact = uow.session.get(Contact, envelope.subject_id)
            if contact is not None and contact.tenant_id == tenant and contact.deleted_at is None:
                ingest.ingest("contact", contact.id, contact_record(uow, contact))
        elif envelope.type == EventType.LEAD_CREATED.value:
            lead = uow.session.get(Lead, envelope.subject_id)
            if lead is not None and lead.tenant_id == tenant and lead.deleted_at is None:
                ingest.ingest("lead", lead.id, lead_record(lead))
        else:
            interaction = uow.session.get(Interaction, envelope.subject_id)
            if interaction is None or interaction.tenant_id != tenant:
                return
            if interaction.contact_id:
                ingest.touch("contact", interaction.contact_id, interaction.occurred_at)
                return
            found = inbound_identity((interaction.meta or {}).get("data") or {})
            if found is not None:
                kind, ref, record = found
                ingest.ingest(kind, ref, record, activity_at=interaction.occurred_at)


def identity_consumer(container: Container) -> IdentityConsumer:
    return IdentityConsumer()
