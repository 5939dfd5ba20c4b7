"""Checking a flow definition before it is saved, simulated or published.

Every problem is reported at once, each with the path of the field it concerns
(``nodes[3].args.assignee`` is ``["nodes", 3, "args", "assignee"]``): the document's
shape (pydantic), the graph (one trigger first, every edge to a node that exists,
every node reachable, no cycle without a wait or an approval in it), the tools (known,
their arguments known and the required ones given, a tool the owner may use for the
node's purpose), the expressions (each compiles as CEL over the variables it may
read) and the waits (a duration or an event, always with a timeout).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from kith.access.principal import Principal
from kith.core.errors import FieldError, KithError, ValidationFailed
from kith.core.event_types import EventType
from kith.core.expressions import compile_expression
from kith.flows.definition import (
    MAX_DURATION,
    NODE_KINDS,
    RUN_VARIABLES,
    ApprovalNode,
    BranchNode,
    ConditionNode,
    FlowDefinition,
    Node,
    ToolNode,
    TriggerNode,
    WaitNode,
    is_expression,
    parse_duration,
    successors,
)
from kith.gateway.authz import Refusal, authorise, effective_principal
from kith.gateway.registry import REGISTRY, ToolRegistry

Path = list[str | int]
# a flow is not triggered by, and does not wait for, flows' own events (no loops)
EVENT_TYPES = frozenset(t.value for t in EventType if not t.value.startswith("flow."))


def parse_definition(raw: Any) -> FlowDefinition:
    """The document as a ``FlowDefinition``; ``ValidationFailed`` with paths otherwise."""
    if not isinstance(raw, Mapping):
        raise ValidationFailed("a flow is a JSON object", [FieldError([], "must be an object")])
    try:
        return FlowDefinition.model_validate(raw)
    except ValidationError as exc:
        errors = [FieldError(_clean(err["loc"]), err["msg"], err["type"]) for err in exc.errors()]
        raise ValidationFailed("the flow definition is not valid", errors) from None


def _clean(loc: Iterable[Any]) -> Path:
    """pydantic's location without the discriminator tag it inserts after a node index."""
    out: Path = []
    previous: Any = None
    for part in loc:
        if isinstance(previous, int) and part in NODE_KINDS and out[:1] == ["nodes"]:
            previous = part
            continue
        out.append(part if isinstance(part, int) else str(part))
        previous = part
    return out


def validate_definition(
    raw: Any, owner: Principal | None, *, registry: ToolRegistry = REGISTRY
) -> FlowDefinition:
    """The parsed definition when it can be published; ``ValidationFailed`` listing every
    problem otherwise. ``owner``: whose rights the tool steps run with (None: the owner
    no longer may act, and every tool step is refused)."""
    flow = parse_definition(raw)
    errors = list(_graph_errors(flow))
    for index, node in enumerate(flow.nodes):
        errors += _node_errors(index, node, owner, registry)
    if errors:
        raise ValidationFailed(f"the flow has {len(errors)} problem(s)", errors)
    return flow


# --- the graph ---------------------------------------------------------------------


def _graph_errors(flow: FlowDefinition) -> list[FieldError]:
    errors: list[FieldError] = []
    index_of: dict[str, int] = {}
    for i, node in enumerate(flow.nodes):
        if node.id in index_of:
            errors.append(FieldError(["nodes", i, "id"], f"node id {node.id!r} is used twice"))
        index_of.setdefault(node.id, i)
        if isinstance(node, TriggerNode) and i != 0:
            errors.append(FieldError(["nodes", i, "kind"], "only the first node is a trigger"))
    if not isinstance(flow.nodes[0], TriggerNode):
        errors.append(FieldError(["nodes", 0, "kind"], "the first node must be the trigger"))
    edges: dict[str, list[str]] = {}
    for i, node in enumerate(flow.nodes):
        for field_name, target in successors(node):
            if target not in index_of:
                errors.append(
                    FieldError(["nodes", i, *_split(field_name)], f"no node with id {target!r}")
                )
            elif isinstance(flow.nodes[index_of[target]], TriggerNode):
                errors.append(
                    FieldError(["nodes", i, *_split(field_name)], "cannot go back to the trigger")
                )
            else:
                edges.setdefault(node.id, []).append(target)
    if errors:
        return errors
    reached = _reachable(flow.nodes[0].id, edges)
    for i, node in enumerate(flow.nodes):
        if node.id not in reached:
            errors.append(FieldError(["nodes", i], f"node {node.id!r} can never be reached"))
    pausing = {n.id for n in flow.nodes if isinstance(n, WaitNode | ApprovalNode)}
    for cycle in _cycles(edges):
        if not pausing & set(cycle):
            first = min(index_of[n] for n in cycle)
            path = " → ".join([*cycle, cycle[0]])
            errors.append(
                FieldError(
                    ["nodes", first],
                    f"cycle without a wait or an approval: {path} would loop forever",
                    "cycle",
                )
            )
    return errors


def _split(field_name: str) -> Path:
    return [int(p) if p.isdigit() else p for p in field_name.split(".")]


def _reachable(start: str, edges: Mapping[str, list[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def _cycles(edges: Mapping[str, list[str]]) -> list[list[str]]:
    """The strongly connected components that contain a cycle (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    nodes = list(dict.fromkeys([*edges, *(t for ts in edges.values() for t in ts)]))
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = edges.get(node, [])
            if child < len(targets):
                work.append((node, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            if low[node] == index[node]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in edges.get(node, []):
                    found.append(list(reversed(component)))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


# --- the nodes ---------------------------------------------------------------------


def _node_errors(
    index: int, node: Node, owner: Principal | None, registry: ToolRegistry
) -> list[FieldError]:
    at: Path = ["nodes", index]
    errors: list[FieldError] = []
    if isinstance(node, TriggerNode):
        errors += _trigger_errors(at, node)
    elif isinstance(node, ConditionNode):
        errors += _expression_errors(node.when, [*at, "when"])
    elif isinstance(node, BranchNode):
        for i, case in enumerate(node.cases):
            errors += _expression_errors(case.when, [*at, "cases", i, "when"])
    elif isinstance(node, ToolNode):
        errors += _tool_errors(at, node, owner, registry)
    elif isinstance(node, ApprovalNode):
        errors += _duration_errors(node.timeout, [*at, "timeout"], required=True)
    elif isinstance(node, WaitNode):
        errors += _wait_errors(at, node)
    return errors


def _trigger_errors(at: Path, node: TriggerNode) -> list[FieldError]:
    errors: list[FieldError] = []
    if node.on == "event":
        if not node.event_type:
            errors.append(FieldError([*at, "event_type"], "an event trigger names its event type"))
        elif node.event_type not in EVENT_TYPES:
            errors.append(
                FieldError([*at, "event_type"], f"unknown event type {node.event_type!r}")
            )
    if node.filter:
        errors += _expression_errors(node.filter, [*at, "filter"])
    return errors


def _wait_errors(at: Path, node: WaitNode) -> list[FieldError]:
    given = [k for k in ("duration", "until", "until_event") if getattr(node, k) is not None]
    if len(given) != 1:
        message = "a wait has exactly one of duration, until (a date) or until_event"
        return [FieldError(at, message, "wait")]
    if node.duration is not None:
        return _duration_errors(node.duration, [*at, "duration"], required=True)
    if node.until is not None:
        errors = _expression_errors(node.until, [*at, "until"])
        return errors + _duration_errors(node.before, [*at, "before"], required=False)
    assert node.until_event is not None
    errors = _duration_errors(node.timeout, [*at, "timeout"], required=True)
    if node.until_event.type not in EVENT_TYPES:
        message = f"unknown event type {node.until_event.type!r}"
        errors.append(FieldError([*at, "until_event", "type"], message))
    if node.until_event.match:
        errors += _expression_errors(
            node.until_event.match, [*at, "until_event", "match"], extra=("incoming",)
        )
    return errors


def _duration_errors(text: str | None, path: Path, *, required: bool) -> list[FieldError]:
    if text is None:
        if required:
            return [FieldError(path, "required: a wait never waits forever", "timeout")]
        return []
    duration = parse_duration(text)
    if duration is None or duration.total_seconds() <= 0:
        return [FieldError(path, "a duration such as 90s, 30m, 2h or 14d", "duration")]
    if duration > MAX_DURATION:
        return [FieldError(path, "at most 366 days", "duration")]
    return []


def _expression_errors(source: str, path: Path, extra: tuple[str, ...] = ()) -> list[FieldError]:
    try:
        compile_expression(source, RUN_VARIABLES + extra, path=path)
    except ValidationFailed as exc:
        return list(exc.errors)
    return []


def _tool_errors(
    at: Path, node: ToolNode, owner: Principal | None, registry: ToolRegistry
) -> list[FieldError]:
    spec = registry.get(node.tool)
    if spec is None:
        return [FieldError([*at, "tool"], f"no tool named {node.tool!r}", "unknown_tool")]
    errors: list[FieldError] = []
    fields = spec.input_schema.model_fields
    for name, value in node.args.items():
        if name not in fields:
            errors.append(FieldError([*at, "args", name], f"{node.tool} has no argument {name!r}"))
        elif is_expression(value):
            errors += _expression_errors(value[1:], [*at, "args", name])
    for name, info in fields.items():
        if info.is_required() and name not in node.args:
            errors.append(FieldError([*at, "args", name], "required by the tool"))
    if owner is None:
        errors.append(FieldError([*at, "tool"], "the flow's owner may no longer act"))
        return errors
    literal = {k: v for k, v in node.args.items() if not is_expression(v)}
    try:
        authorise(
            spec,
            effective_principal(owner, None),
            node.purpose,
            spec.input_schema.model_construct(**literal),
        )
    except Refusal as refusal:
        reason = refusal.error.detail if isinstance(refusal.error, KithError) else str(refusal)
        where = "purpose" if "purpose" in reason and node.purpose not in spec.purposes else "tool"
        errors.append(FieldError([*at, where], f"the owner may not use this tool: {reason}"))
    return errors
