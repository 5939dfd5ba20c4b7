"""HTTP: mailboxes (connect, change, status, sync now) and the shared inbox
(conversations with filters and keyset pagination, a thread with the customer panel,
assignment and status, internal notes, replies through the gateway) under
``/api/v1/inbox``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from kith.api.deps import CurrentPrincipal, UoW, get_container, requires_scope
from kith.api.responses import KithJSON
from kith.container import Container
from kith.crm.service import RecordService
from kith.gateway.deps import GatewayDep, Purpose
from kith.inbox.schemas import (
    ConversationOut,
    ConversationPage,
    ConversationPatch,
    MailboxIn,
    MailboxOut,
    MailboxPatch,
    NoteIn,
    NoteOut,
    ReplyIn,
    SyncOut,
    ThreadOut,
)
from kith.inbox.service import InboxService
from kith.inbox.views import contact_names, conversation_out, thread_out

router = APIRouter(prefix="/api/v1/inbox", default_response_class=KithJSON, tags=["Inbox"])

Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContainerDep = Annotated[Container, Depends(get_container)]
READ = requires_scope("inbox:read")
WRITE = requires_scope("inbox:write")
IdQuery = Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")]


def _service(uow: Any, principal: Any, container: Container) -> InboxService:
    return InboxService(uow, principal, container.clock)


# --- mailboxes ---------------------------------------------------------------------------


@router.get(
    "/mailboxes",
    response_model=list[MailboxOut],
    dependencies=[READ],
    summary="Mailboxes the reader may see, with their sync status (never a password)",
)
def list_mailboxes(uow: UoW, principal: CurrentPrincipal, container: ContainerDep) -> Any:
    service = _service(uow, principal, container)
    return [service.mailbox_view(m) for m in service.mailboxes()]


@router.post(
    "/mailboxes",
    status_code=201,
    response_model=MailboxOut,
    dependencies=[WRITE],
    summary="Connect a mailbox (yours, or shared: admins and managers)",
)
def create_mailbox(
    body: MailboxIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> KithJSON:
    service = _service(uow, principal, container)
    out = MailboxOut(**service.mailbox_view(service.create_mailbox(body)))
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.get("/mailboxes/{mailbox_id}", response_model=MailboxOut, dependencies=[READ])
def get_mailbox(
    mailbox_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    """One mailbox with its status, last error, last sync and per-folder cursors."""
    service = _service(uow, principal, container)
    return service.mailbox_view(service.mailbox(mailbox_id))


@router.patch("/mailboxes/{mailbox_id}", response_model=MailboxOut, dependencies=[WRITE])
def update_mailbox(
    mailbox_id: Id,
    body: MailboxPatch,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    version: Annotated[int | None, Query(ge=1, le=2**31)] = None,
) -> Any:
    """Change settings or a password, pause or resume (a new password clears the back-off)."""
    service = _service(uow, principal, container)
    out = MailboxOut(**service.mailbox_view(service.update_mailbox(mailbox_id, body, version)))
    uow.commit()
    return out


@router.post("/mailboxes/{mailbox_id}/sync", response_model=SyncOut, dependencies=[WRITE])
def sync_mailbox(
    mailbox_id: Id,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    max_steps: Annotated[int, Query(ge=1, le=50)] = 5,
    batch: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> SyncOut:
    """Fetch new mail now (at most ``max_steps`` batches); the result and the mailbox's
    status say how it went — a wrong password is a status, not an error."""
    from kith.inbox.sync import run_sync

    _service(uow, principal, container).mailbox(mailbox_id)  # may see it
    uow.rollback()
    step, status = run_sync(
        container.uow,
        principal.tenant_id,
        mailbox_id,
        container.clock,
        batch=batch,
        max_steps=max_steps,
    )
    return SyncOut(
        mailbox_id=mailbox_id,
        status=status,
        fetched=step.fetched,
        stored=step.stored,
        duplicates=step.duplicates,
        unmatched=step.unmatched,
        deleted_on_server=step.deleted,
        more=step.more,
    )


# --- conversations -----------------------------------------------------------------------


@router.get("/conversations", response_model=ConversationPage, dependencies=[READ])
def list_conversations(
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    status: Annotated[str | None, Query(pattern=r"^(open|waiting|closed)$")] = None,
    channel: Annotated[str | None, Query(pattern=r"^(email|wechat|sms|app|web)$")] = None,
    assignee_id: IdQuery = None,
    team_id: IdQuery = None,
    contact_id: IdQuery = None,
    mine: bool = False,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> ConversationPage:
    """Conversations, newest activity first; ``next_cursor`` fetches the next page."""
    service = _service(uow, principal, container)
    rows, next_cursor = service.conversations(
        status=status,
        channel=channel,
        assignee_id=assignee_id,
        team_id=team_id,
        contact_id=contact_id,
        mine=mine,
        cursor=cursor,
        limit=limit,
    )
    names = contact_names(RecordService(uow, principal, container.clock), rows)
    now = container.clock()
    return ConversationPage(
        items=[conversation_out(r, names, now) for r in rows], next_cursor=next_cursor
    )


@router.get("/conversations/{conversation_id}", response_model=ThreadOut, dependencies=[READ])
def get_conversation(
    conversation_id: Id, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    """The thread (messages with attachments and delivery status), internal notes and
    the customer panel."""
    out = thread_out(_service(uow, principal, container), conversation_id)
    uow.commit()  # sensitive reads of the customer panel are audited
    return out


@router.patch(
    "/conversations/{conversation_id}", response_model=ConversationOut, dependencies=[WRITE]
)
def update_conversation(
    conversation_id: Id,
    body: ConversationPatch,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    version: Annotated[int | None, Query(ge=1, le=2**31)] = None,
) -> ConversationOut:
    """Assign (person or team), change status (open, waiting, closed) or the due time."""
    service = _service(uow, principal, container)
    row = service.update_conversation(conversation_id, body, version)
    out = conversation_out(row, now=container.clock())
    uow.commit()
    return out


@router.post(
    "/conversations/{conversation_id}/notes",
    status_code=201,
    response_model=NoteOut,
    dependencies=[WRITE],
)
def add_note(
    conversation_id: Id,
    body: NoteIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> KithJSON:
    """An internal note: colleagues see it, the customer never does."""
    note = _service(uow, principal, container).add_note(conversation_id, body.body)
    out = NoteOut(
        id=note.id, author_name=note.author_name, body=note.body, created_at=note.created_at
    )
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.post("/conversations/{conversation_id}/reply", dependencies=[WRITE])
def reply(
    conversation_id: Id,
    body: ReplyIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    gateway: GatewayDep,
    purpose: Purpose,
) -> KithJSON:
    """Answer in the conversation's channel through the gateway tool ``inbox.reply``
    (consent, risk, decision record). 201 with the delivery status (``sent``, or
    ``retrying`` with the error when the provider refused it); 202 when it waits for an
    approval."""
    conversation = _service(uow, principal, container).conversation(conversation_id)
    args = {
        "conversation_id": conversation.id,
        "contact_id": conversation.contact_id or "",
        "body": body.body,
    }
    result = gateway.execute(
        uow,
        principal,
        "inbox.reply",
        args,
        purpose=purpose,
        idempotency_key=body.idempotency_key,
    )
    uow.commit()
    result.raise_for_outcome()
    if result.status == "pending_approval":
        payload = {
            "status": result.status,
            "approval_id": result.approval_id,
            "decision_id": result.decision_id,
            "reason": result.reason,
        }
        return KithJSON(payload, status_code=202)
    return KithJSON(
        {"status": result.status, "decision_id": result.decision_id, **dict(result.output or {})},
        status_code=201,
    )
