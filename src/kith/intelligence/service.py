"""Use cases of the intelligence context: train, register, promote, roll back,
predict, record scores (with ``score.changed`` on band crossings) and check drift.

Everything writes through the unit of work and emits events; only the caller
commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kith.core.clock import utcnow
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.lazy import lazy_module
from kith.db.uow import UnitOfWork
from kith.events.types import Actor, DomainEvent, EventType
from kith.intelligence.forecast.series import ForecastResult, make_series, train_forecast
from kith.intelligence.models import DriftCheck, ModelVersion, Score
from kith.intelligence.monitoring import drift
from kith.intelligence.repository import IntelligenceRepository
from kith.intelligence.training import guards, registry
from kith.intelligence.training.classifier import (
    ClassifierModel,
    TrainedClassifier,
    train_classifier,
)
from kith.intelligence.training.features import ColumnPlan, frame_hash, prepare
from kith.privacy.restrictions import live_in_transaction

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    np = lazy_module("numpy")
    pd = lazy_module("pandas")

# Score bands: an event is emitted only when a record moves from one to another.
BANDS: tuple[tuple[float, str], ...] = ((0.7, "high"), (0.4, "medium"), (0.0, "low"))


def band_of(score: float) -> str:
    for floor, name in BANDS:
        if score >= floor:
            return name
    return BANDS[-1][1]


@dataclass(frozen=True)
class ScoreRow:
    record_id: str
    score: float
    factors: list[dict[str, Any]]
    account_id: str | None = None
    contact_id: str | None = None
    detail: dict[str, Any] | None = None


def version_ref(version: ModelVersion) -> str:
    return f"{version.name}@{version.number}"


def version_out(version: ModelVersion) -> dict[str, Any]:
    return {
        "version": version.id,
        "ref": version_ref(version),
        "name": version.name,
        "number": version.number,
        "kind": version.kind,
        "algorithm": version.algorithm,
        "status": version.status,
        "source": version.source,
        "data_hash": version.data_hash,
        "rows": version.rows,
        "features": version.features,
        "params": version.params,
        "metrics": version.metrics,
        "baseline": version.baseline,
        "importance": version.importance,
        "training_seconds": version.training_seconds,
        "created_at": version.created_at,
        "promoted_at": version.promoted_at,
    }


class IntelligenceService:
    def __init__(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        actor: Actor,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.uow = uow
        self.tenant_id = tenant_id
        self.actor = actor
        self.clock = clock
        self.repo = IntelligenceRepository(uow.session, tenant_id)

    # -- registry ------------------------------------------------------------
    def _emit_model(self, event_type: EventType, version: ModelVersion, **payload: Any) -> None:
        self.uow.emit(
            DomainEvent(
                type=event_type,
                tenant_id=self.tenant_id,
                subject_type="model",
                subject_id=version.id,
                actor=self.actor,
                payload={"ref": version_ref(version), "kind": version.kind, **payload},
                summary=f"{event_type.split('.', 1)[1]} {version_ref(version)}",
                occurred_at=self.clock(),
            )
        )

    def _register(self, **fields: Any) -> ModelVersion:
        """Register a version; the first one fit to score becomes the champion."""
        name = fields["name"]
        champion = self.repo.champion(name)
        now = self.clock()
        unfit = guards.unfit_reason(
            fields["kind"], fields["metrics"], fields["baseline"], fields["rows"]
        )
        if fields["kind"] == "classifier":
            fields["metrics"] = {**fields["metrics"], "fit_to_score": unfit is None}
            if unfit is not None:
                fields["metrics"]["unfit_reason"] = unfit
        first = champion is None and unfit is None
        version = ModelVersion(
            tenant_id=self.tenant_id,
            number=self.repo.next_number(name),
            status="champion" if first else "challenger",
            promoted_at=now if first else None,
            created_at=now,
            created_by=self.actor.name or self.actor.kind,
            **fields,
        )
        self.uow.session.add(version)
        self.uow.session.flush()
        self._emit_model(
            EventType.MODEL_TRAINED,
            version,
            status=version.status,
            metrics=version.metrics,
            baseline=version.baseline,
        )
        return version

    def register_classifier(
        self, name: str, source: str, frame: pd.DataFrame, trained: TrainedClassifier
    ) -> ModelVersion:
        model = trained.model
        artifact = registry.dump_classifier(model.pipeline, model.reference)
        features = prepare(frame, model.plan)
        prof = drift.profile(features, model.plan.numeric, model.plan.categorical)
        prof["score"] = drift.score_profile(model.score(frame))
        return self._register(
            name=name,
            kind="classifier",
            algorithm=model.algorithm,
            source=source[:300],
            data_hash=frame_hash(frame),
            rows=trained.rows,
            features={**model.plan.as_dict(), "classes": model.classes},
            params={**trained.params, "candidates_auc": trained.candidates},
            metrics=trained.metrics,
            baseline=trained.baseline,
            importance=trained.importance,
            profile=prof,
            training_seconds=trained.seconds,
            artifact=artifact,
            artifact_sha256=registry.sha256(artifact),
            artifact_format="skops",
        )

    def train_classifier(
        self,
        name: str,
        source: str,
        frame: pd.DataFrame,
        target: str,
        id_column: str | None,
        **options: Any,
    ) -> tuple[ModelVersion, TrainedClassifier]:
        """Train (``options``: ``label_date``, ``drop``, ``allow_leaky`` of
        ``train_classifier``) and register the version."""
        trained = train_classifier(frame, target, id_column, **options)
        dropped = [c for c in options.get("drop", ()) if c in frame.columns]
        kept = frame.drop(columns=dropped)
        return self.register_classifier(name, source, kept, trained), trained

    def train_forecast(
        self,
        name: str,
        source: str,
        frame: pd.DataFrame,
        date: str,
        value: str,
        freq: str | None = None,
        horizon: int | None = None,
    ) -> tuple[ModelVersion, ForecastResult]:
        series, freq = make_series(frame, date, value, freq)
        result = train_forecast(series, freq, horizon)
        spec = {
            "freq": result.freq,
            "algorithm": result.algorithm,
            "periods": [p.strftime("%Y-%m-%d") for p in series.index],
            "values": [float(v) for v in series.to_numpy()],
        }
        artifact = registry.dump_json(spec)
        version = self._register(
            name=name,
            kind="forecast",
            algorithm=result.algorithm,
            source=source[:300],
            data_hash=frame_hash(frame[[date, value]]),
            rows=len(series),
            features={"date": date, "value": value, "freq": result.freq, "season": result.season},
            params={"candidates": result.candidates, "horizon": len(result.future)},
            metrics=result.metrics,
            baseline=result.baseline,
            importance={},
            profile={},
            training_seconds=result.seconds,
            artifact=artifact,
            artifact_sha256=registry.sha256(artifact),
            artifact_format="json",
        )
        return version, result

    def resolve(self, ref: str) -> ModelVersion:
        """A version id, ``name@N`` or a name (its champion)."""
        version: ModelVersion | None
        if "@" in ref:
            name, _, number = ref.rpartition("@")
            version = self.repo.numbered(name, int(number)) if number.isdigit() else None
        else:
            version = self.repo.version(ref) or self.repo.champion(ref)
        if version is None:
            raise NotFound(f"no model version {ref!r}")
        return version

    def promote(self, ref: str) -> ModelVersion:
        version = self.resolve(ref)
        if version.status == "champion":
            raise Conflict(f"{version_ref(version)} is already the champion")
        unfit = guards.version_unfit(version)
        if unfit is not None:
            raise Conflict(f"{version_ref(version)} cannot be the champion. {unfit['en']}")
        current = self.repo.champion(version.name)
        if current is not None:
            current.status = "retired"
        version.status = "champion"
        version.promoted_at = self.clock()
        self.uow.session.flush()
        self._emit_model(
            EventType.MODEL_PROMOTED,
            version,
            replaced=version_ref(current) if current else None,
        )
        return version

    def rollback(self, name: str) -> ModelVersion:
        current = self.repo.champion(name)
        if current is None:
            raise NotFound(f"model {name!r} has no champion to roll back")
        previous = self.repo.previous_champion(name, current)
        if previous is None:
            raise Conflict(f"{version_ref(current)} has no earlier champion to roll back to")
        current.status = "challenger"
        current.promoted_at = None
        previous.status = "champion"
        self.uow.session.flush()
        self._emit_model(EventType.MODEL_ROLLED_BACK, previous, replaced=version_ref(current))
        return previous

    # -- prediction ----------------------------------------------------------
    def classifier(self, version: ModelVersion) -> ClassifierModel:
        if version.kind != "classifier":
            raise ValidationFailed(
                f"{version_ref(version)} is a {version.kind} model, not a classifier",
                [FieldError(["version"], "not a classifier")],
            )
        pipeline, reference = registry.load_classifier(version.artifact, version.artifact_sha256)
        features = dict(version.features)
        classes = list(features.pop("classes"))
        return ClassifierModel(
            pipeline, version.algorithm, ColumnPlan.from_dict(features), classes, reference
        )

    def predict(self, ref: str, frame: pd.DataFrame, top: int = 3) -> pd.DataFrame:
        version = self.resolve(ref)
        model = self.classifier(version)
        missing = [c for c in model.plan.features if c not in frame.columns]
        if len(missing) == len(model.plan.features):
            raise ValidationFailed(
                "the data has none of the model's feature columns",
                [FieldError(["--data"], f"expected columns: {', '.join(model.plan.features)}")],
            )
        scores, factors = model.explain_top(frame, top)
        out = frame.copy()
        out["score"] = np.round(scores, 6)
        out["predicted"] = np.where(scores >= model.threshold, model.classes[1], model.classes[0])
        out["top_factors"] = factors.json_rows()
        if model.plan.support:  # factors backed by few training rows say so
            out["factor_notes"] = model.thin_notes(factors)
        out["model_version"] = version_ref(version)
        return out

    def forecast(self, ref: str, horizon: int | None = None) -> tuple[ModelVersion, ForecastResult]:
        version = self.resolve(ref)
        if version.kind != "forecast":
            raise ValidationFailed(
                f"{version_ref(version)} is a {version.kind} model, not a forecast",
                [FieldError(["version"], "not a forecast")],
            )
        spec = registry.load_json(version.artifact, version.artifact_sha256)
        series = pd.Series(spec["values"], index=pd.DatetimeIndex(spec["periods"]))
        return version, train_forecast(series, spec["freq"], horizon)

    # -- scores --------------------------------------------------------------
    def record_scores(
        self,
        kind: str,
        object_type: str,
        model_label: str,
        model_version_id: str | None,
        rows: Iterable[ScoreRow],
        emit: bool = True,
        band: Callable[[ScoreRow], str] | None = None,
    ) -> dict[str, int]:
        """Upsert the scores; emit ``score.changed`` only when a record changes band.

        A first score counts as a change only when it is not in the lowest band,
        so the first run over a tenant does not flood the agents with "low".
        """
        rows = list(rows)
        restricted = self._restricted_people(object_type, rows)
        existing = self.repo.scores_by_record(kind, object_type)
        now = self.clock()
        written = changed = 0
        lowest = BANDS[-1][1]
        for row in rows:
            if _person_of(object_type, row) in restricted:
                continue
            band_name = band(row) if band else band_of(row.score)
            score = existing.get(row.record_id)
            previous = score.band if score else None
            if score is None:
                score = Score(
                    tenant_id=self.tenant_id,
                    object_type=object_type,
                    record_id=row.record_id,
                    kind=kind,
                )
                self.uow.session.add(score)
            score.score = round(float(row.score), 6)
            score.band = band_name
            score.model_version = model_label
            score.model_version_id = model_version_id
            score.factors = row.factors
            score.detail = row.detail or {}
            score.scored_at = now
            written += 1
            if emit and band_name != (previous or lowest):
                changed += 1
                self.uow.emit(
                    DomainEvent(
                        type=EventType.SCORE_CHANGED,
                        tenant_id=self.tenant_id,
                        subject_type=object_type,
                        subject_id=row.record_id,
                        actor=self.actor,
                        payload={
                            "kind": kind,
                            "score": score.score,
                            "band": band_name,
                            "previous_band": previous,
                            "model_version": model_label,
                            "factors": row.factors,
                            **({"detail": row.detail} if row.detail else {}),
                        },
                        account_id=row.account_id,
                        contact_id=row.contact_id,
                        summary=f"{kind} {previous or '-'} → {band_name} ({score.score:.2f})",
                        occurred_at=now,
                    )
                )
        self.uow.session.flush()
        return {"scored": written, "band_changes": changed, "restricted": len(restricted)}

    def _restricted_people(self, object_type: str, rows: Sequence[ScoreRow]) -> set[str]:
        """People under a restriction of processing: scoring is an automated decision about
        them, so they keep their last score (storage is allowed) but get no new one."""
        people = {p for p in (_person_of(object_type, row) for row in rows) if p}
        if not people:
            return set()
        return set(live_in_transaction(self.uow.session, self.tenant_id, people, self.clock()))

    # -- monitoring ----------------------------------------------------------
    def check_drift(self, ref: str, frame: pd.DataFrame) -> DriftCheck:
        version = self.resolve(ref)
        model = self.classifier(version)
        features = prepare(frame, model.plan)
        values = drift.compare(version.profile, features, model.score(frame))
        worst = max(values.values(), default=0.0)
        shifted = sorted(
            (k for k, v in values.items() if v > drift.ALERT_PSI), key=lambda k: values[k]
        )
        check = DriftCheck(
            tenant_id=self.tenant_id,
            model_version_id=version.id,
            checked_at=self.clock(),
            rows=len(frame),
            psi=values,
            max_psi=worst,
            alert=worst > drift.ALERT_PSI,
            note=f"shifted: {', '.join(shifted)}" if shifted else None,
        )
        self.uow.session.add(check)
        self.uow.session.flush()
        if check.alert:
            self._emit_model(
                EventType.MODEL_DRIFT_DETECTED,
                version,
                psi=values,
                max_psi=worst,
                threshold=drift.ALERT_PSI,
                shifted=shifted,
            )
        return check


def _person_of(object_type: str, row: ScoreRow) -> str | None:
    return row.record_id if object_type == "contact" else row.contact_id
