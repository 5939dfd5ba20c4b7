"""Use cases of business concepts: drafts, publishing (which recomputes every customer
with the new version and keeps the history), previews on real customers, values per
customer with their contributions, the distribution and the movers."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from kith.access import policy
from kith.access.principal import Principal
from kith.concepts import sources
from kith.concepts.compute import UNKNOWN_BAND, Result, Stats, band_of, combine
from kith.concepts.models import ConceptValue, ConceptValueHistory, ConceptVersion
from kith.concepts.repository import ConceptRepository
from kith.concepts.schemas import (
    ConceptDefinition,
    ConceptDraftIn,
    ConceptNormalisation,
    ConceptPreviewOut,
    ConceptPreviewRow,
    ConceptRecomputeOut,
    ConceptSampleOut,
)
from kith.core.clock import utcnow
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.privacy.restrictions import restricted_ids

SUBJECT_TYPES = ("contact", "account")
RESTRICTED = "processing of this person is restricted: no profile is computed while it lasts"
PREVIEW_SIZE = 20


@dataclass
class Computed:
    computed: int = 0
    changed: int = 0
    band_changes: int = 0


class ConceptService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.tenant_id = principal.tenant_id
        self.clock = clock
        self.repo = ConceptRepository(uow.session, self.tenant_id)

    # --- versions ------------------------------------------------------------------
    def versions(self, concept_key: str | None = None) -> list[ConceptVersion]:
        policy.require(self.principal, "concept", "read")
        return list(self.repo.versions(concept_key))

    def get_version(self, concept_key: str, version: int) -> ConceptVersion:
        policy.require(self.principal, "concept", "read")
        return self._version(concept_key, version)

    def _version(self, concept_key: str, version: int) -> ConceptVersion:
        row = self.repo.version(concept_key, version)
        if row is None:
            raise NotFound(f"concept {concept_key} has no version {version}")
        return row

    def published(self, concept_key: str) -> ConceptVersion:
        found = self.repo.published(concept_key)
        if not found:
            raise NotFound(f"concept {concept_key} has no published version")
        return found[0]

    def draft(self, body: ConceptDraftIn) -> ConceptVersion:
        policy.require(self.principal, "concept", "create")
        row = ConceptVersion(
            tenant_id=self.tenant_id,
            concept_key=body.concept_key,
            version=self.repo.last_number(body.concept_key) + 1,
            status="draft",
            label_en=body.label_en,
            label_zh=body.label_zh,
            definition=body.definition.model_dump(mode="json"),
            population={},
            created_at=self.clock(),
            created_by=self.principal.actor.name or self.principal.actor.id,
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        self._emit(EventType.CONCEPT_DRAFTED, row, f"draft {row.concept_key} v{row.version}")
        return row

    def publish(self, concept_key: str, version: int) -> tuple[ConceptVersion, ConceptRecomputeOut]:
        """Publish a draft: the previous published version is retired (its values stay in
        the history) and every customer is recomputed with this one."""
        policy.require(self.principal, "concept", "update")
        row = self._version(concept_key, version)
        if row.status != "draft":
            raise Conflict(
                f"{concept_key} v{version} is {row.status}; only a draft can be published"
            )
        now = self.clock()
        for previous in self.repo.published(concept_key):
            previous.status = "retired"
            previous.retired_at = now
            self._emit(
                EventType.CONCEPT_RETIRED, previous, f"retired {concept_key} v{previous.version}"
            )
        row.status = "published"
        row.published_at = now
        row.published_by = self.principal.actor.name or self.principal.actor.id
        self.uow.session.flush()
        self._emit(EventType.CONCEPT_PUBLISHED, row, f"published {concept_key} v{version}")
        return row, self.recompute(concept_key, trigger=f"publish v{version}")

    def retire(self, concept_key: str, version: int) -> ConceptVersion:
        policy.require(self.principal, "concept", "update")
        row = self._version(concept_key, version)
        if row.status == "retired":
            raise Conflict(f"{concept_key} v{version} is already retired")
        row.status = "retired"
        row.retired_at = self.clock()
        self.uow.session.flush()
        self._emit(EventType.CONCEPT_RETIRED, row, f"retired {concept_key} v{version}")
        return row

    def _emit(self, type_: EventType, row: ConceptVersion, summary: str) -> None:
        self.uow.emit(
            DomainEvent(
                type=type_,
                tenant_id=self.tenant_id,
                subject_type="concept",
                subject_id=row.id,
                actor=self.principal.actor,
                payload={
                    "concept_key": row.concept_key,
                    "version": row.version,
                    "status": row.status,
                },
                summary=summary,
                occurred_at=self.clock(),
            )
        )

    # --- computation ---------------------------------------------------------------
    def recompute(
        self,
        concept_key: str,
        *,
        subject_type: str | None = None,
        subject_ids: Collection[str] | None = None,
        trigger: str = "batch",
    ) -> ConceptRecomputeOut:
        """Recompute the published version for every customer (or only ``subject_ids``
        of ``subject_type``): a batch run also refreshes the tenant statistics."""
        policy.require(self.principal, "concept", "update")
        row = self.published(concept_key)
        definition = definition_of(row)
        total = Computed()
        for kind in definition.subjects:
            if subject_type is not None and kind != subject_type:
                continue
            done = self._compute(row, definition, kind, subject_ids, trigger)
            total.computed += done.computed
            total.changed += done.changed
            total.band_changes += done.band_changes
        return ConceptRecomputeOut(
            concept_key=concept_key,
            version=row.version,
            computed=total.computed,
            changed=total.changed,
            band_changes=total.band_changes,
        )

    def _compute(
        self,
        row: ConceptVersion,
        definition: ConceptDefinition,
        subject_type: str,
        subject_ids: Collection[str] | None,
        trigger: str,
    ) -> Computed:
        now = self.clock()
        session = self.uow.session
        stats = self._stats(row, definition, subject_type, now, refresh=subject_ids is None)
        ids = list(subject_ids) if subject_ids is not None else self.repo.subject_ids(subject_type)
        if subject_ids is not None:
            ids = list(self.repo.names(subject_type, ids))  # only this tenant's, existing
        readings = sources.read(session, self.tenant_id, definition, subject_type, now, ids)
        existing = self.repo.values(
            row.concept_key, subject_type, None if subject_ids is None else ids
        )
        restricted = (
            restricted_ids(session, self.tenant_id, ids, now)
            if subject_type == "contact"
            else set()
        )
        done = Computed()
        for subject_id in ids:
            if subject_id in restricted:
                result = Result(None, UNKNOWN_BAND, 0.0, True, [], [RESTRICTED])
            else:
                result = combine(definition, readings.get(subject_id, {}), stats, now)
            done.computed += 1
            current = existing.get(subject_id)
            contributions = [c.model_dump(mode="json") for c in result.contributions]
            if current is None:
                current = ConceptValue(
                    tenant_id=self.tenant_id,
                    concept_key=row.concept_key,
                    subject_type=subject_type,
                    subject_id=subject_id,
                )
                session.add(current)
                before_band: str | None = None
                changed = True
            else:
                before_band = current.band
                changed = (
                    current.value != result.value
                    or current.band != result.band
                    or current.version != row.version
                    or current.degraded != result.degraded
                )
            before_value = current.value
            current.version = row.version
            current.value = result.value
            current.band = result.band
            current.coverage = result.coverage
            current.degraded = result.degraded
            current.contributions = contributions
            current.reasons = result.reasons
            current.computed_at = now
            current.trigger = trigger[:64]
            if not changed:
                continue
            done.changed += 1
            session.add(
                ConceptValueHistory(
                    tenant_id=self.tenant_id,
                    concept_key=row.concept_key,
                    version=row.version,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    value=result.value,
                    band=result.band,
                    degraded=result.degraded,
                    contributions=contributions,
                    computed_at=now,
                    trigger=trigger[:64],
                )
            )
            if before_band is not None and before_band != result.band:
                done.band_changes += 1
                self._band_crossed(
                    row, subject_type, subject_id, before_band, before_value, result, trigger
                )
        session.flush()
        return done

    def _band_crossed(
        self,
        row: ConceptVersion,
        subject_type: str,
        subject_id: str,
        before: str,
        before_value: float | None,
        result: Result,
        trigger: str,
    ) -> None:
        account_id = self.repo.account_of(subject_id) if subject_type == "contact" else subject_id
        self.uow.emit(
            DomainEvent(
                type=EventType.CUSTOMER_HEALTH_CHANGED,
                tenant_id=self.tenant_id,
                subject_type=subject_type,
                subject_id=subject_id,
                actor=self.principal.actor,
                payload={
                    "concept_key": row.concept_key,
                    "version": row.version,
                    "from_band": before,
                    "to_band": result.band,
                    "before": before_value,
                    "value": result.value,
                    "degraded": result.degraded,
                    "trigger": trigger,
                },
                account_id=account_id,
                contact_id=subject_id if subject_type == "contact" else None,
                summary=f"{row.label_en}: {before} → {result.band}"
                + ("" if result.value is None else f" ({result.value:g})"),
                occurred_at=self.clock(),
            )
        )

    def _stats(
        self,
        row: ConceptVersion,
        definition: ConceptDefinition,
        subject_type: str,
        now: datetime,
        *,
        refresh: bool,
    ) -> dict[str, Stats]:
        """The tenant spread of each z-scored indicator: stored by batch runs, computed
        when missing (an incremental run before any batch)."""
        zscored = [i for i in definition.indicators if i.normalisation.method == "zscore"]
        stored = (row.population or {}).get(subject_type, {}).get("stats", {})
        if not zscored:
            return {}
        if not refresh and all(i.key in stored for i in zscored):
            return {k: Stats.from_dict(v) for k, v in stored.items()}
        part = ConceptDefinition.model_construct(indicators=zscored)
        readings = sources.read(self.uow.session, self.tenant_id, part, subject_type, now)
        stats = {
            i.key: Stats.of([r[i.key].value for r in readings.values() if i.key in r])
            for i in zscored
        }
        population = dict(row.population or {})
        population[subject_type] = {
            "stats": {k: v.as_dict() for k, v in stats.items()},
            "computed_at": now.isoformat(),
        }
        row.population = population
        return stats

    # --- previews (nothing written) -------------------------------------------------
    def preview(
        self, concept_key: str, definition: ConceptDefinition, subject_type: str = "contact"
    ) -> ConceptPreviewOut:
        """What ``definition`` gives on 20 real customers (those with the most data)."""
        policy.require(self.principal, "concept", "read")
        now = self.clock()
        session = self.uow.session
        readings = sources.read(session, self.tenant_id, definition, subject_type, now)
        stats = {
            i.key: Stats.of([r[i.key].value for r in readings.values() if i.key in r])
            for i in definition.indicators
            if i.normalisation.method == "zscore"
        }
        chosen = sorted(readings, key=lambda s: (-len(readings[s]), s))[:PREVIEW_SIZE]
        if len(chosen) < PREVIEW_SIZE:
            extra = [
                s
                for s in self.repo.subject_ids(subject_type, PREVIEW_SIZE * 2)
                if s not in readings
            ]
            chosen += extra[: PREVIEW_SIZE - len(chosen)]
        names = self.repo.names(subject_type, chosen)
        rows = []
        for subject_id in chosen:
            result = combine(definition, readings.get(subject_id, {}), stats, now)
            rows.append(
                ConceptPreviewRow(
                    subject_type=subject_type,
                    subject_id=subject_id,
                    name=names.get(subject_id, subject_id),
                    value=result.value,
                    band=result.band,
                    degraded=result.degraded,
                    reasons=result.reasons,
                    contributions=result.contributions,
                )
            )
        return ConceptPreviewOut(concept_key=concept_key, rows=rows)

    def sample(
        self,
        source: str,
        subject_type: str,
        normalisation: dict[str, Any] | None,
        window_days: int = 180,
    ) -> ConceptSampleOut:
        """A source's raw values on up to 20 customers, the tenant's spread, and what
        ``normalisation`` (if given) makes of each value."""
        policy.require(self.principal, "concept", "read")
        from kith.concepts.compute import normalise

        try:
            norm = ConceptNormalisation.model_validate(normalisation) if normalisation else None
            definition = ConceptDefinition.model_validate(
                {
                    "subjects": [subject_type],
                    "indicators": [
                        {
                            "key": "sample",
                            "label_en": source,
                            "label_zh": source,
                            "source": source,
                            "weight": 1,
                            "window_days": window_days,
                            "normalisation": normalisation or {"method": "zscore"},
                        }
                    ],
                }
            )
        except ValidationError as exc:
            raise ValidationFailed(
                "invalid sample request",
                [FieldError(["query", *e["loc"]], e["msg"]) for e in exc.errors()],
            ) from None
        now = self.clock()
        readings = sources.read(self.uow.session, self.tenant_id, definition, subject_type, now)
        values = [r["sample"].value for r in readings.values()]
        stats = Stats.of(values)
        chosen = sorted(readings, key=lambda s: (-readings[s]["sample"].samples, s))[:PREVIEW_SIZE]
        names = self.repo.names(subject_type, chosen)
        rows = []
        for subject_id in chosen:
            reading = readings[subject_id]["sample"]
            rows.append(
                {
                    "subject_id": subject_id,
                    "name": names.get(subject_id, subject_id),
                    "raw": round(reading.value, 4),
                    "samples": reading.samples,
                    "as_of": reading.as_of.isoformat(),
                    "normalised": None
                    if norm is None
                    else _round(normalise(reading.value, norm, stats)),
                }
            )
        population = {**stats.as_dict(), "customers_with_data": len(values)}
        if values:
            population |= {"min": min(values), "max": max(values)}
        return ConceptSampleOut(
            source=source, subject_type=subject_type, rows=rows, population=population
        )

    # --- reads ---------------------------------------------------------------------
    def distribution(self, concept_key: str, subject_type: str) -> dict[str, Any]:
        policy.require(self.principal, "concept", "read")
        published = self.published(concept_key)
        rows = self.repo.values(concept_key, subject_type).values()
        bands = definition_of(published).bands
        counts = {b.name: 0 for b in bands}
        histogram = [0] * 10
        unknown = degraded = 0
        for row in rows:
            degraded += int(row.degraded)
            if row.value is None:
                unknown += 1
                continue
            band = band_of(row.value, bands)
            if band is not None:
                counts[band.name] += 1
            histogram[min(9, int(row.value // 10))] += 1
        return {
            "concept_key": concept_key,
            "version": published.version,
            "subject_type": subject_type,
            "total": len(rows),
            "unknown": unknown,
            "degraded": degraded,
            "bands": [
                {
                    "name": b.name,
                    "label_en": b.label_en,
                    "label_zh": b.label_zh,
                    "min": b.min,
                    "count": counts[b.name],
                }
                for b in bands
            ],
            "histogram": [
                {"from": 10 * i, "to": 10 * i + 10, "count": n} for i, n in enumerate(histogram)
            ],
        }

    def movers(
        self, concept_key: str, subject_type: str, days: int, limit: int
    ) -> list[dict[str, Any]]:
        """The customers whose value moved most since ``days`` ago (up and down)."""
        policy.require(self.principal, "concept", "read")
        self.published(concept_key)
        since = self.clock() - timedelta(days=days)
        before = self.repo.value_before(concept_key, subject_type, since)
        current = self.repo.values(concept_key, subject_type)
        moves = []
        for subject_id, row in current.items():
            old = before.get(subject_id)
            if old is None or row.value is None or old == row.value:
                continue
            moves.append((row.value - old, subject_id, old, row))
        moves.sort(key=lambda m: (-abs(m[0]), m[1]))
        chosen = moves[:limit]
        names = self.repo.names(subject_type, [m[1] for m in chosen])
        return [
            {
                "subject_type": subject_type,
                "subject_id": subject_id,
                "name": names.get(subject_id, subject_id),
                "before": old,
                "after": row.value,
                "delta": round(delta, 1),
                "band": row.band,
            }
            for delta, subject_id, old, row in chosen
        ]


def definition_of(row: ConceptVersion) -> ConceptDefinition:
    return ConceptDefinition.model_validate(row.definition)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


__all__ = ["SUBJECT_TYPES", "UNKNOWN_BAND", "ConceptService", "definition_of"]
