"""Enrolling a saved segment's members in a marketing campaign.

Each member goes through the same per-contact consent check as
``campaigns.enroll`` (the privacy ledger, purpose marketing, no channel), and,
because a segment is a bulk audience rather than a person someone chose, a member
must also hold a live marketing grant: members without one are skipped and
listed with the reason, never enrolled.

The caller states the segment's size in ``members`` (what the segment page or the
last refresh showed). The risk rule ``segment_enrollment_over_limit`` reads it, so
more than 200 members wait for a person's approval; the tool refuses to run when
the stated size is not the real one, so the size cannot be understated to dodge
the approval, and an approval covers exactly the audience the approver saw.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select

from kith.access import policy
from kith.core.errors import NotFound
from kith.crm.repository import IN_CHUNK, RecordRepository
from kith.crm.specs import SPECS
from kith.gateway.models import CampaignEnrollment
from kith.gateway.registry import ToolContext, tool
from kith.gateway.tools.commerce import record_enrollment
from kith.gateway.tools.common import invalid
from kith.intelligence.segments.repository import member_ids
from kith.intelligence.segments.service import SegmentService
from kith.privacy.ledger import ConsentLedger

ENROLL_TOOL = "campaigns.enroll"


class EnrollSegmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    segment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    members: Annotated[int, Field(ge=0, description="the segment's size as you saw it")]


class SkippedMember(BaseModel):
    contact_id: str
    reason: str


class EnrollSegmentOut(BaseModel):
    campaign: str
    segment_id: str
    segment: str
    members: int
    enrolled: int
    already_enrolled: int
    enrolled_ids: list[str]
    skipped: list[SkippedMember]


@tool(
    "campaigns.enroll_segment",
    purposes=("marketing",),
    touches=("campaign",),
    idempotent=True,
    description="Enroll every consenting member of a contact segment in a marketing campaign "
    "(members without marketing consent are skipped; over 200 members needs approval)",
)
def enroll_segment(ctx: ToolContext, args: EnrollSegmentIn) -> EnrollSegmentOut:
    policy.require(ctx.principal, "campaign", "create")
    try:
        segment = SegmentService(ctx.uow, ctx.principal, ctx.clock).get(args.segment)
    except NotFound as exc:
        raise invalid("no segment with this id or name", "segment") from exc
    if segment.object_type != "contact":
        raise invalid("only a segment of contacts can be enrolled in a campaign", "segment")
    ids = member_ids(ctx.uow.session, ctx.tenant_id, segment.id)
    if len(ids) != args.members:
        raise invalid(
            f"the segment has {len(ids)} members now, not {args.members}; "
            "check them and call again with that number",
            "members",
        )
    ctx.about("segment", segment.id)
    visible = _readable(ctx, ids)
    enrolled = _enrolled_already(ctx, args.campaign, ids)
    ledger = ConsentLedger(ctx.clock)
    skipped: list[SkippedMember] = []
    added: list[str] = []
    for contact_id in ids:
        if contact_id not in visible:
            skipped.append(SkippedMember(contact_id=contact_id, reason="not readable by you"))
            continue
        if contact_id in enrolled:
            continue
        reason = _consent_refusal(ctx, ledger, contact_id)
        if reason is not None:
            skipped.append(SkippedMember(contact_id=contact_id, reason=reason))
            continue
        record_enrollment(
            ctx, args.campaign, contact_id, f" (segment {segment.name})", segment=segment.name
        )
        added.append(contact_id)
    return EnrollSegmentOut(
        campaign=args.campaign,
        segment_id=segment.id,
        segment=segment.name,
        members=len(ids),
        enrolled=len(added),
        already_enrolled=len(enrolled & set(ids) & visible),
        enrolled_ids=added,
        skipped=skipped,
    )


def _readable(ctx: ToolContext, ids: list[str]) -> set[str]:
    """Members the principal may read: the same row scope as enrolling one contact."""
    spec = SPECS["contact"]
    base = RecordRepository(ctx.uow.session, ctx.principal).scoped(spec, "read")
    found: set[str] = set()
    for start in range(0, len(ids), IN_CHUNK):
        stmt = base.with_only_columns(spec.model.id).where(
            spec.model.id.in_(ids[start : start + IN_CHUNK])
        )
        found.update(ctx.uow.session.scalars(stmt))
    return found


def _enrolled_already(ctx: ToolContext, campaign: str, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), IN_CHUNK):
        stmt = select(CampaignEnrollment.contact_id).where(
            CampaignEnrollment.tenant_id == ctx.tenant_id,
            CampaignEnrollment.campaign == campaign,
            CampaignEnrollment.contact_id.in_(ids[start : start + IN_CHUNK]),
        )
        found.update(ctx.uow.session.scalars(stmt))
    return found


def _consent_refusal(ctx: ToolContext, ledger: ConsentLedger, contact_id: str) -> str | None:
    """Why the member may not be enrolled, or None. The ledger audits its refusals."""
    decision = ledger.check(
        ctx.uow, ctx.principal, ENROLL_TOOL, ctx.purpose, None, {"contact_id": contact_id}
    )
    if not decision.allowed:
        return f"no consent: {decision.reason}"
    if decision.basis is None or not decision.basis.startswith("consent:"):
        return "no marketing consent on record"
    return None
