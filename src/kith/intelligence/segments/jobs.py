"""The scheduled job that refreshes saved segments.

``segments.refresh`` with ``{"segment": "all"}`` (the default) refreshes the
tenant's segments whose refresh policy (hourly, daily) says they are due;
``{"segment": "<id or name>"}`` refreshes that one whatever its policy, and
``{"segment": "all", "force": true}`` every segment. The scheduler owns the unit
of work and commits it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.core.errors import FieldError, ValidationFailed
from kith.intelligence.segments.service import SegmentService
from kith.scheduling.registry import JobContext, job

ALL = "all"


def _param(params: Mapping[str, Any]) -> tuple[str, bool]:
    segment = params.get("segment", ALL)
    force = params.get("force", False)
    if not isinstance(segment, str) or not segment.strip():
        raise ValidationFailed(
            "segment must be a segment id, a name or 'all'",
            [FieldError(["params", "segment"], "expected a string")],
        )
    if not isinstance(force, bool):
        raise ValidationFailed(
            "force must be true or false", [FieldError(["params", "force"], "expected a boolean")]
        )
    return segment.strip(), force


def _check(params: Mapping[str, Any]) -> None:
    _param(params)


@job(
    "segments.refresh",
    "Recompute saved segments (one, or every one that is due) and emit membership events",
    default_params={"segment": ALL},
    check_params=_check,
)
def refresh_segments(ctx: JobContext) -> Mapping[str, Any]:
    segment, force = _param(ctx.params)
    service = SegmentService(ctx.uow, ctx.principal, clock=lambda: ctx.now)
    if segment != ALL:
        results = [service.refresh(segment, trigger="job")]
    else:
        chosen = service.all() if force else service.due(ctx.now)
        results = [service.refresh_segment(s, trigger="job") for s in chosen]
    return {
        "refreshed": len(results),
        "added": sum(r.added for r in results),
        "removed": sum(r.removed for r in results),
        "segments": {
            r.name: {"total": r.total, "added": r.added, "removed": r.removed} for r in results
        },
    }
