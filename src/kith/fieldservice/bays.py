"""Bay time slots at a service provider: pure arithmetic on minutes after local midnight.

A provider is open ``opens``–``closes`` in slots of ``slot_minutes`` (only whole slots;
one slot of the opening hours when a slot is longer than they are); ``bays`` is the
capacity of each slot. A reservation holds consecutive slots, or the whole day (it
then takes a bay in every slot)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Slot = tuple[int, int]


def minutes(hhmm: str) -> int:
    hours, _, mins = hhmm.partition(":")
    return int(hours) * 60 + int(mins)


def hhmm(value: int) -> str:
    return f"{value // 60:02d}:{value % 60:02d}"


def grid(opens: str, closes: str, slot_minutes: int) -> list[Slot]:
    start, end = minutes(opens), minutes(closes)
    slots = [(s, s + slot_minutes) for s in range(start, end - slot_minutes + 1, slot_minutes)]
    return slots or [(start, end)]


def usage(slots: Sequence[Slot], held: Iterable[tuple[int | None, int | None]]) -> list[int]:
    """Bays taken in each slot by reservations ``(start, end)`` (None, None: all day)."""
    used = [0] * len(slots)
    for start, end in held:
        for i, (s, e) in enumerate(slots):
            if start is None or end is None or (start < e and end > s):
                used[i] += 1
    return used


def span(slots: Sequence[Slot], start: int, count: int) -> list[int]:
    """The indexes of ``count`` consecutive slots from the one starting at ``start``;
    ``ValueError`` (saying why) when ``start`` is not a slot's start or they run past
    closing time."""
    starts = [s for s, _ in slots]
    if start not in starts:
        shown = ", ".join(hhmm(s) for s in starts[:6]) + (" …" if len(starts) > 6 else "")
        raise ValueError(f"{hhmm(start)} is not the start of a slot ({shown})")
    first = starts.index(start)
    if first + count > len(slots):
        raise ValueError(f"{count} slot(s) from {hhmm(start)} run past closing time")
    return list(range(first, first + count))
