"""Survivorship: which value of each contact field a merged person keeps.

When a merge joins two persons that both hold contact records, the survivor's
primary contact (its oldest) takes, field by field, the value the field's rule
picks among the person's contacts:

* ``most_recent`` — the value of the contact changed last (``updated_at``);
* ``most_trusted`` — the value of the contact whose last writer is the most trusted
  source (``SOURCE_TRUST``: a person's edit beats an API client's, an agent's and the
  system's), then the most recent;
* ``manual`` — the value of the contact the merge names for that field (``picks``).

Rules and trust are data (``DEFAULT_RULES``; a merge may override any field's rule).
An empty value never wins a recency or trust rule (a manual pick is taken as it
is). The merge's decision record keeps each changed field's
value before, so an unmerge puts them back exactly (refused when a field was edited
since the merge: the later edit is not overwritten).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kith.core.errors import Conflict
from kith.crm.models import Contact

RULES = ("most_recent", "most_trusted", "manual")
DEFAULT_RULES: dict[str, str] = {
    "name": "most_trusted",
    "title": "most_trusted",
    "email": "most_recent",
    "mobile": "most_recent",
    "phone": "most_recent",
    "wechat_id": "most_recent",
    "city": "most_recent",
    "language": "most_recent",
}
FIELDS = tuple(DEFAULT_RULES)
SOURCE_TRUST: dict[str, int] = {"user": 3, "api_key": 2, "agent": 1, "system": 0}


@dataclass(frozen=True)
class Choice:
    field: str
    rule: str
    contact_id: str  # whose value won
    value: Any
    before: Any  # the primary contact's value before the merge


def _filled(value: Any) -> bool:
    return value is not None and value != ""


def plan(
    primary: Contact,
    others: Sequence[Contact],
    rules: Mapping[str, str] | None = None,
    picks: Mapping[str, str] | None = None,
) -> list[Choice]:
    """The fields of ``primary`` that change, with the contact each value comes from."""
    rules = {**DEFAULT_RULES, **(rules or {})}
    picks = dict(picks or {})
    unknown = sorted(set(rules) - set(FIELDS)) + sorted(set(picks) - set(FIELDS))
    if unknown:
        raise Conflict(f"no survivorship for field(s) {', '.join(unknown)}")
    bad = sorted(f for f, r in rules.items() if r not in RULES)
    if bad:
        raise Conflict(f"unknown survivorship rule for {', '.join(bad)}")
    contacts = {c.id: c for c in (primary, *others)}
    for field, contact_id in picks.items():
        if contact_id not in contacts:
            raise Conflict(f"{field}: contact {contact_id} is not one of the merged person's")
        rules[field] = "manual"
    choices = []
    for field in FIELDS:
        rule = rules[field]
        if rule == "manual":
            if field not in picks:
                raise Conflict(f"{field}: a manual pick names the contact whose value wins")
            winner: Contact | None = contacts[picks[field]]
        else:
            winner = _best(rule, [c for c in contacts.values() if _filled(getattr(c, field))])
        if winner is None:
            continue
        value, before = getattr(winner, field), getattr(primary, field)
        if value != before:
            choices.append(Choice(field, rule, winner.id, value, before))
    return choices


def _best(rule: str, candidates: list[Contact]) -> Contact | None:
    if not candidates:
        return None
    if rule == "most_trusted":
        return max(
            candidates,
            key=lambda c: (SOURCE_TRUST.get(c.updated_by_kind, 0), c.updated_at, c.id),
        )
    return max(candidates, key=lambda c: (c.updated_at, c.id))


def record(primary: Contact, choices: Sequence[Choice]) -> dict[str, Any]:
    """What the merge's decision record keeps (``survivor_before["contact"]``)."""
    return {
        "id": primary.id,
        "fields": {
            c.field: {"before": c.before, "after": c.value, "from": c.contact_id, "rule": c.rule}
            for c in choices
        },
    }


def restore(contact: Contact, kept: Mapping[str, Any]) -> dict[str, Any]:
    """The values that put ``contact`` back as before the merge; Conflict if a field
    was edited since (its value is no longer the one the merge wrote)."""
    fields: Mapping[str, Mapping[str, Any]] = kept.get("fields", {})
    edited = sorted(f for f, c in fields.items() if getattr(contact, f) != c["after"])
    if edited:
        raise Conflict(
            f"contact {contact.id} was edited since the merge ({', '.join(edited)}): "
            "undo those edits first or correct the contact by hand"
        )
    return {f: c["before"] for f, c in fields.items()}
