"""Commercial actions: deal stages, campaign enrollment, coupons and refund requests.

Coupons, refunds and enrollments are rows of the gateway's own tables; each also
emits a domain event about the customer record it concerns, so it appears on
that record's timeline and agents can react to it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import func, select

from kith.access import policy
from kith.crm.schemas import Currency, RecordRef
from kith.crm.specs import PATCH_SCHEMAS
from kith.events.types import EventType
from kith.gateway.models import CampaignEnrollment, Coupon, RefundRequest
from kith.gateway.registry import ToolContext, Undo, tool
from kith.gateway.tools.common import emit_about_record, invalid, require_contact

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
PositiveAmount = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2)]


class UpdateDealStageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    deal_id: RecordRef
    stage_id: RecordRef | None = None
    stage_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    lost_reason: Annotated[str, StringConstraints(max_length=200)] | None = None
    version: int | None = None

    @model_validator(mode="after")
    def _names_one_stage(self) -> UpdateDealStageIn:
        if (self.stage_id is None) == (self.stage_name is None):
            raise PydanticCustomError("stage", "give exactly one of stage_id or stage_name")
        return self


class DealStageOut(BaseModel):
    id: str
    stage_id: str
    stage_name: str
    status: str
    probability: int | None
    version: int


class EnrollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    campaign: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    contact_id: RecordRef


class EnrollOut(BaseModel):
    enrollment_id: str
    campaign: str
    contact_id: str
    newly_enrolled: bool


class IssueCouponIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    contact_id: RecordRef
    kind: Literal["discount", "free_gift", "service_voucher"] = "discount"
    value: PositiveAmount
    currency: Currency = "CNY"
    reason: Reason
    valid_days: Annotated[int, Field(ge=1, le=365)] = 30


class CouponOut(BaseModel):
    coupon_id: str
    code: str
    kind: str
    value: Decimal
    currency: str
    expires_at: datetime


class RequestRefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: RecordRef
    amount: PositiveAmount
    reason: Reason


class RefundOut(BaseModel):
    refund_id: str
    order_id: str
    amount: Decimal
    currency: str
    status: str


@tool(
    "deals.update_stage",
    purposes=("sales", "crm_ui", "api"),
    touches=("deal.stage_id",),
    idempotent=True,
    description="Move a deal to a stage of its pipeline (by id or name)",
    undo=Undo("restore_previous", "deal", ("stage_id",)),
)
def update_deal_stage(ctx: ToolContext, args: UpdateDealStageIn) -> DealStageOut:
    deal = ctx.records.get("deal", args.deal_id)
    stages = ctx.records.repo.stages(deal["pipeline_id"])
    stage = next((s for s in stages if s.id == args.stage_id or s.name == args.stage_name), None)
    if stage is None:
        field_name = "stage_id" if args.stage_id else "stage_name"
        raise invalid("no such stage in the deal's pipeline", field_name)
    changes: dict[str, object] = {"stage_id": stage.id}
    if args.lost_reason:
        changes["lost_reason"] = args.lost_reason
    version = args.version if args.version is not None else deal["version"]
    patch = PATCH_SCHEMAS["deal"](version=version, **changes)
    updated = ctx.records.update("deal", args.deal_id, patch)
    return DealStageOut(
        id=updated["id"],
        stage_id=stage.id,
        stage_name=stage.name,
        status=updated["status"],
        probability=updated.get("probability"),
        version=updated["version"],
    )


def record_enrollment(
    ctx: ToolContext, campaign: str, contact_id: str, note: str = "", **detail: str
) -> CampaignEnrollment:
    """Write one enrollment and its ``campaign.enrolled`` event (the caller has checked
    consent through the gateway and that the contact is not enrolled yet)."""
    row = CampaignEnrollment(
        tenant_id=ctx.tenant_id,
        campaign=campaign,
        contact_id=contact_id,
        enrolled_by_kind=ctx.principal.kind,
        enrolled_by_id=ctx.principal.id,
        decision_id=ctx.decision_id,
        created_at=ctx.clock(),
    )
    ctx.uow.session.add(row)
    ctx.uow.session.flush()
    emit_about_record(
        ctx,
        EventType.CAMPAIGN_ENROLLED,
        "contact",
        contact_id,
        f"enrolled in campaign {campaign}{note}",
        campaign=campaign,
        enrollment_id=row.id,
        **detail,
    )
    return row


@tool(
    "campaigns.enroll",
    purposes=("marketing",),
    touches=("campaign",),
    idempotent=True,
    description="Enroll a contact in a marketing campaign (once per campaign)",
)
def enroll_in_campaign(ctx: ToolContext, args: EnrollIn) -> EnrollOut:
    policy.require(ctx.principal, "campaign", "create")
    require_contact(ctx, args.contact_id, "contact_id")
    ctx.about("contact", args.contact_id)
    existing = ctx.uow.session.scalars(
        select(CampaignEnrollment).where(
            CampaignEnrollment.tenant_id == ctx.tenant_id,
            CampaignEnrollment.campaign == args.campaign,
            CampaignEnrollment.contact_id == args.contact_id,
        )
    ).first()
    if existing is not None:
        return EnrollOut(
            enrollment_id=existing.id,
            campaign=args.campaign,
            contact_id=args.contact_id,
            newly_enrolled=False,
        )
    row = record_enrollment(ctx, args.campaign, args.contact_id)
    return EnrollOut(
        enrollment_id=row.id,
        campaign=args.campaign,
        contact_id=args.contact_id,
        newly_enrolled=True,
    )


@tool(
    "coupons.issue",
    purposes=("marketing", "service", "sales"),
    touches=("coupon",),
    risk="medium",
    description=(
        "Issue a coupon, voucher or free gift to a contact (approval needed when the contact's "
        "coupons of the last 30 days add up to more than 500 CNY, converted, or the currency "
        "has no exchange rate)"
    ),
)
def issue_coupon(ctx: ToolContext, args: IssueCouponIn) -> CouponOut:
    policy.require(ctx.principal, "coupon", "create")
    require_contact(ctx, args.contact_id, "contact_id")
    ctx.about("contact", args.contact_id)
    now = ctx.clock()
    expires_at = now + timedelta(days=args.valid_days)
    coupon = Coupon(
        tenant_id=ctx.tenant_id,
        code=f"KC-{secrets.token_hex(5).upper()}",
        contact_id=args.contact_id,
        kind=args.kind,
        value=args.value,
        currency=args.currency,
        reason=args.reason,
        expires_at=expires_at,
        status="issued",
        issued_by_kind=ctx.principal.kind,
        issued_by_id=ctx.principal.id,
        decision_id=ctx.decision_id,
        created_at=now,
    )
    ctx.uow.session.add(coupon)
    ctx.uow.session.flush()
    emit_about_record(
        ctx,
        EventType.COUPON_ISSUED,
        "contact",
        args.contact_id,
        f"{args.kind} {args.value} {args.currency} issued",
        coupon_id=coupon.id,
        kind=args.kind,
        value=str(args.value),
        currency=args.currency,
    )
    return CouponOut(
        coupon_id=coupon.id,
        code=coupon.code,
        kind=coupon.kind,
        value=coupon.value,
        currency=coupon.currency,
        expires_at=expires_at,
    )


@tool(
    "refunds.request",
    purposes=("service", "crm_ui", "api"),
    touches=("refund",),
    risk="high",
    description="Request a refund on an order (always needs a person's approval)",
)
def request_refund(ctx: ToolContext, args: RequestRefundIn) -> RefundOut:
    policy.require(ctx.principal, "refund", "create")
    order = ctx.records.get("order", args.order_id)
    refunded = ctx.uow.session.scalar(
        select(func.coalesce(func.sum(RefundRequest.amount), 0)).where(
            RefundRequest.tenant_id == ctx.tenant_id, RefundRequest.order_id == args.order_id
        )
    )
    if args.amount + Decimal(refunded or 0) > Decimal(order["total"] or 0):
        raise invalid("refunds would exceed the order total", "amount")
    row = RefundRequest(
        tenant_id=ctx.tenant_id,
        order_id=args.order_id,
        amount=args.amount,
        currency=order["currency"],
        reason=args.reason,
        status="requested",
        requested_by_kind=ctx.principal.kind,
        requested_by_id=ctx.principal.id,
        decision_id=ctx.decision_id,
        created_at=ctx.clock(),
    )
    ctx.uow.session.add(row)
    ctx.uow.session.flush()
    ctx.about("order", args.order_id)
    emit_about_record(
        ctx,
        EventType.REFUND_REQUESTED,
        "order",
        args.order_id,
        f"refund {args.amount} {order['currency']} requested",
        refund_id=row.id,
        amount=str(args.amount),
    )
    return RefundOut(
        refund_id=row.id,
        order_id=args.order_id,
        amount=args.amount,
        currency=row.currency,
        status=row.status,
    )
