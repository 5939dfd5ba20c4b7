"""The tool registry: every action an agent, a person or an integration can take.

A tool is a function ``(ctx: ToolContext, args: In) -> Out`` with pydantic ``In``
and ``Out`` models, registered with ``@tool(...)`` and its annotations (what it
touches, for which purposes, through which channel, how risky). Tools are only
ever run by ``Gateway.execute``, which validates, authorises, checks consent and
risk and records the decision first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, TypeVar, get_args, get_type_hints

from pydantic import BaseModel

from kith.access.principal import Principal
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.channels import ChannelRegistry
from kith.gateway.contracts import RiskLevel

ChannelName = Literal["email", "sms", "app_push", "wechat", "phone"]
CHANNELS: tuple[str, ...] = get_args(ChannelName)
RISK_LEVELS: tuple[str, ...] = get_args(RiskLevel)
# "*" in ``touches`` stands for the object type the call names in ``args.object_type``.
ANY_OBJECT = "*"
S = TypeVar("S")


@dataclass(frozen=True)
class Subject:
    """What a call is about: the record, and the customer it belongs to."""

    subject_type: str | None = None
    subject_id: str | None = None
    account_id: str | None = None
    contact_id: str | None = None


class ToolServices:
    """What the composition root gives the gateway's tools besides the unit of work: objects
    of higher layers the gateway cannot name (e.g. the agents' collaboration hub), found by
    their type. ``kith.bootstrap`` fills it; nothing registers itself here."""

    def __init__(self, *services: object) -> None:
        self._services = services

    def get(self, kind: type[S]) -> S:
        """The service of type ``kind``; ``LookupError`` when this process has none."""
        for service in self._services:
            if isinstance(service, kind):
                return service
        raise LookupError(f"no {kind.__name__} in this process (kith.bootstrap wires it)")


@dataclass
class ToolContext:
    """Everything a tool may use. ``principal`` is the effective principal (an agent's
    rights intersected with the delegating user's), and ``records`` is bound to it."""

    uow: UnitOfWork
    principal: Principal
    records: RecordService
    clock: Callable[[], datetime]
    trigger_event_id: str | None
    channels: ChannelRegistry
    tenant_id: str
    purpose: str
    decision_id: str
    on_behalf_of: Principal | None = None
    subject: Subject | None = field(default=None)
    services: ToolServices = field(default_factory=ToolServices)

    def about(
        self,
        subject_type: str,
        subject_id: str,
        *,
        account_id: str | None = None,
        contact_id: str | None = None,
    ) -> None:
        """Name the record the call acted on, so the decision is listed under it."""
        self.subject = Subject(subject_type, subject_id, account_id, contact_id)


ToolFunction = Callable[[ToolContext, Any], BaseModel]

UndoKind = Literal["delete_created", "restore_previous", "inverse_tool"]


@dataclass(frozen=True)
class Undo:
    """How an executed call is reversed, declared with the tool (``@tool(undo=...)``).

    ``delete_created``: the call created an ``object_type`` record (its id is the output's
    ``id`` or ``record.id``); undo deletes it. ``restore_previous``: the call changed
    ``fields`` of the ``object_type`` record named by ``<object_type>_id``; undo calls the
    same tool with the values read before the call ran. ``object_type`` ``"*"`` is the
    type the call names in ``args.object_type`` (its record in ``args.record_id``; for
    ``restore_previous`` the changed fields are the keys of ``args.values``, put back with
    ``records.update``). ``inverse_tool``: undo calls the tool ``inverse`` with ``fields``
    taken from the call's output (a draft is discarded by its ``message_id``). A tool
    without ``undo`` cannot be undone (a message that reached someone, a coupon, a refund
    in the approval flow)."""

    kind: UndoKind
    object_type: str
    fields: tuple[str, ...] = ()
    inverse: str = ""

    def describe(self) -> str:
        what = "the record" if self.object_type == ANY_OBJECT else f"the {self.object_type}"
        if self.kind == "delete_created":
            return f"delete {what} it created"
        if self.kind == "inverse_tool":
            return f"call {self.inverse} on {what} it created"
        changed = ", ".join(self.fields) or "the fields it changed"
        return f"put back {changed} of {what} as they were before"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    fn: ToolFunction
    input_schema: type[BaseModel]
    output_schema: type[BaseModel]
    description: str
    purposes: tuple[str, ...]
    touches: tuple[str, ...]
    risk: RiskLevel
    read_only: bool
    destructive: bool
    idempotent: bool
    external_effect: bool
    channel: str | None
    undo: Undo | None = None

    @property
    def reversible(self) -> bool:
        return self.undo is not None

    def channel_for(self, args: BaseModel) -> str | None:
        """A sending tool whose input has a ``channel`` field sends where the caller says."""
        if self.channel is None and self.external_effect:
            chosen = getattr(args, "channel", None)
            return chosen if isinstance(chosen, str) else None
        return self.channel

    def touched_objects(self, args: BaseModel) -> list[tuple[str, str | None]]:
        """(object type, field or None) for each entry of ``touches``."""
        out: list[tuple[str, str | None]] = []
        for entry in self.touches:
            object_type, _, field_name = entry.partition(".")
            if object_type == ANY_OBJECT:
                object_type = str(getattr(args, "object_type", ""))
            out.append((object_type, field_name or None))
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "purposes": list(self.purposes),
            "touches": list(self.touches),
            "risk": self.risk,
            "read_only": self.read_only,
            "destructive": self.destructive,
            "idempotent": self.idempotent,
            "external_effect": self.external_effect,
            "channel": self.channel,
            "undo": self.undo.describe() if self.undo is not None else None,
            "input_schema": self.input_schema.model_json_schema(),
            "output_schema": self.output_schema.model_json_schema(),
        }


class ToolRegistry:
    def __init__(self) -> None:
        self._tools: dict[str, ToolSpec] = {}

    def register(self, spec: ToolSpec) -> None:
        if spec.name in self._tools:
            raise ValueError(f"tool {spec.name!r} is already registered")
        self._tools[spec.name] = spec

    def get(self, name: str) -> ToolSpec | None:
        return self._tools.get(name)

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(sorted(self._tools.values(), key=lambda s: s.name))

    def __contains__(self, name: object) -> bool:
        return name in self._tools


REGISTRY = ToolRegistry()

F = TypeVar("F", bound=Callable[..., BaseModel])


def tool(
    name: str,
    *,
    purposes: tuple[str, ...],
    touches: tuple[str, ...],
    risk: RiskLevel = "low",
    read_only: bool = False,
    destructive: bool = False,
    idempotent: bool = False,
    external_effect: bool = False,
    channel: str | None = None,
    description: str = "",
    undo: Undo | None = None,
    registry: ToolRegistry = REGISTRY,
) -> Callable[[F], F]:
    """Register ``fn(ctx, args: In) -> Out`` as a tool; In and Out come from its annotations."""
    if risk not in RISK_LEVELS:
        raise ValueError(f"tool {name}: risk must be one of {RISK_LEVELS}")
    if channel is not None and channel not in CHANNELS:
        raise ValueError(f"tool {name}: channel must be one of {CHANNELS} or None")
    if not purposes:
        raise ValueError(f"tool {name}: declare at least one purpose")
    if undo is not None and (read_only or external_effect):
        raise ValueError(f"tool {name}: only a tool that changes records alone can declare undo")

    def register(fn: F) -> F:
        input_schema, output_schema = _schemas_of(name, fn)
        registry.register(
            ToolSpec(
                name=name,
                fn=fn,
                input_schema=input_schema,
                output_schema=output_schema,
                description=description or inspect.getdoc(fn) or "",
                purposes=tuple(purposes),
                touches=tuple(touches),
                risk=risk,
                read_only=read_only,
                destructive=destructive,
                idempotent=idempotent,
                external_effect=external_effect,
                channel=channel,
                undo=undo,
            )
        )
        return fn

    return register


def _schemas_of(name: str, fn: Callable[..., Any]) -> tuple[type[BaseModel], type[BaseModel]]:
    try:
        hints = get_type_hints(fn)
    except NameError as exc:
        raise TypeError(
            f"tool {name}: cannot resolve its annotations ({exc}); "
            "define the argument and result models at module level"
        ) from exc
    params = list(inspect.signature(fn).parameters)
    if len(params) != 2:
        raise TypeError(f"tool {name}: the function takes (ctx, args)")
    input_schema = hints.get(params[1])
    output_schema = hints.get("return")
    for role, schema in (("args", input_schema), ("return", output_schema)):
        if not (isinstance(schema, type) and issubclass(schema, BaseModel)):
            raise TypeError(f"tool {name}: annotate {role} with a pydantic model")
    return input_schema, output_schema  # type: ignore[return-value]


def message_of(spec: ToolSpec, args: BaseModel) -> dict[str, Any] | None:
    """What a tool that writes messages would send (for ``subject["message"]``)."""
    if not any(t == "message" for t, _ in spec.touched_objects(args)):
        return None
    template = getattr(args, "template", None)
    return {
        "subject": getattr(args, "subject", None),
        "body": getattr(args, "body", None),
        "template_category": getattr(template, "category", None),
        "attachments": [a.kind for a in getattr(args, "attachments", None) or ()],
    }
