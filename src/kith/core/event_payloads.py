"""Schemas of the event payloads that are stable (what integrations may rely on).

``kith.core.event_types.CATALOG`` points each such type at its schema; the catalogue
(``kith events types --json``, docs/events.md) publishes them, and the integration tests
validate the payloads the producers write against them. Types without a schema carry a
payload that is still free to change.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecordChange(_Payload):
    """Every ``<object>.created|updated|deleted`` (and ``interaction.received|sent``)."""

    version: int
    # field -> [before, after]; sensitive fields are masked on both sides.
    changes: dict[str, list[Any]] | None = None
    # The record as created (no hidden or sensitive values); absent on updates and deletes.
    record: dict[str, Any] | None = None


class DealStageChanged(_Payload):
    from_stage_id: str | None
    to_stage_id: str
    stage_name: str
    seconds_in_previous: int | None


class DealClosed(_Payload):
    """``deal.won`` and ``deal.lost``; the amount as a decimal string."""

    amount: str | None


class TicketStatusChanged(_Payload):
    from_status: str | None
    to_status: str


class TicketEscalated(_Payload):
    priority: str


class DecisionOverridden(_Payload):
    tool: str | None
    outcome: str
    reason: str


class SegmentMemberChanged(_Payload):
    """``segment.member_added`` and ``segment.member_removed``."""

    segment_id: str
    segment: str
    record_id: str
    object_type: str
    initial: bool
