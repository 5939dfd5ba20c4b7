"""HTTP routes of the privacy context.

- ``GET/POST /api/v1/contacts/{id}/consents``: the consent ledger of a person
  (read needs contact read; recording needs contact update on that record).
- ``POST /api/v1/contacts/{id}/consents/link``: a signed, expiring link to the
  person's preference page.
- ``GET/POST/DELETE /api/v1/contacts/{id}/restriction``, ``POST …/rectification``,
  ``GET …/privacy-requests``, ``GET /api/v1/privacy/flags``: restriction of processing,
  rectification, the request log and re-import flags (``kith.privacy.rights``).
- ``GET /api/v1/privacy/classification``: the class of every field.
- ``GET/POST /privacy/preferences?token=…``: the preference page itself (zh / en,
  no login; the signed token is the credential).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from kith.access import policy
from kith.access.service import system_principal
from kith.api.deps import (
    CurrentPrincipal,
    UoW,
    get_container,
    public_route,
    requires_scope,
)
from kith.api.problems import problem
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.errors import KithError, NotFound
from kith.crm.models import Contact
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.privacy import dsar, links, page
from kith.privacy.rights import RightsService
from kith.privacy.schemas import (
    ClassificationOut,
    ConsentChangeOut,
    ConsentIn,
    ConsentsOut,
    ErasureIn,
    ErasureOut,
    LiftIn,
    PreferenceLinkOut,
    PrivacyRequestOut,
    RectificationIn,
    RectificationOut,
    ReimportFlagsOut,
    RestrictionIn,
    RestrictionOut,
)
from kith.privacy.service import ConsentService

API = "/api/v1"
router = APIRouter(default_response_class=KithJSON)

ContactId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContainerDep = Annotated[Container, Depends(get_container)]
Lang = Annotated[str, Query(pattern="^(zh|en)$")]


@router.get(
    f"{API}/contacts/{{contact_id}}/consents",
    tags=["Privacy"],
    response_model=ConsentsOut,
    dependencies=[requires_scope("privacy:read")],
)
def get_consents(contact_id: ContactId, uow: UoW, principal: CurrentPrincipal) -> ConsentsOut:
    """The person's current consent per purpose and channel ("*" = every channel), and
    the full append-only history, newest first. Pairs never asked are absent."""
    return ConsentService(uow, principal).consents(contact_id)


@router.post(
    f"{API}/contacts/{{contact_id}}/consents",
    tags=["Privacy"],
    status_code=201,
    response_model=ConsentChangeOut,
    dependencies=[requires_scope("privacy:write")],
)
def record_consent(
    contact_id: ContactId, body: ConsentIn, uow: UoW, principal: CurrentPrincipal
) -> ConsentChangeOut:
    """Append a grant or a revocation. A revocation takes effect at once: pending
    approvals, draft messages and campaign enrollments it now forbids are cancelled
    and listed in ``cancelled``."""
    out = ConsentService(uow, principal).record(contact_id, body)
    uow.commit()
    return out


@router.post(
    f"{API}/contacts/{{contact_id}}/consents/link",
    tags=["Privacy"],
    status_code=201,
    response_model=PreferenceLinkOut,
    dependencies=[requires_scope("privacy:write")],
)
def preference_link(
    contact_id: ContactId,
    request: Request,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
    days: Annotated[int, Query(ge=1, le=90)] = 30,
) -> PreferenceLinkOut:
    """A signed link the person opens without signing in; it expires after ``days``."""
    RecordService(uow, principal).load(SPECS["contact"], contact_id, "update")
    expires_at = utcnow() + timedelta(days=days)
    token = links.sign(container.settings, principal.tenant_id, contact_id, expires_at)
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "consent.link_issued",
        "contact",
        contact_id,
        expires_at=expires_at.isoformat(),
    )
    uow.commit()
    url = str(request.url_for("preference_page").include_query_params(token=token))
    return PreferenceLinkOut(url=url, expires_at=expires_at)


# --- rights of the data subject -------------------------------------------------------------


@router.get(
    f"{API}/contacts/{{contact_id}}/dsar",
    tags=["Privacy"],
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The DSAR package"}},
    dependencies=[requires_scope("dsar:read")],
)
def dsar_export(contact_id: ContactId, uow: UoW, principal: CurrentPrincipal) -> Response:
    """Everything Kith holds about the person: a zip of ``data.json``, one CSV per table
    and ``summary.md`` (zh + en). Admins only; the export is audited."""
    body = dsar.export_zip(uow, principal, contact_id)
    uow.commit()
    return Response(
        body,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="dsar-{contact_id}.zip"'},
    )


@router.post(
    f"{API}/contacts/{{contact_id}}/erasure",
    tags=["Privacy"],
    status_code=201,
    response_model=ErasureOut,
    dependencies=[requires_scope("privacy:write")],
)
def erase_person(
    contact_id: ContactId,
    body: ErasureIn,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> ErasureOut:
    """Anonymise the person across records, interactions, messages, decisions, agent
    memories and the search index; orders, coupons and consent history are kept (legal
    hold). Returns the tombstone. Admins only."""
    tombstone = dsar.erase(uow, principal, container.settings, contact_id, body.reason)
    out = ErasureOut(
        tombstone_id=tombstone.id,
        contact_id=contact_id,
        erased_at=tombstone.erased_at,
        summary=tombstone.summary,
    )
    uow.commit()
    return out


@router.get(
    f"{API}/contacts/{{contact_id}}/restriction",
    tags=["Privacy"],
    response_model=RestrictionOut,
    dependencies=[requires_scope("privacy:read")],
)
def get_restriction(contact_id: ContactId, uow: UoW, principal: CurrentPrincipal) -> RestrictionOut:
    """Whether the person's processing is restricted now, and the full history (who,
    when, why), newest first."""
    return RightsService(uow, principal).restriction(contact_id)


@router.post(
    f"{API}/contacts/{{contact_id}}/restriction",
    tags=["Privacy"],
    status_code=201,
    response_model=RestrictionOut,
    dependencies=[requires_scope("privacy:write")],
)
def restrict_processing(
    contact_id: ContactId, body: RestrictionIn, uow: UoW, principal: CurrentPrincipal
) -> RestrictionOut:
    """Restrict the person's processing (GDPR Art. 18, PIPL Art. 44): agents and
    profiling leave them out; pending approvals of agent actions about them are
    cancelled (listed in ``cancelled``). People may still act. Admins only."""
    out = RightsService(uow, principal).restrict(contact_id, body)
    uow.commit()
    return out


@router.delete(
    f"{API}/contacts/{{contact_id}}/restriction",
    tags=["Privacy"],
    response_model=RestrictionOut,
    dependencies=[requires_scope("privacy:write")],
)
def lift_restriction(
    contact_id: ContactId, body: LiftIn, uow: UoW, principal: CurrentPrincipal
) -> RestrictionOut:
    """Lift the restriction (409 if the person is not restricted). Admins only."""
    out = RightsService(uow, principal).lift(contact_id, body)
    uow.commit()
    return out


@router.post(
    f"{API}/contacts/{{contact_id}}/rectification",
    tags=["Privacy"],
    response_model=RectificationOut,
    dependencies=[requires_scope("privacy:write")],
)
def rectify_person(
    contact_id: ContactId, body: RectificationIn, uow: UoW, principal: CurrentPrincipal
) -> RectificationOut:
    """Correct the person's data: ``changes`` are validated like any contact update
    (errors point at ``changes.<field>``), the request is logged and audited. Admins."""
    out = RightsService(uow, principal).rectify(contact_id, body)
    uow.commit()
    return out


@router.get(
    f"{API}/contacts/{{contact_id}}/privacy-requests",
    tags=["Privacy"],
    response_model=list[PrivacyRequestOut],
    dependencies=[requires_scope("privacy:read")],
)
def privacy_requests(
    contact_id: ContactId, uow: UoW, principal: CurrentPrincipal
) -> list[PrivacyRequestOut]:
    """Every data-subject request handled for the person (export, erase, rectify,
    restrict, lift), newest first."""
    return RightsService(uow, principal).requests(contact_id)


@router.get(
    f"{API}/privacy/flags",
    tags=["Privacy"],
    response_model=ReimportFlagsOut,
    dependencies=[requires_scope("privacy:read")],
)
def reimport_flags(
    uow: UoW,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ReimportFlagsOut:
    """Contacts created (API, import) with the email, phone, ID number or WeChat id of a
    person who was erased, newest first. Admins only."""
    return ReimportFlagsOut(items=RightsService(uow, principal).flags(limit))


@router.get(
    f"{API}/privacy/classification",
    tags=["Privacy"],
    response_model=ClassificationOut,
    dependencies=[requires_scope("privacy:read")],
)
def classification(principal: CurrentPrincipal) -> ClassificationOut:
    """The class of every standard field (public, internal, confidential, sensitive) of the
    object types you may read. Sensitive fields are encrypted at rest, masked for roles
    without the right to see them and every read of them is audited."""
    objects = {
        name: spec.classifications
        for name, spec in SPECS.items()
        if policy.scope_for(principal, name, "read") is not None
    }
    return ClassificationOut(objects=objects)


# --- the preference page (no login) -------------------------------------------------------


def _page_error(request: Request, error: KithError, lang: str) -> Response:
    """A browser gets a short page; any other client the usual problem+json."""
    if "text/html" not in request.headers.get("accept", ""):
        return problem(error.status, error.title, error.detail, None, request.url.path)
    title = "链接无效" if lang == "zh" else "This link cannot be used"
    return HTMLResponse(
        f"<!doctype html><meta charset='utf-8'><title>{title}</title><h1>{title}</h1>"
        f"<p>{error.detail}</p>",
        status_code=error.status,
    )


def _person(uow: UoW, container: Container, token: str) -> tuple[links.LinkClaims, Contact]:
    claims = links.verify(container.settings, token, container.now())
    contact = uow.session.get(Contact, claims.contact_id)
    if contact is None or contact.tenant_id != claims.tenant_id or contact.deleted_at is not None:
        raise NotFound("this person is no longer on record")
    return claims, contact


@router.get(
    "/privacy/preferences",
    include_in_schema=False,
    response_class=HTMLResponse,
    response_model=None,
    dependencies=[public_route()],
)
def preference_page(
    request: Request,
    token: Annotated[str, Query(max_length=1000)],
    uow: UoW,
    container: ContainerDep,
    lang: Lang = "zh",
) -> Response:
    try:
        claims, contact = _person(uow, container, token)
    except KithError as exc:
        return _page_error(request, exc, lang)
    service = ConsentService(uow, system_principal(claims.tenant_id, "preference page"))
    grid = service.granted_grid(contact.id, page.PAGE_PURPOSES, page.PAGE_CHANNELS)
    html = page.render(
        lang=lang, token=token, name=contact.name, granted=grid, expires_at=claims.expires_at
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


@router.post(
    "/privacy/preferences",
    include_in_schema=False,
    response_class=HTMLResponse,
    response_model=None,
    dependencies=[public_route()],
)
def save_preferences(
    request: Request,
    token: Annotated[str, Form(max_length=1000)],
    uow: UoW,
    container: ContainerDep,
    lang: Annotated[str, Form(pattern="^(zh|en)$")] = "zh",
    c: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        claims, contact = _person(uow, container, token)
    except KithError as exc:
        return _page_error(request, exc, lang)
    wanted = set()
    for cell in c or []:
        purpose, _, channel = cell.partition(":")
        if purpose in page.PAGE_PURPOSES and channel in page.PAGE_CHANNELS:
            wanted.add((purpose, channel))
    service = ConsentService(uow, system_principal(claims.tenant_id, "preference page"))
    service.apply_grid(
        contact.id, wanted, page.PAGE_PURPOSES, page.PAGE_CHANNELS, page.statement(lang)
    )
    grid = service.granted_grid(contact.id, page.PAGE_PURPOSES, page.PAGE_CHANNELS)
    uow.commit()
    html = page.render(
        lang=lang,
        token=token,
        name=contact.name,
        granted=grid,
        expires_at=claims.expires_at,
        saved=True,
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
