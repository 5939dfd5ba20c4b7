"""Tables of the omnichannel inbox: mailboxes (IMAP in, SMTP out) with their per-folder
sync cursors, conversations (one per thread and channel) with their messages,
attachments and internal notes.

A message is unique per mailbox by ``message_key`` (the SHA-256 of its Message-ID, or of
its bytes when it has none): a sync batch writes its messages, their interactions and the
folder cursor in one transaction, and the unique key makes a batch replayed after a crash
a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin
from kith.db.crypto import EncryptedString

ENCRYPTED_WIDTH = 255
IMAP_SECRET = "mailbox.imap_password"  # noqa: S105 - the encryption context, not a secret
SMTP_SECRET = "mailbox.smtp_password"  # noqa: S105


class Mailbox(IdMixin, TenantMixin, Base):
    """A person's (``owner_id``) or a shared (no owner) e-mail mailbox.

    ``status``: ok | syncing (more to fetch) | auth_failed | unreachable | error | paused;
    after a failure ``next_sync_at`` backs off (``kith.inbox.sync.backoff``) so a wrong
    password is tried again later, not in a loop. Passwords are AES-GCM encrypted at rest
    and never leave the service."""

    __tablename__ = "inbox_mailboxes"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(254))
    owner_id: Mapped[str | None] = mapped_column(ID, default=None)
    team_id: Mapped[str | None] = mapped_column(ID, default=None)
    imap_host: Mapped[str] = mapped_column(String(253))
    imap_port: Mapped[int] = mapped_column(Integer, default=993)
    imap_security: Mapped[str] = mapped_column(String(8), default="ssl")  # ssl | starttls | none
    imap_user: Mapped[str] = mapped_column(String(254))
    imap_password: Mapped[str] = mapped_column(EncryptedString(ENCRYPTED_WIDTH, IMAP_SECRET))
    smtp_host: Mapped[str | None] = mapped_column(String(253), default=None)
    smtp_port: Mapped[int] = mapped_column(Integer, default=465)
    smtp_security: Mapped[str] = mapped_column(String(8), default="ssl")
    smtp_user: Mapped[str | None] = mapped_column(String(254), default=None)
    smtp_password: Mapped[str | None] = mapped_column(
        EncryptedString(ENCRYPTED_WIDTH, SMTP_SECRET), default=None
    )
    folders: Mapped[list[Any]] = mapped_column(default=lambda: ["INBOX"])
    only_matched: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(12), default="ok")
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    last_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    next_sync_at: Mapped[datetime | None] = mapped_column(default=None)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FolderCursor(IdMixin, TenantMixin, Base):
    """How far a folder is synced: UIDVALIDITY and the last UID seen (and the highest
    MODSEQ when the server offers CONDSTORE). A new UIDVALIDITY restarts the folder."""

    __tablename__ = "inbox_folder_cursors"
    __table_args__ = (UniqueConstraint("mailbox_id", "folder"),)

    mailbox_id: Mapped[str] = mapped_column(ID)
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger, default=0)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    highest_modseq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(IdMixin, TenantMixin, Base):
    """One thread on one channel with one customer: who handles it, its status (open |
    waiting | closed) and when the next answer is due."""

    __tablename__ = "inbox_conversations"
    __table_args__ = (
        UniqueConstraint("tenant_id", "channel", "source_id", "thread_key"),
        Index("ix_inbox_conversations_list", "tenant_id", "last_message_at", "id"),
        Index("ix_inbox_conversations_status", "tenant_id", "status", "last_message_at", "id"),
    )

    channel: Mapped[str] = mapped_column(String(12))  # email | wechat | sms | app | web
    source_id: Mapped[str] = mapped_column(ID)  # the mailbox (or channel account)
    thread_key: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(300), default=None)
    contact_id: Mapped[str | None] = mapped_column(ID, default=None)
    account_id: Mapped[str | None] = mapped_column(ID, default=None)
    assignee_id: Mapped[str | None] = mapped_column(ID, default=None)
    team_id: Mapped[str | None] = mapped_column(ID, default=None)
    status: Mapped[str] = mapped_column(String(8), default="open")
    sla_due_at: Mapped[datetime | None] = mapped_column(default=None)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_direction: Mapped[str] = mapped_column(String(8), default="inbound")
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxMessage(IdMixin, TenantMixin, Base):
    """A message of a conversation, in or out. Inbound: where it was found (folder, UID);
    outbound: its delivery (queued → sent, or retrying → failed)."""

    __tablename__ = "inbox_messages"
    __table_args__ = (
        UniqueConstraint("source_id", "message_key"),
        Index("ix_inbox_messages_conversation", "conversation_id", "sent_at"),
        Index("ix_inbox_messages_folder_uid", "source_id", "folder", "uid"),
        Index("ix_inbox_messages_delivery", "tenant_id", "delivery_status", "next_attempt_at"),
    )

    conversation_id: Mapped[str] = mapped_column(ID)
    source_id: Mapped[str] = mapped_column(ID)
    direction: Mapped[str] = mapped_column(String(8))
    message_key: Mapped[str] = mapped_column(String(64))
    rfc_message_id: Mapped[str | None] = mapped_column(String(998), default=None)
    in_reply_to: Mapped[str | None] = mapped_column(String(998), default=None)
    references: Mapped[list[Any]] = mapped_column("refs", default=list)
    from_addr: Mapped[str | None] = mapped_column(String(254), default=None)
    from_name: Mapped[str | None] = mapped_column(String(200), default=None)
    to_addrs: Mapped[list[Any]] = mapped_column(default=list)
    cc_addrs: Mapped[list[Any]] = mapped_column(default=list)
    subject: Mapped[str | None] = mapped_column(String(300), default=None)
    text: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    folder: Mapped[str | None] = mapped_column(String(200), default=None)
    uid: Mapped[int | None] = mapped_column(BigInteger, default=None)
    interaction_id: Mapped[str | None] = mapped_column(ID, default=None)
    problems: Mapped[list[Any]] = mapped_column(default=list)  # parse defects, charset fallbacks
    # outbound: queued | sent | retrying | failed; inbound: received
    delivery_status: Mapped[str] = mapped_column(String(10), default="received")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    decision_id: Mapped[str | None] = mapped_column(ID, default=None)
    deleted_on_server_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboxAttachment(IdMixin, TenantMixin, Base):
    """A file of a message. ``content`` is kept when the type is allowed and the size is
    under the limit; otherwise only the metadata, with ``skipped`` saying why."""

    __tablename__ = "inbox_attachments"

    message_id: Mapped[str] = mapped_column(ID, index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(127))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    skipped: Mapped[str | None] = mapped_column(String(16), default=None)  # too_large | type


class ConversationNote(IdMixin, TenantMixin, Base):
    """An internal note on a conversation: seen by colleagues, never sent."""

    __tablename__ = "inbox_notes"

    conversation_id: Mapped[str] = mapped_column(ID, index=True)
    author_id: Mapped[str | None] = mapped_column(ID, default=None)
    author_name: Mapped[str | None] = mapped_column(String(200), default=None)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
