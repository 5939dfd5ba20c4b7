"""Scheduled jobs of the audit context (imported by the scheduler to register them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.audit.retention import prune
from kith.core.settings import get_settings
from kith.scheduling.registry import JobContext, job


@job(
    "audit.prune",
    "Delete audit entries older than the retention (KITH_AUDIT_RETENTION_DAYS), "
    "leaving an anchor the chain starts from",
)
def prune_audit_log(ctx: JobContext) -> Mapping[str, Any]:
    """The workspace's entries older than the policy; a broken chain fails the run
    (and deletes nothing) so that someone looks at it."""
    result = prune(
        ctx.uow,
        ctx.tenant_id,
        now=ctx.now,
        retention_days=get_settings().audit_retention_days,
        actor=ctx.principal.actor,
    )
    return result.as_dict()
