"""The dispatch agent: on the MES event ``unit.off_line`` (an interaction recorded by the
inbound intake) it proposes the work order (``workorders.propose``) and then asks for the
ranked engineers (``dispatch.recommend``) — two tool calls through the agent runtime, so
each has a decision record with the agent as actor, the agent's role decides what it may
do (an administrator can narrow it or pause the agent), and its hourly budget applies.

It never assigns: a dispatcher does, in the panel or the host system's embedded one.
``kith.bootstrap.wire`` adds it to the agents (``register_builtin_agent``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from kith.agents.sdk import (
    Agent,
    AgentSpec,
    Assessment,
    DataScope,
    Perception,
    ProposedAction,
    StepContext,
    on,
)
from kith.events.envelope import Envelope
from kith.events.types import EventType
from kith.fieldservice.inbound import INBOUND_TYPE, UnitOffLine, proposal_args
from kith.gateway.contracts import ExecutionResult, Factor


def _meta(envelope: Envelope) -> dict[str, Any]:
    record = envelope.payload.get("record")
    meta = record.get("meta") if isinstance(record, dict) else None
    return meta if isinstance(meta, dict) else {}


def is_unit_off_line(envelope: Envelope) -> bool:
    return _meta(envelope).get("event_type") == INBOUND_TYPE


class DispatchAgent(Agent):
    spec = AgentSpec(
        name="dispatch",
        label_zh="派工智能体",
        label_en="Dispatch agent",
        description="Proposes a work order for a unit off the production line and ranks "
        "the field engineers for it (never assigns)",
        scope=DataScope(
            objects={
                "interaction": ("read",),
                "contact": ("read",),
                "account": ("read",),
                "ticket": ("read",),
                "work_order": ("read", "create"),
                "field_resource": ("read",),
            }
        ),
        subscriptions=(on(EventType.INTERACTION_RECEIVED, is_unit_off_line),),
        tools=frozenset({"workorders.propose", "dispatch.recommend"}),
        purpose="service",
        budget_per_hour=600,  # a production line can send a unit a minute
    )

    def perceive(self, ctx: StepContext) -> Perception | None:
        try:
            data = UnitOffLine.model_validate(_meta(ctx.envelope).get("data") or {})
        except ValidationError:
            return None  # the intake validated it; a changed schema is not this agent's to fix
        return Perception(
            summary=f"{data.system}: unit {data.serial} off the line",
            contact_id=ctx.record.get("contact_id"),
            facts={"unit": data},
        )

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        unit: UnitOffLine = perception.facts["unit"]
        return Assessment(
            perception,
            intent="dispatch_installation",
            labels={"kind": unit.kind, "serial": unit.serial},
            factors=(
                Factor("event", INBOUND_TYPE, 1.0, f"{unit.system} reported it off the line"),
            ),
        )

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        unit: UnitOffLine = assessment.perception.facts["unit"]
        args = proposal_args(
            unit, ctx.record.get("contact_id"), ctx.envelope.subject_id, ctx.envelope.occurred_at
        )

        def rank(result: ExecutionResult) -> Sequence[ProposedAction]:
            order = (result.output or {}).get("work_order") or {}
            if not order.get("id"):
                return ()
            return [
                ctx.propose(
                    "dispatch.recommend",
                    {"work_order_id": order["id"]},
                    purpose="service",
                    summary=f"rank the engineers for work order {order.get('number') or ''}",
                    assessment=assessment,
                )
            ]

        return [
            ctx.propose(
                "workorders.propose",
                args,
                purpose="service",
                summary=f"propose the {unit.kind} of {unit.serial}",
                assessment=assessment,
                contact_id=args["contact_id"],
                then=rank,
            )
        ]
