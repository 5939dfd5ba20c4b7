"""Pydantic shapes of the knowledge API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from kith.knowledge.answer import Answer, Quote


class KnowledgeSpaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    visibility: Literal["public", "internal", "team"]
    team_id: str | None = None
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None


class KnowledgeSpaceOut(BaseModel):
    id: str
    name: str
    visibility: str
    team_id: str | None
    description: str | None


class KnowledgeAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ]
    spaces: list[str] = []
    language: Literal["zh", "en"] | None = None
    version_ids: list[str] | None = None
    as_of: datetime | None = None
    audience: Literal["staff", "customer"] = "staff"
    handover: bool = False
    contact_id: str | None = None


class KnowledgeCitationOut(BaseModel):
    text: str
    document: str
    document_id: str
    version: int
    version_id: str
    space: str
    section: str
    clause: str | None
    passage_id: str
    link: str


class KnowledgeAnswerOut(BaseModel):
    status: str  # answered | conflict | clarify | handover
    text: str
    confidence: float
    language: str
    citations: list[KnowledgeCitationOut]
    conflicts: list[KnowledgeCitationOut]
    reason: str | None
    options: list[str]
    handover: dict[str, str | None] | None = None
    engine: str = "extractive"
    answer_id: str | None = None  # rate it: POST /knowledge/answers/{answer_id}/feedback


class KnowledgeFeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    correction: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = (
        None
    )


class KnowledgeFeedbackOut(BaseModel):
    id: str
    answer_id: str
    rating: str
    correction: str | None


def citation(quote: Quote) -> KnowledgeCitationOut:
    p = quote.passage
    return KnowledgeCitationOut(
        text=quote.text,
        document=p.document_title,
        document_id=p.document_id,
        version=p.version_number,
        version_id=p.version_id,
        space=p.space_name,
        section=p.heading_path,
        clause=p.clause,
        passage_id=p.chunk_id,
        link=f"/api/v1/knowledge/passages/{p.chunk_id}",
    )


def answer_out(answer: Answer) -> KnowledgeAnswerOut:
    return KnowledgeAnswerOut(
        status=answer.status,
        text=answer.text,
        confidence=answer.confidence,
        language=answer.language,
        citations=[citation(q) for q in answer.quotes],
        conflicts=[citation(q) for q in answer.conflicts],
        reason=answer.reason,
        options=list(answer.options),
        engine=answer.engine,
    )
