"""HTTP: scores of a record, the revenue forecast, the churn distribution,
stalled deals and the model registry. Row scoping comes from the access policy:
a user sees scores only of records they may read, and aggregates only over them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from kith.access import policy
from kith.api.deps import CurrentPrincipal, Now, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.crm.service import RecordService
from kith.intelligence import reports
from kith.intelligence import schemas as s
from kith.intelligence.forecast import groups as forecast_groups
from kith.intelligence.repository import IntelligenceRepository
from kith.intelligence.service import version_out, version_ref

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON)

SCORED_OBJECTS = {
    "contacts": ("contact", "Contacts"),
    "accounts": ("account", "Accounts"),
    "deals": ("deal", "Deals"),
    "leads": ("lead", "Leads"),
    "interactions": ("interaction", "Interactions"),
}


# The built-in classifiers that score each object type (scoring/builtin.py).
BUILTIN_KINDS = {"deal": ("deal_win",), "lead": ("lead_conversion",), "contact": ("churn",)}


def _not_enough_data(kind: str, model_version: str, reason: dict[str, str]) -> s.ScoreOut:
    return s.ScoreOut(
        kind=kind,
        score=None,
        band="none",
        model_version=model_version,
        factors=[],
        status="not_enough_data",
        reason=reason,
    )


def _scores_route(object_type: str) -> Any:
    def record_scores(record_id: str, uow: UoW, principal: CurrentPrincipal) -> list[s.ScoreOut]:
        """Scores with factors; a score written by a version that may not score records
        (training/guards.py) is replaced by ``status: not_enough_data`` and the reason,
        and so is a missing score of a built-in model whose versions are all unfit."""
        records = RecordService(uow, principal)
        records.get(object_type, record_id)  # 404 / 403 as for the record
        repo = IntelligenceRepository(uow.session, principal.tenant_id)
        rows = list(repo.scores_for(object_type, record_id))
        # A contact's person spans its linked contacts: their scores follow, marked.
        linked = records.linked_contacts(record_id) if object_type == "contact" else []
        for other in linked:
            rows.extend(repo.scores_for(object_type, other))
        unfit = repo.unfit_versions()
        out: list[s.ScoreOut] = []
        for r in rows:
            if r.model_version_id in unfit:
                out.append(_not_enough_data(r.kind, r.model_version, unfit[r.model_version_id][1]))
                continue
            out.append(
                s.ScoreOut(
                    kind=r.kind,
                    score=r.score,
                    band=r.band,
                    model_version=r.model_version,
                    factors=[s.FactorOut(**f) for f in r.factors],
                    scored_at=r.scored_at,
                    detail=r.detail,
                    linked_record_id=r.record_id if r.record_id != record_id else None,
                )
            )
        present = {r.kind for r in rows if r.record_id == record_id}
        for kind in BUILTIN_KINDS.get(object_type, ()):
            if kind in present:
                continue
            version = repo.champion(kind) or repo.latest(kind)
            if version is not None and version.id in unfit:
                out.append(_not_enough_data(kind, version_ref(version), unfit[version.id][1]))
        return out

    return record_scores


for _plural, (_object_type, _tag) in SCORED_OBJECTS.items():
    router.add_api_route(
        f"/{_plural}/{{record_id}}/scores",
        _scores_route(_object_type),
        dependencies=[requires_scope(f"{_plural}:read")],
        methods=["GET"],
        tags=[_tag],
        response_model=list[s.ScoreOut],
        summary=f"Model scores of a {_object_type}, with their top factors",
        operation_id=f"{_object_type}_scores",
    )


@router.get(
    "/intelligence/forecast",
    tags=["Intelligence"],
    response_model=s.ForecastOut,
    dependencies=[requires_scope("intelligence:read")],
)
def forecast(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    period: Annotated[Literal["month", "week"], Query()] = "month",
    horizon: Annotated[int | None, Query(ge=1, le=24)] = None,
    by: Annotated[Literal["total", "team", "owner", "product", "pipeline"], Query()] = "total",
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
) -> s.ForecastOut:
    """Won-deal revenue per period over the deals you may read, with a backtested forecast.

    ``groups`` holds one series per team, owner, product or pipeline (``by``), each
    with the method its own backtest chose, every candidate's error, the
    seasonal-naive baseline and the pipeline-weighted estimate from open deals.
    """
    policy.require(principal, "deal", "read")
    out = reports.revenue_forecast(uow.session, principal, period, horizon, now)
    groups, omitted = forecast_groups.group_forecasts(
        uow.session, principal, period, by, horizon, now, limit
    )
    return out.model_copy(update={"by": by, "groups": groups, "omitted_groups": omitted})


@router.get(
    "/intelligence/churn/distribution",
    tags=["Intelligence"],
    response_model=s.DistributionOut,
    dependencies=[requires_scope("intelligence:read")],
)
def churn_distribution(
    uow: UoW,
    principal: CurrentPrincipal,
    bins: Annotated[int, Query(ge=2, le=50)] = 10,
) -> s.DistributionOut:
    """How the churn scores of the customers you may read are spread over 0..1."""
    policy.require(principal, "contact", "read")
    return reports.churn_distribution(uow.session, principal, bins)


@router.get(
    "/intelligence/stalled-deals",
    tags=["Intelligence"],
    response_model=list[s.StalledDealOut],
    dependencies=[requires_scope("intelligence:read")],
)
def stalled(uow: UoW, principal: CurrentPrincipal, now: Now) -> list[s.StalledDealOut]:
    """Open deals in their stage longer than usual, with the likely cause and a next step."""
    policy.require(principal, "deal", "read")
    return reports.stalled(uow.session, principal, now)


@router.get(
    "/intelligence/models",
    tags=["Intelligence"],
    response_model=list[s.ModelVersionOut],
    dependencies=[requires_scope("intelligence:read")],
)
def models(
    uow: UoW,
    principal: CurrentPrincipal,
    name: Annotated[str | None, Query(max_length=100)] = None,
) -> list[s.ModelVersionOut]:
    """The model registry: every version, its metrics against the baseline and its status."""
    policy.require(principal, "model", "read")
    repo = IntelligenceRepository(uow.session, principal.tenant_id)
    return [s.ModelVersionOut(**version_out(v)) for v in repo.versions(name)]
