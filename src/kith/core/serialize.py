"""JSON bytes for API responses, CLI output and stored snapshots: datetimes as aware
UTC ISO strings, dates, decimals as strings, pydantic models, sets sorted, Chinese
kept readable."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from kith.core.clock import as_utc


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(content: Any) -> bytes:
    return json.dumps(content, default=_default, ensure_ascii=False, separators=(",", ":")).encode()
