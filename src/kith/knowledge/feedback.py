"""Answers as given, people's ratings of them, and the dashboard built from both.

Every answer a person or the Knowledge agent receives is kept (``KnowledgeAnswer``:
the question, the status, the confidence, the passages cited and the spaces it
could draw on). Staff rate answers with a thumbs up or down, and a thumbs-down may
say what the right answer was. The dashboard reads both: the share answered
without a handover (coverage), the abstention rate, accuracy from the ratings, the
questions most often left unanswered, and documents gone stale (expired, or not
updated for ``STALE_AFTER``). A person sees only answers drawn from spaces they may
read, so the dashboard never shows another team's questions or passages.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from kith.access import policy
from kith.core.errors import FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.knowledge.answer import Answer
from kith.knowledge.models import KnowledgeAnswer, KnowledgeFeedback, KnowledgeSpace
from kith.knowledge.service import KnowledgeService

STALE_AFTER = timedelta(days=365)
RATINGS = ("up", "down")
SOURCES = ("api", "agent", "cli")
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def question_key(question: str) -> str:
    """The question without case, width, spaces or punctuation: one key per wording."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", question).lower())[:200]


def cited(answer: Answer) -> list[dict[str, Any]]:
    return [
        {
            "passage_id": q.passage.chunk_id,
            "version_id": q.passage.version_id,
            "version": q.passage.version_number,
            "space_id": q.passage.space_id,
            "document": q.passage.document_title,
        }
        for q in (*answer.quotes, *answer.conflicts)
    ]


def record_answer(
    service: KnowledgeService,
    question: str,
    answer: Answer,
    *,
    source: str,
    audience: str = "staff",
    space_ids: Sequence[str] = (),
    contact_id: str | None = None,
) -> KnowledgeAnswer:
    """Keep ``answer`` as given (and emit ``knowledge_question.answered``)."""
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    row = KnowledgeAnswer(
        tenant_id=service.tenant_id,
        question=question[:2000],
        question_key=question_key(question),
        language=answer.language[:8],
        status=answer.status,
        confidence=answer.confidence,
        reason=(answer.reason or "")[:500] or None,
        text=answer.text[:20_000],
        engine=answer.engine[:100],
        source=source,
        audience=audience,
        space_ids=sorted(set(space_ids)),
        passages=cited(answer),
        contact_id=contact_id,
        asked_by=service.principal.name,
        created_at=service.clock(),
    )
    service.uow.session.add(row)
    service.uow.session.flush()
    service.emit(
        EventType.KNOWLEDGE_QUESTION_ANSWERED,
        "knowledge_answer",
        row.id,
        status=row.status,
        confidence=row.confidence,
        source=source,
        passages=[p["passage_id"] for p in row.passages],
    )
    return row


def _visible(service: KnowledgeService, row: KnowledgeAnswer, readable: set[str]) -> bool:
    """Every space the answer cites is readable, and (abstentions) one it could draw on."""
    cited_spaces = {str(p.get("space_id")) for p in row.passages}
    if cited_spaces:
        return cited_spaces <= readable
    return bool(set(row.space_ids) & readable)


def _readable_ids(service: KnowledgeService) -> set[str]:
    return {s.id for s in service.spaces()}


def rate(
    service: KnowledgeService, answer_id: str, rating: str, correction: str | None = None
) -> KnowledgeFeedback:
    """A thumbs up or down on an answer the rater may see; a correction goes with a down."""
    policy.require(service.principal, "knowledge", "read")
    errors = []
    if rating not in RATINGS:
        errors.append(FieldError(["body", "rating"], "rating must be up or down", "value_error"))
    correction = (correction or "").strip() or None
    if correction is not None and rating == "up":
        message = "a correction goes with a thumbs-down"
        errors.append(FieldError(["body", "correction"], message, "value_error"))
    if correction is not None and len(correction) > 5000:
        message = "a correction is at most 5000 characters"
        errors.append(FieldError(["body", "correction"], message, "value_error"))
    if errors:
        raise ValidationFailed("invalid feedback", errors)
    row = service.repo.answer(answer_id)
    if row is None or not _visible(service, row, _readable_ids(service)):
        raise NotFound(f"no knowledge answer {answer_id!r}")
    feedback = KnowledgeFeedback(
        tenant_id=service.tenant_id,
        answer_id=row.id,
        rating=rating,
        correction=correction,
        created_by=service.principal.name,
        created_at=service.clock(),
    )
    service.uow.session.add(feedback)
    service.uow.session.flush()
    service.emit(
        EventType.KNOWLEDGE_ANSWER_RATED,
        "knowledge_answer",
        row.id,
        rating=rating,
        corrected=correction is not None,
    )
    return feedback


def answer_view(row: KnowledgeAnswer, feedback: Sequence[KnowledgeFeedback]) -> dict[str, Any]:
    return {
        "id": row.id,
        "question": row.question,
        "status": row.status,
        "confidence": row.confidence,
        "reason": row.reason,
        "text": row.text,
        "engine": row.engine,
        "source": row.source,
        "passages": row.passages,
        "created_at": row.created_at,
        "feedback": [
            {
                "rating": f.rating,
                "correction": f.correction,
                "by": f.created_by,
                "at": f.created_at,
            }
            for f in feedback
        ],
    }


def dashboard(
    service: KnowledgeService, *, space: str | None = None, days: int = 30, top: int = 10
) -> dict[str, Any]:
    """Coverage, abstention, accuracy from feedback, top unanswered questions and stale
    documents over the last ``days``, for the spaces the caller may read (or one)."""
    policy.require(service.principal, "knowledge", "read")
    spaces: list[KnowledgeSpace] = [service.space(space)] if space else service.spaces()
    readable = {s.id for s in spaces}
    everything = readable if not space else _readable_ids(service)
    now = service.clock()
    rows = [
        r
        for r in service.repo.answers_since(now - timedelta(days=days))
        if _visible(service, r, everything) and set(r.space_ids) & readable
    ]
    feedback = service.repo.feedback_of([r.id for r in rows])
    latest: dict[str, KnowledgeFeedback] = {}
    for f in feedback:  # oldest first: the latest rating of each answer wins
        latest[f.answer_id] = f
    total = len(rows)
    statuses = Counter(r.status for r in rows)
    abstained = statuses["clarify"] + statuses["handover"]
    up = sum(1 for f in latest.values() if f.rating == "up")
    down = sum(1 for f in latest.values() if f.rating == "down")
    unanswered: dict[str, list[KnowledgeAnswer]] = {}
    for r in rows:
        if r.status in ("clarify", "handover"):
            unanswered.setdefault(r.question_key, []).append(r)
    top_unanswered = sorted(
        unanswered.values(), key=lambda group: (-len(group), -group[0].created_at.timestamp())
    )[:top]
    by_id = {r.id: r for r in rows}
    corrections = [
        {
            "answer_id": f.answer_id,
            "question": by_id[f.answer_id].question,
            "correction": f.correction,
            "by": f.created_by,
            "at": f.created_at,
        }
        for f in reversed(list(latest.values()))
        if f.correction
    ][:top]
    return {
        "days": days,
        "spaces": [{"id": s.id, "name": s.name, "visibility": s.visibility} for s in spaces],
        "answers": total,
        "answered": statuses["answered"],
        "conflicts": statuses["conflict"],
        "abstained": abstained,
        "answered_share": round(statuses["answered"] / total, 4) if total else None,
        "abstention_rate": round(abstained / total, 4) if total else None,
        "rated": up + down,
        "thumbs_up": up,
        "thumbs_down": down,
        "accuracy_from_feedback": round(up / (up + down), 4) if up + down else None,
        "top_unanswered": [
            {
                "question": group[0].question,
                "count": len(group),
                "last_at": group[0].created_at,
                "reason": group[0].reason,
                "answer_id": group[0].id,
            }
            for group in top_unanswered
        ],
        "corrections": corrections,
        "stale_documents": _stale(service, readable),
        "recent": [answer_view(r, [f for f in feedback if f.answer_id == r.id]) for r in rows[:20]],
    }


def _stale(service: KnowledgeService, readable: set[str]) -> list[dict[str, Any]]:
    now = service.clock()
    out = []
    for v in service.repo.all_versions():
        if v.space_id not in readable:
            continue
        expired = v.expires_at is not None and v.expires_at <= now
        old = v.created_at <= now - STALE_AFTER
        if expired or old:
            document = service.repo.document(v.document_id)
            out.append(
                {
                    "document_id": v.document_id,
                    "title": document.title if document else "",
                    "version": v.number,
                    "why": "expired" if expired else "not updated for a year",
                    "expires_at": v.expires_at,
                    "updated_at": v.created_at,
                }
            )
    return sorted(out, key=lambda d: str(d["title"]))
