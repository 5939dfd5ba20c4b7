"""Finding a customer by what a person types: a contact id, an account id or an e-mail."""

from __future__ import annotations

from sqlalchemy import func, select

from kith.core.errors import NotFound
from kith.crm.models import Account, Contact
from kith.db.uow import UnitOfWork


def find_customer(uow: UnitOfWork, tenant_id: str, text: str) -> tuple[str, str]:
    """(subject type, id); ``NotFound`` when nothing in the tenant matches."""
    for subject_type, model in (("contact", Contact), ("account", Account)):
        found = uow.session.scalar(
            select(model.id).where(
                model.tenant_id == tenant_id, model.id == text, model.deleted_at.is_(None)
            )
        )
        if found:
            return subject_type, str(found)
    if "@" in text:
        found = uow.session.scalar(
            select(Contact.id)
            .where(
                Contact.tenant_id == tenant_id,
                func.lower(Contact.email) == text.strip().lower(),
                Contact.deleted_at.is_(None),
            )
            .order_by(Contact.id)
            .limit(1)
        )
        if found:
            return "contact", str(found)
    raise NotFound(f"no contact or account {text!r} in this workspace")
