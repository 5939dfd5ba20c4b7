"""Retrieval over the passages a question may use: BM25, exact terms, a rerank.

1. BM25 (bm25s) over jieba + English tokens and exact terms (``kith.knowledge.tokens``)
   of every active passage of the workspace; the index is rebuilt only when the set
   of active versions changes (cached per workspace).
2. Filters (space, language, document version, effective on a date) are a mask
   applied to the scores, so they never leak a passage the asker may not read.
3. The top candidates are reranked by IDF-weighted term coverage (how much of the
   question the passage covers — comparable across questions, unlike BM25 scores),
   exact terms (a number, unit or standard code named by the question and missing
   from the passage costs a lot), heading match and language.
4. A ``DenseRetriever`` (embeddings through an OpenAI-compatible provider) may add
   candidates; without one the lexical path is the whole story.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from kith.knowledge.tokens import (
    STOPWORDS,
    is_dictionary_word,
    is_exact,
    is_filler,
    match_form,
    match_tokens,
)


@dataclass(frozen=True)
class Passage:
    chunk_id: str
    version_id: str
    document_id: str
    space_id: str
    space_name: str
    document_title: str
    version_number: int
    language: str
    kind: str
    heading_path: str
    clause: str | None
    text: str
    terms: tuple[str, ...]
    heading_terms: frozenset[str]
    suspicious: bool
    effective_from: datetime | None
    expires_at: datetime | None

    def effective_on(self, when: datetime) -> bool:
        if self.effective_from is not None and self.effective_from > when:
            return False
        return self.expires_at is None or self.expires_at > when


@dataclass(frozen=True)
class Filters:
    space_ids: frozenset[str]  # the spaces the asker may read (always set)
    language: str | None = None
    version_ids: frozenset[str] | None = None
    as_of: datetime | None = None

    def allows(self, passage: Passage) -> bool:
        if passage.space_id not in self.space_ids:
            return False
        if self.language and passage.language not in (self.language, "mixed"):
            return False
        if self.version_ids is not None and passage.version_id not in self.version_ids:
            return False
        return self.as_of is None or passage.effective_on(self.as_of)


@dataclass(frozen=True)
class Hit:
    passage: Passage
    bm25: float
    coverage: float  # IDF-weighted share of the question's tokens in the passage
    exact_hits: tuple[str, ...]
    exact_missing: tuple[str, ...]
    score: float


class DenseRetriever(Protocol):
    """Adds candidates by embedding similarity (optional; see ``EmbeddingRetriever``)."""

    def candidates(
        self, question: str, passages: Sequence[Passage], allowed: Sequence[int], k: int
    ) -> list[int]: ...


@dataclass
class Index:
    passages: list[Passage]
    idf: dict[str, float]
    max_idf: float
    _bm25: Any = field(repr=False)

    @classmethod
    def build(cls, passages: list[Passage]) -> Index:
        import bm25s

        # Stored tokens are matched in their folded form (general synonyms, lemmas),
        # whatever tokenizer version wrote them.
        passages = [
            replace(
                p,
                terms=tuple(dict.fromkeys(match_form(t) for t in p.terms)),
                heading_terms=frozenset(match_form(t) for t in p.heading_terms),
            )
            for p in passages
        ]
        corpus = [list(p.terms) or ["∅"] for p in passages]
        index = bm25s.BM25()
        if corpus:
            index.index(corpus, show_progress=False)
        n = max(len(corpus), 1)
        df: dict[str, int] = {}
        for terms in corpus:
            for term in set(terms):
                df[term] = df.get(term, 0) + 1
        idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        max_idf = math.log(1 + (n + 0.5) / 0.5)
        return cls(passages, idf, max_idf, index)

    def weight(self, token: str) -> float:
        return self.idf.get(token, self.max_idf)

    def question_tokens(self, question: str) -> list[str]:
        """The question's tokens, mended against the corpus vocabulary.

        - general synonyms are folded ("最多", "maximum" → the form of "限值", "limit");
        - a framing word no passage uses ("explain", "允许", "想了解一下") is dropped:
          it says nothing about what is asked, so it neither lowers the coverage nor
          counts as an unknown subject;
        - a Chinese word jieba glued together that no passage uses ("水中铁", "铅用")
          is replaced by its character bigrams, else its characters, that passages
          do use (the rest stays unknown); a dictionary word without a function
          character ("营业时间") is a concept of its own and is not split;
        - a bare number is dropped when the same number with its unit is there.
        Whatever else no passage contains stays: a subject the knowledge lacks."""
        tokens = match_tokens(question)
        known_chars = {c for t in tokens if t in self.idf for c in t}
        out: list[str] = []
        for token in tokens:
            if token in self.idf or is_exact(token):
                out.append(token)
            elif is_filler(token):
                continue
            elif len(token) > 1 and all("\u3400" <= c <= "\u9fff" for c in token):
                out.extend(self._pieces(token, known_chars))
            else:
                out.append(token)
        with_unit = {_parent(t) for t in out if t.startswith("#") and _parent(t) != t}
        return list(dict.fromkeys(t for t in out if t not in with_unit))

    def _pieces(self, word: str, known_chars: set[str]) -> list[str]:
        """An unknown Chinese word as the bigrams, then characters, passages know;
        characters covered by neither (nor by another known word of the question,
        nor function characters) stay as one unknown remainder. A dictionary word
        without a function character ("营业时间") is a concept of its own: kept whole."""
        if is_dictionary_word(word) and not any(_function_char(c) for c in word):
            return [word]
        known: list[str] = []
        covered = [False] * len(word)
        for i in range(len(word) - 1):
            bigram = match_form(word[i : i + 2])
            if bigram in self.idf:
                known.append(bigram)
                covered[i] = covered[i + 1] = True
        for i, char in enumerate(word):
            if covered[i] or _function_char(char) or char in known_chars:
                covered[i] = True
                continue
            form = match_form(char)
            if form in self.idf:
                known.append(form)
                covered[i] = True
        rest = "".join(c for i, c in enumerate(word) if not covered[i])
        return [*known, rest] if rest else known

    def unknown(self, tokens: list[str]) -> list[str]:
        """Content words of the question that no passage contains."""
        return [t for t in tokens if not is_exact(t) and t not in self.idf]

    def search(
        self,
        question: str,
        filters: Filters,
        *,
        k: int = 8,
        question_language: str | None = None,
        dense: DenseRetriever | None = None,
    ) -> tuple[list[str], list[Hit]]:
        """The question's tokens and the best ``k`` passages it may use, best first."""
        tokens = self.question_tokens(question)
        allowed = [i for i, p in enumerate(self.passages) if filters.allows(p)]
        if not tokens or not allowed:
            return tokens, []
        known = [t for t in tokens if t in self.idf]
        scores: Any = self._bm25.get_scores(known) if known else [0.0] * len(self.passages)
        pool = sorted(allowed, key=lambda i: -float(scores[i]))[: max(k * 4, 24)]
        if dense is not None:  # appended after the lexical pool, reranked the same way
            pool.extend(
                i for i in dense.candidates(question, self.passages, allowed, k) if i not in pool
            )
        top = max((float(scores[i]) for i in pool), default=0.0) or 1.0
        hits = [
            self._rerank(tokens, self.passages[i], float(scores[i]) / top, question_language)
            for i in pool
        ]
        hits = [h for h in hits if h.coverage > 0 or dense is not None]
        hits.sort(key=lambda h: -h.score)
        return tokens, hits[:k]

    def _rerank(
        self, tokens: list[str], passage: Passage, bm25: float, language: str | None
    ) -> Hit:
        have = set(passage.terms)
        words = [t for t in tokens if not is_exact(t)]
        exact = [t for t in tokens if is_exact(t)]
        total = sum(self.weight(t) for t in tokens) or 1.0
        covered = sum(self.weight(t) for t in tokens if t in have)
        coverage = covered / total
        hits = tuple(t for t in exact if t in have)
        missing = tuple(t for t in exact if t not in have and _parent(t) not in have)
        heading = sum(1 for t in words if t in passage.heading_terms) / max(len(words), 1)
        score = 0.6 * coverage + 0.25 * bm25 + 0.1 * heading
        if exact:
            score += 0.15 * len(hits) / len(exact) - 0.3 * len(missing) / len(exact)
        if language and passage.language == language:
            score += 0.05
        return Hit(passage, bm25, coverage, hits, missing, score)


def _function_char(char: str) -> bool:
    return char in STOPWORDS or is_filler(char)


_UNIT_OR_YEAR = re.compile(r"^(#[\d.]+)\D.*$|^(§.+)-\d{4}$")


def _parent(token: str) -> str:
    """``#0.5`` for ``#0.5mg/l``, ``§gb/t1`` for ``§gb/t1-2015``: a unit or a year the
    passage leaves out is not a mismatch when the number or the code is there."""
    match = _UNIT_OR_YEAR.match(token)
    return (match.group(1) or match.group(2)) if match else token


class IndexCache:
    """One ``Index`` per workspace, rebuilt when its active versions change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, Index]] = {}

    def get(self, tenant_id: str, signature: str, load: Callable[[], list[Passage]]) -> Index:
        entry = self._entries.get(tenant_id)
        if entry is not None and entry[0] == signature:
            return entry[1]
        with self._lock:
            entry = self._entries.get(tenant_id)
            if entry is not None and entry[0] == signature:
                return entry[1]
            index = Index.build(load())
            self._entries[tenant_id] = (signature, index)
            return index


INDEXES = IndexCache()


Embedder = Callable[[list[str]], list[list[float]]]


class EmbeddingRetriever:
    """Dense candidates by cosine similarity of embeddings from ``embed`` (e.g. an
    OpenAI-compatible ``/embeddings`` endpoint, ``openai_embedder``). Passage vectors
    are kept in memory by passage id; nothing is stored in the database yet (no
    sqlite-vec / pgvector), and confidence stays lexical: dense retrieval only adds
    candidates to the rerank."""

    def __init__(self, embed: Embedder) -> None:
        self.embed = embed
        self._vectors: dict[str, Any] = {}

    def candidates(
        self, question: str, passages: Sequence[Passage], allowed: Sequence[int], k: int
    ) -> list[int]:
        import numpy as np

        missing = [i for i in allowed if passages[i].chunk_id not in self._vectors]
        if missing:
            vectors = self.embed(
                [f"{passages[i].heading_path}\n{passages[i].text}" for i in missing]
            )
            for i, vector in zip(missing, vectors, strict=True):
                v = np.asarray(vector, dtype=float)
                self._vectors[passages[i].chunk_id] = v / (np.linalg.norm(v) or 1.0)
        q = np.asarray(self.embed([question])[0], dtype=float)
        q = q / (np.linalg.norm(q) or 1.0)
        scored = sorted(allowed, key=lambda i: -float(self._vectors[passages[i].chunk_id] @ q))
        return scored[:k]


def openai_embedder(base_url: str, model: str, api_key: str | None = None) -> Embedder:
    """``embed`` through an OpenAI-compatible server (Ollama, vLLM, a hosted API)."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}

    def embed(texts: list[str]) -> list[list[float]]:
        response = httpx.post(
            f"{base_url.rstrip('/')}/embeddings",
            json={"model": model, "input": texts},
            headers=headers,
            timeout=30,
        )
        response.raise_for_status()
        data = sorted(response.json()["data"], key=lambda d: d["index"])
        return [d["embedding"] for d in data]

    return embed
