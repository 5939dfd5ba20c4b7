"""A customer's concept values as a reader sees them: only for a record the reader may
read (else 404, like the record), with each indicator's contribution and the history."""

from __future__ import annotations

from kith.access.principal import Principal
from kith.concepts.models import ConceptValue
from kith.concepts.repository import ConceptRepository
from kith.concepts.schemas import (
    ConceptContribution,
    ConceptHistoryPoint,
    ConceptValueOut,
    CustomerHealthOut,
)
from kith.concepts.service import definition_of
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.db.uow import UnitOfWork

HISTORY_LIMIT = 50


def health(
    uow: UnitOfWork,
    principal: Principal,
    subject_type: str,
    subject_id: str,
    concept_key: str = "customer_health",
) -> CustomerHealthOut:
    RecordService(uow, principal).load(SPECS[subject_type], subject_id, "read")
    repo = ConceptRepository(uow.session, principal.tenant_id)
    current = next(
        (v for v in repo.values_of(subject_type, subject_id) if v.concept_key == concept_key), None
    )
    history = repo.history(concept_key, subject_type, subject_id, HISTORY_LIMIT)
    return CustomerHealthOut(
        current=None if current is None else value_out(repo, current),
        history=[
            ConceptHistoryPoint(
                version=h.version,
                value=h.value,
                band=h.band,
                degraded=h.degraded,
                computed_at=h.computed_at,
                trigger=h.trigger,
            )
            for h in history
        ],
    )


def value_out(repo: ConceptRepository, row: ConceptValue) -> ConceptValueOut:
    labels = ("Unknown", "未知")
    version = repo.version(row.concept_key, row.version)
    if version is not None:
        for band in definition_of(version).bands:
            if band.name == row.band:
                labels = (band.label_en, band.label_zh)
    return ConceptValueOut(
        concept_key=row.concept_key,
        version=row.version,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        value=row.value,
        band=row.band,
        band_label_en=labels[0],
        band_label_zh=labels[1],
        coverage=row.coverage,
        degraded=row.degraded,
        reasons=list(row.reasons or []),
        contributions=[ConceptContribution.model_validate(c) for c in row.contributions or []],
        computed_at=row.computed_at,
    )
