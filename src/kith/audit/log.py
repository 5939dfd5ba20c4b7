"""Adding an audit entry through the ORM session (so the chain links it at flush):
the unit of work's audit writer, installed by ``kith.bootstrap.wire``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from kith.audit.models import AuditEntry
from kith.core.domain import Actor


def write_entry(
    session: Session,
    tenant_id: str,
    actor: Actor,
    action: str,
    object_type: str | None,
    record_id: str | None,
    detail: Mapping[str, Any],
) -> None:
    session.add(
        AuditEntry(
            tenant_id=tenant_id,
            actor_kind=actor.kind,
            actor_id=actor.id,
            action=action,
            object_type=object_type,
            record_id=record_id,
            detail=dict(detail),
        )
    )
