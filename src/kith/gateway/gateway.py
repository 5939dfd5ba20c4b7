"""``Gateway.execute``: the one governed door every tool call goes through.

In order: validate the arguments against the tool's schema; compute the
effective principal (an agent's rights ∩ the delegating person's) and check the
tool's purpose and touched objects; return the first result for a repeated
idempotency key; ask the consent hook; apply the risk policy (high risk becomes
an approval request); run the tool; write the decision record and an audit entry.

The gateway never commits. The tool runs inside a SAVEPOINT of the caller's
unit of work: when it fails, its changes (and the domain events it emitted) are
rolled back to that savepoint while the decision record of the failure stays in
the transaction. Callers therefore commit after ``execute`` whatever the status
— the commit persists either the tool's effects or only the refusal/failure
record — and then report the outcome (``result.raise_for_outcome()`` re-raises
the original error for HTTP and CLI callers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from pydantic import BaseModel
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from kith.access.principal import Principal
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.errors import FieldError, KithError, NotFound, PermissionDenied, ValidationFailed
from kith.crm.masking import mask_value
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.db.errors import domain_error
from kith.db.uow import UnitOfWork
from kith.events.types import EventType
from kith.gateway import keys, risk
from kith.gateway.authz import Refusal, effective_principal, refuse
from kith.gateway.authz import authorise as authorise_call
from kith.gateway.calls import (
    Approved,
    Call,
    checked_output,
    consent_subject,
    describe,
    digest,
    note_approval,
    parse_args,
    summarise_output,
    waiting_reason,
)
from kith.gateway.channels import ChannelRegistry
from kith.gateway.consent import default_consent
from kith.gateway.contracts import (
    ConsentDecision,
    ConsentHook,
    ExecutionResult,
    Origin,
    Rationale,
)
from kith.gateway.decisions import (
    finish_decision,
    new_decision,
    open_decision,
    rationale_snapshot,
    set_subject,
    subject_from_args,
    to_json,
    with_customer,
)
from kith.gateway.events import approval_event
from kith.gateway.models import ApprovalRequest, DecisionRecord, IdempotencyKey
from kith.gateway.notify import notify_users_with_role
from kith.gateway.preview import Preview, preview_call
from kith.gateway.registry import (
    REGISTRY,
    Subject,
    ToolContext,
    ToolRegistry,
    ToolServices,
    ToolSpec,
)

__all__ = ["Approved", "Call", "Gateway", "GatewayResult", "Preview", "gateway_of"]


@dataclass(frozen=True)
class GatewayResult(ExecutionResult):
    """An ``ExecutionResult`` that also carries the original error and its field paths."""

    errors: tuple[dict[str, Any], ...] = ()
    error: BaseException | None = field(default=None, compare=False, repr=False)

    def raise_for_outcome(self) -> None:
        """Re-raise what refused or failed the call (HTTP/CLI callers, after committing)."""
        if self.error is not None:
            raise self.error


class _DuplicateKey(Exception):
    pass


class Gateway:
    """The door. ``consent`` is the consent hook (default: the privacy context's consent
    ledger); ``channels`` the message adapters; ``clock`` stamps decisions and expiry;
    ``services`` what tools may use besides the unit of work (the agents' hub).

    A process has one, built by ``kith.bootstrap.build_container`` and read with
    ``gateway_of(container)``; tests may build their own."""

    def __init__(
        self,
        *,
        registry: ToolRegistry = REGISTRY,
        consent: ConsentHook | None = None,
        channels: ChannelRegistry | None = None,
        clock: Callable[[], datetime] = utcnow,
        services: ToolServices | None = None,
    ) -> None:
        self.registry = registry
        self.consent: ConsentHook = consent or default_consent(clock)
        self.channels = channels or ChannelRegistry.from_environment()
        self.clock = clock
        self.services = services or ToolServices()

    def execute(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool: str,
        args: Mapping[str, Any],
        *,
        purpose: str,
        on_behalf_of: Principal | None = None,
        idempotency_key: str | None = None,
        trigger_event_id: str | None = None,
        rationale: Rationale | None = None,
        origin: Origin = "direct",
    ) -> GatewayResult:
        """Run one call (module docstring). ``origin="language"``: the call comes from a
        plan made from text, and a destructive tool waits for a person's approval."""
        call = Call(
            principal=principal,
            tool=tool,
            args=args,
            purpose=purpose,
            on_behalf_of=on_behalf_of,
            idempotency_key=idempotency_key,
            trigger_event_id=trigger_event_id,
            rationale=rationale_snapshot(rationale),
            origin=origin,
        )
        return self._run(uow, call, None)

    def preview(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool: str,
        args: Mapping[str, Any],
        *,
        purpose: str,
        on_behalf_of: Principal | None = None,
        origin: Origin = "direct",
    ) -> Preview:
        """Would this call be allowed, wait for approval, or be refused — and under which
        rule? The checks of ``execute`` without running the tool and without writing
        anything (``kith.gateway.preview``)."""
        return preview_call(
            self,
            uow,
            principal,
            tool,
            args,
            purpose=purpose,
            on_behalf_of=on_behalf_of,
            origin=origin,
        )

    def execute_approved(self, uow: UnitOfWork, call: Call, approved: Approved) -> GatewayResult:
        """Run a call a person approved: every check again except the risk policy."""
        return self._run(uow, call, approved)

    def refuse_approved(
        self, uow: UnitOfWork, call: Call, approved: Approved, reason: str
    ) -> GatewayResult:
        """An approved call that can no longer run (its requester may not act any more)."""
        decision = self._new_decision(call, approved)
        return self._finish(uow, decision, "refused", error=PermissionDenied(reason))

    # --- the pipeline -------------------------------------------------------------

    def _new_decision(self, call: Call, approved: Approved | None) -> DecisionRecord:
        decision = new_decision(
            call.principal,
            at=self.clock(),
            on_behalf_of=call.on_behalf_of,
            tool=call.tool,
            purpose=call.purpose,
            args=call.args,
            rationale=call.rationale,
            trigger_event_id=call.trigger_event_id,
        )
        decision.idempotency_key = call.idempotency_key
        if approved is not None:
            note_approval(decision, approved)
        return decision

    def _run(self, uow: UnitOfWork, call: Call, approved: Approved | None) -> GatewayResult:
        decision = self._new_decision(call, approved)
        # The checks before the tool only read. The decision row is written (``running``,
        # with its subject, consent and risk) just before the first savepoint — the tool's,
        # or the key claim of an approval request — so that savepoint never opens the
        # transaction: on SQLite (pysqlite) a SAVEPOINT that opens it would commit on
        # release, outside the caller's unit of work, and a transaction that read before
        # its first write can fail with "database is locked" instead of waiting. A call
        # refused before that point writes its decision once, finished.
        try:
            return self._checked_run(uow, call, approved, decision)
        except Refusal as refusal:
            return self._finish(uow, decision, "refused", error=refusal.error)

    def _checked_run(
        self, uow: UnitOfWork, call: Call, approved: Approved | None, decision: DecisionRecord
    ) -> GatewayResult:
        spec = self._spec(call.tool)
        args = parse_args(spec, call.args)
        args_json = args.model_dump(mode="json", exclude_unset=True)
        decision.args = mask_value(args_json)
        tenant_id = call.principal.tenant_id
        subject = with_customer(uow, tenant_id, subject_from_args(args_json))
        set_subject(decision, subject)
        principal = effective_principal(call.principal, call.on_behalf_of)
        authorise_call(spec, principal, call.purpose, args, call.on_behalf_of)
        if approved is None and call.idempotency_key:
            first = self._first_use(uow, call)
            if first is not None:
                return self._duplicate(uow, decision, call, first, args_json)
        self._check_recipient(uow, spec, principal, args)
        self._check_consent(uow, spec, principal, call, args, subject, decision)
        if approved is None:
            assessment = self._assess(uow, spec, call, args, args_json)
            decision.risk_level = assessment.level
            decision.risk_rule_id = assessment.rule_id
            if assessment.needs_approval:
                try:
                    return self._request_approval(uow, call, args_json, assessment, decision)
                except _DuplicateKey:
                    return self._duplicate_of_concurrent(uow, decision, call, args_json)
        return self._run_tool(uow, spec, args, args_json, call, principal, decision)

    def _spec(self, name: str) -> ToolSpec:
        spec = self.registry.get(name)
        if spec is None:
            raise Refusal(NotFound(f"no tool named {name!r}"))
        return spec

    def _check_recipient(
        self, uow: UnitOfWork, spec: ToolSpec, principal: Principal, args: BaseModel
    ) -> None:
        """A call that reaches a person names a contact that exists in the tenant and that the
        caller may read — checked before consent and risk, so an unknown id is a 422 now
        rather than a first-contact approval that fails when approved."""
        contact_id = getattr(args, "contact_id", None)
        if not spec.external_effect or not contact_id:
            return
        try:
            RecordService(uow, principal, self.clock).load(SPECS["contact"], contact_id, "read")
        except NotFound as exc:
            message = "no contact with this id"
            raise Refusal(
                ValidationFailed(message, [FieldError(["args", "contact_id"], message)])
            ) from exc
        except PermissionDenied as exc:
            raise Refusal(exc) from exc

    def _check_consent(
        self,
        uow: UnitOfWork,
        spec: ToolSpec,
        principal: Principal,
        call: Call,
        args: BaseModel,
        subject: Subject,
        decision: DecisionRecord,
    ) -> None:
        consent = self._consent(uow, spec, principal, call, args, subject, quiet=False)
        decision.consent_allowed = consent.allowed
        decision.consent_reason = consent.reason
        decision.consent_basis = consent.basis
        if not consent.allowed:
            raise refuse(f"no consent: {consent.reason}")

    def _consent(
        self,
        uow: UnitOfWork,
        spec: ToolSpec,
        principal: Principal,
        call: Call,
        args: BaseModel,
        subject: Subject,
        *,
        quiet: bool,
    ) -> ConsentDecision:
        """The consent hook's answer; ``quiet`` (a preview) asks ``decide``, which writes
        nothing, instead of ``check``."""
        ask = self.consent.decide if quiet else self.consent.check
        return ask(
            uow,
            principal,
            spec.name,
            call.purpose,
            spec.channel_for(args),
            consent_subject(subject, args, spec),
        )

    def _assess(
        self,
        uow: UnitOfWork,
        spec: ToolSpec,
        call: Call,
        args: BaseModel,
        args_json: dict[str, Any],
        *,
        seed: bool = True,
    ) -> risk.RiskAssessment:
        tenant_id = call.principal.tenant_id
        channel = spec.channel_for(args)
        facts = {
            "tool": spec.name,
            "purpose": call.purpose,
            "args": args_json,
            "actor_kind": call.principal.kind,
            "external_effect": spec.external_effect,
            "channel": channel,
            "new_recipient": spec.external_effect
            and risk.is_new_recipient(uow.session, tenant_id, channel, args_json),
            "amount": risk.amount_facts(uow.session, tenant_id, spec.name, args, self.clock()),
        }
        assessment = risk.assess(uow.session, tenant_id, spec.name, spec.risk, facts, seed=seed)
        return risk.for_origin(assessment, call.origin, destructive=spec.destructive)

    # --- outcomes --------------------------------------------------------------------

    def _run_tool(
        self,
        uow: UnitOfWork,
        spec: ToolSpec,
        args: BaseModel,
        args_json: dict[str, Any],
        call: Call,
        principal: Principal,
        decision: DecisionRecord,
    ) -> GatewayResult:
        ctx = ToolContext(
            uow=uow,
            principal=principal,
            records=RecordService(uow, principal, self.clock),
            clock=self.clock,
            trigger_event_id=call.trigger_event_id,
            channels=self.channels,
            tenant_id=principal.tenant_id,
            purpose=call.purpose,
            decision_id=decision.id,
            on_behalf_of=call.on_behalf_of,
            services=self.services,
        )
        open_decision(uow, decision)
        # Events the tool emits must vanish with its rolled-back changes.
        emitted_before = uow.event_mark()
        try:
            with uow.session.begin_nested():
                # Inside the tool's savepoint: a concurrent claim rolls that back.
                key = (
                    self._reserve_key(uow, call, args_json, decision, savepoint=False)
                    if call.idempotency_key
                    else None
                )
                output = to_json(checked_output(spec, spec.fn(ctx, args)).model_dump())
                uow.session.flush()
                if key is not None:
                    self._settle_key(uow, key, status="executed", output=output)
        except _DuplicateKey:
            uow.discard_events_since(emitted_before)
            return self._duplicate_of_concurrent(uow, decision, call, args_json)
        except Exception as exc:  # any tool error is a recorded failure, not a crash
            uow.discard_events_since(emitted_before)
            error = domain_error(exc)  # no SQL or bound values in the reason or the response
            status = "refused" if isinstance(error, PermissionDenied) else "failed"
            return self._finish(uow, decision, status, error=error)
        if ctx.subject is not None:
            set_subject(decision, with_customer(uow, principal.tenant_id, ctx.subject))
        decision.output = summarise_output(output)
        return self._finish(uow, decision, "executed", output=output)

    def _request_approval(
        self,
        uow: UnitOfWork,
        call: Call,
        args_json: dict[str, Any],
        assessment: risk.RiskAssessment,
        decision: DecisionRecord,
    ) -> GatewayResult:
        open_decision(uow, decision)
        key = self._reserve_key(uow, call, args_json, decision) if call.idempotency_key else None
        now = self.clock()
        request = ApprovalRequest(
            tenant_id=call.principal.tenant_id,
            tool=call.tool,
            args=args_json,
            purpose=call.purpose,
            requester_kind=call.principal.kind,
            requester_id=call.principal.id,
            requester_name=call.principal.name,
            requester_user_id=call.principal.user_id,
            on_behalf_of_id=call.on_behalf_of.id if call.on_behalf_of else None,
            on_behalf_of_name=call.on_behalf_of.name if call.on_behalf_of else None,
            rationale=call.rationale,
            trigger_event_id=call.trigger_event_id,
            idempotency_key=call.idempotency_key,
            decision_id=decision.id,
            risk_level=assessment.level,
            risk_rule_id=assessment.rule_id,
            approver_role=assessment.approver_role,
            status="pending",
            created_at=now,
            expires_at=now + timedelta(minutes=assessment.expires_after_minutes),
        )
        uow.session.add(request)
        uow.session.flush()
        if key is not None:
            self._settle_key(uow, key, status="pending_approval", approval_id=request.id)
        decision.approval_id = request.id
        rule = assessment.rule_name or "tool risk"
        notify_users_with_role(
            uow,
            call.principal,
            assessment.approver_role,
            kind="approval_requested",
            title=f"Approval needed: {call.tool}",
            body=f"{call.principal.name} asks to run {call.tool} ({rule})",
            link=f"/api/v1/approvals/{request.id}",
            decision_id=decision.id,
        )
        uow.emit(
            approval_event(
                EventType.APPROVAL_REQUESTED,
                request,
                decision,
                call.principal.actor,
                now,
                approver_role=assessment.approver_role,
                expires_at=request.expires_at.isoformat(),
            )
        )
        return self._finish(
            uow,
            decision,
            "pending_approval",
            reason=waiting_reason(assessment),
            approval_id=request.id,
        )

    def _duplicate(
        self,
        uow: UnitOfWork,
        decision: DecisionRecord,
        call: Call,
        first: IdempotencyKey,
        args_json: dict[str, Any],
    ) -> GatewayResult:
        if first.tool != call.tool or first.args_digest != digest(args_json):
            raise Refusal(
                ValidationFailed(
                    "this idempotency key was used for a different call",
                    [FieldError(["idempotency_key"], "already used with other arguments")],
                )
            )
        decision.duplicate_of = first.decision_id
        decision.approval_id = first.approval_id
        reason = f"idempotency key already used by decision {first.decision_id} ({first.status})"
        return self._finish(
            uow,
            decision,
            "duplicate",
            reason=reason,
            output=first.output,
            approval_id=first.approval_id,
        )

    def _duplicate_of_concurrent(
        self, uow: UnitOfWork, decision: DecisionRecord, call: Call, args_json: dict[str, Any]
    ) -> GatewayResult:
        """A concurrent call claimed the key first and has committed: answer with its result."""
        first = self._first_use(uow, call)
        if first is None:
            raise RuntimeError("idempotency key conflict without a committed first use")
        return self._duplicate(uow, decision, call, first, args_json)

    def _finish(
        self,
        uow: UnitOfWork,
        decision: DecisionRecord,
        status: str,
        *,
        reason: str | None = None,
        output: dict[str, Any] | None = None,
        approval_id: str | None = None,
        error: BaseException | None = None,
    ) -> GatewayResult:
        errors = tuple(e.as_dict() for e in error.errors) if isinstance(error, KithError) else ()
        why = reason or (describe(error) if error else None)
        finish_decision(uow, decision, status, why, errors=list(errors))
        return GatewayResult(
            status=status,  # type: ignore[arg-type]
            decision_id=decision.id,
            output=output,
            approval_id=approval_id or decision.approval_id,
            reason=decision.reason,
            errors=errors,
            error=error,
        )

    # --- idempotency -------------------------------------------------------------------

    def _first_use(self, uow: UnitOfWork, call: Call) -> IdempotencyKey | None:
        p = call.principal
        return keys.first_use(uow.session, p.tenant_id, p.id, call.idempotency_key)

    def _reserve_key(
        self,
        uow: UnitOfWork,
        call: Call,
        args_json: dict[str, Any],
        decision: DecisionRecord,
        *,
        savepoint: bool = True,
    ) -> str:
        """Claim the key before the tool runs (its row's id); a concurrent claim fails on
        the unique key. ``savepoint=False`` when the caller's own savepoint already rolls a
        failed claim back (the tool's)."""
        try:
            return keys.claim(
                uow.session,
                tenant_id=call.principal.tenant_id,
                principal_id=call.principal.id,
                key=call.idempotency_key,
                tool=call.tool,
                args_digest=digest(args_json),
                decision_id=decision.id,
                at=self.clock(),
                savepoint=savepoint,
            )
        except IntegrityError as exc:
            raise _DuplicateKey from exc

    @staticmethod
    def _settle_key(uow: UnitOfWork, key_id: str, **values: Any) -> None:
        keys.settle(uow.session, key_id, **values)


def record_execution_of_approval(
    uow: UnitOfWork, request: ApprovalRequest, result: ExecutionResult
) -> None:
    """After an approved call ran: the request and the key's first result reflect it."""
    request.status = "executed" if result.status == "executed" else "approved"
    request.result_decision_id = result.decision_id
    request.result_status = result.status
    uow.session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.approval_id == request.id)
        .values(status=result.status, output=result.output, decision_id=result.decision_id)
        .execution_options(synchronize_session=False)
    )


def gateway_of(container: Container) -> Gateway:
    """The container's gateway (the container cannot name the type: it sits below)."""
    if container.gateway is None:
        raise RuntimeError("the container has no gateway (build it with kith.bootstrap)")
    return cast(Gateway, container.gateway)
