"""Agent memory: facts, episodes and summaries per customer, private to each agent.

Rows live in ``agent_memories`` keyed by agent and subject (a contact, an
account, or a segment such as "a region and a cell batch"). An agent reads its
own rows plus those of agents that shared theirs with it
(``agent_memory_shares``); nothing else. Retrieval ranks a subject's rows
against a query with a ``Retriever``: BM25 over jieba tokens by default
(works for Chinese and English, needs no model weights), replaceable by an
embedding retriever with the same protocol.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlalchemy import BindParameter, bindparam, or_, select
from sqlalchemy.orm import Session

from kith.agents.models import AgentMemory, AgentMemoryShare
from kith.core.lazy import lazy_module

if TYPE_CHECKING:
    import bm25s
    import jieba
else:
    bm25s = lazy_module("bm25s")
    jieba = lazy_module("jieba")

MemoryKind = Literal["fact", "episode", "summary"]
SubjectType = Literal["contact", "account", "segment"]

_jieba_ready = threading.Lock()
_WORD = re.compile(r"\w", re.UNICODE)
_STOPWORDS = frozenset(
    (
        "的",
        "了",
        "是",
        "在",
        "我",
        "有",
        "和",
        "就",
        "不",
        "都",
        "也",
        "很",
        "到",
        "要",
        "你",
        "会",
        "着",
        "这",
        "吗",
        "呢",
        "吧",
        "啊",
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "to",
        "of",
        "and",
        "or",
        "in",
        "on",
        "at",
        "for",
        "with",
        "it",
        "this",
        "that",
        "i",
        "you",
        "my",
        "your",
    )
)


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens, lower-cased, without punctuation and stop words."""
    _ensure_jieba()
    return [
        token
        for raw in jieba.cut_for_search(text)
        if (token := raw.strip().lower()) and _WORD.search(token) and token not in _STOPWORDS
    ]


def _ensure_jieba() -> None:
    """Load jieba's dictionary once per process (about a second), quietly."""
    if jieba.dt.initialized:
        return
    with _jieba_ready:
        if not jieba.dt.initialized:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()


@dataclass(frozen=True)
class Subject:
    type: SubjectType
    id: str

    @classmethod
    def segment(cls, *parts: str) -> Subject:
        """A group of customers (e.g. region + cell batch), keyed by a stable digest."""
        return cls("segment", hashlib.sha256("|".join(parts).encode()).hexdigest()[:32])


@dataclass(frozen=True)
class MemoryItem:
    id: str
    agent_id: str
    kind: str
    text: str
    terms: tuple[str, ...]
    meta: Mapping[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class Recalled:
    item: MemoryItem
    score: float


def coverage(query: str, item: MemoryItem) -> float:
    """Share of the query's tokens found in the memory: a scale-free "how well does this
    match", where BM25 scores depend on how many memories there are."""
    wanted = set(tokenize(query))
    return len(wanted & set(item.terms)) / len(wanted) if wanted else 0.0


class Retriever(Protocol):
    def rank(self, query: str, items: Sequence[MemoryItem], k: int) -> list[Recalled]:
        """The ``k`` items most relevant to ``query``, best first; irrelevant ones left out."""
        ...


class BM25Retriever:
    """Okapi BM25 (bm25s) over the stored tokens of one subject's memories.

    A subject has tens to hundreds of memories, so an index per query costs
    well under a millisecond and needs no upkeep when memories are added.
    """

    def rank(self, query: str, items: Sequence[MemoryItem], k: int) -> list[Recalled]:
        query_tokens = tokenize(query)
        corpus = [list(item.terms) for item in items]
        known = {token for terms in corpus for token in terms}
        query_tokens = [token for token in query_tokens if token in known]
        if not query_tokens:
            return []
        index = bm25s.BM25()
        index.index(corpus, show_progress=False)
        scores = index.get_scores(query_tokens)
        ranked = sorted(zip(items, scores, strict=True), key=lambda pair: -float(pair[1]))
        return [Recalled(item, float(score)) for item, score in ranked[:k] if score > 0]


class MemoryStore:
    """One agent's view of memory: writes its own rows, reads its own and shared rows."""

    def __init__(
        self,
        session: Session,
        tenant_id: str,
        agent_id: str,
        namespace: str,
        retriever: Retriever,
        now: datetime,
    ) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.agent_id = agent_id
        self.namespace = namespace
        self.retriever = retriever
        self.now = now

    def remember(
        self,
        subject: Subject,
        kind: MemoryKind,
        text: str,
        meta: Mapping[str, Any] | None = None,
    ) -> str:
        row = AgentMemory(
            tenant_id=self.tenant_id,
            agent_id=self.agent_id,
            namespace=self.namespace,
            subject_type=subject.type,
            subject_id=subject.id,
            kind=kind,
            text=text,
            terms=" ".join(tokenize(text)),
            meta=dict(meta or {}),
            created_at=self.now,
        )
        self.session.add(row)
        # Flushed now: the next event of the same batch may look for this memory.
        self.session.flush()
        return row.id

    def items(self, subject: Subject, kinds: Sequence[MemoryKind] = ()) -> list[MemoryItem]:
        """Every readable memory about the subject, newest first."""
        params: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "agent_id": self.agent_id,
            "subject_type": subject.type,
            "subject_id": subject.id,
        }
        if kinds:
            rows = self.session.scalars(_MEMORIES_OF_KINDS, {**params, "kinds": list(kinds)})
        else:
            rows = self.session.scalars(_MEMORIES, params)
        return [_item(row) for row in rows]

    def recall(
        self, subject: Subject, query: str, k: int = 5, kinds: Sequence[MemoryKind] = ()
    ) -> list[Recalled]:
        items = self.items(subject, kinds)
        return self.retriever.rank(query, items, k) if items else []

    def share_with(self, grantee_agent_id: str) -> None:
        """Let another agent read this agent's memory (all subjects)."""
        key = (self.agent_id, grantee_agent_id)
        if self.session.get(AgentMemoryShare, key) is None:
            self.session.add(
                AgentMemoryShare(
                    tenant_id=self.tenant_id,
                    owner_agent_id=self.agent_id,
                    grantee_agent_id=grantee_agent_id,
                    created_at=self.now,
                )
            )
            self.session.flush()


def _memories_statement() -> Any:
    """Every memory about a subject that an agent may read — its own and those shared
    with it (a sub-select, not a statement of its own) — newest first; built once."""
    agent_id: BindParameter[str] = bindparam("agent_id")
    shared = select(AgentMemoryShare.owner_agent_id).where(
        AgentMemoryShare.tenant_id == bindparam("tenant_id"),
        AgentMemoryShare.grantee_agent_id == agent_id,
    )
    return select(AgentMemory).where(
        AgentMemory.tenant_id == bindparam("tenant_id"),
        AgentMemory.subject_type == bindparam("subject_type"),
        AgentMemory.subject_id == bindparam("subject_id"),
        or_(AgentMemory.agent_id == agent_id, AgentMemory.agent_id.in_(shared)),
    )


_MEMORIES_ANY_KIND = _memories_statement()
_ORDER = (AgentMemory.created_at.desc(), AgentMemory.id)
_MEMORIES = _MEMORIES_ANY_KIND.order_by(*_ORDER)
_MEMORIES_OF_KINDS = _MEMORIES_ANY_KIND.where(
    AgentMemory.kind.in_(bindparam("kinds", expanding=True))
).order_by(*_ORDER)


def _item(row: AgentMemory) -> MemoryItem:
    return MemoryItem(
        id=row.id,
        agent_id=row.agent_id,
        kind=row.kind,
        text=row.text,
        terms=tuple(row.terms.split()),
        meta=row.meta or {},
        created_at=row.created_at,
    )
