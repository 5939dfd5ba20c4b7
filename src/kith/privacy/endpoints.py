"""HTTP routes of the privacy context.

- ``GET/POST /api/v1/contacts/{id}/consents``: the consent ledger of a person
  (read needs contact read; recording needs contact update on that record).
- ``POST /api/v1/contacts/{id}/consents/link``: a signed, expiring link to the
  person's preference page.
- ``GET/POST /privacy/preferences?token=…``: the preference page itself (zh / en,
  no login; the signed token is the credential).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from kith.access.service import system_principal
from kith.api.deps import Container, CurrentPrincipal, UoW, get_container
from kith.api.responses import KithJSON
from kith.core.clock import utcnow
from kith.core.errors import KithError, NotFound
from kith.crm.models import Contact
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.privacy import dsar, links, page
from kith.privacy.schemas import (
    ConsentChangeOut,
    ConsentIn,
    ConsentsOut,
    ErasureIn,
    ErasureOut,
    PreferenceLinkOut,
)
from kith.privacy.service import ConsentService

API = "/api/v1"
router = APIRouter(default_response_class=KithJSON)

ContactId = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContainerDep = Annotated[Container, Depends(get_container)]
Lang = Annotated[str, Query(pattern="^(zh|en)$")]


@router.get(f"{API}/contacts/{{contact_id}}/consents", tags=["Privacy"], response_model=ConsentsOut)
def get_consents(contact_id: ContactId, uow: UoW, principal: CurrentPrincipal) -> ConsentsOut:
    """The person's current consent per purpose and channel ("*" = every channel), and
    the full append-only history, newest first. Pairs never asked are absent."""
    return ConsentService(uow, principal).consents(contact_id)


@router.post(
    f"{API}/contacts/{{contact_id}}/consents",
    tags=["Privacy"],
    status_code=201,
    response_model=ConsentChangeOut,
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


# --- the preference page (no login) -------------------------------------------------------


def _page_error(error: KithError, lang: str) -> HTMLResponse:
    title = "链接无效" if lang == "zh" else "This link cannot be used"
    return HTMLResponse(
        f"<!doctype html><meta charset='utf-8'><title>{title}</title><h1>{title}</h1>"
        f"<p>{error.detail}</p>",
        status_code=error.status,
    )


def _person(uow: UoW, container: Container, token: str) -> tuple[links.LinkClaims, Contact]:
    claims = links.verify(container.settings, token, utcnow())
    contact = uow.session.get(Contact, claims.contact_id)
    if contact is None or contact.tenant_id != claims.tenant_id or contact.deleted_at is not None:
        raise NotFound("this person is no longer on record")
    return claims, contact


@router.get("/privacy/preferences", include_in_schema=False, response_class=HTMLResponse)
def preference_page(
    token: Annotated[str, Query(max_length=1000)],
    uow: UoW,
    container: ContainerDep,
    lang: Lang = "zh",
) -> HTMLResponse:
    try:
        claims, contact = _person(uow, container, token)
    except KithError as exc:
        return _page_error(exc, lang)
    service = ConsentService(uow, system_principal(claims.tenant_id, "preference page"))
    grid = service.granted_grid(contact.id, page.PAGE_PURPOSES, page.PAGE_CHANNELS)
    html = page.render(
        lang=lang, token=token, name=contact.name, granted=grid, expires_at=claims.expires_at
    )
    return HTMLResponse(
        html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


@router.post("/privacy/preferences", include_in_schema=False, response_class=HTMLResponse)
def save_preferences(
    token: Annotated[str, Form(max_length=1000)],
    uow: UoW,
    container: ContainerDep,
    lang: Annotated[str, Form(pattern="^(zh|en)$")] = "zh",
    c: Annotated[list[str] | None, Form()] = None,
) -> HTMLResponse:
    try:
        claims, contact = _person(uow, container, token)
    except KithError as exc:
        return _page_error(exc, lang)
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
