"""Registering tools with ``@tool``: schemas from annotations, one name per tool."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from kith.gateway.registry import REGISTRY, ToolContext, ToolRegistry, Undo, tool


class CreateTaskIn(BaseModel):
    subject: str


class CreateTaskOut(BaseModel):
    id: str


def test_the_decorator_records_schemas_and_annotations() -> None:
    registry = ToolRegistry()

    @tool(
        "tasks.demo",
        purposes=("sales", "service"),
        touches=("activity",),
        risk="low",
        read_only=False,
        destructive=False,
        idempotent=False,
        external_effect=False,
        channel=None,
        description="Create a follow-up task",
        registry=registry,
    )
    def create_task(ctx: ToolContext, args: CreateTaskIn) -> CreateTaskOut:
        return CreateTaskOut(id="1")

    described = next(iter(registry)).describe()
    assert described["name"] == "tasks.demo"
    assert described["purposes"] == ["sales", "service"]
    assert described["input_schema"]["required"] == ["subject"]
    assert described["output_schema"]["properties"]["id"]["type"] == "string"
    assert create_task.__name__ == "create_task"  # the function itself is unchanged


def test_bad_registrations_fail_at_import_time() -> None:
    registry = ToolRegistry()

    def register(name: str, **kw: object) -> None:
        @tool(name, purposes=("sales",), touches=(), registry=registry, **kw)  # type: ignore[arg-type]
        def fn(ctx: ToolContext, args: CreateTaskIn) -> CreateTaskOut:
            return CreateTaskOut(id="1")

    register("tasks.one")
    with pytest.raises(ValueError, match="already registered"):
        register("tasks.one")
    with pytest.raises(ValueError, match="risk"):
        register("tasks.two", risk="extreme")
    with pytest.raises(ValueError, match="channel"):
        register("tasks.three", channel="fax")
    with pytest.raises(ValueError, match="undo"):
        register("tasks.five", external_effect=True, undo=Undo("delete_created", "activity"))
    with pytest.raises(TypeError, match="pydantic"):

        @tool("tasks.four", purposes=("sales",), touches=(), registry=registry)
        def untyped(ctx: ToolContext, args: dict) -> CreateTaskOut:  # type: ignore[type-arg]
            return CreateTaskOut(id="1")


def test_the_builtin_catalog_is_complete() -> None:
    from kith.gateway.gateway import Gateway

    names = {spec.name for spec in Gateway().registry}
    assert {
        "records.search",
        "records.get",
        "records.create",
        "records.update",
        "records.delete",
        "tasks.create",
        "notes.add",
        "interactions.log",
        "email.draft",
        "messages.send",
        "meetings.schedule",
        "tickets.create",
        "tickets.assign",
        "tickets.escalate",
        "users.notify",
        "campaigns.enroll",
        "coupons.issue",
        "refunds.request",
        "deals.update_stage",
    } <= names


def test_each_tool_declares_how_it_is_undone() -> None:
    """Reversibility lives on the tool's spec (the language undo reads it): what a tool
    created is deleted, what it changed is put back; anything that reached a person or
    belongs to the approval flow declares no undo."""
    from kith.bootstrap import wire

    wire()  # the composition root imports the tool modules
    undo = {spec.name: spec.undo for spec in REGISTRY if spec.reversible}
    assert undo == {
        "tasks.create": Undo("delete_created", "activity"),
        "notes.add": Undo("delete_created", "activity"),
        "meetings.schedule": Undo("delete_created", "activity"),
        "interactions.log": Undo("delete_created", "interaction"),
        "tickets.create": Undo("delete_created", "ticket"),
        "records.create": Undo("delete_created", "*"),
        "records.update": Undo("restore_previous", "*"),
        "tickets.assign": Undo("restore_previous", "ticket", ("assignee_id",)),
        "deals.update_stage": Undo("restore_previous", "deal", ("stage_id",)),
        # a draft never left Kith: it is discarded
        "email.draft": Undo(
            "inverse_tool", "message", ("message_id",), inverse="email.discard_draft"
        ),
    }
    assert Undo("delete_created", "activity").describe() == "delete the activity it created"
    assert not any(spec.external_effect for spec in REGISTRY if spec.reversible)
