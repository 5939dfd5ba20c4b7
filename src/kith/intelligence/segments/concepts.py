"""The hook through which segments filter on a business concept's value (customer health):
``kith.concepts`` sits above intelligence, so the compiler and evaluation ask a
``ConceptValues`` provider that ``kith.bootstrap.wire`` installs
(``use_concept_values``); without one, a concept condition is refused with its path."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from sqlalchemy.orm import Session


class ConceptValues(Protocol):
    def keys(self, session: Session, tenant_id: str) -> Mapping[str, frozenset[str]]:
        """The concepts with a published version, each with its band names."""
        ...

    def values(
        self, session: Session, tenant_id: str, concept_key: str, subject_type: str
    ) -> Mapping[str, tuple[float | None, str]]:
        """Every customer of ``subject_type`` with a value: id → (value, band)."""
        ...


_provider: list[ConceptValues] = []


def use_concept_values(provider: ConceptValues) -> None:
    _provider[:] = [provider]


def concept_values() -> ConceptValues | None:
    return _provider[0] if _provider else None
