"""The event type registry: every type a producer emits is registered, and the
registry's stored strings are the stable ``<object>.<verb>`` names."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kith.core.event_types import CATALOG, EventType, record_event
from kith.crm.specs import SPECS
from kith.events import catalog
from kith.events.command import events_app
from kith.events.types import Actor, DomainEvent

SRC = Path(__file__).resolve().parents[2] / "src" / "kith"
# Functions whose arguments name an event type: the event itself and the producers'
# helpers that build one.
EMITTERS = {
    "DomainEvent",
    "emit_about_record",
    "approval_event",
    "_announce",
    "_emit",
    "_emit_model",
    "_emit_about_segment",
    "event",  # RuleContext.event
}
TYPE_SHAPE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _emitted_literals() -> list[tuple[str, int, str]]:
    """(file, line, string) for each string literal passed to an emitter."""
    found: list[tuple[str, int, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node) in EMITTERS):
                continue
            args = [*node.args, *(k.value for k in node.keywords if k.arg == "type")]
            for arg in args:
                literal = isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                if literal and TYPE_SHAPE.match(arg.value):
                    found.append((str(path.relative_to(SRC)), node.lineno, arg.value))
    return found


def test_producers_name_event_types_by_their_constants() -> None:
    """No producer spells a type by hand (mypy also holds ``DomainEvent.type`` to
    ``EventType``); a string that slipped in must at least be registered."""
    registered = {t.value for t in EventType}
    literals = _emitted_literals()
    assert [hit for hit in literals if hit[2] not in registered] == []
    assert literals == []


def test_every_record_change_is_registered() -> None:
    for name in SPECS:
        created = ("received", "sent") if name == "interaction" else ("created",)
        for verb in (*created, "updated", "deleted"):
            assert record_event(name, verb).value == f"{name}.{verb}"


def test_the_catalogue_describes_every_type_in_both_languages() -> None:
    assert list(CATALOG) == list(EventType)
    for t, info in CATALOG.items():
        assert info.type is t
        assert TYPE_SHAPE.match(t.value)
        assert info.en.endswith(".") and info.zh.endswith("。")
        assert info.producer


def test_an_unknown_type_is_refused_when_the_event_is_made() -> None:
    common = {"tenant_id": "t", "subject_type": "deal", "subject_id": "d"}
    with pytest.raises(ValueError, match=r"unknown event type 'deal\.stage_change'"):
        DomainEvent(type="deal.stage_change", actor=Actor.system(), **common)
    event = DomainEvent(type="deal.stage_changed", actor=Actor.system(), **common)
    assert event.type is EventType.DEAL_STAGE_CHANGED
    assert event.type == "deal.stage_changed"  # stored as the same string


def test_docs_events_md_lists_the_registry() -> None:
    """Fails on drift: run ``make events-doc`` after changing the registry."""
    document = (SRC.parents[1] / "docs" / "events.md").read_text(encoding="utf-8")
    assert catalog.markdown() in document
    assert catalog.with_generated_section(document) == document


def test_kith_events_types_prints_the_catalogue() -> None:
    result = CliRunner().invoke(events_app, ["types", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [i["type"] for i in items] == [t.value for t in EventType]
    stage = next(i for i in items if i["type"] == "deal.stage_changed")
    assert stage["subject"] == "deal" and stage["producer"] == "crm"
    assert stage["description"]["zh"].startswith("商机")
    assert stage["payload_schema"]["required"] == [
        "from_stage_id",
        "to_stage_id",
        "stage_name",
        "seconds_in_previous",
    ]


def test_the_web_timeline_switches_on_registered_types() -> None:
    """The UI cannot import the constants; what its timeline matches on must exist."""
    script = (SRC / "web" / "static" / "timeline.js").read_text(encoding="utf-8")
    cases = re.findall(r'case "([a-z_]+\.[a-z_]+)":', script)
    assert cases, "timeline.js no longer switches on event types; update this test"
    assert sorted(set(cases) - {t.value for t in EventType}) == []
