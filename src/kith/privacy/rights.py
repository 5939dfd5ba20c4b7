"""The data subject's rights beyond export and erasure: restriction of processing
(apply, lift, read) and rectification; the log of every request, and the list of
contacts flagged as a re-import of an erased person.

Like export and erasure, applying, lifting and rectifying are handled by an admin (or
the CLI's system principal); anyone who may read the person may see the restriction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from kith.core.errors import Conflict, FieldError, ValidationFailed
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.events.types import DomainEvent, EventType
from kith.gateway.approvals import cancel_approval
from kith.privacy.dsar import log_request, require_dsar_rights
from kith.privacy.ledger import CALL_PURPOSES
from kith.privacy.models import PrivacyRequest, ProcessingRestriction, ReimportFlag
from kith.privacy.restrictions import LEGAL_NOTE, forget, history, is_live
from kith.privacy.schemas import (
    CancellationOut,
    LiftIn,
    PrivacyRequestOut,
    RectificationIn,
    RectificationOut,
    ReimportFlagOut,
    RestrictionEventOut,
    RestrictionIn,
    RestrictionOut,
)
from kith.privacy.service import PersonService

# Patch fields that are not the person's data: who owns the record, optimistic locking.
NOT_RECTIFIABLE = frozenset({"version", "owner_id"})
_CHANGES: list[str | int] = ["body", "changes"]


class RightsService(PersonService):
    # --- restriction of processing ---------------------------------------------------------

    def restriction(self, contact_id: str) -> RestrictionOut:
        self.records.load(SPECS["contact"], contact_id, "read")
        return self._restriction_state(contact_id)

    def restrict(self, contact_id: str, data: RestrictionIn) -> RestrictionOut:
        """Restrict the person's processing; pending approvals of automated actions about
        them are cancelled in the same transaction."""
        require_dsar_rights(self.principal)
        contact = self.records.load(SPECS["contact"], contact_id, "update")
        now = self.clock()
        if data.until is not None and data.until <= now:
            raise ValidationFailed(
                "a restriction must end in the future",
                [FieldError(["body", "until"], "is not in the future")],
            )
        row = self._step(contact_id, "applied", data.reason, data.until, now)
        cancelled = self._cancel_automated(contact_id, row, now)
        row.detail = {"cancelled": [c.model_dump(mode="json") for c in cancelled]}
        self._record(contact.account_id, row, "restrict", len(cancelled))
        return self._restriction_state(contact_id, cancelled)

    def lift(self, contact_id: str, data: LiftIn) -> RestrictionOut:
        require_dsar_rights(self.principal)
        contact = self.records.load(SPECS["contact"], contact_id, "update")
        now = self.clock()
        steps = history(self.uow.session, self.principal.tenant_id, contact_id)
        if not steps or not is_live(steps[0], now):
            raise Conflict(f"contact {contact_id} is not restricted")
        row = self._step(contact_id, "lifted", data.reason, None, now)
        row.detail = {"restriction_id": steps[0].id}
        self._record(contact.account_id, row, "lift", 0)
        return self._restriction_state(contact_id)

    def _step(
        self, contact_id: str, action: str, reason: str, until: datetime | None, now: datetime
    ) -> ProcessingRestriction:
        row = ProcessingRestriction(
            tenant_id=self.principal.tenant_id,
            contact_id=contact_id,
            action=action,
            reason=reason,
            until=until,
            at=now,
            actor_kind=self.principal.kind,
            actor_id=self.principal.id,
            actor_name=self.principal.name[:200],
            detail={},
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        forget(self.uow.session)
        return row

    def _record(
        self, account_id: str | None, row: ProcessingRestriction, kind: str, cancelled: int
    ) -> None:
        """The request log row, the audit entry and the event of an apply or a lift."""
        verb = "restriction_applied" if row.action == "applied" else "restriction_lifted"
        until = row.until.isoformat() if row.until else None
        log_request(
            self.uow,
            self.principal,
            row.contact_id,
            kind,
            row.at,
            restriction_id=row.id,
            reason=row.reason,
            until=until,
        )
        self.uow.audit(
            self.principal.tenant_id,
            self.principal.actor,
            f"privacy.{verb}",
            "contact",
            row.contact_id,
            restriction_id=row.id,
            reason=row.reason,
            until=until,
            cancelled=cancelled,
        )
        summary = (
            "processing restricted: excluded from automated decisions"
            if row.action == "applied"
            else "restriction of processing lifted"
        )
        self.uow.emit(
            DomainEvent(
                type=(
                    EventType.PRIVACY_RESTRICTION_APPLIED
                    if row.action == "applied"
                    else EventType.PRIVACY_RESTRICTION_LIFTED
                ),
                tenant_id=self.principal.tenant_id,
                subject_type="contact",
                subject_id=row.contact_id,
                actor=self.principal.actor,
                payload={"restriction_id": row.id, "until": until, "cancelled": cancelled},
                account_id=account_id,
                contact_id=row.contact_id,
                summary=summary,
                occurred_at=row.at,
            )
        )

    def _cancel_automated(
        self, contact_id: str, row: ProcessingRestriction, now: datetime
    ) -> list[CancellationOut]:
        """Pending approvals an agent asked for (or for profiling) about the person."""
        why = f"cancelled: processing restricted ({row.reason})"[:2000]
        reason = f"processing of this person is restricted: no automated decisions ({LEGAL_NOTE})"
        out: list[CancellationOut] = []
        for request in self.repo.pending_approvals_about(contact_id):
            automated = request.requester_kind == "agent" or (
                CALL_PURPOSES.get(request.purpose) == "profiling"
            )
            if not automated:
                continue
            decision_id = cancel_approval(
                self.uow,
                self.principal,
                request,
                why=why,
                consent_reason=reason,
                consent_basis=f"restriction:applied {row.at.isoformat()}",
                now=now,
                restriction_id=row.id,
            )
            if decision_id is not None:
                out.append(
                    CancellationOut(
                        kind="approval",
                        target_id=request.id,
                        decision_id=decision_id,
                        reason=why,
                        at=now,
                    )
                )
        return out

    def _restriction_state(
        self, contact_id: str, cancelled: Sequence[CancellationOut] = ()
    ) -> RestrictionOut:
        steps = history(self.uow.session, self.principal.tenant_id, contact_id)
        live = steps[0] if steps and is_live(steps[0], self.clock()) else None
        return RestrictionOut(
            restricted=live is not None,
            reason=live.reason if live else None,
            since=live.at if live else None,
            until=live.until if live else None,
            history=[RestrictionEventOut.model_validate(s, from_attributes=True) for s in steps],
            cancelled=list(cancelled),
        )

    # --- rectification ----------------------------------------------------------------------

    def rectify(self, contact_id: str, data: RectificationIn) -> RectificationOut:
        """Apply corrections through the record service (its validation, rules and
        events); field errors point into ``changes``."""
        require_dsar_rights(self.principal)
        contact = self.records.load(SPECS["contact"], contact_id, "update")
        schema = PATCH_SCHEMAS["contact"]
        unknown = [
            FieldError([*_CHANGES, name], "not a field of a contact that can be rectified")
            for name in data.changes
            if name not in schema.model_fields or name in NOT_RECTIFIABLE
        ]
        if unknown:
            raise ValidationFailed("unknown fields in changes", unknown)
        try:
            patch = schema.model_validate({**data.changes, "version": contact.version})
        except ValidationError as exc:
            raise ValidationFailed(
                "the corrected values are not valid",
                [
                    FieldError([*_CHANGES, *e["loc"]], e["msg"], e["type"])
                    for e in exc.errors(include_url=False)
                ],
            ) from exc
        try:
            presented = self.records.update("contact", contact_id, patch)
        except ValidationFailed as exc:
            raise ValidationFailed(
                exc.detail,
                [
                    FieldError(
                        [*_CHANGES, *e.path[1:]] if e.path[:1] == ["body"] else e.path,
                        e.message,
                        e.type,
                    )
                    for e in exc.errors
                ],
            ) from exc
        fields = sorted(data.changes)
        now = self.clock()
        request = log_request(
            self.uow, self.principal, contact_id, "rectify", now, fields=fields, reason=data.reason
        )
        self.uow.audit(
            self.principal.tenant_id,
            self.principal.actor,
            "dsar.rectified",
            "contact",
            contact_id,
            request_id=request.id,
            fields=fields,
            reason=data.reason,
        )
        self.uow.emit(
            DomainEvent(
                type=EventType.PRIVACY_RECTIFIED,
                tenant_id=self.principal.tenant_id,
                subject_type="contact",
                subject_id=contact_id,
                actor=self.principal.actor,
                payload={"request_id": request.id, "fields": fields},
                account_id=contact.account_id,
                contact_id=contact_id,
                summary=f"data corrected on request: {', '.join(fields)}"[:500],
                occurred_at=now,
            )
        )
        return RectificationOut(
            request_id=request.id, contact_id=contact_id, fields=fields, contact=presented
        )

    # --- the request log and re-import flags ------------------------------------------------

    def requests(self, contact_id: str) -> list[PrivacyRequestOut]:
        self.records.load(SPECS["contact"], contact_id, "read")
        r = PrivacyRequest
        rows = self.uow.session.scalars(
            select(r)
            .where(r.tenant_id == self.principal.tenant_id, r.contact_id == contact_id)
            .order_by(r.at.desc(), r.id.desc())
        )
        return [PrivacyRequestOut.model_validate(row, from_attributes=True) for row in rows]

    def flags(self, limit: int = 100) -> list[ReimportFlagOut]:
        """Contacts created with an erased person's identifiers, newest first. Admins."""
        require_dsar_rights(self.principal)
        f = ReimportFlag
        stmt = select(f).where(f.tenant_id == self.principal.tenant_id)
        rows = self.uow.session.scalars(stmt.order_by(f.at.desc(), f.id.desc()).limit(limit))
        return [ReimportFlagOut.model_validate(row, from_attributes=True) for row in rows]


def changes_from_pairs(pairs: Sequence[str]) -> dict[str, Any]:
    """``field=value`` pairs (the CLI's ``--set``) as a changes mapping; an empty value
    clears the field. ``ValueError`` names a malformed pair."""
    changes: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set {pair!r}: expected field=value")
        changes[name.strip()] = value if value != "" else None
    return changes
