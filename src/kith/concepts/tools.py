"""Gateway tools of the concepts context (registered by ``kith.bootstrap.wire``):
agents, flows and rules read a customer's concept value, with each indicator's
contribution and why any is left out, through ``concepts.health``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from kith.concepts.health import health
from kith.concepts.schemas import CustomerHealthOut
from kith.crm.schemas import RecordRef
from kith.gateway.registry import ToolContext, tool
from kith.gateway.tools.common import PURPOSES


class HealthIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject_type: Literal["contact", "account"] = "contact"
    subject_id: RecordRef
    concept_key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = (
        "customer_health"
    )


@tool(
    "concepts.health",
    purposes=PURPOSES,
    touches=("contact", "account"),
    read_only=True,
    idempotent=True,
    description="Read a customer's health (or another concept): value, band, each "
    "indicator's contribution, what is missing or stale and why, and the history",
)
def read_health(ctx: ToolContext, args: HealthIn) -> CustomerHealthOut:
    out = health(ctx.uow, ctx.principal, args.subject_type, args.subject_id, args.concept_key)
    ctx.about(args.subject_type, args.subject_id)
    return out
