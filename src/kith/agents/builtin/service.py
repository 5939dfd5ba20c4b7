"""The Service agent: reads customers' messages, opens and routes tickets, escalates
on anger or SLA risk, answers from the customer's ticket history, asks Product
Insight about fleet data, and tells service partners what is coming (S1, S11)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from kith.agents.builtin import common
from kith.agents.builtin.headline import headline
from kith.agents.builtin.insight import ask_about_cohort, is_cell_batch_flag
from kith.agents.builtin.understanding import Reading, read_text, shorten
from kith.agents.collaboration import AnalysisRequest
from kith.agents.memory import Subject, coverage
from kith.agents.repository import contacts_of, handled_by, service_providers, team_matching
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
from kith.core.clock import as_utc
from kith.crm.query import Filter, ListQuery
from kith.events.types import EventType
from kith.gateway.contracts import ExecutionResult, Factor

MESSAGE_CHANNELS = frozenset({"app", "chat", "wechat", "email", "sms", "phone"})
SLA_RISK = timedelta(hours=1)
ANSWER_COVERAGE = 0.6  # share of the question's words a remembered resolution must contain
SERVICE_TEAM_WORDS = ("服务", "service", "support", "客服")


def _inbound_message(envelope: Any) -> bool:
    record = common.snapshot(envelope)
    return record.get("channel") in MESSAGE_CHANNELS and bool(record.get("text"))


class ServiceAgent(Agent):
    spec = AgentSpec(
        name="service",
        label_zh="服务智能体",
        label_en="Service agent",
        description="Opens, routes and escalates tickets; answers from history",
        scope=DataScope(
            objects={
                "account": ("read",),
                "contact": ("read",),
                "ticket": ("read", "create", "update"),
                "activity": ("read", "create"),
                "interaction": ("read", "create"),
                "order": ("read",),
                "product": ("read",),
                "user": ("read",),
                "team": ("read",),
                "message": ("create",),
                "notification": ("create",),
            },
            hidden_fields=common.PII_HIDDEN,
        ),
        subscriptions=(
            on(EventType.INTERACTION_RECEIVED, _inbound_message),
            on(EventType.TICKET_CREATED, lambda e: not common.by_agent(e)),
            on(EventType.TICKET_CREATED, is_cell_batch_flag),
            on(EventType.TICKET_UPDATED, lambda e: not common.by_agent(e)),
        ),
        tools=frozenset(
            {
                "tickets.create",
                "tickets.assign",
                "tickets.escalate",
                "notes.add",
                "messages.send",
                "users.notify",
                "agents.request_analysis",
            }
        ),
        purpose="service",
        budget_per_hour=600,
    )

    # --- perceive ------------------------------------------------------------------------

    def perceive(self, ctx: StepContext) -> Perception | None:
        kind = ctx.envelope.type
        if kind == EventType.INTERACTION_RECEIVED:
            return self._message(ctx)
        if kind == EventType.TICKET_CREATED and is_cell_batch_flag(ctx.envelope):
            return Perception(
                summary=f"R&D flag {ctx.record.get('number')}: {ctx.record.get('subject')}",
                facts={"kind": "partner_alert", "ticket": dict(ctx.record)},
            )
        ticket = common.readable(ctx.records, "ticket", ctx.envelope.subject_id)
        if not ticket:
            return None
        return Perception(
            summary=f"ticket {ticket.get('number')} {kind.split('.')[1]}: {ticket.get('subject')}",
            contact_id=ticket.get("contact_id"),
            account_id=ticket.get("account_id"),
            facts={
                "kind": "ticket",
                "ticket": ticket,
                "changes": ctx.envelope.payload.get("changes"),
            },
        )

    def _message(self, ctx: StepContext) -> Perception:
        record = ctx.record
        text = " ".join(p for p in (record.get("subject"), record.get("text")) if p)
        contact = common.readable(ctx.records, "contact", record.get("contact_id"))
        ticket = common.readable(ctx.records, "ticket", record.get("ticket_id"))
        meta = common.meta_of(ctx.envelope)
        reading = read_text(text)
        return Perception(
            summary=f"{record.get('channel')} message: {shorten(text)}",
            contact_id=record.get("contact_id"),
            account_id=record.get("account_id") or contact.get("account_id"),
            language=reading.language,
            facts={
                "kind": "message",
                "text": text,
                "channel": record.get("channel"),
                "model": meta.get("model"),
                "contact": contact,
                "ticket": ticket,
                "reading": reading,
                **common.private_values(contact),
            },
        )

    # --- understand ----------------------------------------------------------------------

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        facts = perception.facts
        if facts["kind"] != "message":
            return Assessment(perception, intent=str(facts["kind"]))
        reading: Reading = facts["reading"]
        ticket = facts["ticket"]
        factors = reading.factors()
        if reading.question and handled_by(
            ctx.uow.session, ctx.principal.tenant_id, ctx.envelope.event_id, "knowledge"
        ):
            return Assessment(perception, "answered_by_knowledge", {"reading": reading}, factors)
        if ticket and ticket.get("status") not in common.SETTLED_TICKET:
            return Assessment(perception, "follow_up", {"reading": reading}, factors, 0.9)
        answer = self._remembered_answer(perception, ctx) if reading.question else None
        if answer is not None:
            text, match = answer
            factors += (Factor("history_match", round(match, 2), 0.5, text[:120]),)
            labels = {"reading": reading, "answer": text}
            return Assessment(
                perception, "answer_from_history", labels, factors, round(match, 2), ANSWER_COVERAGE
            )
        return Assessment(perception, "issue", {"reading": reading}, factors, reading.confidence)

    def _remembered_answer(
        self, perception: Perception, ctx: StepContext
    ) -> tuple[str, float] | None:
        if not perception.contact_id:
            return None
        question = perception.facts["text"]
        subject = Subject("contact", perception.contact_id)
        for found in ctx.memory.recall(subject, question, k=3, kinds=["episode"]):
            resolution = found.item.meta.get("resolution")
            match = coverage(question, found.item)
            if resolution and match >= ANSWER_COVERAGE:
                return str(resolution), match
        return None

    # --- decide --------------------------------------------------------------------------

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        intent = assessment.intent
        if intent == "partner_alert":
            return [self._ask_cohort(ctx, assessment)]
        if intent == "ticket":
            return self._ticket_change(ctx, assessment)
        if intent == "follow_up":
            return self._follow_up(ctx, assessment)
        if intent == "answer_from_history":
            return self._answer(ctx, assessment)
        if intent == "answered_by_knowledge":
            return []  # the Knowledge agent answered it or handed it over
        return [self._open_ticket(ctx, assessment)]

    def _open_ticket(self, ctx: StepContext, assessment: Assessment) -> ProposedAction:
        facts = assessment.perception.facts
        reading: Reading = assessment.labels["reading"]
        diagnosis = reading.topic.name == "battery_range" and bool(facts.get("model"))
        # The message's own subject, else its first sentence: the full text goes
        # into the description only.
        short = headline(ctx.record.get("subject") or facts["text"])
        subject, description = common.draft(
            ctx,
            "diagnosis_ticket" if diagnosis else "support_ticket",
            reading.language,
            {
                "short": short,
                "text": facts["text"],
                "channel": facts["channel"],
                "model": facts.get("model") or "-",
                "category": reading.topic.name,
                "confidence": f"{reading.confidence:.2f}",
                "sentiment": f"{reading.sentiment:+.2f}",
            },
            facts["contact"],
        )
        args = {
            "subject": subject[:300],
            "description": description,
            "priority": reading.topic.priority,
            "severity": reading.topic.severity,
            "category": reading.topic.name,
            "channel": facts["channel"],
            "contact_id": assessment.perception.contact_id,
            "account_id": assessment.perception.account_id,
        }

        def after_opening(result: ExecutionResult) -> Sequence[ProposedAction]:
            ticket = common.output(result)
            follow_ups = [self._route(ctx, assessment, ticket)]
            if diagnosis:
                follow_ups.append(self._ask_fleet(ctx, assessment, ticket))
            return [f for f in follow_ups if f is not None]

        return ctx.propose(
            "tickets.create",
            {k: v for k, v in args.items() if v is not None},
            purpose="service",
            summary=f"open {reading.topic.name} ticket",
            assessment=assessment,
            contact_id=assessment.perception.contact_id,
            account_id=assessment.perception.account_id,
            then=after_opening,
        )

    def _route(
        self, ctx: StepContext, assessment: Assessment, ticket: Mapping[str, Any]
    ) -> ProposedAction | None:
        team = team_matching(ctx.uow.session, ctx.principal.tenant_id, SERVICE_TEAM_WORDS)
        if team is None or team.manager_id is None:
            return None
        return ctx.propose(
            "tickets.assign",
            {"ticket_id": ticket["id"], "assignee_id": team.manager_id, "team_id": team.id},
            purpose="service",
            summary=f"route {ticket.get('number')} to {team.name}",
            assessment=assessment,
            changes=RecordRef("ticket", ticket["id"]),
        )

    def _ask_fleet(
        self, ctx: StepContext, assessment: Assessment, ticket: Mapping[str, Any]
    ) -> ProposedAction:
        perception = assessment.perception
        request = AnalysisRequest(
            agent="product_insight",
            kind="fleet_telemetry",
            params={
                "model": perception.facts["model"],
                "region": perception.facts["contact"].get("city"),
                "metric": "battery_temp_c",
                "days": 30,
                "language": perception.language,
            },
            contact_id=perception.contact_id,
            account_id=perception.account_id,
            ticket_id=ticket["id"],
            trace_id=ctx.trace_id,
        )

        def note_answer(result: ExecutionResult) -> Sequence[ProposedAction]:
            answer = common.output(result).get("answer")
            if not answer:
                return []
            subject, body = common.draft(
                ctx,
                "analysis_note",
                perception.language,
                {"model": request.params["model"], "days": 30, "summary": answer["summary"]},
            )
            note = {"ticket_id": ticket["id"], "subject": subject, "body": body}
            return [
                ctx.propose("notes.add", note, purpose="service", summary="note fleet analysis")
            ]

        return ctx.propose(
            "agents.request_analysis",
            request.model_dump(exclude_none=True),
            purpose="service",
            summary=f"ask product_insight about {request.params['model']} battery temperatures",
            assessment=assessment,
            then=note_answer,
        )

    def _follow_up(self, ctx: StepContext, assessment: Assessment) -> list[ProposedAction]:
        reading: Reading = assessment.labels["reading"]
        ticket = assessment.perception.facts["ticket"]
        if not reading.negative or ticket.get("escalated"):
            return []
        return [self._escalate(ctx, assessment, ticket, f"customer is upset: {reading.mood_cues}")]

    def _escalate(
        self, ctx: StepContext, assessment: Assessment, ticket: Mapping[str, Any], reason: str
    ) -> ProposedAction:
        return ctx.propose(
            "tickets.escalate",
            {"ticket_id": ticket["id"], "reason": reason[:2000], "priority": "urgent"},
            purpose="service",
            summary=f"escalate {ticket.get('number')}: {reason}",
            assessment=assessment,
            contact_id=ticket.get("contact_id"),
            changes=RecordRef("ticket", ticket["id"]),
        )

    def _answer(self, ctx: StepContext, assessment: Assessment) -> list[ProposedAction]:
        facts = assessment.perception.facts
        channel = common.send_channel(facts["contact"], facts["channel"])
        if channel is None:
            return [self._open_ticket(ctx, assessment)]
        reading: Reading = assessment.labels["reading"]
        subject, body = common.draft(
            ctx,
            "history_answer",
            reading.language,
            {"question": shorten(facts["text"], 60), "answer": assessment.labels["answer"]},
            facts["contact"],
        )
        args = {
            "contact_id": assessment.perception.contact_id,
            "channel": channel,
            "subject": subject[:300],
            "body": body,
        }
        return [
            ctx.propose(
                "messages.send",
                args,
                purpose="service",
                summary="answer from the customer's ticket history",
                assessment=assessment,
                contact_id=assessment.perception.contact_id,
            )
        ]

    def _ticket_change(self, ctx: StepContext, assessment: Assessment) -> list[ProposedAction]:
        ticket = assessment.perception.facts["ticket"]
        if ticket.get("status") in common.SETTLED_TICKET or ticket.get("escalated"):
            return []
        due = ticket.get("resolution_due_at")
        if due is not None and as_utc(due) - ctx.now <= SLA_RISK:
            left = int((as_utc(due) - ctx.now).total_seconds() // 60)
            return [self._escalate(ctx, assessment, ticket, f"SLA at risk: {left} minutes left")]
        if ctx.envelope.type == EventType.TICKET_CREATED and not ticket.get("assignee_id"):
            routed = self._route(ctx, assessment, ticket)
            return [routed] if routed else []
        return []

    def _ask_cohort(self, ctx: StepContext, assessment: Assessment) -> ProposedAction:
        return ask_about_cohort(
            ctx,
            assessment,
            "service",
            lambda findings: self._bay_notices(ctx, assessment, findings),
        )

    def _bay_notices(
        self, ctx: StepContext, assessment: Assessment, findings: Mapping[str, Any]
    ) -> list[ProposedAction]:
        region = findings.get("region")
        vehicles = len(findings.get("owners") or [])
        if not region or not vehicles:
            return []
        session, tenant_id = ctx.uow.session, ctx.principal.tenant_id
        notices = []
        for provider in service_providers(session, tenant_id, str(region)):
            for person in contacts_of(session, tenant_id, provider.id)[:1]:
                contact = common.readable(ctx.records, "contact", person.id)
                channel = common.send_channel(contact) if contact else None
                if channel is None:
                    continue
                subject, body = common.draft(
                    ctx,
                    "bay_reservation",
                    common.language_of_contact(contact),
                    {
                        "provider": provider.short_name or provider.name,
                        "region": region,
                        "vehicles": vehicles,
                    },
                    contact,
                )
                args = {
                    "contact_id": person.id,
                    "channel": channel,
                    "subject": subject,
                    "body": body,
                }
                notices.append(
                    ctx.propose(
                        "messages.send",
                        args,
                        purpose="service",
                        summary=f"ask {provider.name} to reserve bays for {vehicles} checks",
                        assessment=assessment,
                        contact_id=person.id,
                        account_id=provider.id,
                    )
                )
        return notices

    # --- evaluate ------------------------------------------------------------------------

    def evaluate(self, assessment: Assessment, ctx: StepContext) -> None:
        perception = assessment.perception
        if perception.contact_id is None:
            return
        if assessment.intent == "ticket":
            self._remember_resolution(assessment, ctx)
            return
        if perception.facts.get("kind") != "message":
            return
        done = ", ".join(f"{o.action.tool}={o.status}" for o in ctx.outcomes) or "no action"
        ctx.memory.remember(
            Subject("contact", perception.contact_id),
            "episode",
            f"{perception.facts['text']} → {done}",
            {"event_id": ctx.envelope.event_id},
        )

    def _remember_resolution(self, assessment: Assessment, ctx: StepContext) -> None:
        """A resolved ticket becomes an answer the agent can give this customer next time."""
        ticket = assessment.perception.facts["ticket"]
        changes = assessment.perception.facts.get("changes") or {}
        if "status" not in changes or ticket.get("status") != "resolved":
            return
        notes = ctx.records.list_page(
            "activity",
            ListQuery(
                filters=(Filter("ticket_id", "eq", ticket["id"]), Filter("kind", "eq", "note"))
            ),
        ).items
        if not notes:
            return
        resolution = notes[0].get("body") or notes[0]["subject"]  # the latest note
        ctx.memory.remember(
            Subject("contact", str(assessment.perception.contact_id)),
            "episode",
            f"{ticket.get('subject')} {resolution}",
            {"ticket_id": ticket["id"], "number": ticket.get("number"), "resolution": resolution},
        )
