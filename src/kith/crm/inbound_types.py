"""The registry of inbound event types: what outside systems may send to Kith.

Keyed by the event's ``type``; each entry is the pydantic model its ``data``
must match. Other packages add types with ``register_inbound_type``.
"""

from __future__ import annotations

from typing import Any

from kith.crm.inbound_schemas import (
    AppEvent,
    BusinessEvent,
    InboundData,
    InteractionInbound,
    TelemetryReading,
    WebVisit,
)

INBOUND_TYPES: dict[str, type[InboundData]] = {
    "interaction.inbound": InteractionInbound,
    "web.visit": WebVisit,
    "app.event": AppEvent,
    "telemetry.reading": TelemetryReading,
    "business.event": BusinessEvent,
}


def register_inbound_type(event_type: str, schema: type[InboundData]) -> None:
    if event_type in INBOUND_TYPES and INBOUND_TYPES[event_type] is not schema:
        raise ValueError(f"inbound event type {event_type!r} is already registered")
    INBOUND_TYPES[event_type] = schema


def describe_inbound_types() -> list[dict[str, Any]]:
    return [
        {
            "type": event_type,
            "description": (schema.__doc__ or "").strip(),
            "channel": schema.CHANNEL,
            "json_schema": schema.model_json_schema(),
        }
        for event_type, schema in sorted(INBOUND_TYPES.items())
    ]
