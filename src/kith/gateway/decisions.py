"""Decision records ("decision passports"): writing, reading, overriding.

Every gateway call writes one, whatever its outcome; ``record_decision`` lets an
agent record a decision that ends in no action ("not worth a follow-up").
Snapshots are PII-masked. A decision is readable by admins, by whoever acted or
was acted for, and by anyone who can read the record it is about; to anyone else
it does not exist (404).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    bindparam,
    insert,
    inspect,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session, class_mapper
from sqlalchemy.orm.util import identity_key

from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.errors import NotFound, PermissionDenied
from kith.core.ids import new_id
from kith.core.serialize import dumps
from kith.crm.masking import mask_value
from kith.crm.refs import customer_refs
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.db.uow import UnitOfWork
from kith.events.types import Actor, DomainEvent, EventType
from kith.gateway.contracts import Rationale
from kith.gateway.models import ApprovalRequest, DecisionOverride, DecisionRecord
from kith.gateway.registry import Subject

# Argument names that identify the record a call is about, most specific first.
SUBJECT_KEYS = ("deal_id", "ticket_id", "order_id", "lead_id", "contact_id", "account_id")
OVERRIDE_ROLES = frozenset({"admin", "manager"})
LIST_LIMIT = 200


def to_json(value: Any) -> Any:
    """JSON-safe copy, rendered exactly as the API renders (datetimes, decimals); values
    JSON cannot carry (a caller's stray object in invalid arguments) become strings."""
    try:
        return json.loads(dumps(value))
    except TypeError:
        return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def rationale_snapshot(rationale: Rationale | None) -> dict[str, Any] | None:
    if rationale is None:
        return None
    masked: dict[str, Any] = mask_value(to_json(asdict(rationale)))
    return masked


def subject_from_args(args: Mapping[str, Any]) -> Subject:
    account_id = _str_or_none(args.get("account_id"))
    contact_id = _str_or_none(args.get("contact_id"))
    if args.get("object_type") in SPECS and args.get("record_id"):
        return Subject(str(args["object_type"]), str(args["record_id"]), account_id, contact_id)
    for key in SUBJECT_KEYS:
        if args.get(key):
            return Subject(key.removesuffix("_id"), str(args[key]), account_id, contact_id)
    return Subject(account_id=account_id, contact_id=contact_id)


def _str_or_none(value: Any) -> str | None:
    return str(value) if value else None


def with_customer(uow: UnitOfWork, tenant_id: str, subject: Subject) -> Subject:
    """Fill in the account and contact the subject record belongs to (a contact's
    account included), so the decision is listed under its customer."""
    account_id, contact_id = subject.account_id, subject.contact_id
    refs = _refs(uow.session, tenant_id, subject.subject_type, subject.subject_id)
    if refs is not None:
        account_id, contact_id = account_id or refs[0], contact_id or refs[1]
    if account_id is None and contact_id is not None:
        if subject.subject_type == "contact" and subject.subject_id == contact_id:
            contact = refs  # the record just read
        else:
            contact = _refs(uow.session, tenant_id, "contact", contact_id)
        account_id = contact[0] if contact is not None else None
    return Subject(subject.subject_type, subject.subject_id, account_id, contact_id)


def _refs(
    session: Session, tenant_id: str, object_type: str | None, record_id: str | None
) -> tuple[str | None, str | None] | None:
    """``customer_refs`` of a record of the tenant (None if there is none): from the
    session when it holds the record, else a query of those columns only (the gateway
    asks on every call; loading the whole record would decrypt its sensitive fields)."""
    spec = SPECS.get(object_type or "")
    if spec is None or record_id is None:
        return None
    held = session.identity_map.get(identity_key(spec.model, record_id))
    if held is not None:
        return customer_refs(held) if held.tenant_id == tenant_id else None
    row = session.execute(_refs_statement(spec.model), {"record_id": record_id}).first()
    if row is None or row[0] != tenant_id:
        return None
    return row[1], row[2]


_REFS_STATEMENTS: dict[type, Select[Any]] = {}


def _refs_statement(model: type) -> Select[Any]:
    """(tenant, account, contact) of one record, built once per record type; the same
    reading as ``customer_refs``."""
    stmt = _REFS_STATEMENTS.get(model)
    if stmt is None:
        table = cast(Table, getattr(model, "__table__"))  # noqa: B009
        columns = table.c
        account: ColumnElement[Any]
        contact: ColumnElement[Any]
        if table.name == "accounts":
            account, contact = columns.id, null()
        elif table.name == "contacts":
            account, contact = columns.account_id, columns.id
        else:
            account = columns.account_id if "account_id" in columns else null()
            contact = columns.contact_id if "contact_id" in columns else null()
        stmt = select(columns.tenant_id, account, contact).where(
            columns.id == bindparam("record_id")
        )
        _REFS_STATEMENTS[model] = stmt
    return stmt


def new_decision(
    principal: Principal,
    *,
    at: datetime,
    on_behalf_of: Principal | None = None,
    tool: str | None = None,
    purpose: str | None = None,
    args: Mapping[str, Any] | None = None,
    rationale: dict[str, Any] | None = None,
    trigger_event_id: str | None = None,
) -> DecisionRecord:
    """A decision record with who acted and what they asked for; the outcome comes later."""
    return DecisionRecord(
        id=new_id(),
        tenant_id=principal.tenant_id,
        at=at,
        actor_kind=principal.kind,
        actor_id=principal.id,
        actor_name=principal.name,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of else None,
        on_behalf_of_name=on_behalf_of.name if on_behalf_of else None,
        trigger_event_id=trigger_event_id,
        tool=tool,
        purpose=purpose,
        args=mask_value(to_json(dict(args or {}))),
        rationale=rationale,
        errors=[],
    )


def set_subject(decision: DecisionRecord, subject: Subject) -> None:
    decision.subject_type = subject.subject_type
    decision.subject_id = subject.subject_id
    decision.account_id = subject.account_id
    decision.contact_id = subject.contact_id


def open_decision(uow: UnitOfWork, decision: DecisionRecord) -> None:
    """Write a decision whose outcome is not known yet (status ``running``); the gateway
    opens the transaction with this write and finishes it with ``finish_decision``."""
    decision.status = "running"
    _write(uow, decision)


def finish_decision(
    uow: UnitOfWork,
    decision: DecisionRecord,
    status: str,
    reason: str | None,
    *,
    errors: list[dict[str, Any]] | None = None,
) -> None:
    """The one writer of a decision's outcome — the gateway's calls, approvals rejected or
    cancelled, agents' decisions without a tool: status, reason and (masked) errors,
    saved with the ``decision.recorded`` audit entry in the caller's unit of work."""
    decision.status = status
    decision.reason = reason
    if errors is not None:
        decision.errors = mask_value(to_json(errors))
    _save(uow, decision)


def _save(uow: UnitOfWork, decision: DecisionRecord) -> None:
    """Write the record and add its audit entry to the caller's unit of work."""
    _write(uow, decision)
    uow.audit(
        decision.tenant_id,
        Actor(decision.actor_kind, decision.actor_id, decision.actor_name),  # type: ignore[arg-type]
        "decision.recorded",
        decision.subject_type,
        decision.subject_id,
        decision_id=decision.id,
        tool=decision.tool,
        status=decision.status,
        purpose=decision.purpose,
    )


# Decisions the gateway builds are never added to the session: they are written with one
# Core statement each time (compiled once per set of columns) — the ORM's unit of work
# cost more than the call's other checks. A decision loaded from the database (a
# persistent row) is saved through the session as before.
_WRITTEN = "kith.decisions_written"  # session.info: ids of decisions written with Core
_DECISIONS = cast(Table, DecisionRecord.__table__)
_COLUMN_KEYS = tuple(
    (attr.key, attr.columns[0].key) for attr in class_mapper(DecisionRecord).column_attrs
)
_INSERT_DECISION = insert(_DECISIONS)
_UPDATE_DECISION = update(_DECISIONS).where(_DECISIONS.c.id == bindparam("decision_key"))


def _write(uow: UnitOfWork, decision: DecisionRecord) -> None:
    session = uow.session
    if not inspect(decision).transient:
        session.add(decision)
        return
    values = decision.__dict__
    columns = {column: values[attr] for attr, column in _COLUMN_KEYS if attr in values}
    # id -> the columns as last written in this session (only what changed is updated).
    written: dict[str, dict[str, Any]] = session.info.setdefault(_WRITTEN, {})
    before = written.get(decision.id)
    if before is None:
        session.execute(_INSERT_DECISION, columns)
    else:
        changed = {k: v for k, v in columns.items() if k not in before or before[k] != v}
        if changed:
            session.execute(_UPDATE_DECISION, {**changed, "decision_key": decision.id})
    written[decision.id] = copy.deepcopy(columns)


def record_decision(
    uow: UnitOfWork,
    principal: Principal,
    *,
    rationale: Rationale,
    status: str = "no_action",
    reason: str | None = None,
    subject: Subject | None = None,
    purpose: str | None = None,
    trigger_event_id: str | None = None,
    on_behalf_of: Principal | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> str:
    """Record a decision that did not go through a tool (e.g. "no follow-up needed")."""
    decision = new_decision(
        principal,
        at=clock(),
        on_behalf_of=on_behalf_of,
        purpose=purpose,
        rationale=rationale_snapshot(rationale),
        trigger_event_id=trigger_event_id,
    )
    set_subject(decision, with_customer(uow, principal.tenant_id, subject or Subject()))
    finish_decision(uow, decision, status, reason or rationale.summary)
    return decision.id


# --- reading ----------------------------------------------------------------------


class DecisionReader:
    """Decisions as the principal may see them."""

    def __init__(self, uow: UnitOfWork, principal: Principal) -> None:
        self.uow = uow
        self.principal = principal
        self.records = RecordService(uow, principal)

    def get(self, decision_id: str) -> DecisionRecord:
        row = self.uow.session.get(DecisionRecord, decision_id)
        if row is None or row.tenant_id != self.principal.tenant_id or not self.may_read(row):
            raise NotFound(f"decision {decision_id} not found")
        return row

    def search(
        self,
        *,
        contact_id: str | None = None,
        account_id: str | None = None,
        subject_type: str | None = None,
        subject_id: str | None = None,
        actor_id: str | None = None,
        limit: int = 50,
        before: str | None = None,
    ) -> list[DecisionRecord]:
        d = DecisionRecord
        stmt = select(d).where(d.tenant_id == self.principal.tenant_id)
        for column, value in (
            (d.contact_id, contact_id),
            (d.account_id, account_id),
            (d.subject_type, subject_type),
            (d.subject_id, subject_id),
            (d.actor_id, actor_id),
        ):
            if value:
                stmt = stmt.where(column == value)
        if before:
            stmt = stmt.where(d.id < before)
        rows = self.uow.session.scalars(stmt.order_by(d.id.desc()).limit(min(limit, LIST_LIMIT)))
        return [row for row in rows if self.may_read(row)]

    def may_read(self, row: DecisionRecord) -> bool:
        me = self.principal
        if me.is_admin or me.kind == "system":
            return True
        if row.actor_id in (me.id, me.user_id) or (
            row.on_behalf_of_id is not None and row.on_behalf_of_id == me.user_id
        ):
            return True
        approval = self.approval(row)
        if approval is not None and approval.approver_role in me.roles:
            return True  # approvers read what they are asked to decide
        for object_type, record_id in (
            (row.subject_type, row.subject_id),
            ("contact", row.contact_id),
            ("account", row.account_id),
        ):
            if object_type in SPECS and record_id:
                return self._readable(object_type, record_id)
        return False

    def _readable(self, object_type: str, record_id: str) -> bool:
        try:
            self.records.load(SPECS[object_type], record_id, "read")
        except (NotFound, PermissionDenied):
            return False
        return True

    def overrides(self, decision_id: str) -> list[DecisionOverride]:
        o = DecisionOverride
        stmt = select(o).where(o.decision_id == decision_id).order_by(o.at, o.id)
        return list(self.uow.session.scalars(stmt))

    def approval(self, row: DecisionRecord) -> ApprovalRequest | None:
        if row.approval_id is None:
            return None
        return self.uow.session.get(ApprovalRequest, row.approval_id)

    def view(self, row: DecisionRecord) -> dict[str, Any]:
        """The decision as the API, the page and the CLI show it."""
        approval = self.approval(row)
        data: dict[str, Any] = {
            "id": row.id,
            "at": row.at,
            "actor": {"kind": row.actor_kind, "id": row.actor_id, "name": row.actor_name},
            "on_behalf_of": (
                {"id": row.on_behalf_of_id, "name": row.on_behalf_of_name}
                if row.on_behalf_of_id
                else None
            ),
            "trigger_event_id": row.trigger_event_id,
            "tool": row.tool,
            "purpose": row.purpose,
            "args": row.args,
            "subject": {
                "type": row.subject_type,
                "id": row.subject_id,
                "account_id": row.account_id,
                "contact_id": row.contact_id,
            },
            "rationale": row.rationale,
            "consent": {
                "allowed": row.consent_allowed,
                "reason": row.consent_reason,
                "basis": row.consent_basis,
            },
            "risk": {"level": row.risk_level, "rule_id": row.risk_rule_id},
            "status": current_status(row, approval),
            "recorded_status": row.status,
            "reason": row.reason,
            "errors": row.errors,
            "output": row.output,
            "approval": _approval_view(row, approval),
            "idempotency_key": row.idempotency_key,
            "duplicate_of": row.duplicate_of,
            "overrides": [
                {
                    "id": o.id,
                    "at": o.at,
                    "by": {"kind": o.by_kind, "id": o.by_id, "name": o.by_name},
                    "outcome": o.outcome,
                    "reason": o.reason,
                }
                for o in self.overrides(row.id)
            ],
        }
        return data


def current_status(row: DecisionRecord, approval: ApprovalRequest | None) -> str:
    """A call that waited for approval reads as what became of it (approved, executed,
    rejected, expired, cancelled); the stored record keeps ``pending_approval`` as it was
    (``recorded_status``) and the approval links the decision that ran or refused it."""
    if row.status == "pending_approval" and approval is not None and approval.status != "pending":
        return approval.status
    return row.status


def _approval_view(row: DecisionRecord, approval: ApprovalRequest | None) -> dict[str, Any] | None:
    if row.approval_id is None:
        return None
    approver = None
    if row.approver_id:
        approver = {"id": row.approver_id, "name": row.approver_name}
    elif approval is not None and approval.decided_by_id:
        approver = {"id": approval.decided_by_id, "name": approval.decided_by_name}
    decided = approval is not None and approval.status not in ("pending",)
    return {
        "id": row.approval_id,
        "status": approval.status if approval else None,
        "expires_at": approval.expires_at if approval else None,
        "approver_role": approval.approver_role if approval else None,
        "approver": approver,
        "decision": row.approver_decision or (approval.status if decided and approval else None),
        "reason": row.approver_reason or (approval.decision_reason if approval else None),
        "decided_at": approval.decided_at if approval else None,
        # the decision record of what happened when it was decided, unless it is this one
        "result_decision_id": (
            approval.result_decision_id
            if approval and approval.result_decision_id != row.id
            else None
        ),
        "result_status": approval.result_status if approval else None,
    }


def override_decision(
    uow: UnitOfWork,
    principal: Principal,
    decision_id: str,
    *,
    reason: str,
    outcome: str | None,
    clock: Callable[[], datetime] = utcnow,
) -> DecisionOverride:
    """A person overrides a decision: appended next to it, the original stays as it was."""
    reader = DecisionReader(uow, principal)
    row = reader.get(decision_id)
    if principal.kind != "user" or not (principal.roles & OVERRIDE_ROLES):
        raise PermissionDenied("only a manager or an admin may override a decision")
    now = clock()
    override = DecisionOverride(
        tenant_id=row.tenant_id,
        decision_id=row.id,
        by_kind=principal.kind,
        by_id=principal.id,
        by_name=principal.name,
        outcome=outcome,
        reason=reason,
        at=now,
    )
    uow.session.add(override)
    uow.session.flush()
    uow.audit(
        row.tenant_id,
        principal.actor,
        "decision.overridden",
        row.subject_type,
        row.subject_id,
        decision_id=row.id,
        override_id=override.id,
    )
    # Agents learn from overrides: the event reaches them through the outbox.
    uow.emit(
        DomainEvent(
            type=EventType.DECISION_OVERRIDDEN,
            tenant_id=row.tenant_id,
            subject_type="decision",
            subject_id=row.id,
            actor=principal.actor,
            payload={"tool": row.tool, "outcome": outcome, "reason": reason},
            account_id=row.account_id,
            contact_id=row.contact_id,
            summary=f"decision overridden: {row.tool or row.status}"[:500],
            occurred_at=now,
        )
    )
    return override
