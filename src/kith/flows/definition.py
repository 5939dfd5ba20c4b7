"""A flow definition as data (a JSON document), parsed with pydantic.

A flow is a list of nodes. The first is the ``trigger`` (an event type with a payload
filter, or a manual start); every other node is one of ``condition`` (if/else),
``branch`` (ordered cases and a default), ``tool`` (any gateway tool, arguments from
expressions), ``approval`` (a person approves through the gateway's approval
mechanism, with a timeout), ``wait`` (a duration, or until an event arrives — always
with a timeout) and ``end``. Nodes name their successor(s) by id.

Expressions are CEL (``kith.core.expressions``). In a tool's ``args`` a string that
starts with ``=`` is an expression (``"=event.subject_id"``), anything else a literal;
conditions and filters are expressions without the ``=``. Expressions read:
``event`` (the triggering event: type, subject_type, subject_id, actor_kind,
occurred_at, payload), ``steps`` (node id → {status, output}), ``flow`` (key,
version, run_id, owner_id) and, in a wait's ``match``, ``incoming`` (the arriving event).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NODE_ID = r"^[a-z][a-z0-9_]{0,63}$"
NodeId = Annotated[str, Field(pattern=NODE_ID)]
DURATION = re.compile(r"^\s*(\d{1,6})\s*(s|m|h|d)\s*$")
MAX_DURATION = timedelta(days=366)
EXPRESSION_PREFIX = "="
# what every expression of a run may read
RUN_VARIABLES = ("event", "steps", "flow")


def parse_duration(text: str) -> timedelta | None:
    """``"90s"``, ``"30m"``, ``"2h"``, ``"14d"`` → a timedelta (None if it is none of these)."""
    match = DURATION.match(text or "")
    if match is None:
        return None
    amount, unit = int(match.group(1)), match.group(2)
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    return timedelta(seconds=amount * seconds)


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: NodeId
    title: str | None = Field(default=None, max_length=200)


class TriggerNode(_Node):
    kind: Literal["trigger"]
    on: Literal["event", "manual"] = "event"
    event_type: str | None = Field(default=None, max_length=64)
    filter: str | None = Field(default=None, max_length=4000)
    next: NodeId


class ConditionNode(_Node):
    kind: Literal["condition"]
    when: str = Field(max_length=4000)
    then: NodeId
    otherwise: NodeId = Field(alias="else")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    when: str = Field(max_length=4000)
    next: NodeId


class BranchNode(_Node):
    kind: Literal["branch"]
    cases: list[Case] = Field(min_length=1, max_length=20)
    default: NodeId


class ToolNode(_Node):
    kind: Literal["tool"]
    tool: str = Field(max_length=100)
    purpose: str = Field(default="service", max_length=40)
    args: dict[str, Any] = Field(default_factory=dict)
    next: NodeId
    # where to go when the gateway refuses the call, a person rejects it, or it fails;
    # without it such a run fails (and its owner is told)
    on_error: NodeId | None = None


class ApprovalNode(_Node):
    kind: Literal["approval"]
    question: str = Field(min_length=1, max_length=500)
    timeout: str | None = None  # mandatory; checked by validation with its path
    on_approved: NodeId
    on_rejected: NodeId


class IncomingEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(max_length=64)
    match: str | None = Field(default=None, max_length=4000)


class WaitNode(_Node):
    kind: Literal["wait"]
    duration: str | None = None  # wait this long
    until: str | None = Field(default=None, max_length=4000)  # or until this date (an
    # expression giving an ISO date or date-time, e.g. a record's date field) …
    before: str | None = None  # … less this long (``until`` 2027-03-01, ``before`` 30d)
    until_event: IncomingEvent | None = None  # or until such an event arrives …
    timeout: str | None = None  # … at most this long (mandatory with until_event)
    next: NodeId
    on_timeout: NodeId | None = None  # default: next


class EndNode(_Node):
    kind: Literal["end"]
    outcome: str = Field(default="done", max_length=64)


Node = Annotated[
    TriggerNode | ConditionNode | BranchNode | ToolNode | ApprovalNode | WaitNode | EndNode,
    Field(discriminator="kind"),
]
NODE_KINDS = ("trigger", "condition", "branch", "tool", "approval", "wait", "end")


class FlowDefinition(BaseModel):
    """The whole document (what ``POST /flows`` and ``kith flow validate`` take)."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    nodes: list[Node] = Field(min_length=2, max_length=200)

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    @property
    def trigger(self) -> TriggerNode:
        first = self.nodes[0]
        assert isinstance(first, TriggerNode), "validated: the first node is the trigger"
        return first


def successors(node: Node) -> list[tuple[str, str]]:
    """(field, node id) for every edge out of ``node``."""
    out: list[tuple[str, str]] = []
    if isinstance(node, TriggerNode | ToolNode | WaitNode):
        out.append(("next", node.next))
    if isinstance(node, ConditionNode):
        out += [("then", node.then), ("else", node.otherwise)]
    if isinstance(node, BranchNode):
        out += [(f"cases.{i}.next", c.next) for i, c in enumerate(node.cases)]
        out.append(("default", node.default))
    if isinstance(node, ToolNode) and node.on_error:
        out.append(("on_error", node.on_error))
    if isinstance(node, ApprovalNode):
        out += [("on_approved", node.on_approved), ("on_rejected", node.on_rejected)]
    if isinstance(node, WaitNode) and node.on_timeout:
        out.append(("on_timeout", node.on_timeout))
    return out


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(EXPRESSION_PREFIX)
