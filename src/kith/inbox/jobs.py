"""Scheduled jobs of the inbox (see ``kith.scheduling``).

``inbox.sync`` takes one step (at most ``batch`` new messages) of every mailbox of the
workspace whose next sync is due — a mailbox still catching up is due again at once, one
that failed waits out its back-off; ``inbox.deliver`` retries replies whose next attempt
is due. The scheduler commits each run.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.inbox.delivery import deliver_due
from kith.inbox.repository import InboxRepository
from kith.inbox.sync import BATCH, SyncError, connect, record_failure, record_success, sync_step
from kith.scheduling.registry import JobContext, job


@job("inbox.sync", "Fetch new mail of the workspace's mailboxes that are due (one batch each)")
def sync(ctx: JobContext) -> Mapping[str, Any]:
    batch = int(ctx.params.get("batch", BATCH))
    out: dict[str, Any] = {"mailboxes": 0, "stored": 0, "failed": 0}
    for mailbox in InboxRepository(ctx.uow.session, ctx.tenant_id).mailboxes_due(ctx.now):
        out["mailboxes"] += 1
        try:
            with connect(mailbox) as client:
                step = sync_step(ctx.uow, mailbox, client, lambda: ctx.now, batch=batch)
        except SyncError as exc:
            record_failure(ctx.uow, mailbox, exc, ctx.now)
            out["failed"] += 1
            continue
        out["stored"] += step.stored
        record_success(mailbox, step, ctx.now)
    return out


@job("inbox.deliver", "Retry replies from the inbox whose next delivery attempt is due")
def deliver(ctx: JobContext) -> Mapping[str, Any]:
    return deliver_due(ctx.uow, ctx.tenant_id, ctx.now)
