"""The event type registry: every type a producer emits is registered, and the
registry's stored strings are the stable ``<object>.<verb>`` names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from kith.core.event_types import CATALOG, EventType, record_event
from kith.crm.specs import SPECS
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


def test_every_type_a_producer_spells_is_registered() -> None:
    registered = {t.value for t in EventType}
    unknown = [hit for hit in _emitted_literals() if hit[2] not in registered]
    assert unknown == []


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
