"""``kith inbox ...``: mailboxes (add, list, sync) and the shared inbox's conversations
(list). Passwords are read from an environment variable named on the command line (or
asked for), never taken as an argument (it would show in the process list). Exit 2 with
the reason on bad input."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, fail_kith, open_container, report

inbox_app = typer.Typer(help="Omnichannel inbox: mailboxes (IMAP/SMTP) and conversations.")
mailbox_app = typer.Typer(help="Mailboxes: add, list, sync.")
inbox_app.add_typer(mailbox_app, name="mailbox")

SECURITY = "ssl|starttls|none"
AsOpt = Annotated[
    str | None, typer.Option("--as", help="Act as this user (e-mail); default Kith itself.")
]


def _secret(env_name: str | None, label: str, required: bool) -> str | None:
    if env_name:
        value = os.environ.get(env_name)
        if not value:
            fail(f"{label}: the environment variable {env_name} is not set")
        return value
    if not required:
        return None
    return str(typer.prompt(label, hide_input=True))


@mailbox_app.command("add")
def add_command(
    name: Annotated[str, typer.Option("--name", help="Shown in the inbox.")],
    address: Annotated[str, typer.Option("--address", help="The mailbox's e-mail address.")],
    imap_host: Annotated[str, typer.Option("--imap-host")],
    imap_user: Annotated[str, typer.Option("--imap-user")],
    imap_password_env: Annotated[
        str | None,
        typer.Option("--imap-password-env", help="Environment variable holding the password."),
    ] = None,
    imap_port: Annotated[int, typer.Option("--imap-port", min=1, max=65535)] = 993,
    imap_security: Annotated[
        str, typer.Option("--imap-security", help="ssl|starttls|none")
    ] = "ssl",
    smtp_host: Annotated[str | None, typer.Option("--smtp-host")] = None,
    smtp_port: Annotated[int, typer.Option("--smtp-port", min=1, max=65535)] = 465,
    smtp_security: Annotated[
        str, typer.Option("--smtp-security", help="ssl|starttls|none")
    ] = "ssl",
    smtp_user: Annotated[str | None, typer.Option("--smtp-user")] = None,
    smtp_password_env: Annotated[str | None, typer.Option("--smtp-password-env")] = None,
    folder: Annotated[
        list[str] | None, typer.Option("--folder", help="Folder to sync (repeat).")
    ] = None,
    shared: Annotated[bool, typer.Option("--shared", help="A team mailbox (no owner).")] = False,
    all_mail: Annotated[
        bool, typer.Option("--all-mail", help="Store mail from unknown senders too.")
    ] = False,
    as_user: AsOpt = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Connect a mailbox (per user with --as, or --shared)."""
    from pydantic import ValidationError

    from kith.inbox.schemas import MailboxIn

    password = _secret(imap_password_env, "IMAP password", required=True)
    try:
        data = MailboxIn(
            name=name,
            address=address,
            shared=shared,
            imap_host=imap_host,
            imap_port=imap_port,
            imap_security=imap_security,
            imap_user=imap_user,
            imap_password=password or "",
            smtp_host=smtp_host,
            smtp_port=smtp_port,
            smtp_security=smtp_security,
            smtp_user=smtp_user,
            smtp_password=_secret(smtp_password_env, "SMTP password", required=False),
            folders=folder or ["INBOX"],
            only_matched=not all_mail,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        fail(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    view = _with_service(tenant, as_user, lambda svc: svc.mailbox_view(svc.create_mailbox(data)))
    report(_plain(view), as_json, f"{view['id']}  {view['address']}  {view['status']}")


@mailbox_app.command("list")
def list_mailboxes(
    as_user: AsOpt = None, tenant: TenantOpt = "default", as_json: JsonFlag = False
) -> None:
    """Mailboxes with their sync status (never their passwords)."""
    views = _with_service(
        tenant, as_user, lambda svc: [svc.mailbox_view(m) for m in svc.mailboxes()]
    )
    lines = [
        f"{v['id']}  {v['address']}  {v['status']}  {v['messages']} messages"
        + (f"  ({v['last_error']})" if v["last_error"] else "")
        for v in views
    ]
    report([_plain(v) for v in views], as_json, "\n".join(lines) or "no mailboxes")


@mailbox_app.command("sync")
def sync_command(
    mailbox_id: Annotated[str, typer.Argument(help="The mailbox id.")],
    batch: Annotated[int, typer.Option("--batch", min=1, max=5000)] = 200,
    max_steps: Annotated[int | None, typer.Option("--max-steps", min=1, max=100_000)] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Fetch new mail now, until caught up (each batch is committed as it goes)."""
    from kith.clikit import workspace_id
    from kith.core.errors import KithError
    from kith.inbox.sync import run_sync

    container = open_container()
    with container.uow() as uow:
        tenant_id = workspace_id(uow, tenant)
    try:
        step, status = run_sync(
            container.uow, tenant_id, mailbox_id, container.clock, batch=batch, max_steps=max_steps
        )
    except KithError as exc:
        fail_kith(exc)
    out = {
        "mailbox_id": mailbox_id,
        "status": status,
        "fetched": step.fetched,
        "stored": step.stored,
        "duplicates": step.duplicates,
        "unmatched": step.unmatched,
        "deleted_on_server": step.deleted,
        "more": step.more,
    }
    report(out, as_json, f"{status}: {step.fetched} fetched, {step.stored} stored")
    if status in ("auth_failed", "unreachable", "error"):
        raise typer.Exit(1)


@inbox_app.command("list")
def list_conversations(
    status: Annotated[str | None, typer.Option("--status", help="open|waiting|closed")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=200)] = 50,
    cursor: Annotated[str | None, typer.Option("--cursor")] = None,
    as_user: AsOpt = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Conversations, newest activity first."""
    if status not in (None, "open", "waiting", "closed"):
        fail("--status: one of open, waiting, closed")

    def run(svc: Any) -> dict[str, Any]:
        rows, next_cursor = svc.conversations(status=status, cursor=cursor, limit=limit)
        return {
            "items": [
                {
                    "id": r.id,
                    "channel": r.channel,
                    "subject": r.subject,
                    "status": r.status,
                    "contact_id": r.contact_id,
                    "assignee_id": r.assignee_id,
                    "last_message_at": r.last_message_at.isoformat(),
                    "message_count": r.message_count,
                }
                for r in rows
            ],
            "next_cursor": next_cursor,
        }

    page = _with_service(tenant, as_user, run)
    lines = [
        f"{c['id']}  {c['status']:<8} {c['last_message_at'][:16]}  {c['subject'] or ''}"
        for c in page["items"]
    ]
    report(page, as_json, "\n".join(lines) or "no conversations")


def _with_service(tenant: str, as_user: str | None, action: Any) -> Any:
    from kith.clikit import person_or_system
    from kith.core.errors import KithError
    from kith.inbox.service import InboxService

    container = open_container()
    with container.uow() as uow:
        principal = person_or_system(uow, tenant, as_user, "kith inbox")
        try:
            result = action(InboxService(uow, principal, container.clock))
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
        return result


def _plain(view: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in view.items()}
