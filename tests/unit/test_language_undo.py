"""How the language undo reverses a step comes from the undo its tool declares
(``@tool(undo=...)``): created records are deleted, changed fields put back."""

from __future__ import annotations

from typing import Any

import pytest

from kith.gateway.consent import NoConsentLedger
from kith.gateway.gateway import Gateway
from kith.language.service import LanguageService


class Records:
    """What the undo reads: the current version and fields of a record."""

    def __init__(self, **rows: dict[str, Any]) -> None:
        self.rows = rows

    def get(self, object_type: str, record_id: str) -> dict[str, Any]:
        return {"version": 3, **self.rows.get(record_id, {})}


@pytest.fixture
def service() -> LanguageService:
    from kith.bootstrap import wire

    wire()  # the tool modules
    return LanguageService(None, None, Gateway(consent=NoConsentLedger()))  # type: ignore[arg-type]


def inverse(service: LanguageService, step: dict[str, Any], result: dict[str, Any]) -> Any:
    return service._inverse(Records(), step, result)  # type: ignore[arg-type]


def test_created_records_are_deleted(service: LanguageService) -> None:
    task = {"tool": "tasks.create", "args": {"subject": "回访"}}
    assert inverse(service, task, {"output": {"id": "a1"}}) == (
        "records.delete",
        {"object_type": "activity", "record_id": "a1", "version": 3},
    )
    lead = {"tool": "records.create", "args": {"object_type": "lead", "values": {}}}
    assert inverse(service, lead, {"output": {"record": {"id": "l1"}}}) == (
        "records.delete",
        {"object_type": "lead", "record_id": "l1", "version": 3},
    )


def test_changed_fields_are_put_back_as_read_before_the_step(service: LanguageService) -> None:
    records = Records(d1={"stage_id": "s1"}, c1={"title": "CTO", "phone": "1"})
    move = {"tool": "deals.update_stage", "args": {"deal_id": "d1", "stage_id": "s2"}}
    before = service._before(records, move)  # type: ignore[arg-type]
    assert before == {"stage_id": "s1"}
    assert inverse(service, move, {"before": before}) == (
        "deals.update_stage",
        {"deal_id": "d1", "stage_id": "s1"},
    )
    edit = {
        "tool": "records.update",
        "args": {"object_type": "contact", "record_id": "c1", "values": {"title": "CEO"}},
    }
    before = service._before(records, edit)  # type: ignore[arg-type]
    assert before == {"title": "CTO"}
    assert inverse(service, edit, {"before": before}) == (
        "records.update",
        {"object_type": "contact", "record_id": "c1", "version": 3, "values": {"title": "CTO"}},
    )
    unassigned = {"tool": "tickets.assign", "args": {"ticket_id": "t1", "assignee_id": "u2"}}
    assert inverse(service, unassigned, {"before": {"assignee_id": None}}) is None


def test_a_tool_without_undo_is_not_reversible(service: LanguageService) -> None:
    send = {"tool": "messages.send", "args": {"contact_id": "c1"}}
    assert inverse(service, send, {"output": {"id": "m1"}}) is None
    assert service._before(Records(), send) is None  # type: ignore[arg-type]
