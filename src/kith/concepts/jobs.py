"""Scheduled jobs of the concepts context: ``concepts.recompute`` recomputes every
published concept for every customer (values go stale as time passes even without
events: freshness limits and windows move) and refreshes the tenant statistics."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.concepts.repository import ConceptRepository
from kith.concepts.service import ConceptService
from kith.scheduling.registry import JobContext, job


@job(
    "concepts.recompute",
    "Recompute every published concept (customer health) for every customer",
    {},
)
def recompute(ctx: JobContext) -> Mapping[str, Any]:
    service = ConceptService(ctx.uow, ctx.principal, clock=lambda: ctx.now)
    rows = ConceptRepository(ctx.uow.session, ctx.tenant_id).published()
    return {
        "concepts": [service.recompute(r.concept_key, trigger="job").model_dump() for r in rows]
    }
