"""HTTP: business concepts (``/api/v1/concepts``: versions, drafts, publish, retire,
preview on 20 customers, source samples, recompute, distribution, movers), a customer's
value with its contributions and history, the survey rollup, and the customer-facing
survey page behind its signed link (``/surveys/ticket``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from kith.access import policy
from kith.api.deps import CurrentPrincipal, UoW, get_container, public_route, requires_scope
from kith.api.problems import problem
from kith.api.responses import KithJSON
from kith.concepts import dashboard, fields, survey
from kith.concepts.health import health
from kith.concepts.models import ConceptVersion
from kith.concepts.schemas import (
    ConceptDefinition,
    ConceptDistributionOut,
    ConceptDraftIn,
    ConceptMoverOut,
    ConceptPreviewOut,
    ConceptRecomputeOut,
    ConceptSampleOut,
    ConceptVersionOut,
    CustomerHealthOut,
    SourceName,
    SubjectType,
)
from kith.concepts.service import ConceptService
from kith.concepts.sources import SOURCES
from kith.container import Container
from kith.core.errors import KithError
from kith.crm.specs import SPECS

router = APIRouter(default_response_class=KithJSON, tags=["Concepts"])

ConceptKey = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
VersionNo = Annotated[int, Path(ge=1, le=1_000_000)]
RecordId = Annotated[str, Path(min_length=1, max_length=32)]
ContainerDep = Annotated[Container, Depends(get_container)]
READ = requires_scope("concepts:read")
WRITE = requires_scope("concepts:write")
API = "/api/v1"


def _service(uow: Any, principal: Any, container: Container) -> ConceptService:
    return ConceptService(uow, principal, clock=container.clock)


def version_out(row: ConceptVersion) -> ConceptVersionOut:
    return ConceptVersionOut(
        concept_key=row.concept_key,
        version=row.version,
        status=row.status,
        label_en=row.label_en,
        label_zh=row.label_zh,
        definition=row.definition,
        created_at=row.created_at,
        created_by=row.created_by,
        published_at=row.published_at,
        published_by=row.published_by,
        retired_at=row.retired_at,
    )


class ConceptSourceOut(BaseModel):
    name: str
    label_en: str
    label_zh: str
    unit: str
    system_en: str
    system_zh: str
    kind: Literal["measure", "field"] = "measure"


@router.get(
    f"{API}/concepts/sources",
    response_model=list[ConceptSourceOut],
    summary="The sources an indicator can map: each system's own measure, then every "
    "numeric field (custom fields included) of tickets, orders, contacts and accounts",
    dependencies=[READ],
)
def list_sources(uow: UoW, principal: CurrentPrincipal) -> list[ConceptSourceOut]:
    measures = [ConceptSourceOut(name=k, **vars(v)) for k, v in SOURCES.items()]
    numeric = fields.numeric_fields(uow.session, principal.tenant_id)
    return measures + [
        ConceptSourceOut(
            name=f.source,
            label_en=f.label_en,
            label_zh=f.label_zh,
            unit="custom field" if f.custom else "field",
            system_en=SPECS[f.object_type].label_en or f.object_type,
            system_zh=SPECS[f.object_type].label_zh or f.object_type,
            kind="field",
        )
        for f in numeric
    ]


@router.get(
    f"{API}/concepts",
    response_model=list[ConceptVersionOut],
    summary="Every concept version (draft, published, retired)",
    dependencies=[READ],
)
def list_versions(
    uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> list[ConceptVersionOut]:
    return [version_out(r) for r in _service(uow, principal, container).versions()]


@router.post(
    f"{API}/concepts",
    response_model=ConceptVersionOut,
    status_code=201,
    summary="Save a new draft version of a concept (weights must sum to 1)",
    dependencies=[WRITE],
)
def create_draft(
    body: ConceptDraftIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> ConceptVersionOut:
    row = _service(uow, principal, container).draft(body)
    out = version_out(row)
    uow.commit()
    return out


@router.get(
    f"{API}/concepts/{{concept_key}}/versions/{{version}}",
    response_model=ConceptVersionOut,
    summary="One concept version",
    dependencies=[READ],
)
def get_version(
    concept_key: ConceptKey,
    version: VersionNo,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> ConceptVersionOut:
    return version_out(_service(uow, principal, container).get_version(concept_key, version))


class ConceptPublishOut(BaseModel):
    version: ConceptVersionOut
    recompute: ConceptRecomputeOut


@router.post(
    f"{API}/concepts/{{concept_key}}/versions/{{version}}/publish",
    response_model=ConceptPublishOut,
    summary="Publish a draft: the previous version retires, every customer is recomputed",
    dependencies=[WRITE],
)
def publish(
    concept_key: ConceptKey,
    version: VersionNo,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> ConceptPublishOut:
    row, recompute = _service(uow, principal, container).publish(concept_key, version)
    out = ConceptPublishOut(version=version_out(row), recompute=recompute)
    uow.commit()
    return out


@router.post(
    f"{API}/concepts/{{concept_key}}/versions/{{version}}/retire",
    response_model=ConceptVersionOut,
    summary="Retire a version (its values stay in the history)",
    dependencies=[WRITE],
)
def retire(
    concept_key: ConceptKey,
    version: VersionNo,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> ConceptVersionOut:
    out = version_out(_service(uow, principal, container).retire(concept_key, version))
    uow.commit()
    return out


class ConceptPreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concept_key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")] = "customer_health"
    definition: ConceptDefinition
    subject_type: SubjectType = "contact"


@router.post(
    f"{API}/concepts/preview",
    response_model=ConceptPreviewOut,
    summary="What a definition gives on 20 real customers, before publishing (nothing saved)",
    dependencies=[READ],
)
def preview(
    body: ConceptPreviewIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> ConceptPreviewOut:
    return _service(uow, principal, container).preview(
        body.concept_key, body.definition, body.subject_type
    )


class ConceptSampleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: SourceName
    subject_type: SubjectType = "contact"
    window_days: Annotated[int, Field(ge=1, le=3650)] = 180
    normalisation: dict[str, Any] | None = None


@router.post(
    f"{API}/concepts/sample",
    response_model=ConceptSampleOut,
    summary="A source's raw values on 20 customers and what a normalisation makes of them",
    dependencies=[READ],
)
def sample(
    body: ConceptSampleIn, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> ConceptSampleOut:
    return _service(uow, principal, container).sample(
        body.source, body.subject_type, body.normalisation, body.window_days
    )


@router.post(
    f"{API}/concepts/{{concept_key}}/recompute",
    response_model=ConceptRecomputeOut,
    summary="Recompute the published version for every customer now",
    dependencies=[WRITE],
)
def recompute(
    concept_key: ConceptKey, uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> ConceptRecomputeOut:
    out = _service(uow, principal, container).recompute(concept_key, trigger="manual")
    uow.commit()
    return out


@router.get(
    f"{API}/concepts/{{concept_key}}/distribution",
    response_model=ConceptDistributionOut,
    summary="How customers spread over the bands and ten buckets of the value",
    dependencies=[READ],
)
def distribution(
    concept_key: ConceptKey,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    subject_type: SubjectType = "contact",
) -> ConceptDistributionOut:
    data = _service(uow, principal, container).distribution(concept_key, subject_type)
    return ConceptDistributionOut.model_validate(data)


@router.get(
    f"{API}/concepts/{{concept_key}}/segments",
    response_model=dict[str, Any],
    summary="By saved segment: the members' spread over the bands and who moved in 7/30 days",
    dependencies=[requires_scope("concepts:read")],
)
def by_segment(
    concept_key: ConceptKey,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    subject_type: SubjectType = "contact",
) -> Any:
    return dashboard.by_segment(uow, principal, concept_key, subject_type, container.clock())


@router.get(
    f"{API}/concepts/{{concept_key}}/movers",
    response_model=list[ConceptMoverOut],
    summary="The customers whose value moved most since N days ago",
    dependencies=[READ],
)
def movers(
    concept_key: ConceptKey,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    subject_type: SubjectType = "contact",
    days: Annotated[int, Query(ge=1, le=3650)] = 30,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[ConceptMoverOut]:
    rows = _service(uow, principal, container).movers(concept_key, subject_type, days, limit)
    return [ConceptMoverOut.model_validate(r) for r in rows]


@router.get(
    f"{API}/concepts/{{concept_key}}/customers/{{subject_type}}/{{subject_id}}",
    response_model=CustomerHealthOut,
    summary="A customer's value: band, each indicator's contribution, reasons, history",
    dependencies=[requires_scope("concepts:read", "contacts:read", "accounts:read")],
)
def customer_value(
    concept_key: ConceptKey,
    subject_type: Literal["contact", "account"],
    subject_id: RecordId,
    uow: UoW,
    principal: CurrentPrincipal,
) -> CustomerHealthOut:
    """Only for a customer the caller may read (else 404, like the record itself)."""
    return health(uow, principal, subject_type, subject_id, concept_key)


@router.get(
    f"{API}/surveys/summary",
    summary="CSAT and NPS rolled up over the last N days",
    dependencies=[READ],
)
def survey_summary(
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
) -> dict[str, Any]:
    policy.require(principal, "interaction", "read")
    now = container.clock()
    return survey.rollup(uow, principal.tenant_id, now - timedelta(days=days), now)


# --- the customer-facing survey page (no login; signed link) ----------------------------
Lang = Annotated[Literal["zh", "en"], Query()]
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _page_error(request: Request, error: KithError, lang: str) -> Response:
    if "text/html" not in request.headers.get("accept", ""):
        return problem(error.status, error.title, error.detail, None, request.url.path)
    title = "链接无效" if lang == "zh" else "This link cannot be used"
    return HTMLResponse(
        f"<!doctype html><meta charset='utf-8'><title>{title}</title><h1>{title}</h1>"
        f"<p>{error.detail}</p>",
        status_code=error.status,
    )


@router.get(
    survey.SURVEY_PATH,
    include_in_schema=False,
    response_class=HTMLResponse,
    response_model=None,
    dependencies=[public_route()],
)
def survey_page(
    request: Request,
    token: Annotated[str, Query(max_length=1000)],
    ticket: Annotated[str, Query(max_length=32)],
    uow: UoW,
    container: ContainerDep,
    lang: Lang = "zh",
) -> Response:
    try:
        opened = survey.open_survey(uow, container.settings, token, ticket, container.clock())
    except KithError as exc:
        return _page_error(request, exc, lang)
    return HTMLResponse(survey.render(opened, token=token, lang=lang), headers=NO_STORE)


@router.post(
    survey.SURVEY_PATH,
    include_in_schema=False,
    response_class=HTMLResponse,
    response_model=None,
    dependencies=[public_route()],
)
def answer_survey(
    request: Request,
    token: Annotated[str, Form(max_length=1000)],
    ticket: Annotated[str, Form(max_length=32)],
    uow: UoW,
    container: ContainerDep,
    lang: Annotated[str, Form(pattern="^(zh|en)$")] = "zh",
    csat: Annotated[str | None, Form(max_length=4)] = None,
    nps: Annotated[str | None, Form(max_length=4)] = None,
    comment: Annotated[str | None, Form(max_length=2000)] = None,
) -> Response:
    now = container.clock()
    try:
        opened = survey.open_survey(uow, container.settings, token, ticket, now)
    except KithError as exc:
        return _page_error(request, exc, lang)
    try:
        scores, text = survey.parse_answers(
            {"csat": csat or "", "nps": nps or "", "comment": comment or ""}
        )
        survey.record_answers(uow, opened, scores, text, now)
    except KithError as exc:
        if exc.status == 409:
            html = survey.render(opened, token=token, lang=lang)
            return HTMLResponse(html, status_code=409, headers=NO_STORE)
        html = survey.render(opened, token=token, lang=lang, error=exc.detail)
        return HTMLResponse(html, status_code=exc.status, headers=NO_STORE)
    uow.commit()
    return HTMLResponse(survey.render(opened, token=token, lang=lang, done=True), headers=NO_STORE)
