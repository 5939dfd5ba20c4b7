"""Rights of the data subject: export everything Kith holds about a person, and erase it.

"Everything" is found by construction, not by a hand-kept list: every table with
``tenant_id`` and ``contact_id`` columns (records, interactions, consents and their
history, decision records, messages sent, coupons, agent actions, timeline, and any
table a later context adds), every row about the person or their records by
(object_type, record_id) — scores with their factors, model outcomes — plus the
agents' memories about the person and the audit entries about their record.

Erasure anonymises the person across those tables, deletes what only exists
because of them (agent memories, campaign enrollments, search documents), keeps
what the law requires (orders and coupons: accounting; consent history: proof of
consent; the audit log: tamper-evident by design and free of personal values) and
leaves a tombstone with keyed hashes of the person's identifiers, so a re-import of
the same person can be flagged without keeping the identifiers.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.audit.models import AuditEntry
from kith.core.clock import utcnow
from kith.core.errors import PermissionDenied
from kith.core.serialize import dumps
from kith.core.settings import Settings
from kith.crm import persons
from kith.crm.models import Contact
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.db.base import Base
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.privacy.dsar_summary import summary
from kith.privacy.identifiers import TOMBSTONE_CACHE, identifier_hashes
from kith.privacy.ledger import latest_by_pair, state_of
from kith.privacy.models import ConsentEvent, ErasureTombstone, PrivacyRequest
from kith.search.models import SearchDocument
from kith.transfer.formats import spreadsheet_safe

ERASED = "[已删除 erased]"
MEMORY_TABLE = "agent_memories"
_SKIP = frozenset({"erasure_tombstones"})
_NOT_ABOUT_PEOPLE = frozenset({"audit_log", "search_documents", "agent_leases"})
# session.info key of the tenant's tombstone hashes (kith.privacy.reimport reads it).


def _json_safe(value: Any) -> Any:
    return json.loads(dumps(value))


def person_tables() -> list[Table]:
    """Every table that ties rows to a contact within a tenant (every context's
    tables are registered: ``kith.bootstrap.wire`` imports ``kith.metadata``)."""
    return [
        t
        for t in Base.metadata.sorted_tables
        if "tenant_id" in t.c and "contact_id" in t.c and t.name not in _SKIP
    ]


def subject_tables() -> list[Table]:
    """Every table that ties rows to any record by (object_type, record_id) — scores with
    their factors, model outcomes: the automated decisions about the person and about
    their interactions, deals and tickets. The audit log is handled on its own; the
    search index and agents' leases are machinery, not data about anyone."""
    return [
        t
        for t in Base.metadata.sorted_tables
        if {"tenant_id", "object_type", "record_id"} <= set(t.c.keys())
        and t.name not in _NOT_ABOUT_PEOPLE
    ]


def _ids_tied_to(
    session: Session, tables: Mapping[str, Table], tenant_id: str, contact_ids: list[str]
) -> dict[str, list[str]]:
    """{object type: ids} of the person (every linked contact) and of every record tied
    to them, read before anything is anonymised."""
    owned: dict[str, list[str]] = {"contact": list(contact_ids)}
    for spec in SPECS.values():
        table = tables.get(getattr(getattr(spec.model, "__table__", None), "name", ""))
        if table is None or "id" not in table.c:
            continue
        stmt = select(table.c.id).where(
            table.c.tenant_id == tenant_id, table.c.contact_id.in_(contact_ids)
        )
        owned.setdefault(spec.name, []).extend(str(i) for i in session.scalars(stmt))
    return owned


def _about(
    session: Session, table: Table, tenant_id: str, owned: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for object_type, ids in owned.items():
        for first in range(0, len(ids), 500):
            rows = session.execute(
                select(table).where(
                    table.c.tenant_id == tenant_id,
                    table.c.object_type == object_type,
                    table.c.record_id.in_(ids[first : first + 500]),
                )
            ).mappings()
            out.extend(dict(r) for r in rows)
    return out


def require_dsar_rights(principal: Principal) -> None:
    if not (principal.is_admin or principal.kind == "system"):
        raise PermissionDenied("data subject requests are handled by an admin")


@dataclass(frozen=True)
class Package:
    data: dict[str, Any]
    counts: dict[str, int]


def collect(uow: UnitOfWork, principal: Principal, contact_id: str) -> Package:
    """Everything about the person — the contact and every contact the identity graph
    links to the same person (``kith.crm.persons``) — as JSON-safe rows per table."""
    require_dsar_rights(principal)
    contact = RecordService(uow, principal).load(SPECS["contact"], contact_id, "read")
    session, tenant_id = uow.session, principal.tenant_id
    ids = persons.linked_contacts(session, tenant_id, contact.id)
    contacts = Contact.__table__
    person = session.execute(select(contacts).where(contacts.c.id == contact.id)).mappings().one()
    linked = session.execute(
        select(contacts).where(contacts.c.tenant_id == tenant_id, contacts.c.id.in_(ids[1:]))
    ).mappings()
    tables: dict[str, list[dict[str, Any]]] = {}
    for table in person_tables():
        rows = session.execute(
            select(table).where(table.c.tenant_id == tenant_id, table.c.contact_id.in_(ids))
        ).mappings()
        tables[table.name] = [dict(r) for r in rows]
    owned = _ids_tied_to(session, {t.name: t for t in person_tables()}, tenant_id, ids)
    for table in subject_tables():
        tables[table.name] = _about(session, table, tenant_id, owned)
    memories = Base.metadata.tables.get(MEMORY_TABLE)
    if memories is not None:
        rows = session.execute(
            select(memories).where(
                memories.c.tenant_id == tenant_id,
                memories.c.subject_type == "contact",
                memories.c.subject_id.in_(ids),
            )
        ).mappings()
        tables[MEMORY_TABLE] = [dict(r) for r in rows]
    audit = AuditEntry.__table__
    rows = session.execute(
        select(audit)
        .where(audit.c.tenant_id == tenant_id, audit.c.record_id.in_(ids))
        .order_by(audit.c.seq)
    ).mappings()
    tables["audit_log"] = [dict(r) for r in rows]
    events = list(
        session.scalars(
            select(ConsentEvent).where(
                ConsentEvent.tenant_id == tenant_id, ConsentEvent.contact_id.in_(ids)
            )
        )
    )
    now = utcnow()
    per_contact = [latest_by_pair([e for e in events if e.contact_id == c]).values() for c in ids]
    current = [
        {
            "contact_id": e.contact_id,
            "purpose": e.purpose,
            "channel": e.channel,
            "state": state_of(e, now),
            "source": e.source,
            "at": e.at,
            "expires_at": e.expires_at,
            "legal_basis": e.legal_basis,
        }
        for e in sorted(
            (e for latest in per_contact for e in latest),
            key=lambda e: (e.purpose, e.channel, e.contact_id != contact.id, e.contact_id),
        )
    ]
    data = _json_safe(
        {
            "kind": "kith.dsar_export",
            "generated_at": now,
            "tenant_id": tenant_id,
            "contact": dict(person),
            "person": persons.person_summary(session, principal, contact.id),
            "linked_contacts": [dict(r) for r in linked],
            "consents_current": current,
            "tables": tables,
        }
    )
    counts = {name: len(rows) for name, rows in data["tables"].items()}
    counts["linked_contacts"] = len(data["linked_contacts"])
    return Package(data, counts)


def export_zip(uow: UnitOfWork, principal: Principal, contact_id: str) -> bytes:
    """The DSAR package: ``data.json``, one CSV per table, and ``summary.md`` (zh + en).
    The export is audited."""
    package = collect(uow, principal, contact_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(package.data, ensure_ascii=False))
        archive.writestr("csv/contact.csv", _csv([package.data["contact"]]))
        if package.data["linked_contacts"]:
            archive.writestr("csv/linked_contacts.csv", _csv(package.data["linked_contacts"]))
        for name, rows in package.data["tables"].items():
            if rows:
                archive.writestr(f"csv/{name}.csv", _csv(rows))
        archive.writestr("summary.md", summary(package))
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "dsar.exported",
        "contact",
        contact_id,
        counts=package.counts,
    )
    log_request(uow, principal, contact_id, "export", utcnow(), tables=len(package.counts))
    return buffer.getvalue()


def log_request(
    uow: UnitOfWork,
    principal: Principal,
    contact_id: str,
    kind: str,
    at: datetime,
    **detail: Any,
) -> PrivacyRequest:
    """One row in ``privacy_requests`` per data-subject request handled (status done:
    requests are handled in the transaction that records them)."""
    row = PrivacyRequest(
        tenant_id=principal.tenant_id,
        contact_id=contact_id,
        kind=kind,
        status="done",
        actor_kind=principal.kind,
        actor_id=principal.id,
        at=at,
        detail=_json_safe(detail),
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def _csv(rows: list[dict[str, Any]]) -> str:
    """One table as CSV; text cells a spreadsheet would run as formulas are guarded."""
    columns = sorted({k for row in rows for k in row})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _csv_cell(v) for k, v in row.items()})
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return spreadsheet_safe(json.dumps(value, ensure_ascii=False))
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return value  # numbers, booleans and None as they are


# --- erasure ---------------------------------------------------------------------------------


def erased_before(
    uow: UnitOfWork, settings: Settings, tenant_id: str, values: Mapping[str, Any]
) -> list[ErasureTombstone]:
    """Tombstones whose person has the same email, phone, ID number or WeChat id: a
    re-import of someone who asked to be erased."""
    wanted = set(identifier_hashes(settings, values))
    if not wanted:
        return []
    rows = uow.session.scalars(
        select(ErasureTombstone).where(ErasureTombstone.tenant_id == tenant_id)
    )
    return [t for t in rows if wanted & set(t.identifier_hashes)]


# Per table: the columns anonymised (value to write). Tables not listed keep their rows
# (legal hold: orders, coupons, consent history) or are deleted (below).
ANONYMISE: dict[str, dict[str, Any]] = {
    "interactions": {"subject": None, "text": ERASED, "metadata": {}, "custom": {}},
    "activities": {"subject": ERASED, "body": None, "location": None, "attendees": []},
    "tickets": {"subject": ERASED, "description": None, "custom": {}},
    "deals": {"description": None},
    "outbound_messages": {"recipient": ERASED, "subject": None, "body": ERASED},
    "decision_records": {"args": {"erased": True}, "output": None, "rationale": None, "errors": []},
    "timeline_entries": {"summary": ERASED, "payload": {}},
    "agent_actions": {"summary": ERASED, "reason": None},
    "coupons": {"reason": None},
}
DELETE = ("campaign_enrollments",)
CONTACT_FIELDS: dict[str, Any] = {
    "name": ERASED,
    "family_name": None,
    "given_name": None,
    "title": None,
    "department": None,
    "email": None,
    "phone": None,
    "mobile": None,
    "wechat_id": None,
    "app_user_id": None,
    "id_number": None,
    "bank_account": None,
    "city": None,
    "language": None,
    "external_id": None,
    "channels": [],
    "custom": {},
}


def erase(
    uow: UnitOfWork,
    principal: Principal,
    settings: Settings,
    contact_id: str,
    reason: str,
    clock: Callable[[], datetime] = utcnow,
) -> ErasureTombstone:
    """Anonymise the person everywhere — the contact and every contact the identity graph
    links to the same person, each with its tombstone — and remove the person's
    identities from the graph; returns the named contact's tombstone (in the caller's
    unit of work), whose summary lists the linked contacts erased with it."""
    require_dsar_rights(principal)
    RecordService(uow, principal).load(SPECS["contact"], contact_id, "delete")
    linked = persons.linked_contacts(uow.session, principal.tenant_id, contact_id)
    live = set(
        uow.session.scalars(
            select(Contact.id).where(
                Contact.tenant_id == principal.tenant_id,
                Contact.id.in_(linked),
                Contact.deleted_at.is_(None),
            )
        )
    )
    ids = [contact_id, *(c for c in linked[1:] if c in live)]
    first, *_ = [_erase_one(uow, principal, settings, c, reason, clock) for c in ids]
    gone = persons.forget(uow.session, principal.tenant_id, ids)
    first.summary = {
        **first.summary,
        "linked_contacts.erased": len(ids) - 1,
        "identity_nodes.deleted": gone,
    }
    uow.session.flush()
    return first


def _erase_one(
    uow: UnitOfWork,
    principal: Principal,
    settings: Settings,
    contact_id: str,
    reason: str,
    clock: Callable[[], datetime],
) -> ErasureTombstone:
    contact = RecordService(uow, principal).load(SPECS["contact"], contact_id, "delete")
    session, tenant_id, now = uow.session, principal.tenant_id, clock()
    hashes = identifier_hashes(
        settings,
        {f: getattr(contact, f) for f in ("email", "mobile", "phone", "id_number", "wechat_id")},
    )
    account_id = contact.account_id
    summary_counts: dict[str, int] = {}
    tables = {t.name: t for t in person_tables()}
    # Records whose search documents go: the person and what was anonymised about them.
    indexed: dict[str, list[str]] = {"contact": [contact_id]}
    for name in ("interactions", "activities", "tickets", "deals"):
        table = tables.get(name)
        spec = next(
            (s for s in SPECS.values() if getattr(s.model, "__table__", None) is table), None
        )
        if table is None or spec is None or not spec.search_fields:
            continue
        indexed[spec.name] = list(
            session.scalars(
                select(table.c.id).where(
                    table.c.tenant_id == tenant_id, table.c.contact_id == contact_id
                )
            )
        )
    owned = _ids_tied_to(session, tables, tenant_id, [contact_id])
    for name, values in ANONYMISE.items():
        table = tables.get(name)
        if table is None:
            continue
        columns = {k: v for k, v in values.items() if k in table.c}
        result = session.execute(
            update(table)
            .where(table.c.tenant_id == tenant_id, table.c.contact_id == contact_id)
            .values(**columns)
        )
        summary_counts[f"{name}.anonymised"] = int(result.rowcount)  # type: ignore[attr-defined]
    for name in DELETE:
        table = tables.get(name)
        if table is not None:
            result = session.execute(
                delete(table).where(
                    table.c.tenant_id == tenant_id, table.c.contact_id == contact_id
                )
            )
            summary_counts[f"{name}.deleted"] = int(result.rowcount)  # type: ignore[attr-defined]
    # Automated decisions about the person and their records (scores and their
    # factors, outcomes) exist only because of them: they go.
    for table in subject_tables():
        gone = 0
        for object_type, ids in owned.items():
            for first in range(0, len(ids), 500):
                result = session.execute(
                    delete(table).where(
                        table.c.tenant_id == tenant_id,
                        table.c.object_type == object_type,
                        table.c.record_id.in_(ids[first : first + 500]),
                    )
                )
                gone += int(result.rowcount)  # type: ignore[attr-defined]
        summary_counts[f"{table.name}.deleted"] = gone
    memories = Base.metadata.tables.get(MEMORY_TABLE)
    if memories is not None:
        result = session.execute(
            delete(memories).where(
                memories.c.tenant_id == tenant_id,
                memories.c.subject_type == "contact",
                memories.c.subject_id == contact_id,
            )
        )
        summary_counts["agent_memories.deleted"] = int(result.rowcount)  # type: ignore[attr-defined]
    removed = 0
    for object_type, ids in indexed.items():
        for first in range(0, len(ids), 500):
            result = session.execute(
                delete(SearchDocument).where(
                    SearchDocument.tenant_id == tenant_id,
                    SearchDocument.object_type == object_type,
                    SearchDocument.record_id.in_(ids[first : first + 500]),
                )
            )
            removed += int(result.rowcount)  # type: ignore[attr-defined]
    summary_counts["search_documents.deleted"] = removed
    contacts: Table = Contact.__table__  # type: ignore[assignment]
    session.execute(
        update(contacts)
        .where(contacts.c.id == contact_id)
        .values(
            **CONTACT_FIELDS,
            deleted_at=now,
            updated_at=now,
            updated_by_kind=principal.kind,
            updated_by_id=principal.id,
            version=contacts.c.version + 1,
        )
    )
    session.expire(contact)
    summary_counts["contacts.anonymised"] = 1
    tombstone = ErasureTombstone(
        tenant_id=tenant_id,
        contact_id=contact_id,
        erased_at=now,
        erased_by_kind=principal.kind,
        erased_by_id=principal.id,
        reason=reason,
        summary=summary_counts,
        identifier_hashes=hashes,
    )
    session.add(tombstone)
    session.flush()
    forget_tombstones(session)
    log_request(uow, principal, contact_id, "erase", now, tombstone_id=tombstone.id, reason=reason)
    uow.audit(
        tenant_id,
        principal.actor,
        "dsar.erased",
        "contact",
        contact_id,
        tombstone_id=tombstone.id,
        counts=summary_counts,
    )
    uow.emit(
        DomainEvent(
            type=EventType.CONTACT_ERASED,
            tenant_id=tenant_id,
            subject_type="contact",
            subject_id=contact_id,
            actor=principal.actor,
            payload={"tombstone_id": tombstone.id},
            account_id=account_id,
            contact_id=contact_id,
            summary="personal data erased on request",
            occurred_at=now,
        )
    )
    return tombstone


def forget_tombstones(session: Session) -> None:
    """Drop the cached tombstone hashes: a new tombstone must flag the next import."""
    session.info.pop(TOMBSTONE_CACHE, None)


def tables_touched() -> Iterable[str]:
    return [*ANONYMISE, *DELETE, MEMORY_TABLE, "search_documents", "contacts"]
