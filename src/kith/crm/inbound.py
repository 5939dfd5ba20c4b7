"""Accepting inbound events: an outside system's event, validated against its
registered schema (``kith.crm.inbound_types``), is written through the record service
as an interaction of the customer it names; refusals are kept with their field paths.

Like every service, this never commits; the entry point does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from kith.access import policy
from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.core.clock import utcnow
from kith.core.errors import FieldError, ValidationFailed
from kith.crm.inbound_schemas import (
    SUBJECT_LENGTH,
    CustomerRef,
    InboundAccepted,
    InboundData,
    InboundEventIn,
)
from kith.crm.inbound_types import INBOUND_TYPES
from kith.crm.models import Contact
from kith.crm.repository import RecordRepository
from kith.crm.schemas import InteractionIn
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.db.uow import UnitOfWork
from kith.events.models import InboundRejection
from kith.events.repository import EventRepository

MAX_STORED_BODY = 65_536  # characters of a rejected body kept in inbound_rejections
# Identifiers compared without case: an e-mail address reaches Kith in any case.
CASE_INSENSITIVE = frozenset({"email"})


@dataclass(frozen=True)
class Rejected:
    """The event was refused and the refusal recorded; the entry point commits, then raises."""

    error: ValidationFailed


class InboundService:
    """Turns an event from another system into an ``Interaction`` of the caller's
    workspace, so it reaches consumers as ``interaction.received``."""

    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.events = EventRepository(uow.session)

    def receive(self, raw: bytes) -> InboundAccepted | Rejected:
        policy.require(self.principal, "event", "create")
        try:
            request, data = parse_inbound(raw)
            contact = self._resolve(data)
        except ValidationFailed as exc:
            self._record_rejection(raw, exc)
            return Rejected(exc)
        key = request.idempotency_key
        tenant_id = self.principal.tenant_id
        if key and not self.events.claim_idempotency_key(
            tenant_id, key, request.type, self.clock()
        ):
            return self._duplicate(key)
        record = RecordService(self.uow, _recording_principal(self.principal), self.clock).create(
            "interaction", _interaction(request, data, contact, self.clock())
        )
        if key:
            self.events.attach_interaction(tenant_id, key, record["id"])
        return InboundAccepted(
            status="accepted",
            type=request.type,
            interaction_id=record["id"],
            contact_id=record.get("contact_id"),
            account_id=record.get("account_id"),
        )

    def _resolve(self, data: InboundData) -> Contact | None:
        ref = data.about()
        if ref is None:
            return None
        repo = RecordRepository(self.uow.session, self.principal)
        spec = SPECS["contact"]
        if ref.contact_id:
            contact = repo.find(spec, ref.contact_id)
            if not isinstance(contact, Contact):
                path: list[str | int] = ["body", "data", data.CUSTOMER_FIELD or "", "contact_id"]
                raise ValidationFailed(
                    "The event names a contact that does not exist",
                    [FieldError(path, "no contact with this id", "unknown_contact")],
                )
            return contact
        for column, value in _lookups(ref):
            if column in CASE_INSENSITIVE:
                found = repo.find_by_casefold(spec, column, value)
            else:
                found = repo.find_by(spec, **{column: value})
            if isinstance(found, Contact):
                return found
        return None

    def _duplicate(self, key: str) -> InboundAccepted:
        receipt = self.events.receipt(self.principal.tenant_id, key)
        assert receipt is not None and receipt.interaction_id is not None
        interaction = RecordRepository(self.uow.session, self.principal).find(
            SPECS["interaction"], receipt.interaction_id
        )
        return InboundAccepted(
            status="duplicate",
            type=receipt.event_type,
            interaction_id=receipt.interaction_id,
            contact_id=getattr(interaction, "contact_id", None),
            account_id=getattr(interaction, "account_id", None),
        )

    def refuse(self, raw: bytes, error: ValidationFailed) -> Rejected:
        """Refuse a body before reading it (too large for its channel), recorded like
        any other refusal."""
        self._record_rejection(raw, error)
        return Rejected(error)

    def _record_rejection(self, raw: bytes, error: ValidationFailed) -> None:
        self.events.add_rejection(
            InboundRejection(
                tenant_id=self.principal.tenant_id,
                principal_kind=self.principal.kind,
                principal_id=self.principal.id,
                event_type=_claimed_type(raw),
                reason=error.detail[:500],
                errors=[e.as_dict() for e in error.errors],
                raw_body=raw.decode("utf-8", errors="replace")[:MAX_STORED_BODY],
                received_at=self.clock(),
            )
        )


def parse_inbound(raw: bytes) -> tuple[InboundEventIn, InboundData]:
    """The request and its typed ``data``, or ``ValidationFailed`` with field paths."""
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise ValidationFailed(
            "The body is not valid JSON; nothing was written",
            [FieldError(["body"], f"invalid JSON: {exc}", "json_invalid")],
        ) from None
    try:
        request = InboundEventIn.model_validate(body)
    except ValidationError as exc:
        raise _invalid(exc, ["body"]) from None
    schema = INBOUND_TYPES.get(request.type)
    if schema is None:
        known = ", ".join(sorted(INBOUND_TYPES))
        raise ValidationFailed(
            f"Unknown event type {request.type!r}; nothing was written",
            [FieldError(["body", "type"], f"unknown event type; known: {known}", "unknown_type")],
        )
    try:
        data = schema.model_validate(request.data)
    except ValidationError as exc:
        raise _invalid(exc, ["body", "data"]) from None
    return request, data


def _invalid(exc: ValidationError, prefix: list[str | int]) -> ValidationFailed:
    return ValidationFailed(
        "The event is not valid; nothing was written",
        [FieldError([*prefix, *e["loc"]], e["msg"], e["type"]) for e in exc.errors()],
    )


def _lookups(ref: CustomerRef) -> list[tuple[str, str]]:
    candidates = [
        ("external_id", ref.external_id),
        ("app_user_id", ref.app_user_id),
        ("email", ref.email),
        ("phone", ref.phone),
        ("mobile", ref.phone),
    ]
    return [(column, value) for column, value in candidates if value]


def _recording_principal(caller: Principal) -> Principal:
    """Kith records the interaction on the caller's behalf. The caller was allowed to
    post events (``policy.require`` above), which an integration's API key may do
    without rights over interactions; the actor on the record and its event stays
    the caller, within the caller's workspace."""
    return replace(
        system_principal(caller.tenant_id, caller.name),
        kind=caller.kind,
        id=caller.id,
    )


def _interaction(
    request: InboundEventIn, data: InboundData, contact: Contact | None, now: datetime
) -> InteractionIn:
    meta: dict[str, Any] = {
        "event_type": request.type,
        "data": data.model_dump(mode="json", exclude_none=True),
    }
    if request.idempotency_key:
        meta["idempotency_key"] = request.idempotency_key
    return InteractionIn(
        channel=data.interaction_channel(),
        direction="inbound",
        occurred_at=request.occurred_at or now,
        contact_id=contact.id if contact else None,
        owner_id=contact.owner_id if contact else None,
        subject=data.interaction_subject()[:SUBJECT_LENGTH],
        text=data.interaction_text(),
        meta=meta,
    )


def _claimed_type(raw: bytes) -> str | None:
    """The type the sender meant, when the body gets that far (for the rejection log)."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    claimed = body.get("type") if isinstance(body, dict) else None
    return claimed[:64] if isinstance(claimed, str) else None


# --- operator tools -----------------------------------------------------------------
