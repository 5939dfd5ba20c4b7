"""Scheduled jobs of the playbooks context (see ``kith.scheduling``).

``practices.breakers`` stops applied practices whose circuit breaker is due and tells
the rep and their manager; ``anchors.compute`` computes every active value anchor's
metric for the run's day, with the drivers of the gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.playbooks.anchors import compute_all
from kith.playbooks.application import trip_breakers
from kith.scheduling.registry import JobContext, job


@job(
    "practices.breakers",
    "Stop applied practices whose circuit breaker is due; notify the rep and their manager",
)
def breakers(ctx: JobContext) -> Mapping[str, Any]:
    stopped = trip_breakers(ctx.uow, ctx.tenant_id, ctx.now)
    return {"stopped": stopped}


@job("anchors.compute", "Compute every active value anchor's metric for today, with its drivers")
def anchors(ctx: JobContext) -> Mapping[str, Any]:
    return {"anchors": compute_all(ctx.uow, ctx.tenant_id, ctx.now)}
