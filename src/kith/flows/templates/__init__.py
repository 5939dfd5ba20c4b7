"""The flow templates from the seeds, as JSON definitions (docs/flows.md explains them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

NAMES = (
    "ticket_routing",
    "cross_border_compliance",
    "renewal_reminders",
    "complaint_escalation",
    "work_order_dispatch",
)


def template(name: str) -> dict[str, Any]:
    """A fresh copy of template ``name`` (KeyError for an unknown one)."""
    if name not in NAMES:
        raise KeyError(name)
    path = Path(__file__).with_name(f"{name}.json")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
