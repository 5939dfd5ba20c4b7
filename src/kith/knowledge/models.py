"""Tables of the knowledge context: spaces, documents, versions and chunks.

A document is identified by its title inside a space; every upload with new
content is a new ``KnowledgeVersion`` (the earlier active one is retired, kept for
the audit); an upload whose SHA-256 equals the current version's is a no-op.
Every answer given (API, command bar, the Knowledge agent) is kept as a
``KnowledgeAnswer`` with the passages it cited, and staff rate it with
``KnowledgeFeedback`` (thumbs up/down, the right answer): the dashboard reads both.
Chunks belong to a version and carry what retrieval needs (tokens, heading path,
clause number); only chunks of active, effective versions are used for answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class KnowledgeSpace(IdMixin, TenantMixin, Base):
    __tablename__ = "knowledge_spaces"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(1000))
    visibility: Mapped[str] = mapped_column(String(16))  # public | internal | team
    team_id: Mapped[str | None] = mapped_column(ID)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))


class KnowledgeDocument(IdMixin, TenantMixin, Base):
    __tablename__ = "knowledge_documents"
    __table_args__ = (UniqueConstraint("space_id", "title"),)

    space_id: Mapped[str] = mapped_column(ForeignKey("knowledge_spaces.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(8))  # zh | en | mixed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeVersion(IdMixin, TenantMixin, Base):
    __tablename__ = "knowledge_versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number"),
        Index("ix_knowledge_versions_tenant_status", "tenant_id", "status"),
    )

    document_id: Mapped[str] = mapped_column(ForeignKey("knowledge_documents.id"), index=True)
    space_id: Mapped[str] = mapped_column(ID)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # active | retired
    content_hash: Mapped[str] = mapped_column(String(64))
    source_name: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(16))  # markdown | html | text | pdf | ...
    size_bytes: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)  # the converted Markdown, as cited
    effective_from: Mapped[datetime | None] = mapped_column(default=None)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[datetime | None] = mapped_column(default=None)


class KnowledgeChunk(IdMixin, TenantMixin, Base):
    __tablename__ = "knowledge_chunks"
    __table_args__ = (Index("ix_knowledge_chunks_version_ordinal", "version_id", "ordinal"),)

    version_id: Mapped[str] = mapped_column(ForeignKey("knowledge_versions.id"))
    document_id: Mapped[str] = mapped_column(ID)
    space_id: Mapped[str] = mapped_column(ID, index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # text | table | clause
    heading_path: Mapped[str] = mapped_column(String(1000))  # "加盟政策 > 费用"
    clause: Mapped[str | None] = mapped_column(String(40))  # "5.2.3"
    text: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)  # retrieval tokens, space-separated
    # Looks like instructions to an assistant ("ignore your rules…"): never quoted.
    suspicious: Mapped[bool] = mapped_column(Boolean, default=False)


class KnowledgeAnswer(IdMixin, TenantMixin, Base):
    """One answer as it was given: the question, the outcome and the passages cited."""

    __tablename__ = "knowledge_answers"
    __table_args__ = (Index("ix_knowledge_answers_tenant_created", "tenant_id", "created_at"),)

    question: Mapped[str] = mapped_column(Text)
    question_key: Mapped[str] = mapped_column(String(200))  # normalised, for "top unanswered"
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(12))  # answered | conflict | clarify | handover
    confidence: Mapped[float]
    reason: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    engine: Mapped[str] = mapped_column(String(100))  # extractive | llm:<model>
    source: Mapped[str] = mapped_column(String(16))  # api | agent | cli
    audience: Mapped[str] = mapped_column(String(12))  # staff | customer
    space_ids: Mapped[list[Any]]  # the spaces the answer could draw on
    passages: Mapped[list[Any]]  # [{"passage_id", "version_id", "space_id", "document"}]
    contact_id: Mapped[str | None] = mapped_column(ID)
    ticket_id: Mapped[str | None] = mapped_column(ID)
    asked_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KnowledgeFeedback(IdMixin, TenantMixin, Base):
    """A person's rating of an answer; a thumbs-down may carry the right answer."""

    __tablename__ = "knowledge_feedback"

    answer_id: Mapped[str] = mapped_column(ForeignKey("knowledge_answers.id"), index=True)
    rating: Mapped[str] = mapped_column(String(8))  # up | down
    correction: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
