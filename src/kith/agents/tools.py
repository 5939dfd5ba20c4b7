"""Tools the agents context offers to the gateway."""

from __future__ import annotations

from kith.agents.collaboration import AnalysisRequest, AnalysisResult, CollaborationHub
from kith.gateway.registry import ToolContext, tool


@tool(
    "agents.request_analysis",
    purposes=("service", "sales", "marketing", "analytics"),
    touches=(),
    description=(
        "Ask another agent (e.g. product_insight) for an analysis and wait for its answer, "
        "up to timeout_ms."
    ),
)
def request_analysis(ctx: ToolContext, args: AnalysisRequest) -> AnalysisResult:
    hub = ctx.services.get(CollaborationHub)  # the container's (kith.bootstrap)
    return hub.ask(ctx.uow, ctx.principal, args, ctx.on_behalf_of)
