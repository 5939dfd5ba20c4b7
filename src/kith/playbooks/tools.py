"""Gateway tools of the playbooks context (registered by ``kith.bootstrap.wire``):
``practices.recommend`` — the practices for situations like a deal's, with their
rationale — which the Sales agent reads as a suggestion."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from kith.access import policy
from kith.gateway.registry import ToolContext, tool
from kith.playbooks.recommend import recommend


class RecommendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deal_id: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    limit: int = Field(default=5, ge=1, le=20)


class RecommendOut(BaseModel):
    deal_id: str
    practices: list[dict[str, Any]]


@tool(
    "practices.recommend",
    purposes=("sales", "crm_ui", "api"),
    touches=("deal",),
    read_only=True,
    idempotent=True,
    description="Published practices for situations like this deal's, ranked by similarity "
    "and measured effect, each with its rationale",
)
def recommend_practices(ctx: ToolContext, args: RecommendIn) -> RecommendOut:
    policy.require(ctx.principal, "practice", "read")
    ctx.records.get("deal", args.deal_id)  # the caller may see the deal
    ctx.about("deal", args.deal_id)
    items = recommend(ctx.uow.session, ctx.tenant_id, args.deal_id, args.limit)
    return RecommendOut(deal_id=args.deal_id, practices=items)
