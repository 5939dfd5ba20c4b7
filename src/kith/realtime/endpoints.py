"""HTTP: real-time decisions (``POST /decide/{decision_key}``) and their rule sets,
lists, experiments, labels and figures (``/risk/...``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from kith.api.deps import CurrentPrincipal, UoW, get_container, requires_scope
from kith.api.responses import KithJSON
from kith.container import Container
from kith.realtime.models import DecisionRoute, RiskListEntry, RuleSetVersion
from kith.realtime.runtime import runtime_for
from kith.realtime.schemas import (
    DecisionOut,
    DraftIn,
    ExperimentIn,
    LabelIn,
    ListEntryIn,
    ListEntryOut,
    ListName,
    PaymentCheckIn,
    RouteOut,
    RuleSetOut,
)
from kith.realtime.service import RealtimeService

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Real-time decisions"])

DecisionKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
VersionNo = Annotated[int, Path(ge=1, le=1_000_000)]  # an INTEGER column: bounded
ContainerDep = Annotated[Container, Depends(get_container)]


def _service(uow: Any, principal: Any, container: Container) -> RealtimeService:
    return RealtimeService(uow, principal, runtime_for(container), clock=container.clock)


def ruleset_out(row: RuleSetVersion) -> RuleSetOut:
    return RuleSetOut(
        decision_key=row.decision_key,
        version=row.version,
        status=row.status,
        definition=row.definition,
        note=row.note,
        created_at=row.created_at,
        created_by=row.created_by,
        published_at=row.published_at,
        published_by=row.published_by,
    )


def route_out(row: DecisionRoute) -> RouteOut:
    return RouteOut(
        decision_key=row.decision_key,
        champion=row.champion,
        previous_champion=row.previous_champion,
        challenger=row.challenger,
        mode=row.mode,
        percent=row.percent,
        split_key=row.split_key,
    )


def entry_out(row: RiskListEntry) -> ListEntryOut:
    return ListEntryOut(
        id=row.id,
        list_name=row.list_name,
        kind=row.kind,
        value=row.value,
        reason=row.reason,
        expires_at=row.expires_at,
        created_at=row.created_at,
        created_by=row.created_by,
    )


@router.post(
    "/decide/{decision_key}",
    response_model=DecisionOut,
    summary="Decide now (payment check), within a latency budget",
    dependencies=[requires_scope("risk_decisions:write")],
)
def decide(
    decision_key: DecisionKey,
    body: PaymentCheckIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    budget_ms: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> DecisionOut:
    """``outcome`` is pass, step_up, review or block. When the budget (``budget_ms``,
    default the rule set's) runs out, or a rule fails at run time, the answer is the
    rule set's ``fallback_outcome`` with ``fallback`` saying why — never an error or a
    hang. Non-pass outcomes carry customer-facing ``reasons`` in zh and en; their
    actions run through the gateway after this answer."""
    out = _service(uow, principal, container).decide(decision_key, body, budget_ms=budget_ms)
    uow.commit()
    return out


class RuleSetsOut(BaseModel):
    routes: list[RouteOut]
    versions: list[RuleSetOut]


class PublishIn(BaseModel):
    version: int = Field(ge=1, le=1_000_000)


@router.get(
    "/risk/rulesets",
    response_model=RuleSetsOut,
    summary="Rule sets: every decision key's route and versions",
    dependencies=[requires_scope("risk_rules:read")],
)
def list_rulesets(uow: UoW, principal: CurrentPrincipal, container: ContainerDep) -> RuleSetsOut:
    service = _service(uow, principal, container)
    versions = service.versions()
    return RuleSetsOut(
        routes=[route_out(r) for r in service.repo.routes()],
        versions=[ruleset_out(v) for v in versions],
    )


@router.get(
    "/risk/rulesets/{decision_key}/versions/{version}",
    response_model=RuleSetOut,
    summary="One rule-set version",
    dependencies=[requires_scope("risk_rules:read")],
)
def get_ruleset(
    decision_key: DecisionKey,
    version: VersionNo,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> RuleSetOut:
    return ruleset_out(_service(uow, principal, container).version(decision_key, version))


@router.post(
    "/risk/rulesets/{decision_key}/versions",
    response_model=RuleSetOut,
    status_code=201,
    summary="Save a draft version (it must compile)",
    dependencies=[requires_scope("risk_rules:write")],
)
def create_draft(
    decision_key: DecisionKey,
    body: DraftIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> Any:
    out = ruleset_out(_service(uow, principal, container).draft(decision_key, body))
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.get(
    "/risk/rulesets/{decision_key}/diff",
    summary="What changed between two versions (rules added, removed, changed; settings)",
    dependencies=[requires_scope("risk_rules:read")],
)
def diff_versions(
    decision_key: DecisionKey,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    base: Annotated[int, Query(ge=1, le=1_000_000)],
    version: Annotated[int, Query(ge=1, le=1_000_000)],
) -> dict[str, Any]:
    return _service(uow, principal, container).diff(decision_key, base, version)


@router.post(
    "/risk/rulesets/{decision_key}/versions/{version}/test",
    summary="Run a version's test cases and replay the last N decisions through it",
    dependencies=[requires_scope("risk_rules:read")],
)
def run_ruleset_tests(
    decision_key: DecisionKey,
    version: VersionNo,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    last: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> dict[str, Any]:
    return _service(uow, principal, container).test(decision_key, version, last)


@router.post(
    "/risk/rulesets/{decision_key}/publish",
    response_model=RouteOut,
    summary="Publish a version (its test cases must pass); every process serves it within 1 s",
    dependencies=[requires_scope("risk_rules:write")],
)
def publish(
    decision_key: DecisionKey,
    body: PublishIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> RouteOut:
    out = route_out(_service(uow, principal, container).publish(decision_key, body.version))
    uow.commit()
    return out


@router.post(
    "/risk/rulesets/{decision_key}/rollback",
    response_model=RouteOut,
    summary="Back to the previous champion; any experiment stops",
    dependencies=[requires_scope("risk_rules:write")],
)
def rollback(
    decision_key: DecisionKey, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> RouteOut:
    out = route_out(_service(uow, principal, container).rollback(decision_key))
    uow.commit()
    return out


@router.put(
    "/risk/rulesets/{decision_key}/experiment",
    response_model=RouteOut,
    summary="Start, change or stop an experiment (ab, canary %, shadow, off)",
    dependencies=[requires_scope("risk_rules:write")],
)
def experiment(
    decision_key: DecisionKey,
    body: ExperimentIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> RouteOut:
    out = route_out(_service(uow, principal, container).experiment(decision_key, body))
    uow.commit()
    return out


@router.get(
    "/risk/rulesets/{decision_key}/stats",
    summary="Per version and variant: outcomes, latency percentiles, precision/recall",
    dependencies=[requires_scope("risk_rules:read")],
)
def stats(
    decision_key: DecisionKey, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> dict[str, Any]:
    return _service(uow, principal, container).stats(decision_key)


@router.get(
    "/risk/lists",
    response_model=list[ListEntryOut],
    summary="Blocklist and allowlist entries",
    dependencies=[requires_scope("risk_rules:read")],
)
def list_entries(
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    list_name: ListName | None = None,
) -> list[ListEntryOut]:
    return [entry_out(e) for e in _service(uow, principal, container).entries(list_name)]


@router.post(
    "/risk/lists",
    response_model=ListEntryOut,
    status_code=201,
    summary="Add (or renew) a list entry: IP, CIDR range, device or card hash",
    dependencies=[requires_scope("risk_rules:write")],
)
def add_entry(
    body: ListEntryIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    out = entry_out(_service(uow, principal, container).add_entry(body))
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.delete(
    "/risk/lists/{entry_id}",
    status_code=204,
    summary="Remove a list entry",
    dependencies=[requires_scope("risk_rules:write")],
)
def remove_entry(
    entry_id: Annotated[str, Path(max_length=32)],
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> Response:
    _service(uow, principal, container).remove_entry(entry_id)
    uow.commit()
    return Response(status_code=204)


class LabelOut(BaseModel):
    labelled: int


@router.post(
    "/risk/labels",
    response_model=LabelOut,
    summary="An order's outcome arrived (fraud, chargeback, legit, delivered)",
    dependencies=[requires_scope("risk_decisions:write")],
)
def label(
    body: LabelIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> LabelOut:
    count = _service(uow, principal, container).label(body.order_id, body.label)
    uow.commit()
    return LabelOut(labelled=count)
