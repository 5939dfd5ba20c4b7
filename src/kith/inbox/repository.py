"""Queries of the inbox, always tenant-filtered. The sync and delivery scans run for
one mailbox (or the whole installation, for the scheduled jobs: Kith's own process)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from kith.crm.models import Account, Contact
from kith.inbox.models import (
    Conversation,
    ConversationNote,
    FolderCursor,
    InboxAttachment,
    InboxMessage,
    Mailbox,
)


class InboxRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- mailboxes ---------------------------------------------------------------------

    def mailboxes(self) -> Sequence[Mailbox]:
        return self.session.scalars(
            select(Mailbox)
            .where(Mailbox.tenant_id == self.tenant_id)
            .order_by(Mailbox.created_at, Mailbox.id)
        ).all()

    def mailbox(self, mailbox_id: str) -> Mailbox | None:
        row = self.session.get(Mailbox, mailbox_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def mailbox_by_address(self, address: str) -> Mailbox | None:
        return self.session.scalars(
            select(Mailbox).where(
                Mailbox.tenant_id == self.tenant_id,
                func.lower(Mailbox.address) == address.strip().lower(),
            )
        ).first()

    def mailboxes_due(self, now: datetime, limit: int = 50) -> Sequence[Mailbox]:
        """Mailboxes whose next sync is due (not paused; backing off after a failure)."""
        return self.session.scalars(
            select(Mailbox)
            .where(
                Mailbox.tenant_id == self.tenant_id,
                Mailbox.status != "paused",
                or_(Mailbox.next_sync_at.is_(None), Mailbox.next_sync_at <= now),
            )
            .order_by(Mailbox.next_sync_at, Mailbox.id)
            .limit(limit)
        ).all()

    def cursor(self, mailbox_id: str, folder: str) -> FolderCursor | None:
        return self.session.scalars(
            select(FolderCursor).where(
                FolderCursor.mailbox_id == mailbox_id, FolderCursor.folder == folder
            )
        ).first()

    def cursors(self, mailbox_id: str) -> Sequence[FolderCursor]:
        return self.session.scalars(
            select(FolderCursor)
            .where(FolderCursor.tenant_id == self.tenant_id, FolderCursor.mailbox_id == mailbox_id)
            .order_by(FolderCursor.folder)
        ).all()

    # --- messages ----------------------------------------------------------------------

    def message_by_key(self, source_id: str, key: str) -> InboxMessage | None:
        return self.session.scalars(
            select(InboxMessage).where(
                InboxMessage.source_id == source_id, InboxMessage.message_key == key
            )
        ).first()

    def known_keys(self, source_id: str, keys: Collection[str]) -> set[str]:
        if not keys:
            return set()
        return set(
            self.session.scalars(
                select(InboxMessage.message_key).where(
                    InboxMessage.source_id == source_id, InboxMessage.message_key.in_(keys)
                )
            )
        )

    def conversation_of_keys(self, source_id: str, keys: Collection[str]) -> str | None:
        if not keys:
            return None
        return self.session.scalars(
            select(InboxMessage.conversation_id)
            .where(InboxMessage.source_id == source_id, InboxMessage.message_key.in_(keys))
            .limit(1)
        ).first()

    def uids_in_folder(self, source_id: str, folder: str) -> set[int]:
        """UIDs of the stored messages that are still on the server as far as Kith knows."""
        return {
            int(u)
            for u in self.session.scalars(
                select(InboxMessage.uid).where(
                    InboxMessage.source_id == source_id,
                    InboxMessage.folder == folder,
                    InboxMessage.uid.is_not(None),
                    InboxMessage.deleted_on_server_at.is_(None),
                )
            )
            if u is not None
        }

    def messages_at(self, source_id: str, folder: str, uids: Collection[int]) -> list[InboxMessage]:
        found: list[InboxMessage] = []
        ordered = sorted(uids)
        for i in range(0, len(ordered), 500):
            found.extend(
                self.session.scalars(
                    select(InboxMessage).where(
                        InboxMessage.source_id == source_id,
                        InboxMessage.folder == folder,
                        InboxMessage.uid.in_(ordered[i : i + 500]),
                    )
                )
            )
        return found

    def messages(self, conversation_id: str) -> Sequence[InboxMessage]:
        return self.session.scalars(
            select(InboxMessage)
            .where(
                InboxMessage.tenant_id == self.tenant_id,
                InboxMessage.conversation_id == conversation_id,
            )
            .order_by(InboxMessage.sent_at, InboxMessage.created_at, InboxMessage.id)
        ).all()

    def message(self, message_id: str) -> InboxMessage | None:
        row = self.session.get(InboxMessage, message_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def count_messages(self, source_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(InboxMessage)
                .where(
                    InboxMessage.tenant_id == self.tenant_id, InboxMessage.source_id == source_id
                )
            )
            or 0
        )

    def attachments(self, message_ids: Collection[str]) -> Sequence[InboxAttachment]:
        if not message_ids:
            return []
        return self.session.scalars(
            select(InboxAttachment)
            .where(
                InboxAttachment.tenant_id == self.tenant_id,
                InboxAttachment.message_id.in_(message_ids),
            )
            .order_by(InboxAttachment.filename)
        ).all()

    def due_deliveries(self, now: datetime, limit: int) -> Sequence[InboxMessage]:
        return self.session.scalars(
            select(InboxMessage)
            .where(
                InboxMessage.tenant_id == self.tenant_id,
                InboxMessage.delivery_status.in_(("queued", "retrying")),
                InboxMessage.next_attempt_at <= now,
            )
            .order_by(InboxMessage.next_attempt_at, InboxMessage.id)
            .limit(limit)
        ).all()

    # --- conversations -----------------------------------------------------------------

    def conversation(self, conversation_id: str) -> Conversation | None:
        row = self.session.get(Conversation, conversation_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def conversation_by_thread(
        self, channel: str, source_id: str, thread_key: str
    ) -> Conversation | None:
        return self.session.scalars(
            select(Conversation).where(
                Conversation.tenant_id == self.tenant_id,
                Conversation.channel == channel,
                Conversation.source_id == source_id,
                Conversation.thread_key == thread_key,
            )
        ).first()

    def conversations(
        self,
        *,
        status: str | None,
        assignee_id: str | None,
        team_id: str | None,
        channel: str | None,
        contact_id: str | None,
        visible_sources: Collection[str] | None,
        after: tuple[datetime, str] | None,
        limit: int,
    ) -> Sequence[Conversation]:
        """Newest activity first; ``after`` is the (last_message_at, id) of the previous
        page's last row (keyset pagination)."""
        query = select(Conversation).where(Conversation.tenant_id == self.tenant_id)
        if status:
            query = query.where(Conversation.status == status)
        if assignee_id:
            query = query.where(Conversation.assignee_id == assignee_id)
        if team_id:
            query = query.where(Conversation.team_id == team_id)
        if channel:
            query = query.where(Conversation.channel == channel)
        if contact_id:
            query = query.where(Conversation.contact_id == contact_id)
        if visible_sources is not None:
            query = query.where(Conversation.source_id.in_(visible_sources))
        if after is not None:
            at, last_id = after
            query = query.where(
                or_(
                    Conversation.last_message_at < at,
                    and_(Conversation.last_message_at == at, Conversation.id < last_id),
                )
            )
        query = query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        return self.session.scalars(query.limit(limit)).all()

    def notes(self, conversation_id: str) -> Sequence[ConversationNote]:
        return self.session.scalars(
            select(ConversationNote)
            .where(
                ConversationNote.tenant_id == self.tenant_id,
                ConversationNote.conversation_id == conversation_id,
            )
            .order_by(ConversationNote.created_at, ConversationNote.id)
        ).all()

    # --- customers ---------------------------------------------------------------------

    def contacts_by_email(self, addresses: Collection[str]) -> dict[str, Contact]:
        """Live contacts whose e-mail is one of ``addresses`` (lower case), by address."""
        if not addresses:
            return {}
        rows = self.session.scalars(
            select(Contact)
            .where(
                Contact.tenant_id == self.tenant_id,
                Contact.deleted_at.is_(None),
                func.lower(Contact.email).in_(sorted(addresses)),
            )
            .order_by(Contact.created_at, Contact.id)
        ).all()
        found: dict[str, Contact] = {}
        for row in rows:
            found.setdefault((row.email or "").lower(), row)
        return found

    def account_by_email(self, addresses: Collection[str]) -> Account | None:
        if not addresses:
            return None
        return self.session.scalars(
            select(Account)
            .where(
                Account.tenant_id == self.tenant_id,
                Account.deleted_at.is_(None),
                func.lower(Account.email).in_(sorted(addresses)),
            )
            .order_by(Account.created_at, Account.id)
        ).first()
