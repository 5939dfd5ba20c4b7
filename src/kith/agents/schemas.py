"""API shapes of the agents context."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AgentOut(BaseModel):
    id: str
    name: str
    label_zh: str | None
    label_en: str | None
    description: str | None
    status: str
    role: str | None
    budget_per_hour: int
    actions_last_hour: int
    tools: list[str]
    subscriptions: list[str]
    config: dict[str, Any]


class FeedItem(BaseModel):
    """One thing an agent perceived or did (``phase``: perceived, acted, noted)."""

    id: str
    at: datetime
    agent: str
    phase: str
    status: str | None
    tool: str | None
    summary: str | None
    reason: str | None
    event_type: str
    event_id: str
    trace_id: str
    contact_id: str | None
    account_id: str | None
    record_id: str | None
    decision_id: str | None
    latency_ms: int
