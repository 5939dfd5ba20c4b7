"""HTTP routes of the events context (placeholder until the agent-runtime issue fills it)."""

from __future__ import annotations

from fastapi import APIRouter

from kith.api.responses import KithJSON

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON)
