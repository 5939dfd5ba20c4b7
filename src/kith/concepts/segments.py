"""Concept values for segments: the provider ``kith.bootstrap.wire`` installs in
intelligence's segment hook (``kith.intelligence.segments.concepts``), so a segment can
keep the customers whose health is in a band or above/below a value."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from kith.concepts.repository import ConceptRepository

UNKNOWN = "unknown"  # the band of a value below the minimum coverage


class ConceptSegmentValues:
    def keys(self, session: Session, tenant_id: str) -> Mapping[str, frozenset[str]]:
        out: dict[str, frozenset[str]] = {}
        for version in ConceptRepository(session, tenant_id).published():
            bands = {str(b["name"]) for b in version.definition.get("bands") or ()}
            out[version.concept_key] = frozenset({*bands, UNKNOWN})
        return out

    def values(
        self, session: Session, tenant_id: str, concept_key: str, subject_type: str
    ) -> Mapping[str, tuple[float | None, str]]:
        rows = ConceptRepository(session, tenant_id).values(concept_key, subject_type)
        return {subject_id: (row.value, row.band) for subject_id, row in rows.items()}
