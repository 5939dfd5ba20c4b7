"""Gateway tool of the knowledge context (registered by ``kith.bootstrap.wire``).

``knowledge.answer`` is how the Knowledge agent answers a customer's question: through
the gateway, so the decision record keeps the question, the outcome and the passages
used (document, version, section). An answer meant for a customer draws on public
spaces only, whoever asks. The tool reads knowledge and keeps the answer as given
(``knowledge_answers``, the feedback dashboard's source); it changes no record.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from kith.gateway.registry import ToolContext, tool
from kith.knowledge import feedback
from kith.knowledge.service import KnowledgeService


class KnowledgeAnswerToolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ]
    audience: Literal["customer", "staff"] = "customer"
    contact_id: Annotated[str, StringConstraints(max_length=32)] | None = None
    interaction_id: Annotated[str, StringConstraints(max_length=32)] | None = None


class KnowledgeAnswerToolOut(BaseModel):
    answer_id: str
    status: str  # answered | conflict | clarify | handover
    text: str
    confidence: float
    language: str
    reason: str | None
    engine: str
    options: list[str]
    citations: list[dict[str, Any]]  # the passages the answer quotes
    found: list[dict[str, Any]]  # what retrieval found (a handover's context)


@tool(
    "knowledge.answer",
    purposes=("service", "api"),
    touches=("knowledge",),
    read_only=True,
    description="Answer a question from the knowledge base with citations, or abstain",
)
def answer_question(ctx: ToolContext, args: KnowledgeAnswerToolIn) -> KnowledgeAnswerToolOut:
    service = KnowledgeService(ctx.uow, ctx.principal, clock=ctx.clock)
    result = service.answer(args.question, audience=args.audience)
    row = feedback.record_answer(
        service,
        args.question,
        result,
        source="agent" if ctx.principal.kind == "agent" else "api",
        audience=args.audience,
        space_ids=service.answer_space_ids((), args.audience),
        contact_id=args.contact_id,
    )
    if args.interaction_id:
        ctx.about("interaction", args.interaction_id, contact_id=args.contact_id)
    elif args.contact_id:
        ctx.about("contact", args.contact_id, contact_id=args.contact_id)
    return KnowledgeAnswerToolOut(
        answer_id=row.id,
        status=result.status,
        text=result.text,
        confidence=result.confidence,
        language=result.language,
        reason=result.reason,
        engine=result.engine,
        options=list(result.options),
        citations=[
            {
                "text": q.text,
                "document": q.passage.document_title,
                "version": q.passage.version_number,
                "section": q.passage.heading_path,
                "clause": q.passage.clause,
                "passage_id": q.passage.chunk_id,
                "conflict": q in result.conflicts,
            }
            for q in (*result.quotes, *result.conflicts)
        ],
        found=[
            {
                "document": h.passage.document_title,
                "version": h.passage.version_number,
                "section": h.passage.heading_path,
                "passage_id": h.passage.chunk_id,
                "coverage": round(h.coverage, 3),
                "text": h.passage.text[:300],
            }
            for h in result.found[:3]
        ],
    )
