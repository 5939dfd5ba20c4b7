"""What the gateway's pipeline passes around — a call, an approval being executed — and
the small pure helpers of ``Gateway.execute`` and ``Gateway.preview`` (argument parsing,
the consent subject, the idempotency digest, how a refusal and a wait are described)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from kith.access.principal import Principal
from kith.core.errors import FieldError, KithError, ValidationFailed
from kith.crm.masking import mask_value
from kith.gateway import risk
from kith.gateway.authz import Refusal
from kith.gateway.contracts import Origin
from kith.gateway.models import ApprovalRequest, DecisionRecord
from kith.gateway.registry import Subject, ToolSpec, message_of

OUTPUT_LIST_SAMPLE = 20


@dataclass(frozen=True)
class Call:
    principal: Principal
    tool: str
    args: Mapping[str, Any]
    purpose: str
    on_behalf_of: Principal | None = None
    idempotency_key: str | None = None
    trigger_event_id: str | None = None
    rationale: dict[str, Any] | None = None
    origin: Origin = "direct"


@dataclass(frozen=True)
class Approved:
    """An approval being executed: who approved it, and why."""

    request: ApprovalRequest
    approver: Principal
    reason: str | None


def parse_args(spec: ToolSpec, args: Mapping[str, Any]) -> BaseModel:
    try:
        return spec.input_schema.model_validate(dict(args))
    except ValidationError as exc:
        errors = [FieldError(["args", *e["loc"]], e["msg"], e["type"]) for e in exc.errors()]
        raise Refusal(ValidationFailed(f"invalid arguments for {spec.name}", errors)) from exc


def checked_output(spec: ToolSpec, output: BaseModel) -> BaseModel:
    if not isinstance(output, spec.output_schema):
        raise TypeError(
            f"{spec.name} returned {type(output).__name__}, not {spec.output_schema.__name__}"
        )
    return output


def note_approval(decision: DecisionRecord, approved: Approved) -> None:
    decision.approval_id = approved.request.id
    decision.approver_id = approved.approver.id
    decision.approver_name = approved.approver.name
    decision.approver_decision = "approved"
    decision.approver_reason = approved.reason
    decision.risk_level = approved.request.risk_level
    decision.risk_rule_id = approved.request.risk_rule_id


def waiting_reason(assessment: risk.RiskAssessment) -> str:
    rule = assessment.rule_name or "tool risk"
    seen = f": {assessment.detail}" if assessment.detail else ""
    return f"waiting for approval by a {assessment.approver_role} (rule {rule}{seen})"


def consent_subject(subject: Subject, args: BaseModel, spec: ToolSpec) -> dict[str, Any]:
    """Whom the call concerns: the record, its customer, the address it writes to and,
    for a tool that writes messages, the message (the consent hook classifies it: a
    promotional message needs the marketing basis whatever purpose was named)."""
    fields = {k: v for k, v in vars(subject).items() if v is not None}
    recipient = getattr(args, "to", None)
    if recipient:
        fields["recipient"] = recipient
    message = message_of(spec, args)
    if message is not None:
        fields["message"] = message
    return fields


def digest(args_json: dict[str, Any]) -> str:
    canonical = json.dumps(args_json, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def describe(error: BaseException) -> str:
    if isinstance(error, KithError):
        return error.detail
    return f"{type(error).__name__}: {error}"[:2000]


def summarise_output(output: dict[str, Any]) -> dict[str, Any]:
    """What the decision keeps of a tool's output: masked, long lists cut to their ids."""
    summary: dict[str, Any] = {}
    for name, value in output.items():
        if isinstance(value, list) and len(value) > OUTPUT_LIST_SAMPLE:
            ids = [v.get("id") for v in value if isinstance(v, dict)]
            summary[name] = {"count": len(value), "ids": ids[:OUTPUT_LIST_SAMPLE]}
        else:
            summary[name] = value
    masked: dict[str, Any] = mask_value(summary)
    return masked
