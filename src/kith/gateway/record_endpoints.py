"""HTTP routes of the CRM records, generated from the object specs.

Creates, updates and deletes go through the gateway (``records.*`` tools, purpose
"crm_ui" from the web UI, "api" otherwise), so every write over HTTP has a
decision record, exactly like an agent's. The unit of work is committed whatever
the outcome — a refused or failed write commits only its decision record — and
the original error is then re-raised, keeping the status codes (422, 403, 404,
409) and problem+json bodies.

This module deliberately does not use ``from __future__ import annotations``:
route functions are built in a loop and FastAPI must see each spec's real
schema class in the signature to validate bodies and document them.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, StringConstraints
from sqlalchemy import select

from kith.access import policy
from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.edge import INT64_MAX
from kith.api.responses import KithJSON
from kith.core.errors import FieldError, NotFound, ValidationFailed
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.conversion import LeadConverter
from kith.crm.query import MAX_LIMIT, build_list_query
from kith.crm.repository import RecordRepository
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS, READ_SCHEMAS, SPECS, ObjectSpec
from kith.gateway.deps import GatewayDep, Purpose
from kith.gateway.gateway import GatewayResult

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON)

RecordId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="Record id")]


def _page_model(spec: ObjectSpec) -> type[BaseModel]:
    from pydantic import create_model

    model: type[BaseModel] = create_model(
        f"{spec.name.title()}Page",
        items=(list.__class_getitem__(READ_SCHEMAS[spec.name]), ...),
        next_cursor=(str | None, None),
        total=(int | None, None),
    )
    return model


def _custom_types(uow: Any, principal: Any, object_type: str) -> dict[str, str]:
    repo = RecordRepository(uow.session, principal)
    return {name: d.type for name, d in repo.custom_fields(object_type).items()}


def _written(uow: Any, result: GatewayResult) -> dict[str, Any]:
    """Commit the write (or only its decision record) and answer like the service would."""
    uow.commit()
    result.raise_for_outcome()
    output = result.output or {}
    record: dict[str, Any] = output.get("record", {})
    return record


# field:op:value; only isnull may leave out the value (field:isnull means true)
FilterText = Annotated[str, StringConstraints(pattern=r"^[^:]+:(isnull(:.*)?|[^:]+:.+)$")]
FILTER_HELP = "field:op:value, repeatable (field:isnull needs no value)"


def _register(spec: ObjectSpec) -> None:
    name, plural = spec.name, spec.plural
    input_schema = spec.input_schema
    patch_schema = PATCH_SCHEMAS[name]
    read = READ_SCHEMAS[name]
    tag = spec.label_en

    def list_records(
        uow: UoW,
        principal: CurrentPrincipal,
        filter: Annotated[list[FilterText], Query(description=FILTER_HELP)] = [],  # noqa: B006
        sort: Annotated[str | None, Query(description="field or -field")] = None,
        cursor: Annotated[str | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        q: Annotated[str | None, Query(max_length=200, description="full-text search")] = None,
        total: Annotated[
            bool, Query(description="also count the matching records over all pages")
        ] = False,
    ) -> Any:
        query = build_list_query(
            spec,
            filters=filter,
            sort=sort,
            cursor=cursor,
            limit=limit,
            q=q,
            custom_fields=_custom_types(uow, principal, name),
        )
        records = RecordService(uow, principal)
        page = records.list_page(name, query)
        counted = records.count(name, query) if total else None
        uow.commit()
        return {"items": page.items, "next_cursor": page.next_cursor, "total": counted}

    def create_record(
        body: input_schema,  # type: ignore[valid-type]
        uow: UoW,
        principal: CurrentPrincipal,
        gateway: GatewayDep,
        purpose: Purpose,
    ) -> Any:
        values = body.model_dump(mode="json", exclude_unset=True)  # type: ignore[attr-defined]
        args = {"object_type": name, "values": values}
        result = gateway.execute(uow, principal, "records.create", args, purpose=purpose)
        return KithJSON(_written(uow, result), status_code=201)

    def get_record(record_id: RecordId, uow: UoW, principal: CurrentPrincipal) -> Any:
        records = RecordService(uow, principal)
        data = records.get(name, record_id)
        if name == "contact":  # the person and the identities linked to it
            data = {**data, "person": records.person_of(record_id)}
        uow.commit()
        return data

    def update_record(
        record_id: RecordId,
        body: patch_schema,  # type: ignore[valid-type]
        uow: UoW,
        principal: CurrentPrincipal,
        gateway: GatewayDep,
        purpose: Purpose,
    ) -> Any:
        values = body.model_dump(mode="json", exclude_unset=True)  # type: ignore[attr-defined]
        args = {
            "object_type": name,
            "record_id": record_id,
            "version": values.pop("version"),
            "values": values,
        }
        return _written(
            uow, gateway.execute(uow, principal, "records.update", args, purpose=purpose)
        )

    def delete_record(
        record_id: RecordId,
        version: Annotated[int, Query(ge=1, le=INT64_MAX, description="version you last saw")],
        uow: UoW,
        principal: CurrentPrincipal,
        gateway: GatewayDep,
        purpose: Purpose,
    ) -> Response:
        args = {"object_type": name, "record_id": record_id, "version": version}
        _written(uow, gateway.execute(uow, principal, "records.delete", args, purpose=purpose))
        return Response(status_code=204)

    def record_timeline(
        record_id: RecordId,
        uow: UoW,
        principal: CurrentPrincipal,
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
        before: Annotated[str | None, Query(description="entry id to page before")] = None,
    ) -> Any:
        items = RecordService(uow, principal).timeline(name, record_id, limit, before)
        uow.commit()
        return {"items": items}

    responses: dict[int | str, dict[str, Any]] = {200: {"model": read}}
    router.add_api_route(
        f"/{plural}",
        list_records,
        dependencies=[requires_scope(f"{plural}:read")],
        methods=["GET"],
        tags=[tag],
        name=f"list_{plural}",
        summary=f"List {plural}",
        responses={200: {"model": _page_model(spec)}},
    )
    router.add_api_route(
        f"/{plural}",
        create_record,
        dependencies=[requires_scope(f"{plural}:write")],
        methods=["POST"],
        tags=[tag],
        name=f"create_{name}",
        summary=f"Create a {name}",
        status_code=201,
        responses={201: {"model": read}},
    )
    router.add_api_route(
        f"/{plural}/{{record_id}}",
        get_record,
        dependencies=[requires_scope(f"{plural}:read")],
        methods=["GET"],
        tags=[tag],
        name=f"get_{name}",
        summary=f"Get a {name}",
        responses=responses,
    )
    router.add_api_route(
        f"/{plural}/{{record_id}}",
        update_record,
        dependencies=[requires_scope(f"{plural}:write")],
        methods=["PATCH"],
        tags=[tag],
        name=f"update_{name}",
        summary=f"Update a {name} (send the version you read)",
        responses=responses,
    )
    router.add_api_route(
        f"/{plural}/{{record_id}}",
        delete_record,
        dependencies=[requires_scope(f"{plural}:write")],
        methods=["DELETE"],
        tags=[tag],
        name=f"delete_{name}",
        summary=f"Delete a {name}",
        status_code=204,
    )
    router.add_api_route(
        f"/{plural}/{{record_id}}/timeline",
        record_timeline,
        dependencies=[requires_scope(f"{plural}:read")],
        methods=["GET"],
        tags=[tag],
        name=f"{name}_timeline",
        summary=f"Timeline of a {name}",
        responses={200: {"model": _timeline_model()}},
    )


def _timeline_model() -> type[BaseModel]:
    class Timeline(BaseModel):
        items: list[s.TimelineItem]

    return Timeline


for _spec in SPECS.values():
    _register(_spec)


# --- lead conversion -------------------------------------------------------------


@router.post(
    "/leads/{record_id}/convert",
    tags=["Leads"],
    response_model=s.LeadConversionOut,
    dependencies=[requires_scope("leads:write")],
)
def convert_lead(
    record_id: RecordId, body: s.LeadConversionIn, uow: UoW, principal: CurrentPrincipal
) -> s.LeadConversionOut:
    """Convert a lead into an account, a contact and (optionally) a deal, reusing matches."""
    result = LeadConverter(RecordService(uow, principal)).convert(record_id, body)
    uow.commit()
    return result


# --- pipelines and history ---------------------------------------------------------


@router.get(
    "/pipelines/{record_id}/stages",
    tags=["Pipelines"],
    response_model=list[s.StageOut],
    dependencies=[requires_scope("pipelines:read")],
)
def list_stages(record_id: RecordId, uow: UoW, principal: CurrentPrincipal) -> list[s.StageOut]:
    service = RecordService(uow, principal)
    service.get("pipeline", record_id)
    return [
        s.StageOut.model_validate(st, from_attributes=True) for st in service.repo.stages(record_id)
    ]


@router.post(
    "/pipelines/{record_id}/stages",
    tags=["Pipelines"],
    status_code=201,
    response_model=s.StageOut,
    dependencies=[requires_scope("pipelines:write")],
)
def add_stage(
    record_id: RecordId, body: s.StageIn, uow: UoW, principal: CurrentPrincipal
) -> s.StageOut:
    service = RecordService(uow, principal)
    pipeline = service.load(SPECS["pipeline"], record_id, "update")
    stages = service.repo.stages(record_id)
    if any(st.name == body.name for st in stages):
        raise ValidationFailed("stage exists", [FieldError(["body", "name"], "already exists")])
    stage = m.PipelineStage(
        tenant_id=pipeline.tenant_id,
        pipeline_id=pipeline.id,
        name=body.name,
        probability=body.probability,
        kind=body.kind,
        position=len(stages),
    )
    uow.session.add(stage)
    uow.session.flush()
    out = s.StageOut.model_validate(stage, from_attributes=True)
    uow.commit()
    return out


class StageChangeOut(BaseModel):
    from_stage_id: str | None
    to_stage_id: str
    changed_at: Any
    seconds_in_previous: int | None
    actor_kind: str
    actor_id: str | None


@router.get(
    "/deals/{record_id}/stage-history",
    tags=["Deals"],
    response_model=list[StageChangeOut],
    dependencies=[requires_scope("deals:read")],
)
def deal_stage_history(
    record_id: RecordId, uow: UoW, principal: CurrentPrincipal
) -> list[StageChangeOut]:
    RecordService(uow, principal).get("deal", record_id)
    rows = uow.session.scalars(
        select(m.DealStageChange)
        .where(m.DealStageChange.deal_id == record_id)
        .order_by(m.DealStageChange.changed_at)
    )
    return [StageChangeOut.model_validate(r, from_attributes=True) for r in rows]


class StatusChangeOut(BaseModel):
    from_status: str | None
    to_status: str
    changed_at: Any
    actor_kind: str
    actor_id: str | None


@router.get(
    "/tickets/{record_id}/status-history",
    tags=["Tickets"],
    response_model=list[StatusChangeOut],
    dependencies=[requires_scope("tickets:read")],
)
def ticket_status_history(
    record_id: RecordId, uow: UoW, principal: CurrentPrincipal
) -> list[StatusChangeOut]:
    RecordService(uow, principal).get("ticket", record_id)
    rows = uow.session.scalars(
        select(m.TicketStatusChange)
        .where(m.TicketStatusChange.ticket_id == record_id)
        .order_by(m.TicketStatusChange.changed_at)
    )
    return [StatusChangeOut.model_validate(r, from_attributes=True) for r in rows]


# --- search across objects ------------------------------------------------------------

SEARCHABLE = tuple(name for name, spec in SPECS.items() if spec.search_fields)
# an API key may search when it may read any searchable object (results are per object)
SEARCH_SCOPES = tuple(f"{SPECS[name].plural}:read" for name in SEARCHABLE)


class SearchHit(BaseModel):
    object_type: str
    id: str
    title: str
    subtitle: str | None = None


class SearchResult(BaseModel):
    items: list[SearchHit]


@router.get(
    "/search",
    tags=["Search"],
    response_model=SearchResult,
    dependencies=[requires_scope(*SEARCH_SCOPES)],
)
def search(
    uow: UoW,
    principal: CurrentPrincipal,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    types: Annotated[str | None, Query(description="comma-separated object types")] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchResult:
    """Search names, emails, phones and numbers across objects (Chinese included)."""
    wanted = types.split(",") if types else list(SEARCHABLE)
    unknown = [t for t in wanted if t not in SEARCHABLE]
    if unknown:
        raise ValidationFailed(
            "unknown types",
            [FieldError(["query", "types"], f"not searchable: {', '.join(unknown)}")],
        )
    repo = RecordRepository(uow.session, principal)
    hits: list[SearchHit] = []
    for object_type in wanted:
        spec = SPECS[object_type]
        if policy.scope_for(principal, object_type, "read") is None:
            continue
        for record in repo.search(spec, q, limit):
            hits.append(
                SearchHit(
                    object_type=object_type,
                    id=record.id,
                    title=_title(record, spec.title_field),
                    subtitle=_subtitle(record),
                )
            )
    return SearchResult(items=hits)


def _title(record: Any, field: str) -> str:
    """What a person recognises: the title field, else (a message without a subject)
    the beginning of its text, never a bare id when there is anything to show."""
    title = getattr(record, field, None) or (getattr(record, "text", None) or "")[:60]
    return str(title or record.id)


def _subtitle(record: Any) -> str | None:
    parts = [getattr(record, f, None) for f in ("title", "email", "phone", "number", "company")]
    text = " · ".join(str(p) for p in parts if p)
    return text or None


# --- custom field registry ---------------------------------------------------------------


@router.get(
    "/fields",
    tags=["Custom fields"],
    response_model=list[s.FieldDefinitionOut],
    dependencies=[requires_scope("fields:read")],
)
def list_fields(
    uow: UoW, principal: CurrentPrincipal, object_type: str | None = None
) -> list[s.FieldDefinitionOut]:
    policy.require(principal, "field", "read")
    rows = RecordRepository(uow.session, principal).field_definitions(object_type)
    return [s.FieldDefinitionOut.model_validate(r, from_attributes=True) for r in rows]


@router.post(
    "/fields",
    tags=["Custom fields"],
    status_code=201,
    response_model=s.FieldDefinitionOut,
    dependencies=[requires_scope("fields:write")],
)
def create_field(
    body: s.FieldDefinitionIn, uow: UoW, principal: CurrentPrincipal
) -> s.FieldDefinitionOut:
    policy.require(principal, "field", "create")
    if body.object_type not in SPECS:
        raise ValidationFailed(
            "unknown object type", [FieldError(["body", "object_type"], "no such object")]
        )
    if body.type == "enum" and not body.options:
        raise ValidationFailed(
            "enum needs options", [FieldError(["body", "options"], "at least one option")]
        )
    repo = RecordRepository(uow.session, principal)
    if body.name in repo.custom_fields(body.object_type):
        raise ValidationFailed("field exists", [FieldError(["body", "name"], "already exists")])
    row = m.FieldDefinition(tenant_id=principal.tenant_id, **body.model_dump())
    uow.session.add(row)
    uow.session.flush()
    out = s.FieldDefinitionOut.model_validate(row, from_attributes=True)
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "field.created",
        body.object_type,
        row.id,
        name=body.name,
        type=body.type,
    )
    uow.commit()
    return out


@router.delete(
    "/fields/{field_id}",
    tags=["Custom fields"],
    status_code=204,
    dependencies=[requires_scope("fields:write")],
)
def delete_field(field_id: RecordId, uow: UoW, principal: CurrentPrincipal) -> Response:
    policy.require(principal, "field", "delete")
    row = uow.session.get(m.FieldDefinition, field_id)
    if row is None or row.tenant_id != principal.tenant_id:
        raise NotFound("no such field")
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "field.deleted",
        row.object_type,
        row.id,
        name=row.name,
    )
    uow.session.delete(row)
    uow.commit()
    return Response(status_code=204)
