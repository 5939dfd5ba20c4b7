"""Where a run goes next: the edge a condition or branch takes (with the values that
chose it), and the edge a wait takes when it ends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.flows.context import compiled
from kith.flows.definition import (
    ApprovalNode,
    BranchNode,
    ConditionNode,
    Node,
    ToolNode,
    WaitNode,
)


def choose_next(
    node: ConditionNode | BranchNode, values: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    """The node a condition or branch leads to, and the values that chose it."""
    if isinstance(node, ConditionNode):
        result = compiled(node.when).test(values)
        return (node.then if result else node.otherwise), {"when": node.when, "value": result}
    seen: list[dict[str, Any]] = []
    for i, case in enumerate(node.cases):
        result = compiled(case.when).test(values)
        seen.append({"case": i, "when": case.when, "value": result})
        if result:
            return case.next, {"cases": seen, "chosen": i}
    return node.default, {"cases": seen, "chosen": "default"}


def after_wait(node: Node, outcome: str) -> tuple[str | None, str]:
    """Where a run goes when the wait at ``node`` ends with ``outcome``, and the step's status."""
    if isinstance(node, WaitNode):
        if outcome == "timeout" and node.until_event is not None:
            return node.on_timeout or node.next, "completed"
        return node.next, "completed"
    if isinstance(node, ApprovalNode):
        return (
            (node.on_approved, "completed")
            if outcome == "done"
            else (node.on_rejected, "completed")
        )
    if isinstance(node, ToolNode):
        return (node.next, "completed") if outcome == "done" else (node.on_error, "failed")
    return None, "failed"
