"""The consumers of the concepts context (registered by ``kith.bootstrap.wire``).

``concepts-health`` recomputes, for every published concept, the contact and the account
an event's record belongs to when an input may have changed (an interaction — survey
answers, telemetry, messages —, an order, a contact's app user); a band crossed emits
``customer_health.changed``. ``csat-survey`` invites the customer of a resolved ticket
to the CSAT/NPS survey through the gateway (``messages.send``, purpose ``service``:
the consent ledger and restrictions decide), once per ticket, and only for a resolution
at most two days old (a replayed history or a long outage sends no stale surveys)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kith.access.service import system_principal
from kith.concepts import survey
from kith.concepts.repository import ConceptRepository
from kith.concepts.service import ConceptService
from kith.core.event_types import EventType
from kith.core.settings import Settings
from kith.crm.models import Contact, Interaction, Order
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.gateway.gateway import Gateway, gateway_of

if TYPE_CHECKING:
    from kith.container import Container

INPUT_EVENTS = frozenset(
    t.value
    for t in (
        EventType.INTERACTION_RECEIVED,
        EventType.INTERACTION_UPDATED,
        EventType.INTERACTION_DELETED,
        EventType.ORDER_CREATED,
        EventType.ORDER_UPDATED,
        EventType.ORDER_DELETED,
        EventType.CONTACT_UPDATED,
    )
)
SURVEY_MAX_DELAY = timedelta(days=2)
MODELS: dict[str, Any] = {"interaction": Interaction, "order": Order}


def customers_of(uow: UnitOfWork, envelope: Envelope) -> tuple[str | None, str | None]:
    """(contact id, account id) of the record an event is about."""
    if envelope.subject_type == "contact":
        contact = uow.session.get(Contact, envelope.subject_id)
        if contact is None or contact.tenant_id != envelope.tenant_id:
            return None, None
        return contact.id, contact.account_id
    model = MODELS.get(envelope.subject_type)
    row = uow.session.get(model, envelope.subject_id) if model is not None else None
    if row is None or row.tenant_id != envelope.tenant_id:
        return None, None
    return row.contact_id, row.account_id


def recompute_customers(
    uow: UnitOfWork,
    tenant_id: str,
    contact_id: str | None,
    account_id: str | None,
    now: Callable[[], datetime],
    trigger: str,
) -> int:
    """Recompute every published concept for the contact and the account; the number of
    values that changed."""
    principal = system_principal(tenant_id, "concepts")
    service = ConceptService(uow, principal, clock=now)
    changed = 0
    for row in ConceptRepository(uow.session, tenant_id).published():
        for subject_type, subject_id in (("contact", contact_id), ("account", account_id)):
            if subject_id:
                out = service.recompute(
                    row.concept_key,
                    subject_type=subject_type,
                    subject_ids=[subject_id],
                    trigger=trigger,
                )
                changed += out.changed
    return changed


class HealthConsumer:
    name = "concepts-health"
    event_types: frozenset[str] | None = INPUT_EVENTS

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        if envelope.type == EventType.CONTACT_UPDATED.value and "app_user_id" not in (
            envelope.payload.get("changes") or {}
        ):
            return
        contact_id, account_id = customers_of(uow, envelope)
        if contact_id or account_id:
            recompute_customers(
                uow, envelope.tenant_id, contact_id, account_id, self.clock, envelope.type
            )


def health_consumer(container: Container) -> HealthConsumer:
    return HealthConsumer(container.clock)


class SurveyConsumer:
    name = "csat-survey"
    event_types: frozenset[str] | None = frozenset({EventType.TICKET_STATUS_CHANGED.value})

    def __init__(self, gateway: Gateway, settings: Settings, clock: Callable[[], datetime]) -> None:
        self.gateway = gateway
        self.settings = settings
        self.clock = clock

    def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
        to_status = envelope.payload.get("to_status")
        from_status = envelope.payload.get("from_status")
        if to_status not in ("resolved", "closed") or from_status in ("resolved", "closed"):
            return
        if envelope.occurred_at < self.clock() - SURVEY_MAX_DELAY:
            return  # a replayed or long-delayed resolution: a survey weeks later is noise
        send_invitation(
            uow,
            self.gateway,
            self.settings,
            envelope.tenant_id,
            envelope.subject_id,
            self.clock(),
            trigger_event_id=envelope.event_id,
        )


def send_invitation(
    uow: UnitOfWork,
    gateway: Gateway,
    settings: Settings,
    tenant_id: str,
    ticket_id: str,
    now: datetime,
    *,
    trigger_event_id: str | None = None,
) -> str | None:
    """Invite the ticket's customer; the gateway's status (``executed``, ``refused``…) or
    None when there is nobody to invite."""
    invite = survey.invitation(uow, settings, tenant_id, ticket_id, now)
    if invite is None:
        return None
    result = gateway.execute(
        uow,
        system_principal(tenant_id, "satisfaction survey"),
        "messages.send",
        {
            "channel": invite.channel,
            "contact_id": invite.contact_id,
            "subject": invite.subject,
            "body": invite.body,
        },
        purpose="service",
        idempotency_key=f"csat-survey:{ticket_id}",
        trigger_event_id=trigger_event_id,
    )
    return str(result.status)


def survey_consumer(container: Container) -> SurveyConsumer:
    return SurveyConsumer(gateway_of(container), container.settings, container.clock)
