"""HTTP: saved segments — create, read, change, delete, preview, refresh, members.

Definitions are validated against the object's filterable fields, the known
models and the RFM labels; errors name the path (``body.definition.filters.0.field``).
A preview runs as the caller, over the records they may read, and saves nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel

from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.intelligence.segments.schemas import PreviewIn, SegmentIn, SegmentPatch, segment_out
from kith.intelligence.segments.service import SegmentService

router = APIRouter(prefix="/api/v1/segments", tags=["Segments"], default_response_class=KithJSON)

BODY = ("body", "definition")
SegmentRef = Annotated[str, Path(pattern=r"^[a-z0-9_]{2,80}$", description="Segment id or name")]


class SegmentOut(BaseModel):
    id: str
    name: str
    label_zh: str
    label_en: str
    object_type: str
    definition: dict[str, Any]
    description: str | None
    owner_id: str | None
    refresh_policy: str
    member_count: int
    last_refreshed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_by: str | None


class MemberOut(BaseModel):
    record_id: str
    title: str | None
    score: float | None
    snapshot: dict[str, Any]
    since: datetime | None = None


class PreviewOut(BaseModel):
    object_type: str
    total: int
    sample: list[MemberOut]


class MembersPage(BaseModel):
    segment_id: str
    total: int
    items: list[MemberOut]
    next_cursor: str | None


class RefreshOut(BaseModel):
    segment_id: str
    name: str
    added: int
    removed: int
    total: int
    seconds: float
    events_capped: bool


class RefreshLogOut(BaseModel):
    at: datetime
    added: int
    removed: int
    total: int
    seconds: float
    trigger: str


@router.get(
    "",
    response_model=list[SegmentOut],
    summary="Saved segments",
    dependencies=[requires_scope("segments:read")],
)
def list_segments(uow: UoW, principal: CurrentPrincipal) -> list[SegmentOut]:
    rows = SegmentService(uow, principal).all()
    return [SegmentOut(**segment_out(s)) for s in rows]


@router.post(
    "",
    response_model=SegmentOut,
    status_code=201,
    summary="Save a segment",
    dependencies=[requires_scope("segments:write")],
)
def create_segment(body: SegmentIn, uow: UoW, principal: CurrentPrincipal) -> Any:
    segment = SegmentService(uow, principal).create(body, BODY)
    out = SegmentOut(**segment_out(segment))
    uow.commit()
    return KithJSON(out.model_dump(mode="json"), status_code=201)


@router.post(
    "/preview",
    response_model=PreviewOut,
    summary="Who a definition selects (unsaved)",
    dependencies=[requires_scope("segments:read")],
)
def preview_segment(body: PreviewIn, uow: UoW, principal: CurrentPrincipal) -> PreviewOut:
    """Evaluated as you: only the records you may read are counted and shown."""
    return PreviewOut(**SegmentService(uow, principal).preview(body, BODY))


@router.get(
    "/{ref}",
    response_model=SegmentOut,
    summary="A segment",
    dependencies=[requires_scope("segments:read")],
)
def get_segment(ref: SegmentRef, uow: UoW, principal: CurrentPrincipal) -> SegmentOut:
    return SegmentOut(**segment_out(SegmentService(uow, principal).get(ref)))


@router.patch(
    "/{ref}",
    response_model=SegmentOut,
    summary="Change a segment",
    dependencies=[requires_scope("segments:write")],
)
def update_segment(
    ref: SegmentRef, body: SegmentPatch, uow: UoW, principal: CurrentPrincipal
) -> SegmentOut:
    segment = SegmentService(uow, principal).update(ref, body, BODY)
    out = SegmentOut(**segment_out(segment))
    uow.commit()
    return out


@router.delete(
    "/{ref}",
    status_code=204,
    summary="Delete a segment and its membership",
    dependencies=[requires_scope("segments:write")],
)
def delete_segment(ref: SegmentRef, uow: UoW, principal: CurrentPrincipal) -> Response:
    SegmentService(uow, principal).delete(ref)
    uow.commit()
    return Response(status_code=204)


@router.post(
    "/{ref}/refresh",
    response_model=RefreshOut,
    summary="Recompute the membership",
    dependencies=[requires_scope("segments:write")],
)
def refresh_segment(ref: SegmentRef, uow: UoW, principal: CurrentPrincipal) -> RefreshOut:
    """Adds and removes members, emits ``segment.member_added``/``member_removed`` (up to
    200 each) and ``segment.refreshed`` with the counts."""
    result = SegmentService(uow, principal).refresh(ref, trigger="api")
    uow.commit()
    return RefreshOut(**vars(result))


@router.get(
    "/{ref}/members",
    response_model=MembersPage,
    summary="Members, paged",
    dependencies=[requires_scope("segments:read")],
)
def segment_members(
    ref: SegmentRef,
    uow: UoW,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9a-f]{32}$")] = None,
) -> MembersPage:
    """Stored members (as of the last refresh) that you may read, by record id."""
    segment, items, next_cursor = SegmentService(uow, principal).members(ref, limit, cursor)
    return MembersPage(
        segment_id=segment.id,
        total=segment.member_count,
        items=[MemberOut(**i) for i in items],
        next_cursor=next_cursor,
    )


@router.get(
    "/{ref}/refreshes",
    response_model=list[RefreshLogOut],
    summary="Refresh history",
    dependencies=[requires_scope("segments:read")],
)
def segment_refreshes(
    ref: SegmentRef,
    uow: UoW,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[RefreshLogOut]:
    rows = SegmentService(uow, principal).refreshes(ref, limit)
    return [
        RefreshLogOut(
            at=r.at,
            added=r.added,
            removed=r.removed,
            total=r.total,
            seconds=r.seconds,
            trigger=r.trigger,
        )
        for r in rows
    ]
