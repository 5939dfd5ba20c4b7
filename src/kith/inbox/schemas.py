"""Pydantic shapes of the inbox API. Passwords go in (``MailboxIn``) and never come out:
``MailboxOut`` says only whether one is set."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Host = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=253, pattern=r"^[^\s/]+$"),
]
Port = Annotated[int, Field(ge=1, le=65535)]
Security = Literal["ssl", "starttls", "none"]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$"
    ),
]
Secret = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Folder = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Status = Literal["open", "waiting", "closed"]
Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]


class MailboxIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    address: Email
    shared: bool = False
    team_id: Id | None = None
    imap_host: Host
    imap_port: Port = 993
    imap_security: Security = "ssl"
    imap_user: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)
    ]
    imap_password: Secret
    smtp_host: Host | None = None
    smtp_port: Port = 465
    smtp_security: Security = "ssl"
    smtp_user: Annotated[str, StringConstraints(max_length=254)] | None = None
    smtp_password: Secret | None = None
    folders: Annotated[list[Folder], Field(min_length=1, max_length=20)] = ["INBOX"]
    only_matched: bool = True


class MailboxPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    imap_host: Host | None = None
    imap_port: Port | None = None
    imap_security: Security | None = None
    imap_user: Annotated[str, StringConstraints(min_length=1, max_length=254)] | None = None
    imap_password: Secret | None = None
    smtp_host: Host | None = None
    smtp_port: Port | None = None
    smtp_security: Security | None = None
    smtp_user: Annotated[str, StringConstraints(max_length=254)] | None = None
    smtp_password: Secret | None = None
    folders: Annotated[list[Folder], Field(min_length=1, max_length=20)] | None = None
    only_matched: bool | None = None
    paused: bool | None = None


class FolderOut(BaseModel):
    folder: str
    uidvalidity: int
    last_uid: int
    highest_modseq: int | None


class MailboxOut(BaseModel):
    id: str
    name: str
    address: str
    shared: bool
    owner_id: str | None
    team_id: str | None
    imap_host: str
    imap_port: int
    imap_security: str
    imap_user: str
    has_imap_password: bool
    smtp_host: str | None
    smtp_port: int
    smtp_security: str
    smtp_user: str | None
    has_smtp_password: bool
    folders: list[str]
    only_matched: bool
    status: str
    last_error: str | None
    last_sync_at: datetime | None
    next_sync_at: datetime | None
    failures: int
    messages: int
    cursors: list[FolderOut]


class SyncOut(BaseModel):
    mailbox_id: str
    status: str
    fetched: int
    stored: int
    duplicates: int
    unmatched: int
    deleted_on_server: int
    more: bool


class ConversationOut(BaseModel):
    id: str
    channel: str
    source_id: str
    subject: str | None
    contact_id: str | None
    contact_name: str | None
    account_id: str | None
    assignee_id: str | None
    team_id: str | None
    status: str
    sla_due_at: datetime | None
    overdue: bool
    last_message_at: datetime
    last_direction: str
    message_count: int
    version: int


class ConversationPage(BaseModel):
    items: list[ConversationOut]
    next_cursor: str | None


class AttachmentOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int
    stored: bool
    skipped: str | None


class InboxMessageOut(BaseModel):
    id: str
    direction: str
    from_addr: str | None
    from_name: str | None
    to: list[str]
    cc: list[str]
    subject: str | None
    text: str
    sent_at: datetime
    delivery_status: str
    attempts: int
    last_error: str | None
    deleted_on_server: bool
    problems: list[str]
    attachments: list[AttachmentOut]


class NoteOut(BaseModel):
    id: str
    author_name: str | None
    body: str
    created_at: datetime


class CustomerPanel(BaseModel):
    """Beside a thread: the contact's profile (the reader's field rules applied), the
    account, open tickets and the current consents."""

    contact: dict[str, Any] | None
    account: dict[str, Any] | None
    open_tickets: list[dict[str, Any]]
    consent: list[dict[str, Any]]


class ThreadOut(BaseModel):
    conversation: ConversationOut
    messages: list[InboxMessageOut]
    notes: list[NoteOut]
    customer: CustomerPanel


class ConversationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    assignee_id: Id | None = None
    team_id: Id | None = None
    sla_due_at: AwareDatetime | None = None
    unassign: bool = False


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50_000)]
    idempotency_key: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
