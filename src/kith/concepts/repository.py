"""Queries of the concepts context, always tenant-filtered."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kith.concepts.models import ConceptValue, ConceptValueHistory, ConceptVersion
from kith.crm.models import Account, Contact

NAME_COLUMNS: dict[str, type[Contact] | type[Account]] = {"contact": Contact, "account": Account}


class ConceptRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # --- versions ------------------------------------------------------------------
    def versions(self, concept_key: str | None = None) -> Sequence[ConceptVersion]:
        query = select(ConceptVersion).where(ConceptVersion.tenant_id == self.tenant_id)
        if concept_key is not None:
            query = query.where(ConceptVersion.concept_key == concept_key)
        return self.session.scalars(
            query.order_by(ConceptVersion.concept_key, ConceptVersion.version)
        ).all()

    def version(self, concept_key: str, version: int) -> ConceptVersion | None:
        return self.session.scalar(
            select(ConceptVersion).where(
                ConceptVersion.tenant_id == self.tenant_id,
                ConceptVersion.concept_key == concept_key,
                ConceptVersion.version == version,
            )
        )

    def published(self, concept_key: str | None = None) -> Sequence[ConceptVersion]:
        query = select(ConceptVersion).where(
            ConceptVersion.tenant_id == self.tenant_id, ConceptVersion.status == "published"
        )
        if concept_key is not None:
            query = query.where(ConceptVersion.concept_key == concept_key)
        return self.session.scalars(query.order_by(ConceptVersion.concept_key)).all()

    def last_number(self, concept_key: str) -> int:
        found = self.session.scalar(
            select(func.max(ConceptVersion.version)).where(
                ConceptVersion.tenant_id == self.tenant_id,
                ConceptVersion.concept_key == concept_key,
            )
        )
        return int(found or 0)

    # --- values --------------------------------------------------------------------
    def values(
        self, concept_key: str, subject_type: str, subject_ids: Collection[str] | None = None
    ) -> dict[str, ConceptValue]:
        query = select(ConceptValue).where(
            ConceptValue.tenant_id == self.tenant_id,
            ConceptValue.concept_key == concept_key,
            ConceptValue.subject_type == subject_type,
        )
        if subject_ids is not None:
            query = query.where(ConceptValue.subject_id.in_(list(subject_ids)))
        return {row.subject_id: row for row in self.session.scalars(query)}

    def values_of(self, subject_type: str, subject_id: str) -> Sequence[ConceptValue]:
        return self.session.scalars(
            select(ConceptValue)
            .where(
                ConceptValue.tenant_id == self.tenant_id,
                ConceptValue.subject_type == subject_type,
                ConceptValue.subject_id == subject_id,
            )
            .order_by(ConceptValue.concept_key)
        ).all()

    def history(
        self, concept_key: str, subject_type: str, subject_id: str, limit: int = 100
    ) -> Sequence[ConceptValueHistory]:
        return self.session.scalars(
            select(ConceptValueHistory)
            .where(
                ConceptValueHistory.tenant_id == self.tenant_id,
                ConceptValueHistory.concept_key == concept_key,
                ConceptValueHistory.subject_type == subject_type,
                ConceptValueHistory.subject_id == subject_id,
            )
            .order_by(ConceptValueHistory.computed_at.desc(), ConceptValueHistory.id.desc())
            .limit(limit)
        ).all()

    def value_before(
        self, concept_key: str, subject_type: str, since: datetime
    ) -> dict[str, float | None]:
        """Each subject's last value computed before ``since`` (the movers' baseline)."""
        h = ConceptValueHistory
        rows = self.session.execute(
            select(h.subject_id, h.value, h.computed_at)
            .where(
                h.tenant_id == self.tenant_id,
                h.concept_key == concept_key,
                h.subject_type == subject_type,
                h.computed_at < since,
            )
            .order_by(h.computed_at, h.id)
        )
        out: dict[str, float | None] = {}
        for subject_id, value, _ in rows:
            out[subject_id] = value
        return out

    # --- customers -----------------------------------------------------------------
    def subject_ids(self, subject_type: str, limit: int | None = None) -> list[str]:
        model = NAME_COLUMNS[subject_type]
        query = (
            select(model.id)
            .where(model.tenant_id == self.tenant_id, model.deleted_at.is_(None))
            .order_by(model.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return list(self.session.scalars(query))

    def names(self, subject_type: str, ids: Collection[str]) -> dict[str, str]:
        model = NAME_COLUMNS[subject_type]
        if not ids:
            return {}
        rows = self.session.execute(
            select(model.id, model.name).where(
                model.tenant_id == self.tenant_id, model.id.in_(list(ids))
            )
        )
        return {str(i): str(n) for i, n in rows}

    def account_of(self, contact_id: str) -> str | None:
        return self.session.scalar(
            select(Contact.account_id).where(
                Contact.tenant_id == self.tenant_id, Contact.id == contact_id
            )
        )
