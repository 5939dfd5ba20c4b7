"""The work order's status flow, enforced in one place.

proposed → scheduled → en_route → on_site → done | failed; a proposed or scheduled
order may be cancelled; a failed visit may be proposed again (a new visit)."""

from __future__ import annotations

from typing import Literal, get_args

from kith.core.errors import Conflict

Status = Literal["proposed", "scheduled", "en_route", "on_site", "done", "failed", "cancelled"]
STATUSES: tuple[str, ...] = get_args(Status)
Kind = Literal["installation", "repair", "inspection"]
TRANSITIONS: dict[str, frozenset[str]] = {
    "proposed": frozenset({"scheduled", "cancelled"}),
    "scheduled": frozenset({"en_route", "proposed", "cancelled"}),
    "en_route": frozenset({"on_site", "failed"}),
    "on_site": frozenset({"done", "failed"}),
    "failed": frozenset({"proposed"}),
    "done": frozenset(),
    "cancelled": frozenset(),
}
# Statuses in which an order holds its engineer's time.
BOOKED = frozenset({"scheduled", "en_route", "on_site"})
# Statuses that count as the asset's repair history.
FINISHED = frozenset({"done", "failed"})


def check_transition(current: str, target: str) -> None:
    """Conflict (409) when the flow does not allow ``current`` → ``target``."""
    allowed = TRANSITIONS.get(current, frozenset())
    if target not in allowed:
        options = ", ".join(sorted(allowed)) or "none (final)"
        raise Conflict(f"A {current} work order cannot become {target}; allowed: {options}")
