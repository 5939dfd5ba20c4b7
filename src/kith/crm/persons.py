"""One person behind several contact records: the hook the identity graph fills.

``kith.identity`` (a higher layer) links records of the same customer into one person.
Lower layers that must treat those records as one — the consent ledger (the most
restrictive state of the linked records wins), data-subject export and erasure (every
linked record), a contact's timeline and its read (the person and its identities) —
ask through this hook, which ``kith.bootstrap.wire`` installs. Without it (a bare
process, a unit test) every contact is a person of its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.db.uow import UnitOfWork


class PersonLinks(Protocol):
    def linked_contacts(self, session: Session, tenant_id: str, contact_id: str) -> list[str]:
        """The contacts of the same person as ``contact_id``, itself first (just itself
        when the contact is in no person with other contacts)."""
        ...

    def person_summary(
        self, session: Session, principal: Principal, contact_id: str
    ) -> dict[str, Any] | None:
        """The person of a contact for its read: id, segment, linked contacts and
        identities (fields hidden from the reader removed); None outside the graph."""
        ...

    def person_ids(
        self, session: Session, tenant_id: str, kind: str, refs: Sequence[str]
    ) -> dict[str, str]:
        """{record id: person id} for the records (``kind`` contact or lead) in the graph."""
        ...

    def match(
        self, uow: UnitOfWork, principal: Principal, kind: str, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Where a record with ``values`` (a contact's or lead's fields) would go in the
        graph: ``decision`` attach | propose | leave, ``person_id``, ``probability``."""
        ...

    def ingest(
        self,
        uow: UnitOfWork,
        principal: Principal,
        kind: str,
        record_id: str,
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Put a new record in the graph now (attached, proposed or left)."""
        ...

    def forget(self, session: Session, tenant_id: str, contact_ids: Sequence[str]) -> int:
        """Erasure: delete the graph's identities of these contacts' person (their
        normal-form features are personal data); returns how many went."""
        ...


_links: list[PersonLinks] = []


def use_person_links(links: PersonLinks | None) -> None:
    _links[:] = [links] if links is not None else []


def linked_contacts(session: Session, tenant_id: str, contact_id: str) -> list[str]:
    if not _links:
        return [contact_id]
    found = _links[0].linked_contacts(session, tenant_id, contact_id)
    return found or [contact_id]


def person_summary(
    session: Session, principal: Principal, contact_id: str
) -> dict[str, Any] | None:
    return _links[0].person_summary(session, principal, contact_id) if _links else None


def person_ids(session: Session, tenant_id: str, kind: str, refs: Sequence[str]) -> dict[str, str]:
    return _links[0].person_ids(session, tenant_id, kind, refs) if _links and refs else {}


def installed() -> bool:
    return bool(_links)


def match(
    uow: UnitOfWork, principal: Principal, kind: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    if not _links:
        return {"decision": "leave", "person_id": None, "probability": None}
    return _links[0].match(uow, principal, kind, values)


def ingest(
    uow: UnitOfWork, principal: Principal, kind: str, record_id: str, values: Mapping[str, Any]
) -> dict[str, Any]:
    if not _links:
        return {"decision": "leave", "person_id": None, "probability": None}
    return _links[0].ingest(uow, principal, kind, record_id, values)


def forget(session: Session, tenant_id: str, contact_ids: Sequence[str]) -> int:
    return _links[0].forget(session, tenant_id, contact_ids) if _links else 0
