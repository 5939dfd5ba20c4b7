"""What the inbox API shows: conversations, threads and the customer panel beside a
thread (profile, open tickets, consent) — records read through the crm and privacy
services, so the reader's row scope, field rules and sensitive-read audit apply."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kith.core.errors import NotFound, PermissionDenied
from kith.crm.query import Filter, ListQuery, Sort
from kith.crm.service import RecordService
from kith.inbox.models import Conversation, InboxMessage
from kith.inbox.schemas import AttachmentOut, ConversationOut, InboxMessageOut, NoteOut
from kith.inbox.service import InboxService

OPEN_TICKETS = ("new", "open", "pending")
PROFILE_FIELDS = ("id", "name", "title", "email", "phone", "mobile", "account_id", "city")


def conversation_out(
    row: Conversation, names: dict[str, str] | None = None, now: datetime | None = None
) -> ConversationOut:
    return ConversationOut(
        id=row.id,
        channel=row.channel,
        source_id=row.source_id,
        subject=row.subject,
        contact_id=row.contact_id,
        contact_name=(names or {}).get(row.contact_id or ""),
        account_id=row.account_id,
        assignee_id=row.assignee_id,
        team_id=row.team_id,
        status=row.status,
        sla_due_at=row.sla_due_at,
        overdue=bool(now and row.sla_due_at and row.status == "open" and row.sla_due_at < now),
        last_message_at=row.last_message_at,
        last_direction=row.last_direction,
        message_count=row.message_count,
        version=row.version,
    )


def contact_names(records: RecordService, rows: list[Conversation]) -> dict[str, str]:
    """Names of the contacts the reader may see (others stay unnamed)."""
    ids = sorted({r.contact_id for r in rows if r.contact_id})
    if not ids:
        return {}
    try:
        page = records.list_page(
            "contact", ListQuery(filters=(Filter("id", "in", ids),), limit=len(ids))
        )
    except PermissionDenied:
        return {}
    return {str(c["id"]): str(c.get("name") or "") for c in page.items}


def message_out(row: InboxMessage, attachments: list[Any]) -> InboxMessageOut:
    return InboxMessageOut(
        id=row.id,
        direction=row.direction,
        from_addr=row.from_addr,
        from_name=row.from_name,
        to=[str(a) for a in row.to_addrs],
        cc=[str(a) for a in row.cc_addrs],
        subject=row.subject,
        text=row.text,
        sent_at=row.sent_at,
        delivery_status=row.delivery_status,
        attempts=row.attempts,
        last_error=row.last_error,
        deleted_on_server=row.deleted_on_server_at is not None,
        problems=[str(p) for p in row.problems],
        attachments=[
            AttachmentOut(
                id=a.id,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                stored=a.content is not None,
                skipped=a.skipped,
            )
            for a in attachments
        ],
    )


def thread_out(service: InboxService, conversation_id: str) -> dict[str, Any]:
    row, messages, notes = service.thread(conversation_id)
    records = RecordService(service.uow, service.principal, service.clock)
    attachments = service.attachments_of([m.id for m in messages])
    return {
        "conversation": conversation_out(row, contact_names(records, [row]), service.clock()),
        "messages": [message_out(m, attachments.get(m.id, [])) for m in messages],
        "notes": [
            NoteOut(id=n.id, author_name=n.author_name, body=n.body, created_at=n.created_at)
            for n in notes
        ],
        "customer": customer_panel(service, row),
    }


def customer_panel(service: InboxService, row: Conversation) -> dict[str, Any]:
    records = RecordService(service.uow, service.principal, service.clock)
    panel: dict[str, Any] = {"contact": None, "account": None, "open_tickets": [], "consent": []}
    if row.contact_id:
        try:
            contact = records.get("contact", row.contact_id)
        except (NotFound, PermissionDenied):
            contact = None
        if contact is not None:
            panel["contact"] = {k: contact.get(k) for k in PROFILE_FIELDS}
            panel["open_tickets"] = _tickets(records, row.contact_id)
            panel["consent"] = _consent(service, row.contact_id)
    account_id = row.account_id or (panel["contact"] or {}).get("account_id")
    if account_id:
        try:
            account = records.get("account", str(account_id))
            panel["account"] = {"id": account["id"], "name": account.get("name")}
        except (NotFound, PermissionDenied):
            pass
    return panel


def _tickets(records: RecordService, contact_id: str) -> list[dict[str, Any]]:
    try:
        page = records.list_page(
            "ticket",
            ListQuery(
                filters=(
                    Filter("contact_id", "eq", contact_id),
                    Filter("status", "in", list(OPEN_TICKETS)),
                ),
                sort=Sort("created_at", True),
                limit=10,
            ),
        )
    except PermissionDenied:
        return []
    return [
        {"id": t["id"], "subject": t.get("subject"), "status": t.get("status")} for t in page.items
    ]


def _consent(service: InboxService, contact_id: str) -> list[dict[str, Any]]:
    from kith.privacy.service import ConsentService

    try:
        state = ConsentService(service.uow, service.principal, service.clock).consents(contact_id)
    except (NotFound, PermissionDenied):
        return []
    return [{"purpose": c.purpose, "channel": c.channel, "state": c.state} for c in state.current]
