"""Use cases of the inbox: mailboxes (connect, change, list with their sync status) and
conversations (list with filters and keyset pagination, read a thread, assign, change
status or due time, add internal notes). Replies are the gateway tool ``inbox.reply``
(``kith.inbox.tools``). Like every service, this never commits.

Who sees what: a person's mailbox is theirs; a shared mailbox (no owner) is everyone's
with the right to read conversations; admins and managers see every mailbox. The
conversations of a mailbox are seen by whoever sees the mailbox.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.inbox.models import Conversation, ConversationNote, InboxMessage, Mailbox
from kith.inbox.repository import InboxRepository
from kith.inbox.schemas import ConversationPatch, MailboxIn, MailboxPatch

SEES_ALL = frozenset({"admin", "manager", "system"})
SECRET_FIELDS = frozenset({"imap_password", "smtp_password"})


class InboxService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = InboxRepository(uow.session, principal.tenant_id)

    # --- mailboxes ---------------------------------------------------------------------

    def create_mailbox(self, data: MailboxIn) -> Mailbox:
        policy.require(self.principal, "mailbox", "create")
        if data.shared and not self._sees_all():
            raise PermissionDenied("only an admin or a manager connects a shared mailbox")
        if self.repo.mailbox_by_address(data.address) is not None:
            raise ValidationFailed(
                "This address is already connected",
                [FieldError(["body", "address"], "already connected", "duplicate")],
            )
        now = self.clock()
        row = Mailbox(
            tenant_id=self.principal.tenant_id,
            owner_id=None if data.shared else self.principal.user_id,
            created_at=now,
            updated_at=now,
            status="ok",
            failures=0,
            version=1,
            **data.model_dump(exclude={"shared"}),
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        self._emit_mailbox(EventType.MAILBOX_CREATED, row, {"shared": data.shared})
        return row

    def update_mailbox(self, mailbox_id: str, data: MailboxPatch, version: int | None) -> Mailbox:
        policy.require(self.principal, "mailbox", "update")
        row = self.mailbox(mailbox_id)
        if version is not None and version != row.version:
            raise Conflict(f"the mailbox changed (version {row.version}, not {version})")
        changes = data.model_dump(exclude_unset=True)
        paused = changes.pop("paused", None)
        for name, value in changes.items():
            setattr(row, name, value)
        if paused is not None:
            row.status = "paused" if paused else "ok"
        if changes.keys() & {"imap_host", "imap_port", "imap_user", "imap_password"} or (
            paused is False
        ):
            row.failures, row.next_sync_at, row.last_error = 0, None, None
            if row.status != "paused":
                row.status = "ok"
        row.version += 1
        row.updated_at = self.clock()
        fields = sorted(changes) + (["paused"] if paused is not None else [])
        self._emit_mailbox(EventType.MAILBOX_UPDATED, row, {"changes": fields})
        return row

    def mailboxes(self) -> list[Mailbox]:
        policy.require(self.principal, "mailbox", "read")
        return [m for m in self.repo.mailboxes() if self._may_see(m)]

    def mailbox(self, mailbox_id: str) -> Mailbox:
        policy.require(self.principal, "mailbox", "read")
        row = self.repo.mailbox(mailbox_id)
        if row is None or not self._may_see(row):
            raise NotFound(f"no mailbox {mailbox_id}")
        return row

    def mailbox_view(self, row: Mailbox) -> dict[str, Any]:
        return {
            "id": row.id,
            "name": row.name,
            "address": row.address,
            "shared": row.owner_id is None,
            "owner_id": row.owner_id,
            "team_id": row.team_id,
            "imap_host": row.imap_host,
            "imap_port": row.imap_port,
            "imap_security": row.imap_security,
            "imap_user": row.imap_user,
            "has_imap_password": bool(row.imap_password),
            "smtp_host": row.smtp_host,
            "smtp_port": row.smtp_port,
            "smtp_security": row.smtp_security,
            "smtp_user": row.smtp_user,
            "has_smtp_password": bool(row.smtp_password),
            "folders": [str(f) for f in row.folders],
            "only_matched": row.only_matched,
            "status": row.status,
            "last_error": row.last_error,
            "last_sync_at": row.last_sync_at,
            "next_sync_at": row.next_sync_at,
            "failures": row.failures,
            "messages": self.repo.count_messages(row.id),
            "cursors": [
                {
                    "folder": c.folder,
                    "uidvalidity": c.uidvalidity,
                    "last_uid": c.last_uid,
                    "highest_modseq": c.highest_modseq,
                }
                for c in self.repo.cursors(row.id)
            ],
        }

    # --- conversations -----------------------------------------------------------------

    def conversations(
        self,
        *,
        status: str | None = None,
        assignee_id: str | None = None,
        team_id: str | None = None,
        channel: str | None = None,
        contact_id: str | None = None,
        mine: bool = False,
        cursor: str | None = None,
        limit: int = 50,
    ) -> tuple[list[Conversation], str | None]:
        policy.require(self.principal, "conversation", "read")
        if mine:
            assignee_id = self.principal.user_id or "-"
        rows = list(
            self.repo.conversations(
                status=status,
                assignee_id=assignee_id,
                team_id=team_id,
                channel=channel,
                contact_id=contact_id,
                visible_sources=self._visible_sources(),
                after=_decode_cursor(cursor),
                limit=limit + 1,
            )
        )
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = _encode_cursor(rows[-1]) if more and rows else None
        return rows, next_cursor

    def conversation(self, conversation_id: str) -> Conversation:
        policy.require(self.principal, "conversation", "read")
        row = self.repo.conversation(conversation_id)
        visible = self._visible_sources()
        if row is None or (visible is not None and row.source_id not in visible):
            raise NotFound(f"no conversation {conversation_id}")
        return row

    def thread(self, conversation_id: str) -> tuple[Conversation, list[InboxMessage], list[Any]]:
        row = self.conversation(conversation_id)
        return row, list(self.repo.messages(row.id)), list(self.repo.notes(row.id))

    def attachments_of(self, message_ids: list[str]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {i: [] for i in message_ids}
        for a in self.repo.attachments(message_ids):
            out.setdefault(a.message_id, []).append(a)
        return out

    def update_conversation(
        self, conversation_id: str, data: ConversationPatch, version: int | None = None
    ) -> Conversation:
        policy.require(self.principal, "conversation", "update")
        row = self.conversation(conversation_id)
        if version is not None and version != row.version:
            raise Conflict(f"the conversation changed (version {row.version}, not {version})")
        changes: dict[str, list[Any]] = {}
        values = data.model_dump(exclude_unset=True, exclude={"unassign"})
        if data.unassign:
            values["assignee_id"] = None
        for name, value in values.items():
            before = getattr(row, name)
            if before != value:
                changes[name] = [_plain(before), _plain(value)]
                setattr(row, name, value)
        if "status" in changes and row.status == "closed":
            row.sla_due_at = None
        if not changes:
            return row
        row.version += 1
        row.updated_at = self.clock()
        self._emit_conversation(EventType.CONVERSATION_UPDATED, row, {"changes": changes})
        return row

    def add_note(self, conversation_id: str, body: str) -> ConversationNote:
        policy.require(self.principal, "conversation", "update")
        row = self.conversation(conversation_id)
        note = ConversationNote(
            tenant_id=row.tenant_id,
            conversation_id=row.id,
            author_id=self.principal.user_id,
            author_name=self.principal.name,
            body=body,
            created_at=self.clock(),
        )
        self.uow.session.add(note)
        self.uow.session.flush()
        self._emit_conversation(EventType.CONVERSATION_NOTE_ADDED, row, {"note_id": note.id})
        return note

    # --- helpers -----------------------------------------------------------------------

    def _sees_all(self) -> bool:
        return bool(self.principal.roles & SEES_ALL)

    def _may_see(self, mailbox: Mailbox) -> bool:
        return (
            self._sees_all()
            or mailbox.owner_id is None
            or mailbox.owner_id == self.principal.user_id
        )

    def _visible_sources(self) -> set[str] | None:
        if self._sees_all():
            return None
        return {m.id for m in self.repo.mailboxes() if self._may_see(m)}

    def _emit_mailbox(self, type_: EventType, row: Mailbox, payload: dict[str, Any]) -> None:
        self.uow.emit(
            DomainEvent(
                type=type_,
                tenant_id=row.tenant_id,
                subject_type="mailbox",
                subject_id=row.id,
                actor=self.principal.actor,
                payload={"address": row.address, "version": row.version, **payload},
                summary=f"{type_.value}: {row.address}"[:500],
                occurred_at=self.clock(),
            )
        )

    def _emit_conversation(
        self, type_: EventType, row: Conversation, payload: dict[str, Any]
    ) -> None:
        self.uow.emit(
            DomainEvent(
                type=type_,
                tenant_id=row.tenant_id,
                subject_type="conversation",
                subject_id=row.id,
                actor=self.principal.actor,
                payload={"version": row.version, **payload},
                account_id=row.account_id,
                contact_id=row.contact_id,
                summary=f"{type_.value}: {row.subject or ''}"[:500],
                occurred_at=self.clock(),
            )
        )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _encode_cursor(row: Conversation) -> str:
    raw = f"{row.last_message_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, last_id = raw.partition("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None or len(last_id) != 32:
            raise ValueError(raw)
    except ValueError:
        raise ValidationFailed(
            "The cursor is not one this list gave out",
            [FieldError(["query", "cursor"], "invalid cursor", "cursor")],
        ) from None
    return parsed, last_id
