"""JSON responses that render datetimes, dates and decimals, with Chinese kept readable
(the encoding is ``kith.core.serialize.dumps``)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from kith.core.serialize import dumps


class KithJSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)


class ProblemJSON(KithJSON):
    media_type = "application/problem+json"
