"""The Sales agent: triages new leads (with a pluggable scoring hook), turns buying
signals into tailored proposals (S3), and nudges owners of stalled deals.

It never writes to customers: proposals and nudges are tasks and notifications
for people, and anything sent to a healthcare customer first goes through a
compliance pre-review ticket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Protocol

from kith.agents.builtin import common
from kith.agents.builtin.understanding import language_of
from kith.agents.memory import Subject
from kith.agents.repository import manager_of, require_read, team_matching, web_visits
from kith.agents.sdk import (
    Agent,
    AgentSpec,
    Assessment,
    DataScope,
    Perception,
    ProposedAction,
    StepContext,
    on,
)
from kith.core.clock import as_utc
from kith.crm.query import Filter, ListQuery
from kith.events.types import EventType
from kith.gateway.contracts import ExecutionResult, Factor

LEAD_THRESHOLD = 0.6
SIGNAL_THRESHOLD = 0.6
SIGNAL_VISITS = 3
SIGNAL_WINDOW = timedelta(days=14)
STALLED_AFTER = timedelta(days=30)
LEGAL_TEAM_WORDS = ("法务", "legal", "合规", "compliance")
SENIOR_TITLES = (
    "主任",
    "总监",
    "经理",
    "科长",
    "院长",
    "处长",
    "总",
    "director",
    "head",
    "chief",
    "vp",
)
TARGET_INDUSTRIES = ("healthcare", "medical", "hospital", "医疗", "医院", "automotive", "logistics")


@dataclass(frozen=True)
class LeadScore:
    value: float
    factors: tuple[Factor, ...]


class LeadScorer(Protocol):
    """The scoring hook: replace ``SalesAgent.scorer`` with a trained model's scorer."""

    version: str

    def score(self, lead: Mapping[str, Any]) -> LeadScore: ...


class RuleLeadScorer:
    version = "lead-rules/1"
    _SOURCE_WEIGHT: ClassVar[Mapping[str, float]] = {
        "referral": 0.3,
        "event": 0.25,
        "web": 0.15,
        "inbound": 0.15,
    }

    def score(self, lead: Mapping[str, Any]) -> LeadScore:
        title = str(lead.get("title") or "").lower()
        industry = str(lead.get("industry") or "").lower()
        source = str(lead.get("source") or "").lower()
        factors = (
            Factor("source", source or None, self._SOURCE_WEIGHT.get(source, 0.05)),
            Factor("senior_title", title or None, 0.25 if _senior(title) else 0.0),
            Factor("target_industry", industry or None, 0.2 if _target(industry) else 0.0),
            Factor("reachable", bool(lead.get("phone") or lead.get("email")), 0.15),
            Factor("has_need", bool(lead.get("description")), 0.1),
        )
        reachable = 0.15 if lead.get("phone") or lead.get("email") else 0.0
        value = sum(f.contribution for f in factors if f.name != "reachable") + reachable
        return LeadScore(round(min(1.0, value), 2), factors)


def _senior(title: str) -> bool:
    return any(word in title for word in SENIOR_TITLES)


def _target(industry: str) -> bool:
    return any(word in industry for word in TARGET_INDUSTRIES)


def _page_visit(envelope: Any) -> bool:
    record = common.snapshot(envelope)
    return record.get("channel") == "web" and bool(common.meta_of(envelope).get("page"))


def _customer_activity(envelope: Any) -> bool:
    record = common.snapshot(envelope)
    return record.get("channel") not in ("web", "iot") and bool(record.get("account_id"))


class SalesAgent(Agent):
    scorer: LeadScorer = RuleLeadScorer()
    spec = AgentSpec(
        name="sales",
        label_zh="销售智能体",
        label_en="Sales agent",
        description="Lead triage, buying-signal proposals, stalled-deal nudges",
        scope=DataScope(
            objects={
                "account": ("read",),
                "contact": ("read",),
                "lead": ("read", "update"),
                "deal": ("read",),
                "pipeline": ("read",),
                "activity": ("read", "create"),
                "interaction": ("read",),
                "ticket": ("read", "create"),
                "product": ("read",),
                "user": ("read",),
                "team": ("read",),
                "notification": ("create",),
            },
            hidden_fields=common.PII_HIDDEN,
        ),
        subscriptions=(
            on(EventType.LEAD_CREATED, lambda e: not common.by_agent(e)),
            on(EventType.INTERACTION_RECEIVED, _page_visit),
            on(EventType.INTERACTION_RECEIVED, _customer_activity),
        ),
        tools=frozenset({"tasks.create", "notes.add", "users.notify", "tickets.create"}),
        purpose="sales",
        budget_per_hour=300,
    )

    # --- perceive ------------------------------------------------------------------------

    def perceive(self, ctx: StepContext) -> Perception | None:
        if ctx.envelope.type == EventType.LEAD_CREATED:
            lead = dict(ctx.record)
            return Perception(
                summary=f"new lead {lead.get('name')} ({lead.get('company') or '-'})",
                language=language_of(f"{lead.get('name')} {lead.get('company') or ''}"),
                facts={"kind": "lead", "lead": lead},
            )
        if _page_visit(ctx.envelope):
            return self._visit(ctx)
        return self._stalled_deals(ctx)

    def _visit(self, ctx: StepContext) -> Perception | None:
        record = ctx.record
        page = str(common.meta_of(ctx.envelope)["page"])
        contact = common.readable(ctx.records, "contact", record.get("contact_id"))
        if not contact or self._already_proposed(ctx, contact["id"], page):
            return None
        require_read(ctx.principal, "interaction")
        visits = web_visits(
            ctx.uow.session, ctx.principal.tenant_id, contact["id"], page, ctx.now - SIGNAL_WINDOW
        )
        if visits < SIGNAL_VISITS:
            return None
        account = common.readable(ctx.records, "account", contact.get("account_id"))
        return Perception(
            summary=f"{contact.get('name')} ({contact.get('title')}) viewed '{page}' {visits}x",
            contact_id=contact["id"],
            account_id=account.get("id"),
            language=language_of(f"{contact.get('name')}{page}"),
            facts={
                "kind": "signal",
                "page": page,
                "visits": visits,
                "contact": contact,
                "account": account,
            },
        )

    def _already_proposed(self, ctx: StepContext, contact_id: str, page: str) -> bool:
        facts = ctx.memory.items(Subject("contact", contact_id), ["fact"])
        return any(f.meta.get("proposal_for_page") == page for f in facts)

    def _stalled_deals(self, ctx: StepContext) -> Perception | None:
        account_id = str(ctx.record["account_id"])
        open_deals = ctx.records.list_page(
            "deal",
            ListQuery(
                filters=(Filter("account_id", "eq", account_id), Filter("status", "eq", "open"))
            ),
        ).items
        nudged = {
            (f.meta.get("deal_id"), f.meta.get("stage_id"))
            for f in ctx.memory.items(Subject("account", account_id), ["fact"])
        }
        stalled = [
            d
            for d in open_deals
            if d.get("stage_entered_at") is not None
            and ctx.now - as_utc(d["stage_entered_at"]) >= STALLED_AFTER
            and (d["id"], d["stage_id"]) not in nudged
        ]
        if not stalled:
            return None
        return Perception(
            summary=f"customer active; {len(stalled)} deal(s) stalled",
            account_id=account_id,
            facts={"kind": "stalled", "deals": stalled},
        )

    # --- understand ----------------------------------------------------------------------

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        kind = perception.facts["kind"]
        if kind == "lead":
            score = self.scorer.score(perception.facts["lead"])
            intent = "follow_up_lead" if score.value >= LEAD_THRESHOLD else "note_lead"
            return Assessment(
                perception, intent, {"score": score}, score.factors, score.value, LEAD_THRESHOLD
            )
        if kind == "signal":
            return self._signal_strength(perception)
        return Assessment(perception, "nudge_stalled", confidence=0.8)

    def _signal_strength(self, perception: Perception) -> Assessment:
        facts = perception.facts
        title = str(facts["contact"].get("title") or "").lower()
        industry = str(facts["account"].get("industry") or "").lower()
        factors = (
            Factor("visits", facts["visits"], 0.4, f"in {SIGNAL_WINDOW.days} days"),
            Factor("decision_maker", title or None, 0.3 if _senior(title) else 0.0),
            Factor("target_industry", industry or None, 0.2 if _target(industry) else 0.0),
            Factor("product_page", facts["page"], 0.1),
        )
        value = round(sum(f.contribution for f in factors), 2)
        intent = "propose_demo" if value >= SIGNAL_THRESHOLD else "watch"
        return Assessment(perception, intent, {}, factors, value, SIGNAL_THRESHOLD)

    # --- decide --------------------------------------------------------------------------

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        intent = assessment.intent
        if intent in ("follow_up_lead", "note_lead"):
            return [self._triage(ctx, assessment)]
        if intent == "propose_demo":
            return [self._compliance_review(ctx, assessment)]
        if intent == "nudge_stalled":
            return [self._nudge(ctx, assessment, d) for d in assessment.perception.facts["deals"]]
        return []

    def _triage(self, ctx: StepContext, assessment: Assessment) -> ProposedAction:
        lead = assessment.perception.facts["lead"]
        score: LeadScore = assessment.labels["score"]
        reasons = ", ".join(f"{f.name}={f.value}" for f in score.factors if f.contribution > 0)
        subject, body = common.draft(
            ctx,
            "lead_followup",
            assessment.perception.language,
            {
                "name": lead.get("name"),
                "company": lead.get("company") or "-",
                "score": score.value,
                "threshold": LEAD_THRESHOLD,
                "reasons": reasons,
            },
        )
        if assessment.intent == "note_lead":
            note = {"lead_id": lead["id"], "subject": subject[:300], "body": body}
            return ctx.propose(
                "notes.add",
                note,
                purpose="sales",
                summary="low lead score noted",
                assessment=assessment,
            )
        task: dict[str, Any] = {
            "lead_id": lead["id"],
            "subject": subject[:300],
            "body": body,
            "due_at": (ctx.now + timedelta(hours=24)).isoformat(),
        }
        if lead.get("owner_id"):
            task["assignee_id"] = lead["owner_id"]
        return ctx.propose(
            "tasks.create",
            task,
            purpose="sales",
            summary=f"follow up lead (score {score.value})",
            assessment=assessment,
        )

    def _variables(self, assessment: Assessment, review: str = "") -> dict[str, Any]:
        facts = assessment.perception.facts
        return {
            "contact": facts["contact"].get("name"),
            "title": facts["contact"].get("title") or "",
            "company": facts["account"].get("name") or "",
            "page": facts["page"],
            "visits": facts["visits"],
            "days": SIGNAL_WINDOW.days,
            "review": review,
        }

    def _compliance_review(self, ctx: StepContext, assessment: Assessment) -> ProposedAction:
        """First the pre-review for legal; the proposal then names the review ticket."""
        perception = assessment.perception
        subject, description = common.draft(
            ctx, "compliance_review", perception.language, self._variables(assessment)
        )
        args: dict[str, Any] = {
            "subject": subject[:300],
            "description": description,
            "category": "compliance_review",
            "priority": "normal",
            "contact_id": perception.contact_id,
            "account_id": perception.account_id,
        }
        legal = team_matching(ctx.uow.session, ctx.principal.tenant_id, LEGAL_TEAM_WORDS)
        if legal is not None and legal.manager_id:
            args["assignee_id"] = legal.manager_id

        def proposal(result: ExecutionResult) -> Sequence[ProposedAction]:
            return self._proposal(ctx, assessment, str(common.output(result).get("number") or ""))

        return ctx.propose(
            "tickets.create",
            {k: v for k, v in args.items() if v is not None},
            purpose="service",  # tickets serve the service purpose; this one is for legal
            summary="compliance pre-review for legal",
            assessment=assessment,
            then=proposal,
        )

    def _proposal(
        self, ctx: StepContext, assessment: Assessment, review_number: str
    ) -> list[ProposedAction]:
        perception = assessment.perception
        manager = self._sales_manager(ctx, perception.facts["account"])
        variables = self._variables(assessment, review_number)
        subject, body = common.draft(ctx, "demo_proposal", perception.language, variables)
        task: dict[str, Any] = {
            "subject": subject[:300],
            "body": body,
            "account_id": perception.account_id,
            "contact_id": perception.contact_id,
            "due_at": (ctx.now + timedelta(days=2)).isoformat(),
        }
        if manager is None:
            return [
                ctx.propose(
                    "tasks.create",
                    task,
                    purpose="sales",
                    summary="tailored demo proposal",
                    assessment=assessment,
                )
            ]
        task["assignee_id"] = manager
        title, text = common.draft(ctx, "demo_notice", perception.language, variables)
        notice = {
            "user_id": manager,
            "title": title[:300],
            "body": text,
            "subject_type": "contact",
            "subject_id": perception.contact_id,
        }
        return [
            ctx.propose(
                "tasks.create",
                task,
                purpose="sales",
                summary="tailored demo proposal for the sales manager",
                assessment=assessment,
            ),
            ctx.propose(
                "users.notify",
                notice,
                purpose="sales",
                summary="tell the sales manager",
                assessment=assessment,
            ),
        ]

    def _sales_manager(self, ctx: StepContext, account: Mapping[str, Any]) -> str | None:
        owner = account.get("owner_id")
        if not owner:
            return None
        manager = manager_of(ctx.uow.session, ctx.principal.tenant_id, str(owner))
        return manager.id if manager is not None else str(owner)

    def _nudge(
        self, ctx: StepContext, assessment: Assessment, deal: Mapping[str, Any]
    ) -> ProposedAction:
        days = (ctx.now - as_utc(deal["stage_entered_at"])).days
        stage = ctx.records.repo.stage(deal["stage_id"])
        subject, body = common.draft(
            ctx,
            "stalled_deal",
            language_of(str(deal.get("name"))),
            {
                "deal": deal.get("name"),
                "stage": stage.name if stage else "-",
                "days": days,
                "usual": STALLED_AFTER.days,
            },
        )
        task: dict[str, Any] = {"deal_id": deal["id"], "subject": subject[:300], "body": body}
        if deal.get("owner_id"):
            task["assignee_id"] = deal["owner_id"]
        return ctx.propose(
            "tasks.create",
            task,
            purpose="sales",
            summary=f"nudge stalled deal {deal.get('name')}",
            assessment=assessment,
        )

    # --- evaluate ------------------------------------------------------------------------

    def evaluate(self, assessment: Assessment, ctx: StepContext) -> None:
        perception = assessment.perception
        done = [o for o in ctx.outcomes if o.status in ("executed", "pending_approval")]
        if not done:
            return
        if assessment.intent == "propose_demo" and perception.contact_id:
            page = perception.facts["page"]
            ctx.memory.remember(
                Subject("contact", perception.contact_id),
                "fact",
                f"demo proposal prepared for '{page}'",
                {"proposal_for_page": page},
            )
        if assessment.intent == "nudge_stalled" and perception.account_id:
            for deal in perception.facts["deals"]:
                ctx.memory.remember(
                    Subject("account", perception.account_id),
                    "fact",
                    f"nudged owner of {deal.get('name')}",
                    {"deal_id": deal["id"], "stage_id": deal["stage_id"]},
                )
