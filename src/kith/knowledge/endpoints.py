"""HTTP: knowledge spaces, document uploads (versions), passages and answers.

Which spaces a caller may use is decided per space by ``kith.access.policy``
(through the service); a space the caller may not read is a 404 like a missing one.
``POST /knowledge/answer`` with ``handover: true`` opens a ticket for a person when
the answer abstains (``tickets.create`` through the gateway).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Query, UploadFile

from kith.api.deps import CurrentPrincipal, Now, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.gateway.deps import GatewayDep
from kith.knowledge import feedback
from kith.knowledge import schemas as s
from kith.knowledge.service import KnowledgeService

router = APIRouter(prefix="/api/v1/knowledge", tags=["Knowledge"], default_response_class=KithJSON)


def _service(uow: Any, principal: Any, now: datetime) -> KnowledgeService:
    return KnowledgeService(uow, principal, clock=lambda: now)


def _space_out(space: Any) -> s.KnowledgeSpaceOut:
    return s.KnowledgeSpaceOut(
        id=space.id,
        name=space.name,
        visibility=space.visibility,
        team_id=space.team_id,
        description=space.description,
    )


@router.get(
    "/spaces",
    response_model=list[s.KnowledgeSpaceOut],
    dependencies=[requires_scope("knowledge:read")],
    summary="Knowledge spaces the caller may read",
)
def list_spaces(uow: UoW, principal: CurrentPrincipal, now: Now) -> list[s.KnowledgeSpaceOut]:
    return [_space_out(space) for space in _service(uow, principal, now).spaces()]


@router.post(
    "/spaces",
    status_code=201,
    response_model=s.KnowledgeSpaceOut,
    dependencies=[requires_scope("knowledge:write")],
    summary="Create a knowledge space (public, internal or team)",
)
def create_space(
    body: s.KnowledgeSpaceIn, uow: UoW, principal: CurrentPrincipal, now: Now
) -> KithJSON:
    space = _service(uow, principal, now).create_space(
        body.name, body.visibility, team_id=body.team_id, description=body.description
    )
    out = _space_out(space)
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.get(
    "/documents",
    dependencies=[requires_scope("knowledge:read")],
    summary="Documents and their versions in the readable spaces",
)
def list_documents(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    space: Annotated[str | None, Query(max_length=200)] = None,
) -> list[dict[str, Any]]:
    return _service(uow, principal, now).documents(space)


@router.post(
    "/documents",
    status_code=201,
    dependencies=[requires_scope("knowledge:write")],
    summary="Upload a file as a new version of a document (identical content: no-op, 200)",
)
async def upload_document(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    space: Annotated[str, Form(max_length=200)],
    file: Annotated[UploadFile, File(description="Markdown, HTML, text, PDF, DOCX, XLSX, CSV")],
    title: Annotated[str | None, Form(max_length=300)] = None,
    language: Annotated[str | None, Form(pattern="^(zh|en|mixed)$")] = None,
    owner: Annotated[str | None, Form(max_length=200)] = None,
    effective_from: Annotated[datetime | None, Form()] = None,
    expires_at: Annotated[datetime | None, Form()] = None,
) -> KithJSON:
    service = _service(uow, principal, now)
    data = await file.read(service.settings.max_upload_bytes + 1)
    published = service.add_document(
        space,
        file.filename or "upload.txt",
        data,
        title=title,
        owner=owner,
        language=language,
        effective_from=effective_from,
        expires_at=expires_at,
    )
    out = {
        "document_id": published.document.id,
        "title": published.document.title,
        "version_id": published.version.id,
        "version": published.version.number,
        "created": published.created,
        "chunks": published.chunks,
        "content_hash": published.version.content_hash,
    }
    uow.commit()
    return KithJSON(out, status_code=201 if published.created else 200)


@router.post(
    "/versions/{version_id}/retire",
    dependencies=[requires_scope("knowledge:write")],
    summary="Retire a version: kept for the audit, no longer used for answers",
)
def retire_version(
    version_id: str, uow: UoW, principal: CurrentPrincipal, now: Now
) -> dict[str, Any]:
    version = _service(uow, principal, now).retire(version_id)
    out = {"id": version.id, "number": version.number, "status": version.status}
    uow.commit()
    return out


@router.get(
    "/passages/{passage_id}",
    dependencies=[requires_scope("knowledge:read")],
    summary="A cited passage with its document, version and section",
)
def get_passage(passage_id: str, uow: UoW, principal: CurrentPrincipal, now: Now) -> dict[str, Any]:
    return _service(uow, principal, now).passage(passage_id)


@router.post(
    "/answer",
    response_model=s.KnowledgeAnswerOut,
    dependencies=[requires_scope("knowledge:read")],
    summary="Answer a question from the readable knowledge, with citations, or abstain",
)
def answer(
    body: s.KnowledgeAnswerIn, uow: UoW, principal: CurrentPrincipal, now: Now, gateway: GatewayDep
) -> s.KnowledgeAnswerOut:
    service = _service(uow, principal, now)
    result = service.answer(
        body.question,
        spaces=body.spaces,
        language=body.language,
        version_ids=body.version_ids,
        as_of=body.as_of,
        audience=body.audience,
    )
    out = s.answer_out(result)
    row = None
    if body.version_ids is None:  # audit look-ups of named versions are not answers given
        row = feedback.record_answer(
            service,
            body.question,
            result,
            source="api",
            audience=body.audience,
            space_ids=service.answer_space_ids(body.spaces, body.audience),
            contact_id=body.contact_id,
        )
        out.answer_id = row.id
    if body.handover and result.abstained:
        out.handover = service.handover(body.question, result, gateway, contact_id=body.contact_id)
        if row is not None:
            row.ticket_id = out.handover.get("ticket_id")
    uow.commit()
    return out


@router.post(
    "/answers/{answer_id}/feedback",
    status_code=201,
    response_model=s.KnowledgeFeedbackOut,
    dependencies=[requires_scope("knowledge:read")],
    summary="Rate an answer: thumbs up or down, and with a down the right answer",
)
def rate_answer(
    answer_id: Annotated[str, Path(max_length=32)],
    body: s.KnowledgeFeedbackIn,
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
) -> KithJSON:
    row = feedback.rate(_service(uow, principal, now), answer_id, body.rating, body.correction)
    out = s.KnowledgeFeedbackOut(
        id=row.id, answer_id=row.answer_id, rating=row.rating, correction=row.correction
    )
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.get(
    "/dashboard",
    dependencies=[requires_scope("knowledge:read")],
    summary="Coverage, abstention, feedback accuracy, top unanswered questions, stale documents",
)
def get_dashboard(
    uow: UoW,
    principal: CurrentPrincipal,
    now: Now,
    space: Annotated[str | None, Query(max_length=200)] = None,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
) -> dict[str, Any]:
    return feedback.dashboard(_service(uow, principal, now), space=space, days=days)
