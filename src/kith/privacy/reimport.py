"""Flag a contact created with the identifiers of a person who was erased.

Every contact creation runs the contact rule (``kith.crm.rules``): the API, the bulk
writer behind ``kith import`` and the browser import, lead conversion. The rule calls
``flag_if_erased``, which compares the keyed hashes of the new contact's email, phone,
ID number and WeChat id with the erasure tombstones (``dsar.erased_before``'s test).
A match keeps the record but writes a ``reimport_flags`` row for the admins, an audit
entry and a ``privacy.reimport_flagged`` event.

The tenant's tombstone hashes are read once per transaction (an import checks
thousands of rows per batch) and kept in ``session.info``; an erasure drops them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, SessionTransaction

from kith.access.principal import Principal
from kith.audit.models import AuditEntry
from kith.core.settings import Settings, get_settings
from kith.events.types import DomainEvent, EventType
from kith.privacy.identifiers import TOMBSTONE_CACHE, keyed_identifiers
from kith.privacy.models import ErasureTombstone, ReimportFlag

FLAG = "reimport_after_erasure"
IDENTIFIER_FIELDS = ("email", "mobile", "phone", "id_number", "wechat_id")


@dataclass
class _Tombstones:
    transaction: SessionTransaction | None
    settings: Settings
    by_tenant: dict[str, dict[str, list[str]]]  # tenant -> hash -> tombstone ids


def _tombstones(session: Session, tenant_id: str) -> tuple[Settings, dict[str, list[str]]]:
    transaction = session.get_transaction()
    cache: _Tombstones | None = session.info.get(TOMBSTONE_CACHE)
    if cache is None or cache.transaction is not transaction:
        cache = _Tombstones(transaction, get_settings(), {})
        session.info[TOMBSTONE_CACHE] = cache
    index = cache.by_tenant.get(tenant_id)
    if index is None:
        t = ErasureTombstone
        index = {}
        rows = session.execute(
            select(t.id, t.identifier_hashes).where(t.tenant_id == tenant_id)
        ).all()
        for tombstone_id, hashes in rows:
            for digest in hashes or ():
                index.setdefault(digest, []).append(tombstone_id)
        cache.by_tenant[tenant_id] = index
    return cache.settings, index


def _matches(
    session: Session, tenant_id: str, values: Mapping[str, Any]
) -> tuple[set[str], set[str]]:
    """(identifier kinds that match, tombstone ids they match)."""
    wanted = {f: values.get(f) for f in IDENTIFIER_FIELDS}
    if not any(wanted.values()):
        return set(), set()
    settings, index = _tombstones(session, tenant_id)
    matched: set[str] = set()
    tombstone_ids: set[str] = set()
    if not index:
        return matched, tombstone_ids
    for kind, digest in keyed_identifiers(settings, wanted):
        if digest in index:
            matched.add(kind)
            tombstone_ids.update(index[digest])
    return matched, tombstone_ids


def may_be_erased(session: Session, tenant_id: str, values: Mapping[str, Any]) -> bool:
    """Whether a new contact with these field values matches a tombstone. Cheap (no
    query once per transaction): the bulk writer asks it before building the record."""
    return bool(_matches(session, tenant_id, values)[0])


def flag_if_erased(
    session: Session, principal: Principal, contact: Any, now: datetime
) -> DomainEvent | None:
    """Flag ``contact`` (new, not yet flushed) if an erased person had its identifiers;
    returns the event to emit."""
    values = {f: getattr(contact, f, None) for f in IDENTIFIER_FIELDS}
    matched, tombstone_ids = _matches(session, principal.tenant_id, values)
    if not matched:
        return None
    flag = ReimportFlag(
        tenant_id=principal.tenant_id,
        contact_id=contact.id,
        tombstone_ids=sorted(tombstone_ids),
        matched=sorted(matched),
        actor_kind=principal.kind,
        actor_id=principal.id,
        at=now,
    )
    session.add(flag)
    session.add(
        AuditEntry(
            tenant_id=principal.tenant_id,
            actor_kind=principal.kind,
            actor_id=principal.id,
            action="privacy.reimport_flagged",
            object_type="contact",
            record_id=contact.id,
            detail={"tombstone_ids": flag.tombstone_ids, "matched": flag.matched},
        )
    )
    return DomainEvent(
        type=EventType.PRIVACY_REIMPORT_FLAGGED,
        tenant_id=principal.tenant_id,
        subject_type="contact",
        subject_id=contact.id,
        actor=principal.actor,
        payload={"flag": FLAG, "tombstone_ids": flag.tombstone_ids, "matched": flag.matched},
        account_id=getattr(contact, "account_id", None),
        contact_id=contact.id,
        summary=f"matches a person erased earlier ({', '.join(flag.matched)}); review it",
        occurred_at=now,
    )
