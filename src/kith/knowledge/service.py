"""Use cases of the knowledge context: spaces, uploads (versions), answers, handovers.

Which spaces an answer may draw on is decided by ``kith.access.policy``; this
service asks it for every space and passes only the readable ones to retrieval.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from kith.access import policy
from kith.access.policy import KnowledgeAudience
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.knowledge.answer import INJECTION, THRESHOLD, Answer, compose, unsupported_language
from kith.knowledge.chunking import chunk_markdown
from kith.knowledge.convert import convert, media_type_of
from kith.knowledge.grounded import GroundedAnswerer, grounded_from_environment
from kith.knowledge.models import (
    KnowledgeChunk,
    KnowledgeDocument,
    KnowledgeSpace,
    KnowledgeVersion,
)
from kith.knowledge.repository import KnowledgeRepository
from kith.knowledge.retrieval import (
    INDEXES,
    DenseRetriever,
    EmbeddingRetriever,
    Filters,
    openai_embedder,
)
from kith.knowledge.tokens import language_of, tokenize

VISIBILITIES = ("public", "internal", "team")
_DENSE: dict[tuple[str, str], EmbeddingRetriever] = {}


class KnowledgeSettings(BaseSettings):
    """``KITH_KNOWLEDGE_MAX_UPLOAD_BYTES`` (default 20 MB), ``KITH_KNOWLEDGE_THRESHOLD``."""

    model_config = SettingsConfigDict(env_prefix="KITH_KNOWLEDGE_", extra="ignore")

    max_upload_bytes: int = 20 * 1024 * 1024
    threshold: float = THRESHOLD
    # Dense candidates through an OpenAI-compatible /embeddings endpoint, when both are set.
    embedding_url: str | None = None
    embedding_model: str | None = None
    embedding_api_key: str | None = None

    def dense(self) -> DenseRetriever | None:
        if not (self.embedding_url and self.embedding_model):
            return None
        key = (self.embedding_url, self.embedding_model)
        if key not in _DENSE:  # one per endpoint and model: passage vectors stay cached
            _DENSE[key] = EmbeddingRetriever(
                openai_embedder(self.embedding_url, self.embedding_model, self.embedding_api_key)
            )
        return _DENSE[key]


@dataclass(frozen=True)
class Published:
    version: KnowledgeVersion
    document: KnowledgeDocument
    created: bool  # False: the same content was already the current version
    chunks: int


def _bad(path: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, [FieldError(["body", path], message, "value_error")])


class KnowledgeService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        *,
        clock: Callable[[], datetime] = utcnow,
        settings: KnowledgeSettings | None = None,
        dense: DenseRetriever | None = None,
        grounded: GroundedAnswerer | bool | None = True,
    ) -> None:
        """``grounded``: a model that words answers from the passages (checked after
        generation); ``True`` (default) takes it from ``KITH_LLM_*`` when set, ``None``
        or ``False`` keeps answers extractive."""
        self.uow = uow
        self.principal = principal
        self.tenant_id = principal.tenant_id
        self.clock = clock
        self.settings = settings or KnowledgeSettings()
        self.dense = dense if dense is not None else self.settings.dense()
        self.grounded: GroundedAnswerer | None = (
            grounded_from_environment()
            if grounded is True
            else (grounded if isinstance(grounded, GroundedAnswerer) else None)
        )
        self.repo = KnowledgeRepository(uow.session, principal.tenant_id)

    # -- spaces --------------------------------------------------------------
    def create_space(
        self,
        name: str,
        visibility: str,
        *,
        team_id: str | None = None,
        description: str | None = None,
    ) -> KnowledgeSpace:
        policy.require(self.principal, "knowledge", "create")
        name = name.strip()
        if not name:
            raise _bad("name", "a space needs a name")
        if visibility not in VISIBILITIES:
            raise _bad("visibility", f"visibility must be one of {', '.join(VISIBILITIES)}")
        if visibility == "team" and not team_id:
            raise _bad("team_id", "a team space needs team_id")
        if self.repo.space_named(name) is not None:
            raise Conflict(f"a knowledge space named {name!r} exists")
        space = KnowledgeSpace(
            tenant_id=self.tenant_id,
            name=name,
            visibility=visibility,
            team_id=team_id if visibility == "team" else None,
            description=description,
            created_at=self.clock(),
            created_by=self.principal.name,
        )
        self.uow.session.add(space)
        self.uow.session.flush()
        self.emit(
            EventType.KNOWLEDGE_SPACE_CREATED,
            "knowledge_space",
            space.id,
            name=space.name,
            visibility=visibility,
        )
        return space

    def may_read(self, space: KnowledgeSpace, audience: KnowledgeAudience = "staff") -> bool:
        return policy.may_read_knowledge_space(
            self.principal, space.visibility, self.repo.team_members(space.team_id), audience
        )

    def spaces(self, audience: KnowledgeAudience = "staff") -> list[KnowledgeSpace]:
        policy.require(self.principal, "knowledge", "read")
        return [s for s in self.repo.spaces() if self.may_read(s, audience)]

    def space(self, ref: str) -> KnowledgeSpace:
        """A readable space by id or name (NotFound for one the principal may not read)."""
        policy.require(self.principal, "knowledge", "read")
        space = self.repo.space(ref) or self.repo.space_named(ref)
        if space is None or not self.may_read(space):
            raise NotFound(f"no knowledge space {ref!r}")
        return space

    # -- documents ---------------------------------------------------------------
    def add_document(
        self,
        space_ref: str,
        filename: str,
        data: bytes,
        *,
        title: str | None = None,
        owner: str | None = None,
        language: str | None = None,
        effective_from: datetime | None = None,
        expires_at: datetime | None = None,
    ) -> Published:
        """Publish ``data`` as the next version of the document ``title`` (default: the
        file name) in a space; the same content as the current version is a no-op."""
        policy.require(self.principal, "knowledge", "create")
        space = self.space(space_ref)
        if expires_at is not None and effective_from is not None and expires_at <= effective_from:
            raise _bad("expires_at", "expires_at must be after effective_from")
        if language is not None and language not in ("zh", "en", "mixed"):
            raise _bad("language", "language must be zh, en or mixed")
        media_type_of(filename)
        title = (title or filename.rsplit("/", 1)[-1]).strip()[:300]
        digest = hashlib.sha256(data).hexdigest()
        document = self.repo.document_titled(space.id, title)
        now = self.clock()
        versions = list(self.repo.versions([document.id])) if document else []
        active = [v for v in versions if v.status == "active"]
        if any(v.content_hash == digest for v in active):  # same bytes: nothing to convert
            current = next(v for v in active if v.content_hash == digest)
            assert document is not None
            return Published(current, document, False, 0)
        converted = convert(filename, data, max_bytes=self.settings.max_upload_bytes)
        chunks = chunk_markdown(converted.markdown, title)
        if not chunks:
            raise _bad("file", f"{filename} has no text to answer from")
        if document is None:
            document = KnowledgeDocument(
                tenant_id=self.tenant_id,
                space_id=space.id,
                title=title,
                owner=owner or self.principal.name,
                language=language or language_of(converted.markdown[:20_000]),
                created_at=now,
                updated_at=now,
            )
            self.uow.session.add(document)
            self.uow.session.flush()
        else:
            document.updated_at = now
            if owner:
                document.owner = owner
            if language:
                document.language = language
        for previous in active:
            previous.status = "retired"
            previous.retired_at = now
        version = KnowledgeVersion(
            tenant_id=self.tenant_id,
            document_id=document.id,
            space_id=space.id,
            number=max((v.number for v in versions), default=0) + 1,
            status="active",
            content_hash=digest,
            source_name=filename[:300],
            media_type=converted.media_type,
            size_bytes=len(data),
            text=converted.markdown,
            effective_from=effective_from,
            expires_at=expires_at,
            created_at=now,
            created_by=self.principal.name,
        )
        self.uow.session.add(version)
        self.uow.session.flush()
        self.uow.session.add_all(
            KnowledgeChunk(
                tenant_id=self.tenant_id,
                version_id=version.id,
                document_id=document.id,
                space_id=space.id,
                ordinal=ordinal,
                kind=chunk.kind,
                heading_path=chunk.heading_path[:1000],
                clause=chunk.clause,
                text=chunk.text,
                terms=" ".join(tokenize(f"{chunk.heading_path}\n{chunk.text}")),
                suspicious=bool(INJECTION.search(chunk.text)),
            )
            for ordinal, chunk in enumerate(chunks)
        )
        self.uow.session.flush()
        self.emit(
            EventType.KNOWLEDGE_DOCUMENT_PUBLISHED,
            "knowledge_document",
            document.id,
            space=space.name,
            title=title,
            version=version.number,
            chunks=len(chunks),
            retired=[v.number for v in active],
        )
        return Published(version, document, True, len(chunks))

    def retire(self, version_id: str) -> KnowledgeVersion:
        policy.require(self.principal, "knowledge", "update")
        version = self.repo.version(version_id)
        if version is None or not self._readable_space_id(version.space_id):
            raise NotFound(f"no knowledge version {version_id!r}")
        if version.status != "retired":
            version.status = "retired"
            version.retired_at = self.clock()
            self.emit(
                EventType.KNOWLEDGE_DOCUMENT_RETIRED,
                "knowledge_document",
                version.document_id,
                version=version.number,
            )
        return version

    def documents(self, space_ref: str | None = None) -> list[dict[str, Any]]:
        spaces = [self.space(space_ref)] if space_ref else self.spaces()
        names = {s.id: s.name for s in spaces}
        documents = self.repo.documents(list(names))
        versions = self.repo.versions([d.id for d in documents])
        by_document: dict[str, list[KnowledgeVersion]] = {}
        for v in versions:
            by_document.setdefault(v.document_id, []).append(v)
        return [
            {
                "id": d.id,
                "space": names[d.space_id],
                "space_id": d.space_id,
                "title": d.title,
                "owner": d.owner,
                "language": d.language,
                "versions": [
                    {
                        "id": v.id,
                        "number": v.number,
                        "status": v.status,
                        "source_name": v.source_name,
                        "media_type": v.media_type,
                        "size_bytes": v.size_bytes,
                        "content_hash": v.content_hash,
                        "effective_from": v.effective_from,
                        "expires_at": v.expires_at,
                        "created_at": v.created_at,
                        "retired_at": v.retired_at,
                    }
                    for v in by_document.get(d.id, [])
                ],
            }
            for d in documents
        ]

    def passage(self, chunk_id: str) -> dict[str, Any]:
        policy.require(self.principal, "knowledge", "read")
        chunk = self.repo.chunk(chunk_id)
        if chunk is None or not self._readable_space_id(chunk.space_id):
            raise NotFound(f"no knowledge passage {chunk_id!r}")
        version = self.repo.version(chunk.version_id)
        document = self.repo.document(chunk.document_id)
        assert version is not None and document is not None
        return {
            "id": chunk.id,
            "document": document.title,
            "document_id": document.id,
            "version": version.number,
            "version_id": version.id,
            "version_status": version.status,
            "section": chunk.heading_path,
            "clause": chunk.clause,
            "kind": chunk.kind,
            "text": chunk.text,
        }

    def _readable_space_id(self, space_id: str) -> bool:
        space = self.repo.space(space_id)
        return space is not None and self.may_read(space)

    # -- answers -------------------------------------------------------------------
    def answer(
        self,
        question: str,
        *,
        spaces: Sequence[str] = (),
        language: str | None = None,
        version_ids: Sequence[str] | None = None,
        as_of: datetime | None = None,
        audience: KnowledgeAudience = "staff",
    ) -> Answer:
        """An answer from the passages the asker may read (never any other)."""
        policy.require(self.principal, "knowledge", "read")
        question = question.strip()[:2000]
        asked_in = language_of(question) if question else "en"
        if asked_in == "other":
            return unsupported_language(asked_in)
        readable = self.spaces(audience)
        if spaces:
            wanted = set(spaces)
            readable = [s for s in readable if s.id in wanted or s.name in wanted]
            if not readable:
                raise NotFound("none of the requested knowledge spaces is readable")
        filters = Filters(
            space_ids=frozenset(s.id for s in readable),
            language=language,
            version_ids=frozenset(version_ids) if version_ids is not None else None,
            as_of=as_of or self.clock(),
        )
        if version_ids is not None:
            return self._answer_versions(question, asked_in, filters)
        index = INDEXES.get(self.tenant_id, self.repo.active_signature(), self.repo.passages)
        tokens, hits = index.search(question, filters, question_language=asked_in, dense=self.dense)
        result = compose(index, question, tokens, hits, asked_in, self.settings.threshold)
        if self.grounded is not None:
            result = self.grounded.answer(question, result, hits)
        return result

    def answer_space_ids(
        self, spaces: Sequence[str] = (), audience: KnowledgeAudience = "staff"
    ) -> list[str]:
        """The ids of the spaces an answer drew on (readable, and those named if any)."""
        readable = self.spaces(audience)
        if spaces:
            wanted = set(spaces)
            readable = [s for s in readable if s.id in wanted or s.name in wanted]
        return [s.id for s in readable]

    def _answer_versions(self, question: str, asked_in: str, filters: Filters) -> Answer:
        """Asking named versions (retired ones included, for the audit): a one-off index."""
        from kith.knowledge.retrieval import Index

        index = Index.build(self.repo.passages(sorted(filters.version_ids or ())))
        tokens, hits = index.search(question, filters, question_language=asked_in)
        return compose(index, question, tokens, hits, asked_in, self.settings.threshold)

    # -- handover ------------------------------------------------------------------
    def handover(
        self, question: str, answer: Answer, gateway: Any, *, contact_id: str | None = None
    ) -> dict[str, Any]:
        """Open a ticket for a person with the question, what was found and why it stopped
        (``tickets.create`` through the gateway, which decides whether this principal may)."""
        found = (
            "\n".join(
                f"- {h.passage.document_title} v{h.passage.version_number}"
                f" › {h.passage.heading_path}"
                f" (coverage {h.coverage:.2f}): {h.passage.text[:200]}"
                for h in answer.found[:3]
            )
            or "- nothing"
        )
        description = (
            f"Question / 问题:\n{question}\n\nWhy the knowledge agent stopped / 未回答原因:\n"
            f"{answer.reason} (confidence {answer.confidence})\n\nWhat it found / 检索到的内容:\n"
            f"{found}"
        )
        args: dict[str, Any] = {
            "subject": f"Knowledge question: {question[:120]}",
            "description": description[:20_000],
            "category": "knowledge",
        }
        if contact_id:
            args["contact_id"] = contact_id
        result = gateway.execute(
            self.uow, self.principal, "tickets.create", args, purpose="service"
        )
        status = str(getattr(result, "status", "unknown"))
        output = getattr(result, "output", None)
        ticket_id = output.get("id") if isinstance(output, dict) else getattr(output, "id", None)
        if ticket_id:
            self.emit(
                EventType.KNOWLEDGE_QUESTION_HANDED_OVER,
                "ticket",
                ticket_id,
                reason=answer.reason or "",
                confidence=answer.confidence,
            )
        return {"status": status, "ticket_id": ticket_id}

    def emit(
        self, event_type: EventType, subject_type: str, subject_id: str, **payload: Any
    ) -> None:
        self.uow.emit(
            DomainEvent(
                type=event_type,
                tenant_id=self.tenant_id,
                subject_type=subject_type,
                subject_id=subject_id,
                actor=self.principal.actor,
                payload=payload,
                summary=f"{event_type.value} {subject_type}",
                occurred_at=self.clock(),
            )
        )
