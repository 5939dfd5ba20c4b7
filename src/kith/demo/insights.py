"""After a fresh demo load: train the built-in models on the demo's records and add
the recommended schedules, so the first screen already shows scores, forecasts and
a scheduler with work to do.

The scores are history like the rest of the demo: their ``score.changed`` events are
archived, so the agents ``kith serve`` starts do not answer a year of churn at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kith.core.errors import KithError
from kith.events.types import Actor

if TYPE_CHECKING:
    from kith.container import Container

# job, every, daily at (UTC) — the set docs/intelligence.md recommends
RECOMMENDED: tuple[tuple[str, str | None, str | None], ...] = (
    ("models.retrain", None, "02:30"),
    ("models.drift", "6h", None),
    ("segments.refresh", "1h", None),
    ("audit.prune", None, "03:30"),
)


def prepare_insights(container: Container, tenant_slug: str) -> dict[str, Any]:
    from kith.access.repository import AccessRepository
    from kith.demo.loader import archive_history

    with container.uow() as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug(tenant_slug)
        if tenant is None:
            raise KithError(f"no workspace {tenant_slug!r}")
        tenant_id = tenant.id
    models = _train(container, tenant_id)
    schedules = _schedule(container, tenant_id)
    archive_history(container, tenant_id)
    return {"models": models, "schedules": schedules}


def _train(container: Container, tenant_id: str) -> list[dict[str, Any]]:
    from kith.intelligence.scoring.builtin import BuiltinModels
    from kith.intelligence.service import IntelligenceService

    with container.uow() as uow:
        service = IntelligenceService(uow, tenant_id, Actor("system", None, "kith demo"))
        try:
            outcomes = [o.as_dict() for o in BuiltinModels(service).run()]
        except KithError as exc:
            # A very small --scale may leave a model nothing to learn from: the demo still loads.
            return [{"kind": "builtin", "status": "skipped", "reason": str(exc)}]
        uow.commit()
    return [{k: o[k] for k in ("kind", "status", "version", "reason") if k in o} for o in outcomes]


def _schedule(container: Container, tenant_id: str) -> list[dict[str, str]]:
    from kith.scheduling.service import ScheduleService, job_names

    known = set(job_names())
    added: list[dict[str, str]] = []
    with container.uow() as uow:
        service = ScheduleService(uow, tenant_id, Actor("system", None, "kith demo"))
        for job, every, daily_at in RECOMMENDED:
            if job in known:
                service.add(job, every=every, daily_at=daily_at)
                added.append(
                    {"job": job, "cadence": f"every {every}" if every else f"daily {daily_at}"}
                )
        uow.commit()
    return added
