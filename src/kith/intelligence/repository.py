"""Every query of the intelligence context, always within one tenant."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from kith.intelligence.models import DriftCheck, ModelVersion, Score


class IntelligenceRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # -- model versions ------------------------------------------------------
    def next_number(self, name: str) -> int:
        current = self.session.scalar(
            select(func.max(ModelVersion.number)).where(
                ModelVersion.tenant_id == self.tenant_id, ModelVersion.name == name
            )
        )
        return int(current or 0) + 1

    def versions(self, name: str | None = None) -> Sequence[ModelVersion]:
        stmt = select(ModelVersion).where(ModelVersion.tenant_id == self.tenant_id)
        if name:
            stmt = stmt.where(ModelVersion.name == name)
        return self.session.scalars(stmt.order_by(ModelVersion.name, ModelVersion.number)).all()

    def version(self, version_id: str) -> ModelVersion | None:
        return self.session.scalar(
            select(ModelVersion).where(
                ModelVersion.tenant_id == self.tenant_id, ModelVersion.id == version_id
            )
        )

    def numbered(self, name: str, number: int) -> ModelVersion | None:
        return self.session.scalar(
            select(ModelVersion).where(
                ModelVersion.tenant_id == self.tenant_id,
                ModelVersion.name == name,
                ModelVersion.number == number,
            )
        )

    def champion(self, name: str) -> ModelVersion | None:
        return self.session.scalar(
            select(ModelVersion).where(
                ModelVersion.tenant_id == self.tenant_id,
                ModelVersion.name == name,
                ModelVersion.status == "champion",
            )
        )

    def previous_champion(self, name: str, before: ModelVersion) -> ModelVersion | None:
        """The retired version promoted most recently before ``before`` was."""
        if before.promoted_at is None:
            return None
        return self.session.scalar(
            select(ModelVersion)
            .where(
                ModelVersion.tenant_id == self.tenant_id,
                ModelVersion.name == name,
                ModelVersion.status == "retired",
                ModelVersion.promoted_at.is_not(None),
                ModelVersion.promoted_at <= before.promoted_at,
                ModelVersion.id != before.id,
            )
            .order_by(ModelVersion.promoted_at.desc(), ModelVersion.number.desc())
            .limit(1)
        )

    def unfit_versions(self) -> dict[str, tuple[str, dict[str, str]]]:
        """Classifier versions that may not score records: id -> (name, zh/en reason)."""
        from kith.intelligence.training.guards import unfit_reason

        rows = self.session.execute(
            select(
                ModelVersion.id,
                ModelVersion.name,
                ModelVersion.metrics,
                ModelVersion.baseline,
                ModelVersion.rows,
            ).where(ModelVersion.tenant_id == self.tenant_id, ModelVersion.kind == "classifier")
        ).all()
        out: dict[str, tuple[str, dict[str, str]]] = {}
        for version_id, name, metrics, baseline, count in rows:
            reason = unfit_reason("classifier", metrics, baseline, count)
            if reason is not None:
                out[version_id] = (name, reason)
        return out

    def latest(self, name: str) -> ModelVersion | None:
        return self.session.scalar(
            select(ModelVersion)
            .where(ModelVersion.tenant_id == self.tenant_id, ModelVersion.name == name)
            .order_by(ModelVersion.number.desc())
            .limit(1)
        )

    # -- scores --------------------------------------------------------------
    def scores_for(self, object_type: str, record_id: str) -> Sequence[Score]:
        return self.session.scalars(
            select(Score)
            .where(
                Score.tenant_id == self.tenant_id,
                Score.object_type == object_type,
                Score.record_id == record_id,
            )
            .order_by(Score.kind)
        ).all()

    def scores_by_record(
        self, kind: str, object_type: str, usable_only: bool = False
    ) -> dict[str, Score]:
        """Every score of a kind by record; ``usable_only`` leaves out those written by a
        version that may not score records (training/guards.py)."""
        stmt = select(Score).where(
            Score.tenant_id == self.tenant_id,
            Score.kind == kind,
            Score.object_type == object_type,
        )
        if usable_only:
            stmt = stmt.where(self.usable_scores())
        return {row.record_id: row for row in self.session.scalars(stmt)}

    def usable_scores(self) -> ColumnElement[bool]:
        """A condition on ``Score``: not written by a version unfit to score."""
        unfit = list(self.unfit_versions())
        if not unfit:
            return true()
        return or_(Score.model_version_id.is_(None), Score.model_version_id.not_in(unfit))

    def score_values(self, kind: str, record_ids: Sequence[str] | None = None) -> list[float]:
        stmt = select(Score.score).where(Score.tenant_id == self.tenant_id, Score.kind == kind)
        if record_ids is not None:
            stmt = stmt.where(Score.record_id.in_(record_ids))
        return [float(v) for v in self.session.scalars(stmt)]

    # -- drift ---------------------------------------------------------------
    def drift_checks(self, version_id: str) -> Sequence[DriftCheck]:
        return self.session.scalars(
            select(DriftCheck)
            .where(
                DriftCheck.tenant_id == self.tenant_id, DriftCheck.model_version_id == version_id
            )
            .order_by(DriftCheck.checked_at)
        ).all()
