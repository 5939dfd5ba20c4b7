"""What a run's expressions read, and the compiled expressions (cached: a published
version never changes, so each expression is compiled once per process)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from kith.core.expressions import CompiledExpression, ExpressionError, compile_expression
from kith.core.serialize import dumps
from kith.flows.definition import RUN_VARIABLES, is_expression


@lru_cache(maxsize=4096)
def compiled(source: str, *extra: str) -> CompiledExpression:
    return compile_expression(source, RUN_VARIABLES + extra)


def event_values(
    *,
    event_id: str | None,
    type_: str,
    subject_type: str | None,
    subject_id: str | None,
    actor_kind: str | None,
    occurred_at: str | None,
    payload: Mapping[str, Any],
) -> dict[str, Any]:
    """An event as expressions see it (``event.payload.priority``)."""
    return {
        "id": event_id or "",
        "type": type_,
        "subject_type": subject_type or "",
        "subject_id": subject_id or "",
        "actor_kind": actor_kind or "",
        "occurred_at": occurred_at or "",
        "payload": plain(dict(payload)),
    }


def run_values(context: Mapping[str, Any], flow: Mapping[str, Any]) -> dict[str, Any]:
    """The variables of a run's expressions: ``event``, ``steps`` and ``flow``."""
    return {
        "event": context.get("event") or {},
        "steps": context.get("steps") or {},
        "flow": dict(flow),
    }


def evaluate_args(args: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A tool node's arguments: ``=expr`` values evaluated, literals as they are.
    Raises ``ExpressionError`` for an expression that fails on these values."""
    out: dict[str, Any] = {}
    for name, value in args.items():
        out[name] = plain(compiled(value[1:]).evaluate(values)) if is_expression(value) else value
    return out


def plain(value: Any) -> Any:
    """JSON-able plain values (CEL results and stored outputs alike)."""
    return json.loads(dumps(value))


def as_date(value: Any) -> datetime:
    """A wait's ``until``: an ISO date or date-time (naive means UTC)."""
    from datetime import UTC, date

    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ExpressionError(value, "until: not an ISO date or date-time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ExpressionError(str(value), f"until: a date, got {type(value).__name__}")
