"""The Knowledge agent: answers customers' questions from the company's public
knowledge, with citations, and hands over to a person when it is not sure (S9).

A question arriving as an inbound message (any channel) is answered through the
gateway's ``knowledge.answer`` tool — public spaces only, whoever the customer is —
so the decision record keeps the passages used. Then:

- answered: the reply quotes the passages and names their document, version and
  section (``messages.send``, which asks the consent ledger);
- clarify: the reply asks which of the matching sections the customer means;
- conflict or handover (below the confidence threshold, a number or code in no
  passage, another language): a ticket for a person with the question, what was
  found and why the agent stopped, routed to the service team.

It runs before the Service agent, which leaves a message alone once this agent
acted on it (``repository.handled_by``); with no public knowledge in the workspace
it perceives nothing and the Service agent works as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kith.agents.builtin import common
from kith.agents.builtin.headline import headline
from kith.agents.builtin.understanding import Reading, read_text, shorten
from kith.agents.repository import team_matching
from kith.agents.sdk import (
    Agent,
    AgentSpec,
    Assessment,
    DataScope,
    Perception,
    ProposedAction,
    RecordRef,
    StepContext,
    on,
)
from kith.core.errors import PermissionDenied
from kith.events.envelope import Envelope
from kith.events.types import EventType
from kith.gateway.contracts import ExecutionResult, Factor
from kith.knowledge.service import KnowledgeService

MESSAGE_CHANNELS = frozenset({"app", "chat", "wechat", "email", "sms", "web"})
SERVICE_TEAM_WORDS = ("服务", "service", "support", "客服")
TEXT = {
    "source": ("来源", "Source"),
    "greeting": ("您好，关于「{q}」：", 'Hello, about "{q}":'),
    "subject": ("回复：{q}", "Re: {q}"),
    "ticket": ("知识库未能回答：{q}", "Knowledge question to answer: {q}"),
    "why": ("未自动回答的原因", "Why the agent did not answer"),
    "found": ("检索到的内容", "What it found"),
    "nothing": ("无", "nothing"),
    "question": ("客户问题", "The customer's question"),
}


def _t(key: str, language: str, **values: str) -> str:
    zh, en = TEXT[key]
    return (zh if language == "zh" else en).format(**values)


def _question(envelope: Envelope) -> bool:
    record = common.snapshot(envelope)
    text = " ".join(str(record.get(k) or "") for k in ("subject", "text")).strip()
    if not (
        record.get("channel") in MESSAGE_CHANNELS
        and record.get("direction", "inbound") == "inbound"
        and not record.get("ticket_id")
        and text
    ):
        return False
    # A complaint phrased as a question ("续航缩水严重，是不是电池有问题？") is a problem
    # to diagnose, the Service agent's work (S1), not a question for the knowledge base.
    reading = read_text(text)
    return reading.question and not reading.negative


class KnowledgeAgent(Agent):
    spec = AgentSpec(
        name="knowledge",
        label_zh="知识智能体",
        label_en="Knowledge agent",
        description="Answers customers' questions from public knowledge with citations; "
        "hands over with context when unsure",
        scope=DataScope(
            objects={
                "account": ("read",),
                "contact": ("read",),
                "interaction": ("read", "create"),
                "knowledge": ("read",),
                "ticket": ("read", "create", "update"),
                "message": ("create",),
                "team": ("read",),
                "user": ("read",),
            },
            hidden_fields=common.PII_HIDDEN,
        ),
        subscriptions=(on(EventType.INTERACTION_RECEIVED, _question),),
        tools=frozenset({"knowledge.answer", "messages.send", "tickets.create", "tickets.assign"}),
        purpose="service",
        budget_per_hour=600,
    )

    def perceive(self, ctx: StepContext) -> Perception | None:
        try:
            public = KnowledgeService(ctx.uow, ctx.principal, clock=ctx.clock).spaces("customer")
        except PermissionDenied:  # an administrator took knowledge:read from the agent's role
            return None
        if not public:
            return None  # no public knowledge: the Service agent handles the message
        record = ctx.record
        text = " ".join(str(p) for p in (record.get("subject"), record.get("text")) if p)
        contact = common.readable(ctx.records, "contact", record.get("contact_id"))
        reading = read_text(text)
        return Perception(
            summary=f"{record.get('channel')} question: {shorten(text)}",
            contact_id=record.get("contact_id"),
            account_id=record.get("account_id") or contact.get("account_id"),
            language=reading.language,
            facts={
                "text": text,
                "channel": record.get("channel"),
                "contact": contact,
                "reading": reading,
            },
        )

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        reading: Reading = perception.facts["reading"]
        return Assessment(perception, "question", {"reading": reading}, reading.factors())

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        perception = assessment.perception
        args = {
            "question": perception.facts["text"][:2000],
            "audience": "customer",
            "contact_id": perception.contact_id,
            "interaction_id": ctx.envelope.subject_id,
        }

        def after_answer(result: ExecutionResult) -> Sequence[ProposedAction]:
            return self._follow_up(ctx, assessment, common.output(result))

        return [
            ctx.propose(
                "knowledge.answer",
                {k: v for k, v in args.items() if v is not None},
                purpose="service",
                summary="look the question up in the public knowledge",
                assessment=assessment,
                then=after_answer,
            )
        ]

    # --- after the answer ------------------------------------------------------------

    def _follow_up(
        self, ctx: StepContext, assessment: Assessment, answer: Mapping[str, Any]
    ) -> list[ProposedAction]:
        judged = self._judged(assessment, answer)
        status = answer.get("status")
        if status in ("answered", "clarify"):
            reply = self._reply(ctx, judged, answer)
            if reply is not None:
                return [reply]
        return [self._hand_over(ctx, judged, answer)]

    def _judged(self, assessment: Assessment, answer: Mapping[str, Any]) -> Assessment:
        """The assessment with the answer's confidence and the passages behind it, so
        the decision record of the reply or the handover says why."""
        factors = [
            Factor("knowledge_status", answer.get("status"), 0.0, answer.get("reason")),
            *(
                Factor(
                    "passage",
                    c["passage_id"],
                    0.0,
                    f"{c['document']} v{c['version']} › {c['section']}"[:300],
                )
                for c in answer.get("citations") or ()
            ),
        ]
        return Assessment(
            assessment.perception,
            str(answer.get("status")),
            {**assessment.labels, "answer_id": answer.get("answer_id")},
            (*assessment.factors, *factors),
            float(answer.get("confidence") or 0.0),
            None,
        )

    def _reply(
        self, ctx: StepContext, assessment: Assessment, answer: Mapping[str, Any]
    ) -> ProposedAction | None:
        perception = assessment.perception
        channel = common.send_channel(perception.facts["contact"], perception.facts["channel"])
        if channel is None or not perception.contact_id:
            return None
        language = str(answer.get("language") or perception.language)
        question = shorten(perception.facts["text"], 60)
        body = [_t("greeting", language, q=question), str(answer.get("text") or "")]
        sources = list(
            dict.fromkeys(
                f"{c['document']} v{c['version']} › {c['section']}"
                for c in answer.get("citations") or ()
            )
        )
        if sources:
            body.append(f"{_t('source', language)}: " + "; ".join(sources))
        args = {
            "contact_id": perception.contact_id,
            "channel": channel,
            "subject": _t("subject", language, q=question)[:300],
            "body": "\n".join(body)[:5000],
        }
        summary = (
            "ask which section the question is about"
            if answer.get("status") == "clarify"
            else f"answer from knowledge ({len(sources)} source(s))"
        )
        return ctx.propose(
            "messages.send",
            args,
            purpose="service",
            summary=summary,
            assessment=assessment,
            contact_id=perception.contact_id,
        )

    def _hand_over(
        self, ctx: StepContext, assessment: Assessment, answer: Mapping[str, Any]
    ) -> ProposedAction:
        perception = assessment.perception
        language = perception.language
        found = [
            f"- {f['document']} v{f['version']} › {f['section']} "
            f"({f['coverage']:.2f}): {shorten(str(f['text']), 160)}"
            for f in answer.get("found") or ()
        ] or [f"- {_t('nothing', language)}"]
        description = "\n".join(
            [
                f"{_t('question', language)}: {perception.facts['text']}",
                "",
                f"{_t('why', language)}: {answer.get('reason') or answer.get('status')} "
                f"(confidence {answer.get('confidence')})",
                "",
                f"{_t('found', language)}:",
                *found,
            ]
        )
        args = {
            "subject": _t("ticket", language, q=headline(perception.facts["text"]))[:300],
            "description": description[:20_000],
            "category": "knowledge",
            "channel": perception.facts["channel"],
            "contact_id": perception.contact_id,
            "account_id": perception.account_id,
        }

        def route(result: ExecutionResult) -> Sequence[ProposedAction]:
            ticket = common.output(result)
            team = team_matching(ctx.uow.session, ctx.principal.tenant_id, SERVICE_TEAM_WORDS)
            if team is None or team.manager_id is None or not ticket.get("id"):
                return []
            return [
                ctx.propose(
                    "tickets.assign",
                    {"ticket_id": ticket["id"], "assignee_id": team.manager_id, "team_id": team.id},
                    purpose="service",
                    summary=f"route {ticket.get('number')} to {team.name}",
                    assessment=assessment,
                    changes=RecordRef("ticket", ticket["id"]),
                )
            ]

        return ctx.propose(
            "tickets.create",
            {k: v for k, v in args.items() if v is not None},
            purpose="service",
            summary=f"hand the question over to a person ({answer.get('status')})",
            assessment=assessment,
            contact_id=perception.contact_id,
            account_id=perception.account_id,
            then=route,
        )
