"""``kith events ...`` (``kith worker`` is in ``kith.runtime``).

``kith.cli`` imports this module while it is being imported itself, so its
output helpers are imported inside the commands.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from kith.clikit import JsonFlag, TenantOpt, open_container
from kith.clikit import fail as _fail
from kith.core.errors import KithError

events_app = typer.Typer(help="Inspect, send and replay events.", no_args_is_help=True)

ConsumerOpt = Annotated[
    list[str] | None,
    typer.Option("--consumer", help="Only this consumer (repeatable; default: every one)."),
]


@events_app.command("tail")
def tail(
    after_seq: Annotated[int, typer.Option(min=0, help="Show events after this seq.")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    event_type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show committed events from the outbox, in order, with their relay state."""
    from kith.clikit import report
    from kith.events.repository import EventRepository

    with open_container().uow() as uow:
        rows = EventRepository(uow.session).outbox_page(after_seq, limit, event_type, None)
        items = [
            {
                "seq": r.seq,
                "event_id": r.event_id,
                "tenant_id": r.tenant_id,
                "type": r.type,
                "subject": f"{r.subject_type}/{r.subject_id}",
                "actor": f"{r.actor_kind}/{r.actor_id or '-'}",
                "occurred_at": r.occurred_at,
                "published_at": r.published_at,
                "payload": r.payload,
            }
            for r in rows
        ]
    lines = [
        f"{i['seq']:>8}  {i['occurred_at']:%Y-%m-%d %H:%M:%S}  {i['type']:<28} {i['subject']}"
        f"  {'published' if i['published_at'] else 'pending'}"
        for i in items
    ]
    report(items, as_json, "\n".join(lines) or "no events")


@events_app.command("replay")
def replay(
    since: Annotated[
        str, typer.Option(help="ISO date or time; events from then on (no zone means UTC).")
    ],
    consumer: ConsumerOpt = None,
    event_type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Deliver past events to consumers again (their earlier effects are not undone)."""
    from kith.clikit import report
    from kith.events import service
    from kith.events.consumers import build_consumers

    start = _utc(since)
    container = open_container()
    try:
        consumers = build_consumers(container, consumer or ())
    except ValueError as exc:
        _fail(str(exc))
    with container.uow() as uow:
        scheduled = service.replay(uow, consumers, start, event_type)
        uow.commit()
    human = "\n".join(f"{name}: {count} events scheduled" for name, count in scheduled.items())
    report(
        {"since": start, "scheduled": scheduled}, as_json, human or "no consumers are registered"
    )


def _utc(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        _fail(f"--since {value!r} is not an ISO date or time (e.g. 2026-11-01T08:00:00+08:00)")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


@events_app.command("dead-letters")
def dead_letters(
    consumer: Annotated[str | None, typer.Option(help="Only this consumer.")] = None,
    include_requeued: Annotated[
        bool, typer.Option("--all", help="Also those already re-queued.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """List events consumers gave up on, with the reason and the last error."""
    from kith.clikit import report
    from kith.events import service

    with open_container().uow() as uow:
        letters = service.dead_letters(uow, consumer, include_requeued)
    lines = [
        f"{d['id']}  {d['consumer']}  {d['event_type']} {d['event_id']}  "
        f"{d['reason']}: {d['last_error'].strip().splitlines()[-1]}"
        for d in letters
    ]
    report(letters, as_json, "\n".join(lines) or "no dead letters")


@events_app.command("retry")
def retry(
    dead_letter_id: Annotated[
        str, typer.Argument(help="Dead letter id (kith events dead-letters).")
    ],
    as_json: JsonFlag = False,
) -> None:
    """Re-queue a dead-lettered event: its consumer tries it again, with fresh attempts."""
    from kith.clikit import fail_kith, report
    from kith.events import service

    with open_container().uow() as uow:
        try:
            requeued = service.requeue_dead_letter(uow, dead_letter_id)
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    report(requeued, as_json, f"re-queued {requeued['event_id']} for {requeued['consumer']}")


@events_app.command("rejections")
def rejections(
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """List inbound events that were refused, with why and the body as received."""
    from kith.access.repository import AccessRepository
    from kith.clikit import report
    from kith.events.repository import EventRepository

    with open_container().uow() as uow:
        workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
        if workspace is None:
            _fail(f"no workspace {tenant!r}")
        items = [
            {
                "id": r.id,
                "received_at": r.received_at,
                "principal": f"{r.principal_kind}/{r.principal_id}",
                "event_type": r.event_type,
                "reason": r.reason,
                "errors": r.errors,
                "raw_body": r.raw_body,
            }
            for r in EventRepository(uow.session).rejections(workspace.id)
        ]
    lines = [
        f"{i['received_at']:%Y-%m-%d %H:%M:%S}  {i['event_type']}  {i['reason']}" for i in items
    ]
    report(items, as_json, "\n".join(lines) or "no rejected events")


@events_app.command("types")
def types(
    as_json: JsonFlag = False,
    write_docs: Annotated[
        Path | None,
        typer.Option("--write-docs", help="Rewrite the generated section of this file."),
    ] = None,
) -> None:
    """List the registered domain event types (the event catalogue)."""
    from kith.clikit import report
    from kith.events import catalog

    if write_docs is not None:
        changed = catalog.write_docs(write_docs)
        typer.echo(f"{write_docs}: {'updated' if changed else 'up to date'}")
        return
    items = catalog.rows()
    width = max(len(i["type"]) for i in items)
    lines = [f"{i['type']:<{width}}  {i['producer']:<12} {i['description']['en']}" for i in items]
    report(items, as_json, "\n".join(lines))
