"""The gateway tool behind a flow's approval node: ``flows.approval`` is high risk, so
the gateway's risk policy holds every call for a person (the approver role of the
rule, a manager by default) — the same approval inbox, expiry and audit as any other
held call. Approving runs it (it only says yes); the flows consumer then resumes the
run on ``on_approved``, a rejection on ``on_rejected``."""

from __future__ import annotations

from pydantic import BaseModel, Field

from kith.gateway.registry import ToolContext, tool


class ApprovalIn(BaseModel):
    run_id: str = Field(max_length=32)
    node_id: str = Field(max_length=64)
    question: str = Field(min_length=1, max_length=500)


class ApprovalOut(BaseModel):
    approved: bool
    run_id: str
    node_id: str


@tool(
    "flows.approval",
    purposes=("service", "sales", "marketing"),
    touches=("flow",),
    risk="high",
    description="A flow asks a person to approve before it goes on (an approval node).",
)
def approve_flow_step(ctx: ToolContext, args: ApprovalIn) -> ApprovalOut:
    ctx.about("flow_run", args.run_id)
    return ApprovalOut(approved=True, run_id=args.run_id, node_id=args.node_id)
