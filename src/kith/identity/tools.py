"""Gateway tools of the identity graph (registered by ``kith.bootstrap.wire``).

* ``identity.merge`` — two persons become one (or a proposed link is confirmed,
  which merges its two ends); refuses a high-risk merge.
* ``identity.merge_high_risk`` — the same for high-value customers or contacts with
  different owners: declared high risk, so it waits for a person's approval.
* ``identity.unmerge`` — undoes a merge exactly, from its decision record.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

from kith.gateway.registry import ToolContext, tool
from kith.identity.merges import MergeService, merge_view
from kith.identity.schemas import SurvivorField, SurvivorRule

Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: Id | None = None
    other_person_id: Id | None = None
    link_id: Id | None = None
    survivor_id: Id | None = None
    reason: Reason = ""
    # Survivorship of contact fields (kith.identity.survivorship): a rule per field,
    # and manual picks (field → the contact whose value wins).
    rules: dict[SurvivorField, SurvivorRule] = {}
    picks: dict[SurvivorField, Id] = {}

    @model_validator(mode="after")
    def _two_persons_or_a_link(self) -> MergeIn:
        if self.link_id is None and not (self.person_id and self.other_person_id):
            raise ValueError("give person_id and other_person_id, or link_id")
        if self.link_id is not None and (self.person_id or self.other_person_id):
            raise ValueError("give either two persons or a link, not both")
        return self


class UnmergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merge_id: Id
    reason: Reason = ""


class MergeOut(BaseModel):
    merge: dict[str, Any] | None  # None: a confirmed link inside one person, nothing moved


def _merge(ctx: ToolContext, args: MergeIn, *, high_risk: bool) -> MergeOut:
    record = MergeService(ctx.uow, ctx.principal, ctx.clock).merge(
        args.person_id,
        args.other_person_id,
        link_id=args.link_id,
        survivor_id=args.survivor_id,
        reason=args.reason,
        high_risk_allowed=high_risk,
        rules={str(k): str(v) for k, v in args.rules.items()},
        picks={str(k): v for k, v in args.picks.items()},
    )
    if record is None:
        return MergeOut(merge=None)
    ctx.about("identity_person", record.survivor_id)
    return MergeOut(merge=merge_view(record))


@tool(
    "identity.merge",
    purposes=("crm_ui", "service", "api"),
    touches=("contact",),
    description="Merge two persons of the identity graph (reversible with identity.unmerge)",
)
def merge(ctx: ToolContext, args: MergeIn) -> MergeOut:
    return _merge(ctx, args, high_risk=False)


@tool(
    "identity.merge_high_risk",
    purposes=("crm_ui", "service", "api"),
    touches=("contact",),
    risk="high",
    description="Merge two persons where one is high-value or their owners differ "
    "(needs approval; reversible with identity.unmerge)",
)
def merge_high_risk(ctx: ToolContext, args: MergeIn) -> MergeOut:
    return _merge(ctx, args, high_risk=True)


@tool(
    "identity.unmerge",
    purposes=("crm_ui", "service", "api"),
    touches=("contact",),
    description="Undo a merge of persons: every identity, link and segment as before",
)
def unmerge(ctx: ToolContext, args: UnmergeIn) -> MergeOut:
    record = MergeService(ctx.uow, ctx.principal, ctx.clock).unmerge(args.merge_id, args.reason)
    ctx.about("identity_person", record.absorbed_id)
    return MergeOut(merge=merge_view(record))
