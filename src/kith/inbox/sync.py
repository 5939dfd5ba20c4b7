"""Incremental IMAP sync of a mailbox with ``imapclient``.

Per folder a cursor holds UIDVALIDITY and the last UID fetched (and HIGHESTMODSEQ when the
server offers CONDSTORE: an unchanged MODSEQ and no new UID skip the folder without a
search). One *step* fetches at most ``batch`` new messages of one folder and stores them,
their interactions and the advanced cursor in the caller's transaction: a process killed
mid-step loses the step, and the next run fetches the same UIDs again; the per-mailbox
unique message key makes anything already stored a no-op.

A new UIDVALIDITY (the server renumbered the folder) restarts the folder from UID 1; the
messages already stored are recognised by their key and only re-linked to their new UID.

Deletion on the server (the documented rule): when a folder is caught up, the stored
messages whose UID the server no longer lists are marked ``deleted_on_server_at``. The
conversation and the interaction stay — the CRM keeps what was exchanged with a customer
(erasure of a person is the privacy context's job, not a mail client's); the inbox shows
the message as deleted on the server. A message that comes back (moved back, restored)
is un-marked when it is seen again.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kith.db.uow import UnitOfWork
from kith.inbox.ingest import ingest_parsed, prefetch
from kith.inbox.models import FolderCursor, Mailbox
from kith.inbox.parse import MAX_ATTACHMENT_BYTES, parse_mail
from kith.inbox.repository import InboxRepository

if TYPE_CHECKING:
    from imapclient import IMAPClient

BATCH = 200
MAX_FETCH_BYTES = 30 * 1024 * 1024  # larger messages: headers only
TIMEOUT_SECONDS = 20.0
BACKOFF_START = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
SYNC_INTERVAL = timedelta(minutes=5)


class SyncError(Exception):
    status = "error"


class AuthFailed(SyncError):
    status = "auth_failed"


class Unreachable(SyncError):
    status = "unreachable"


@dataclass
class Step:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    unmatched: int = 0
    deleted: int = 0
    more: bool = False

    def add(self, other: Step) -> None:
        self.fetched += other.fetched
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.unmatched += other.unmatched
        self.deleted += other.deleted
        self.more = other.more


def backoff(failures: int) -> timedelta:
    """1, 2, 4 … minutes after consecutive failures, at most 6 hours."""
    delay: timedelta = BACKOFF_START * (2 ** min(max(failures - 1, 0), 20))
    return min(delay, BACKOFF_MAX)


@contextmanager
def connect(mailbox: Mailbox, timeout: float = TIMEOUT_SECONDS) -> Iterator[IMAPClient]:
    """A logged-in client; ``AuthFailed`` or ``Unreachable`` when it cannot be had."""
    from imapclient import IMAPClient
    from imapclient.exceptions import IMAPClientError, LoginError

    try:
        client = IMAPClient(
            mailbox.imap_host,
            port=mailbox.imap_port,
            ssl=mailbox.imap_security == "ssl",
            timeout=timeout,
        )
    except (TimeoutError, OSError, ssl.SSLError, IMAPClientError) as exc:
        raise Unreachable(f"{mailbox.imap_host}:{mailbox.imap_port}: {exc}") from exc
    client.normalise_times = False  # INTERNALDATE as an aware datetime
    try:
        if mailbox.imap_security == "starttls":
            client.starttls()
        client.login(mailbox.imap_user, mailbox.imap_password)
        if client.has_capability("CONDSTORE") and client.has_capability("ENABLE"):
            client.enable("CONDSTORE")  # SELECT then reports HIGHESTMODSEQ
    except LoginError as exc:
        _close(client)
        raise AuthFailed(_text(exc)) from exc
    except (OSError, IMAPClientError) as exc:
        _close(client)
        raise Unreachable(_text(exc)) from exc
    try:
        yield client
    finally:
        _close(client)


def sync_step(
    uow: UnitOfWork,
    mailbox: Mailbox,
    client: IMAPClient,
    clock: Callable[[], datetime],
    *,
    batch: int = BATCH,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> Step:
    """Fetch and store up to ``batch`` new messages of the first folder that has any;
    ``more`` says whether another step has work. The caller commits."""
    repo = InboxRepository(uow.session, mailbox.tenant_id)
    step = Step()
    folders = [str(f) for f in mailbox.folders] or ["INBOX"]
    for index, folder in enumerate(folders):
        cursor = _cursor(uow, repo, mailbox, folder)
        info = client.select_folder(folder, readonly=True)
        validity = int(info.get(b"UIDVALIDITY", 0))
        modseq = _int_or_none(info.get(b"HIGHESTMODSEQ"))
        uidnext = _int_or_none(info.get(b"UIDNEXT"))
        if validity != cursor.uidvalidity:
            cursor.uidvalidity, cursor.last_uid, cursor.highest_modseq = validity, 0, None
        unchanged = (
            modseq is not None
            and cursor.highest_modseq == modseq
            and uidnext is not None
            and uidnext - 1 <= cursor.last_uid
        )
        if unchanged:
            continue
        new = sorted(
            u for u in client.search(["UID", f"{cursor.last_uid + 1}:*"]) if u > cursor.last_uid
        )
        chunk = new[:batch]
        if chunk:
            _fetch_and_store(uow, mailbox, client, folder, chunk, step, clock, max_attachment_bytes)
            cursor.last_uid = chunk[-1]
        if len(new) > batch:
            step.more = True
            cursor.updated_at = clock()
            return step
        step.deleted += _mark_deleted(repo, client, mailbox, folder, clock)
        cursor.highest_modseq = modseq
        cursor.updated_at = clock()
        if chunk and index < len(folders) - 1:
            step.more = True
            return step
    return step


def run_sync(
    open_uow: Callable[[], UnitOfWork],
    tenant_id: str,
    mailbox_id: str,
    clock: Callable[[], datetime],
    *,
    batch: int = BATCH,
    max_steps: int | None = None,
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
) -> tuple[Step, str]:
    """Sync a mailbox until caught up (or ``max_steps``), committing after each step.
    Returns what was done and the mailbox's status; failures become a status with a
    back-off, never an exception."""
    total = Step()
    with open_uow() as uow:
        mailbox = _load(uow, tenant_id, mailbox_id)
        snapshot = _Settings.of(mailbox)
    try:
        with connect(snapshot.as_mailbox()) as client:
            steps = 0
            while True:
                with open_uow() as uow:
                    mailbox = _load(uow, tenant_id, mailbox_id)
                    step = sync_step(
                        uow,
                        mailbox,
                        client,
                        clock,
                        batch=batch,
                        max_attachment_bytes=max_attachment_bytes,
                    )
                    total.add(step)
                    steps += 1
                    record_success(mailbox, step, clock())
                    uow.commit()
                if not step.more or (max_steps is not None and steps >= max_steps):
                    return total, "syncing" if step.more else "ok"
    except SyncError as exc:
        with open_uow() as uow:
            mailbox = _load(uow, tenant_id, mailbox_id)
            record_failure(uow, mailbox, exc, clock())
            uow.commit()
        return total, exc.status
    except Exception as exc:  # an IMAP protocol error mid-sync: the status shows it
        from imapclient.exceptions import IMAPClientError

        if not isinstance(exc, (IMAPClientError, OSError)):
            raise
        with open_uow() as uow:
            mailbox = _load(uow, tenant_id, mailbox_id)
            record_failure(uow, mailbox, Unreachable(_text(exc)), clock())
            uow.commit()
        return total, "unreachable"


def record_failure(uow: UnitOfWork, mailbox: Mailbox, exc: SyncError, now: datetime) -> None:
    from kith.core.domain import Actor, DomainEvent
    from kith.core.event_types import EventType

    mailbox.failures += 1
    mailbox.status = exc.status
    mailbox.last_error = _text(exc)[:500]
    mailbox.next_sync_at = now + backoff(mailbox.failures)
    mailbox.updated_at = now
    if mailbox.failures == 1:  # tell once per run of failures, not at every retry
        uow.emit(
            DomainEvent(
                type=EventType.MAILBOX_SYNC_FAILED,
                tenant_id=mailbox.tenant_id,
                subject_type="mailbox",
                subject_id=mailbox.id,
                actor=Actor.system(),
                payload={"status": exc.status, "error": mailbox.last_error},
                summary=f"mailbox.sync_failed: {mailbox.address}: {exc.status}"[:500],
                occurred_at=now,
            )
        )


def record_success(mailbox: Mailbox, step: Step, now: datetime) -> None:
    mailbox.failures = 0
    mailbox.last_error = None
    mailbox.status = "syncing" if step.more else "ok"
    mailbox.last_sync_at = now
    mailbox.next_sync_at = now if step.more else now + SYNC_INTERVAL
    mailbox.updated_at = now


def _fetch_and_store(
    uow: UnitOfWork,
    mailbox: Mailbox,
    client: IMAPClient,
    folder: str,
    uids: list[int],
    step: Step,
    clock: Callable[[], datetime],
    max_attachment_bytes: int,
) -> None:
    sizes = client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
    small = [u for u in uids if int(sizes.get(u, {}).get(b"RFC822.SIZE", 0)) <= MAX_FETCH_BYTES]
    large = [u for u in uids if u not in set(small)]
    bodies: dict[int, bytes] = {}
    for uid, data in (client.fetch(small, ["BODY.PEEK[]"]) if small else {}).items():
        bodies[uid] = bytes(data.get(b"BODY[]") or b"")
    for uid, data in (client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}).items():
        bodies[uid] = bytes(data.get(b"BODY[HEADER]") or b"") + b"\r\n[message too large]\r\n"
    parsed = {
        uid: parse_mail(raw, max_attachment_bytes=max_attachment_bytes)
        for uid, raw in bodies.items()
    }
    known = prefetch(uow, mailbox, list(parsed.values()))
    for uid in uids:
        mail = parsed.get(uid)
        if mail is None:  # expunged between the search and the fetch
            continue
        step.fetched += 1
        received = sizes.get(uid, {}).get(b"INTERNALDATE")
        result = ingest_parsed(
            uow,
            mailbox,
            mail,
            clock=clock,
            folder=folder,
            uid=uid,
            received_at=_aware(received),
            prefetched=known,
        )
        if result.outcome == "stored":
            step.stored += 1
        elif result.outcome == "duplicate":
            step.duplicates += 1
        else:
            step.unmatched += 1


def _mark_deleted(
    repo: InboxRepository,
    client: IMAPClient,
    mailbox: Mailbox,
    folder: str,
    clock: Callable[[], datetime],
) -> int:
    stored = repo.uids_in_folder(mailbox.id, folder)
    if not stored:
        return 0
    gone = stored - set(client.search(["ALL"]))
    now = clock()
    rows = repo.messages_at(mailbox.id, folder, gone) if gone else []
    for row in rows:
        row.deleted_on_server_at = now
    return len(rows)


def _cursor(uow: UnitOfWork, repo: InboxRepository, mailbox: Mailbox, folder: str) -> FolderCursor:
    cursor = repo.cursor(mailbox.id, folder)
    if cursor is None:
        cursor = FolderCursor(tenant_id=mailbox.tenant_id, mailbox_id=mailbox.id, folder=folder)
        cursor.uidvalidity, cursor.last_uid = 0, 0
        uow.session.add(cursor)
    return cursor


def _load(uow: UnitOfWork, tenant_id: str, mailbox_id: str) -> Mailbox:
    from kith.core.errors import NotFound

    mailbox = InboxRepository(uow.session, tenant_id).mailbox(mailbox_id)
    if mailbox is None:
        raise NotFound(f"no mailbox {mailbox_id}")
    return mailbox


@dataclass(frozen=True)
class _Settings:
    """The connection settings, read once (the connection outlives each step's session)."""

    host: str
    port: int
    security: str
    user: str
    password: str

    @classmethod
    def of(cls, mailbox: Mailbox) -> _Settings:
        return cls(
            mailbox.imap_host,
            mailbox.imap_port,
            mailbox.imap_security,
            mailbox.imap_user,
            mailbox.imap_password,
        )

    def as_mailbox(self) -> Mailbox:
        return Mailbox(
            imap_host=self.host,
            imap_port=self.port,
            imap_security=self.security,
            imap_user=self.user,
            imap_password=self.password,
        )


def _close(client: Any) -> None:
    try:
        client.logout()
    except Exception:  # already gone; nothing to tell
        with suppress(Exception):
            client.shutdown()


def _text(exc: BaseException) -> str:
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    return str(text) or type(exc).__name__


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _aware(value: Any) -> datetime | None:
    from datetime import UTC

    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
