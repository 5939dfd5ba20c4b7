"""Every query of the knowledge context, scoped to one workspace."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.access.models import TeamMember
from kith.knowledge.models import (
    KnowledgeAnswer,
    KnowledgeChunk,
    KnowledgeDocument,
    KnowledgeFeedback,
    KnowledgeSpace,
    KnowledgeVersion,
)
from kith.knowledge.retrieval import Passage
from kith.knowledge.tokens import tokenize


class KnowledgeRepository:
    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id

    # -- spaces --------------------------------------------------------------
    def spaces(self) -> Sequence[KnowledgeSpace]:
        stmt = select(KnowledgeSpace).where(KnowledgeSpace.tenant_id == self.tenant_id)
        return self.session.scalars(stmt.order_by(KnowledgeSpace.name)).all()

    def space(self, space_id: str) -> KnowledgeSpace | None:
        row = self.session.get(KnowledgeSpace, space_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def space_named(self, name: str) -> KnowledgeSpace | None:
        stmt = select(KnowledgeSpace).where(
            KnowledgeSpace.tenant_id == self.tenant_id, KnowledgeSpace.name == name
        )
        return self.session.scalars(stmt).first()

    def team_members(self, team_id: str | None) -> frozenset[str]:
        if team_id is None:
            return frozenset()
        stmt = select(TeamMember.user_id).where(
            TeamMember.tenant_id == self.tenant_id, TeamMember.team_id == team_id
        )
        return frozenset(self.session.scalars(stmt))

    # -- documents and versions ------------------------------------------------
    def document(self, document_id: str) -> KnowledgeDocument | None:
        row = self.session.get(KnowledgeDocument, document_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def document_titled(self, space_id: str, title: str) -> KnowledgeDocument | None:
        stmt = select(KnowledgeDocument).where(
            KnowledgeDocument.tenant_id == self.tenant_id,
            KnowledgeDocument.space_id == space_id,
            KnowledgeDocument.title == title,
        )
        return self.session.scalars(stmt).first()

    def documents(self, space_ids: Sequence[str]) -> Sequence[KnowledgeDocument]:
        stmt = select(KnowledgeDocument).where(
            KnowledgeDocument.tenant_id == self.tenant_id,
            KnowledgeDocument.space_id.in_(space_ids),
        )
        return self.session.scalars(stmt.order_by(KnowledgeDocument.title)).all()

    def versions(self, document_ids: Sequence[str]) -> Sequence[KnowledgeVersion]:
        stmt = select(KnowledgeVersion).where(
            KnowledgeVersion.tenant_id == self.tenant_id,
            KnowledgeVersion.document_id.in_(document_ids),
        )
        return self.session.scalars(
            stmt.order_by(KnowledgeVersion.document_id, KnowledgeVersion.number)
        ).all()

    def version(self, version_id: str) -> KnowledgeVersion | None:
        row = self.session.get(KnowledgeVersion, version_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def chunk(self, chunk_id: str) -> KnowledgeChunk | None:
        row = self.session.get(KnowledgeChunk, chunk_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    # -- retrieval ---------------------------------------------------------------
    def active_signature(self) -> str:
        """Changes whenever a version is published or retired in the workspace."""
        stmt = select(KnowledgeVersion.id).where(
            KnowledgeVersion.tenant_id == self.tenant_id, KnowledgeVersion.status == "active"
        )
        ids = sorted(self.session.scalars(stmt))
        return hashlib.sha256(" ".join(ids).encode()).hexdigest()

    def passages(self, version_ids: Sequence[str] | None = None) -> list[Passage]:
        """Every chunk of every active version in the workspace (or of the named
        versions, retired ones included), with its context."""
        which = (
            KnowledgeVersion.status == "active"
            if version_ids is None
            else KnowledgeVersion.id.in_(version_ids)
        )
        stmt = (
            select(KnowledgeChunk, KnowledgeVersion, KnowledgeDocument, KnowledgeSpace)
            .join(KnowledgeVersion, KnowledgeVersion.id == KnowledgeChunk.version_id)
            .join(KnowledgeDocument, KnowledgeDocument.id == KnowledgeVersion.document_id)
            .join(KnowledgeSpace, KnowledgeSpace.id == KnowledgeDocument.space_id)
            .where(
                KnowledgeChunk.tenant_id == self.tenant_id,
                which,
            )
            .order_by(KnowledgeChunk.version_id, KnowledgeChunk.ordinal)
        )
        headings: dict[str, frozenset[str]] = {}
        out = []
        for chunk, version, document, space in self.session.execute(stmt).tuples():
            if chunk.heading_path not in headings:
                headings[chunk.heading_path] = frozenset(tokenize(chunk.heading_path))
            out.append(
                Passage(
                    chunk_id=chunk.id,
                    version_id=version.id,
                    document_id=document.id,
                    space_id=space.id,
                    space_name=space.name,
                    document_title=document.title,
                    version_number=version.number,
                    language=document.language,
                    kind=chunk.kind,
                    heading_path=chunk.heading_path,
                    clause=chunk.clause,
                    text=chunk.text,
                    terms=tuple(chunk.terms.split()),
                    heading_terms=headings[chunk.heading_path],
                    suspicious=chunk.suspicious,
                    effective_from=version.effective_from,
                    expires_at=version.expires_at,
                )
            )
        return out

    # -- answers and feedback ----------------------------------------------------
    def answer(self, answer_id: str) -> KnowledgeAnswer | None:
        row = self.session.get(KnowledgeAnswer, answer_id)
        return row if row is not None and row.tenant_id == self.tenant_id else None

    def answers_since(self, since: datetime, limit: int = 20_000) -> Sequence[KnowledgeAnswer]:
        stmt = (
            select(KnowledgeAnswer)
            .where(KnowledgeAnswer.tenant_id == self.tenant_id, KnowledgeAnswer.created_at >= since)
            .order_by(KnowledgeAnswer.created_at.desc())
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def feedback_of(self, answer_ids: Sequence[str]) -> Sequence[KnowledgeFeedback]:
        if not answer_ids:
            return []
        stmt = select(KnowledgeFeedback).where(
            KnowledgeFeedback.tenant_id == self.tenant_id,
            KnowledgeFeedback.answer_id.in_(answer_ids),
        )
        return self.session.scalars(stmt.order_by(KnowledgeFeedback.created_at)).all()

    def all_versions(self) -> Sequence[KnowledgeVersion]:
        stmt = select(KnowledgeVersion).where(
            KnowledgeVersion.tenant_id == self.tenant_id, KnowledgeVersion.status == "active"
        )
        return self.session.scalars(stmt).all()
