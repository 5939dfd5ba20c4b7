"""Lead conversion: lead -> account + contact + deal in one unit of work.

Matching before creating is the point (Frappe CRM #1346, #2384 show what
happens otherwise): the contact is matched by email, then by phone; the
account by the matched contact's account, then by exact company name.
"""

from __future__ import annotations

from sqlalchemy import func, or_

from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.events.types import DomainEvent, EventType


class LeadConverter:
    def __init__(self, records: RecordService) -> None:
        self.records = records
        self.repo = records.repo
        self.session = records.uow.session

    def convert(self, lead_id: str, request: s.LeadConversionIn) -> s.LeadConversionOut:
        principal = self.records.principal
        lead = self.records.load(SPECS["lead"], lead_id, "update")
        if lead.status == "converted":
            raise Conflict(
                f"lead {lead_id} was already converted",
                [FieldError(["path", "lead_id"], "already converted")],
            )
        self.records.check_version(SPECS["lead"], lead, request.version)
        contact_row = self._pick_contact(lead, request.contact_id)
        account_row = self._pick_account(lead, contact_row, request.account_id)
        account_created = account_row is None
        if account_row is None:
            account_id = self.records.create(
                "account",
                s.AccountIn(
                    name=lead.company or lead.name, industry=lead.industry, owner_id=lead.owner_id
                ),
            )["id"]
        else:
            account_id = account_row.id
        contact_created = contact_row is None
        if contact_row is None:
            contact_id = self.records.create(
                "contact",
                s.ContactIn(
                    name=lead.name,
                    title=lead.title,
                    email=lead.email,
                    phone=lead.phone,
                    account_id=account_id,
                    owner_id=lead.owner_id,
                ),
            )["id"]
        else:
            contact_id = contact_row.id
            if contact_row.account_id is None:
                patch = PATCH_SCHEMAS["contact"](version=contact_row.version, account_id=account_id)
                self.records.update("contact", contact_id, patch)
        deal_id = None
        if request.create_deal:
            deal_id = self.records.create(
                "deal",
                s.DealIn(
                    name=request.deal_name or f"{lead.company or lead.name}",
                    account_id=account_id,
                    contact_id=contact_id,
                    amount=request.amount,
                    pipeline_id=request.pipeline_id,
                    source=lead.source,
                    owner_id=lead.owner_id,
                ),
            )["id"]
        now = self.records.clock()
        lead.status = "converted"
        lead.converted_at = now
        lead.converted_account_id = account_id
        lead.converted_contact_id = contact_id
        lead.converted_deal_id = deal_id
        lead.updated_at = now
        lead.updated_by_kind = principal.kind
        lead.updated_by_id = principal.id
        self.records.flush_checked(SPECS["lead"], lead)
        self.records.uow.emit(
            DomainEvent(
                type=EventType.LEAD_CONVERTED,
                tenant_id=lead.tenant_id,
                subject_type="lead",
                subject_id=lead.id,
                actor=principal.actor,
                account_id=account_id,
                contact_id=contact_id,
                summary=f"lead converted: {lead.name}",
                occurred_at=now,
                payload={
                    "account_id": account_id,
                    "contact_id": contact_id,
                    "deal_id": deal_id,
                    "account_created": account_created,
                    "contact_created": contact_created,
                },
            )
        )
        return s.LeadConversionOut(
            lead_id=lead.id,
            account_id=account_id,
            contact_id=contact_id,
            deal_id=deal_id,
            account_created=account_created,
            contact_created=contact_created,
        )

    def _pick_contact(self, lead: m.Lead, contact_id: str | None) -> m.Contact | None:
        if contact_id:
            return self._readable("contact", contact_id, "contact_id")  # type: ignore[return-value]
        conditions = []
        if lead.email:
            conditions.append(func.lower(m.Contact.email) == lead.email.lower())
        if lead.phone:
            conditions.append(or_(m.Contact.phone == lead.phone, m.Contact.mobile == lead.phone))
        if not conditions:
            return None
        stmt = self.repo.scoped(SPECS["contact"], "read").where(or_(*conditions))
        return self.session.scalars(stmt.order_by(m.Contact.created_at).limit(1)).first()

    def _pick_account(
        self, lead: m.Lead, contact: m.Contact | None, account_id: str | None
    ) -> m.Account | None:
        if account_id:
            return self._readable("account", account_id, "account_id")  # type: ignore[return-value]
        if contact is not None and contact.account_id:
            return self.session.get(m.Account, contact.account_id)
        if not lead.company:
            return None
        name = lead.company.strip().lower()
        stmt = self.repo.scoped(SPECS["account"], "read").where(
            or_(func.lower(m.Account.name) == name, func.lower(m.Account.short_name) == name)
        )
        return self.session.scalars(stmt.order_by(m.Account.created_at).limit(1)).first()

    def _readable(self, object_type: str, record_id: str, field: str) -> object:
        try:
            return self.records.load(SPECS[object_type], record_id, "read")
        except NotFound as exc:
            raise ValidationFailed(
                f"no {object_type} {record_id}", [FieldError(["body", field], "not found")]
            ) from exc
