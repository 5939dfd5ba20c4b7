"""HTTP: flows (``/flows``): save a draft, validate, publish, retire, simulate, start a
run, list runs, a run's page (the path, each node's input, output, timing, branch
values, decision record, why it waits), retry a failed run, cancel one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query

from kith.api.deps import CurrentPrincipal, UoW, get_container, requires_scope
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.errors import NotFound
from kith.flows.engine import FlowEngine, definition_of
from kith.flows.models import Flow
from kith.flows.schemas import (
    FlowCancelIn,
    FlowOut,
    FlowRunDetailOut,
    FlowRunIn,
    FlowRunOut,
    FlowSimulateIn,
    FlowVersionOut,
    flow_out,
    run_detail_out,
    run_out,
    version_out,
)
from kith.flows.service import FlowService
from kith.flows.simulate import simulate
from kith.flows.validate import validate_definition
from kith.gateway.gateway import gateway_of

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON, tags=["Flows"])

FlowKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
RunId = Annotated[str, Path(min_length=1, max_length=32)]
ContainerDep = Annotated[Container, Depends(get_container)]
READ = requires_scope("flows:read")
WRITE = requires_scope("flows:write")


def _service(uow: Any, principal: Any, container: Container) -> FlowService:
    engine = FlowEngine(gateway_of(container), container.clock)
    return FlowService(uow, principal, engine, container.clock)


@router.get(
    "/flows", response_model=list[FlowOut], summary="Flows and their versions", dependencies=[READ]
)
def list_flows(uow: UoW, principal: CurrentPrincipal, container: ContainerDep) -> list[FlowOut]:
    return [flow_out(f, v) for f, v in _service(uow, principal, container).list_flows()]


@router.post(
    "/flows",
    response_model=FlowVersionOut,
    status_code=201,
    summary="Save a flow's draft (created on first save; a draft is replaced until published)",
    dependencies=[WRITE],
)
def save_draft(
    body: Annotated[dict[str, Any], Body()],
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> Any:
    _, version = _service(uow, principal, container).save_draft(body)
    out = version_out(version)
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.post(
    "/flows/validate",
    summary="Validate a definition: every problem with its path (422), nothing saved",
    dependencies=[READ],
)
def validate(
    body: Annotated[dict[str, Any], Body()],
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> dict[str, Any]:
    flow = _service(uow, principal, container).validate(body)
    return {"valid": True, "key": flow.key, "nodes": len(flow.nodes)}


@router.get(
    "/flows/{key}", response_model=FlowOut, summary="One flow and its versions", dependencies=[READ]
)
def get_flow(
    key: FlowKey, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> FlowOut:
    return flow_out(*_service(uow, principal, container).get(key))


@router.post(
    "/flows/{key}/publish",
    response_model=FlowVersionOut,
    summary="Publish the draft after a full validation; the previous version is retired",
    dependencies=[WRITE],
)
def publish(
    key: FlowKey, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> FlowVersionOut:
    out = version_out(_service(uow, principal, container).publish(key))
    uow.commit()
    return out


@router.post(
    "/flows/{key}/retire",
    response_model=FlowVersionOut,
    summary="Retire the published version: no new runs; running ones finish",
    dependencies=[WRITE],
)
def retire(
    key: FlowKey, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> FlowVersionOut:
    out = version_out(_service(uow, principal, container).retire(key))
    uow.commit()
    return out


@router.post(
    "/flows/{key}/simulate",
    summary="Dry-run the draft (or a given definition) over the last N events: nothing written",
    dependencies=[READ],
)
def simulate_flow(
    key: FlowKey,
    body: FlowSimulateIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> dict[str, Any]:
    service = _service(uow, principal, container)
    if body.definition is not None:
        definition = validate_definition(body.definition, principal)
    else:
        _, versions = service.get(key)
        if not versions:
            raise NotFound(f"flow {key} has no version")
        definition = definition_of(versions[-1])
    report = simulate(uow, gateway_of(container), principal, definition, body.last)
    uow.rollback()  # nothing a dry run touched is kept
    return report.as_dict()


@router.post(
    "/flows/{key}/runs",
    response_model=FlowRunOut,
    status_code=201,
    summary="Start a run of the published version by hand",
    dependencies=[WRITE],
)
def start_run(
    key: FlowKey, body: FlowRunIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> Any:
    run = _service(uow, principal, container).start(key, body.payload)
    out = run_out(run, key)
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.get(
    "/flows/{key}/runs",
    response_model=list[FlowRunOut],
    summary="A flow's runs, newest first",
    dependencies=[READ],
)
def list_runs(
    key: FlowKey,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    status: Annotated[
        str | None, Query(pattern=r"^(running|waiting|completed|failed|cancelled)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[FlowRunOut]:
    return [run_out(r, key) for r in _service(uow, principal, container).runs(key, status, limit)]


def _run_of(service: FlowService, key: str, run_id: str) -> Any:
    run, steps = service.run(run_id)
    flow = service.uow.session.get(Flow, run.flow_id)
    if flow is None or flow.key != key:
        raise NotFound(f"no run {run_id} of flow {key}")
    return run, steps


@router.get(
    "/flows/{key}/runs/{run_id}",
    response_model=FlowRunDetailOut,
    summary="A run: the path taken and every step",
    dependencies=[READ],
)
def get_run(
    key: FlowKey, run_id: RunId, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> FlowRunDetailOut:
    run, steps = _run_of(_service(uow, principal, container), key, run_id)
    return run_detail_out(run, key, steps)


@router.post(
    "/flows/{key}/runs/{run_id}/retry",
    response_model=FlowRunOut,
    summary="Retry a failed run's failed step (a new attempt)",
    dependencies=[WRITE],
)
def retry_run(
    key: FlowKey, run_id: RunId, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> FlowRunOut:
    service = _service(uow, principal, container)
    _run_of(service, key, run_id)
    out = run_out(service.retry(run_id), key)
    uow.commit()
    return out


@router.post(
    "/flows/{key}/runs/{run_id}/cancel",
    response_model=FlowRunOut,
    summary="Cancel a running or waiting run",
    dependencies=[WRITE],
)
def cancel_run(
    key: FlowKey,
    run_id: RunId,
    body: FlowCancelIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> FlowRunOut:
    service = _service(uow, principal, container)
    _run_of(service, key, run_id)
    out = run_out(service.cancel(run_id, body.reason), key)
    uow.commit()
    return out
