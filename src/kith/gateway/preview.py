"""``Gateway.preview``: what ``Gateway.execute`` would do with a call — allowed, waiting
for a person's approval, or refused, and under which rule — found without running the
tool or writing anything (no decision record, approval, idempotency key, audit entry or
event, and no risk rules seeded). The planner, the web command bar, flows and
``POST /api/v1/gateway/preview`` ask it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from kith.access.principal import Principal
from kith.core.errors import KithError
from kith.db.uow import UnitOfWork
from kith.gateway.authz import Refusal, effective_principal, refuse
from kith.gateway.authz import authorise as authorise_call
from kith.gateway.calls import Call, describe, parse_args, waiting_reason
from kith.gateway.contracts import ConsentDecision, Origin, RiskLevel
from kith.gateway.decisions import subject_from_args, with_customer

if TYPE_CHECKING:
    from kith.gateway.gateway import Gateway

PreviewStatus = Literal["allowed", "needs_approval", "refused"]


@dataclass(frozen=True)
class Preview:
    """What ``Gateway.execute`` would do with a call, found without running the tool or
    writing anything. ``status``: allowed (it would run), needs_approval (it would wait
    for a person), refused (and ``reasons[0]`` says why). ``risk_level`` and the rule come
    from the risk policy, which is applied whenever the arguments are valid and the caller
    may use the tool (so ``would_wait`` is known even for a call consent refuses).
    ``reversible``: the tool declares how an executed call is undone (``@tool(undo=...)``);
    None when the tool is unknown."""

    status: PreviewStatus
    tool: str
    reasons: tuple[str, ...] = ()
    errors: tuple[dict[str, Any], ...] = ()
    risk_level: RiskLevel | None = None
    rule_id: str | None = None
    rule_name: str | None = None
    approver_role: str | None = None
    consent_allowed: bool | None = None
    consent_reason: str | None = None
    consent_basis: str | None = None
    reversible: bool | None = None

    @property
    def would_wait(self) -> bool:
        """The risk policy asks a person to approve the call."""
        return self.risk_level == "high"


def preview_call(
    gateway: Gateway,
    uow: UnitOfWork,
    principal: Principal,
    tool: str,
    args: Mapping[str, Any],
    *,
    purpose: str,
    on_behalf_of: Principal | None = None,
    origin: Origin = "direct",
) -> Preview:
    """The checks of ``execute`` (arguments, permission, the recipient, consent, risk),
    in its order, answered without writing."""
    call = Call(
        principal=principal,
        tool=tool,
        args=args,
        purpose=purpose,
        on_behalf_of=on_behalf_of,
        origin=origin,
    )
    reversible: bool | None = None
    try:
        spec = gateway._spec(tool)
        reversible = spec.reversible
        parsed = parse_args(spec, args)
        acting = effective_principal(principal, on_behalf_of)
        authorise_call(spec, acting, purpose, parsed, on_behalf_of)
    except Refusal as refusal:
        return refused_preview(tool, [refusal.error], reversible)
    args_json = parsed.model_dump(mode="json", exclude_unset=True)
    refusals: list[KithError] = []
    consent: ConsentDecision | None = None
    try:
        gateway._check_recipient(uow, spec, acting, parsed)
    except Refusal as refusal:
        refusals.append(refusal.error)
    else:
        subject = with_customer(uow, principal.tenant_id, subject_from_args(args_json))
        consent = gateway._consent(uow, spec, acting, call, parsed, subject, quiet=True)
        if not consent.allowed:
            refusals.append(refuse(f"no consent: {consent.reason}").error)
    assessment = gateway._assess(uow, spec, call, parsed, args_json, seed=False)
    if refusals:
        status: PreviewStatus = "refused"
        reasons = [describe(e) for e in refusals]
    elif assessment.needs_approval:
        status, reasons = "needs_approval", [waiting_reason(assessment)]
    else:
        status, reasons = "allowed", []
    if consent is not None and consent.allowed:
        reasons.append(f"consent: {consent.reason}")
    return Preview(
        status=status,
        tool=tool,
        reasons=tuple(reasons),
        errors=tuple(err.as_dict() for e in refusals for err in e.errors),
        risk_level=assessment.level,
        rule_id=assessment.rule_id,
        rule_name=assessment.rule_name,
        approver_role=assessment.approver_role if assessment.needs_approval else None,
        consent_allowed=consent.allowed if consent is not None else None,
        consent_reason=consent.reason if consent is not None else None,
        consent_basis=consent.basis if consent is not None else None,
        reversible=reversible,
    )


def refused_preview(tool: str, errors: list[KithError], reversible: bool | None = None) -> Preview:
    return Preview(
        status="refused",
        tool=tool,
        reasons=tuple(describe(e) for e in errors),
        errors=tuple(err.as_dict() for e in errors for err in e.errors),
        reversible=reversible,
    )
