"""Text → plan: entities, intents, ordered steps of gateway tool calls, questions.

Offline and deterministic for a given ``now``: clauses and intents from patterns
(``intents.py``), entities from the CRM's own data as the gazetteer (``resolve.py``),
times from ``timeparse.py``. Every step's arguments are validated against the tool's
own input schema and authorised for the asking user (``gateway.authz``) before the plan
is shown, so a plan never offers what the user could not do; destructive steps and
high-risk tools are always marked as needing approval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.principal import Principal
from kith.crm import models as crm
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS
from kith.gateway import risk
from kith.gateway.authz import Refusal, with_gateway_grants
from kith.gateway.authz import authorise as authorise_call
from kith.gateway.registry import REGISTRY, ToolRegistry
from kith.language.intents import (
    BULK,
    INJECTION,
    QUESTION_EN,
    QUESTION_ZH,
    RULE_BY_NAME,
    Clause,
    IntentHit,
    find_intents,
)
from kith.language.resolve import Entity, Entry, Gazetteer, Resolver, gazetteer
from kith.language.timeparse import DEFAULT_DUE_TIME, TimeMention, TimeParser

MAX_CHARS = 2000
PURPOSE = "crm_ui"
ENGINE = "rules:language-1"

TOPIC_EN_ZH: dict[str, tuple[str, ...]] = {
    "logistics delay": ("物流延迟", "物流延误", "发货延迟", "交付延迟", "logistics delay"),
    "delivery delay": ("交付延迟", "延迟交付", "物流延迟", "delivery delay"),
    "shipping delay": ("发货延迟", "物流延迟", "shipping delay"),
    "battery": ("电池", "battery"),
    "range": ("续航", "range"),
    "invoice": ("发票", "invoice"),
    "payment": ("付款", "账期", "payment"),
    "warranty": ("质保", "保修", "warranty"),
    "price": ("价格", "报价", "price"),
    "quality": ("质量", "quality"),
    "charging": ("充电", "charging"),
    "bluetooth": ("蓝牙", "bluetooth"),
}
_TOPIC_ZH = re.compile(
    r"(?:上次|之前|上回|刚才|最近|上一次)(?:[\u4e00-\u9fff]{0,3})?(?:提到|提过|说|说过|反映|反映过|提出|投诉|讲)的?"
    r"(?P<topic>[\u4e00-\u9fffA-Za-z0-9]{2,12}?)(?:问题|事情|事|情况|需求|那件事|投诉)"
)
_TOPIC_ZH_SIMPLE = re.compile(r"(?P<topic>[\u4e00-\u9fff]{2,8}?)(?:问题|事情|情况)")
_TOPIC_EN = re.compile(
    r"(?:the\s+)?(?P<topic>[a-z][a-z -]{2,40}?)\s+(?:issue|problem|complaint|concern)s?\b"
    r"(?=[^;]{0,60}\b(?:mentioned|raised|brought up|reported|complained)\b)",
    re.IGNORECASE,
)
_LAST_TIME = re.compile(r"上次|之前|上回|上一次|last time|previously|mentioned|raised", re.I)
_THREE_PARTY = re.compile(r"三方|three[- ]party|three[- ]way", re.I)
_AMOUNT = re.compile(
    r"(?P<num>\d+(?:\.\d+)?|[一二两三四五六七八九十百千万]+)\s*(?P<unit>万|千|元|块|yuan|rmb|cny|¥|million\b|k\b)"
    r"|[¥￥]\s*(?P<num2>\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"[“\"「『](?P<q>[^”\"」』]{1,500})[”\"」』]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}|\b0\d{2,3}-\d{7,8}\b")
STAGE_ALIASES_EN: dict[str, tuple[str, ...]] = {
    "qualification": ("线索确认",),
    "needs analysis": ("需求分析",),
    "analysis": ("需求分析",),
    "demo": ("方案演示",),
    "solution demo": ("方案演示",),
    "test drive": ("试驾评估",),
    "negotiation": ("商务谈判", "合同谈判"),
    "won": ("赢单", "中标"),
    "lost": ("输单", "未中标"),
    "research": ("需求调研",),
    "tender": ("招标准备",),
    "bidding": ("投标",),
}
STAGE_ALIASES_ZH: dict[str, tuple[str, ...]] = {
    "赢单": ("赢单", "中标"),
    "中标": ("中标", "赢单"),
    "输单": ("输单", "未中标"),
    "丢单": ("输单", "未中标"),
    "未中标": ("未中标", "输单"),
    "演示": ("方案演示",),
    "谈判": ("商务谈判", "合同谈判"),
    "试驾": ("试驾评估",),
    "投标": ("投标",),
}


@dataclass
class Step:
    index: int
    tool: str
    args: dict[str, Any]
    purpose: str
    needs_approval: bool
    depends_on: list[int]
    intent: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "tool": self.tool,
            "args": self.args,
            "purpose": self.purpose,
            "needs_approval": self.needs_approval,
            "depends_on": self.depends_on,
        }


@dataclass
class Plan:
    text: str
    lang: str
    kind: str
    now: datetime
    entities: list[Entity] = field(default_factory=list)
    intents: list[dict[str, Any]] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    questions: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    times: list[TimeMention] = field(default_factory=list)
    query: dict[str, Any] | None = None
    engine: str = ENGINE

    @property
    def status(self) -> str:
        if self.kind == "question":
            return "planned"
        if any(q.get("blocking") for q in self.questions):
            return "needs_clarification"
        if not self.steps:
            return "refused" if self.warnings else "nothing_to_do"
        return "planned"

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lang": self.lang,
            "kind": self.kind,
            "entities": [e.as_dict() for e in self.entities],
            "intents": self.intents,
            "steps": [s.as_dict() for s in self.steps],
            "questions": self.questions,
            "warnings": self.warnings,
            "times": [t.as_dict() for t in self.times],
            "flags": self.flags,
            "query": self.query,
            "engine": self.engine,
        }


def detect_lang(text: str) -> str:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "zh" if cjk * 3 >= latin or cjk >= 4 else "en"


def is_question(text: str, lang: str, hits: list[IntentHit]) -> bool:
    pattern = QUESTION_ZH if lang == "zh" else QUESTION_EN
    if not pattern.search(text):
        return False
    # "帮我查一下…并发给…" is a command that reads first; a bare question has no writes
    writes = [h for h in hits if h.rule.name not in ("task",) or "提醒" in h.clause.text]
    if lang == "en" and re.match(
        r"^\s*(?:which|what|how|who|are|is|list|show|find|top|give)", text, re.I
    ):
        return not any(h.rule.name in ("share", "send", "draft_email", "meeting") for h in hits)
    return not writes


class Planner:
    def __init__(
        self,
        session: Session,
        principal: Principal,
        now: datetime,
        *,
        tz: str = "Asia/Shanghai",
        registry: ToolRegistry = REGISTRY,
    ) -> None:
        self.session = session
        self.principal = principal
        self.acting = with_gateway_grants(principal)
        self.now = now
        self.tz = tz
        self.registry = registry
        self.times = TimeParser(now, tz)
        self.gaz: Gazetteer = gazetteer(session, principal)
        self.resolver = Resolver(self.gaz, principal)
        self.repo = RecordRepository(session, principal)

    # --- entry ---------------------------------------------------------------------

    def plan(self, text: str, lang: str | None = None) -> Plan:
        text = " ".join(text.split())
        lang = lang or detect_lang(text)
        plan = Plan(text=text, lang=lang, kind="command", now=self.now)
        if INJECTION.search(text):
            plan.flags.append("prompt_injection")
            plan.warnings.append(
                "忽略了试图改变规则的指令；计划只包含你本人有权执行的操作。"
                if lang == "zh"
                else "Ignored an attempt to override instructions; the plan only holds "
                "what you may do yourself."
            )
        hits = find_intents(text, lang) or find_intents(text, "en" if lang == "zh" else "zh")
        plan.times = _merge_times(
            self.times.find(text, lang), self.times.find(text, "en" if lang == "zh" else "zh")
        )
        plan.entities = self.resolver.find(text, lang)
        if is_question(text, lang, hits):
            plan.kind = "question"
            from kith.language.questions import build_query

            plan.query = build_query(self, plan)
            return plan
        for entity in plan.entities:
            if entity.ambiguous:
                plan.questions.append(self._which(entity, lang))
        if not hits and plan.times and plan.entities and not plan.flags:
            # "月底前把二期方案发给张总": something to do by a time → a to-do
            hits = [IntentHit(RULE_BY_NAME["task"], 0, len(text), Clause(text, 0, len(text)))]
        ctx = _Context(self, plan)
        for hit in hits:
            plan.intents.append(
                {
                    "name": hit.rule.name,
                    "text": text[hit.clause.start : hit.clause.end].strip(),
                    "tool": hit.rule.tool,
                }
            )
            ctx.add(hit)
        if not hits:
            plan.warnings.append(
                "没有识别出要执行的操作。" if lang == "zh" else "No action recognised in the text."
            )
        self._check(plan)
        return plan

    def _which(self, entity: Entity, lang: str) -> dict[str, Any]:
        options = [
            {"value": a["record_id"], "label": a["display"], "object_type": a["object_type"]}
            for a in entity.alternatives
        ]
        text = (
            f"“{entity.mention}”指的是哪一位/哪一个？"
            if lang == "zh"
            else f"Which one do you mean by “{entity.mention}”?"
        )
        return {
            "id": f"entity:{entity.start}",
            "slot": f"entity:{entity.mention}",
            "text": text,
            "options": options,
            "blocking": True,
        }

    # --- validation and permissions -----------------------------------------------------

    def check(self, plan: Plan) -> None:
        """Validate and authorise every step (also used on a model's proposal)."""
        self._check(plan)

    def _check(self, plan: Plan) -> None:
        kept: list[Step] = []
        for step in plan.steps:
            spec = self.registry.get(step.tool)
            if spec is None:
                plan.warnings.append(f"unknown tool {step.tool}")
                continue
            try:
                parsed = spec.input_schema.model_validate(step.args)
            except ValidationError as exc:
                try:  # a user who may not use the tool at all is told so, not asked for ids
                    authorise_call(
                        spec,
                        self.acting,
                        step.purpose,
                        spec.input_schema.model_construct(**step.args),
                    )
                except Refusal as refusal:
                    plan.warnings.append(_cannot(plan.lang, step.tool, refusal.error.detail))
                    plan.flags.append("permission_denied")
                    continue
                fields = ", ".join(
                    ".".join(str(p) for p in e["loc"]) or e["msg"] for e in exc.errors()
                )
                plan.questions.append(
                    {
                        "id": f"step:{step.index}",
                        "slot": f"steps[{step.index}].args",
                        "text": (
                            f"第{step.index + 1}步（{step.tool}）缺少或无效：{fields}"
                            if plan.lang == "zh"
                            else f"Step {step.index + 1} ({step.tool}) is missing or has invalid: "
                            f"{fields}"
                        ),
                        "options": [],
                        "blocking": True,
                    }
                )
                kept.append(step)
                continue
            try:
                authorise_call(spec, self.acting, step.purpose, parsed)
                self._may_act_on_record(step, spec.destructive)
            except Refusal as refusal:
                plan.warnings.append(_cannot(plan.lang, step.tool, refusal.error.detail))
                plan.flags.append("permission_denied")
                continue
            step.needs_approval = (
                spec.destructive or self._risk_needs_approval(spec, parsed) or step.needs_approval
            )
            kept.append(step)
        # renumber, keeping dependencies on kept steps only
        mapping = {s.index: i for i, s in enumerate(kept)}
        for s in kept:
            s.depends_on = [mapping[d] for d in s.depends_on if d in mapping]
            s.index = mapping[s.index]
        plan.steps = kept
        for q in plan.questions:
            for option in q.get("options", []):
                patch = option.get("patch")
                if patch is not None and patch["step"] in mapping:
                    patch["step"] = mapping[patch["step"]]
            m = re.match(r"steps\[(\d+)\](.*)", q.get("slot", ""))
            if m and int(m.group(1)) in mapping:
                q["slot"] = f"steps[{mapping[int(m.group(1))]}]{m.group(2)}"

    def _risk_needs_approval(self, spec: Any, parsed: Any) -> bool:
        """The gateway's own risk policy, applied now so the preview says what will wait."""
        args_json = parsed.model_dump(mode="json", exclude_unset=True)
        channel = spec.channel_for(parsed)
        tenant = self.principal.tenant_id
        facts = {
            "tool": spec.name,
            "purpose": PURPOSE,
            "args": args_json,
            "actor_kind": self.principal.kind,
            "external_effect": spec.external_effect,
            "channel": channel,
            "new_recipient": spec.external_effect
            and risk.is_new_recipient(self.session, tenant, channel, args_json),
        }
        return risk.assess(self.session, tenant, spec.name, spec.risk, facts).needs_approval

    def _may_act_on_record(self, step: Step, destructive: bool) -> None:
        """The record a step changes must be one the user may change (or delete)."""
        target = _record_of(step)
        if target is None:
            return
        object_type, record_id = target
        action = "delete" if destructive else "update"
        row = self.record(object_type, record_id)
        if row is None:
            return  # the tool reports an unknown id itself
        if not policy.may_act_on(self.acting, object_type, action, row.owner_id):  # type: ignore[arg-type]
            raise Refusal(_denied(self.principal, f"{action} this {object_type}"))

    # --- lookups ---------------------------------------------------------------------

    def record(self, object_type: str, record_id: str) -> Any:
        return self.repo.find(SPECS[object_type], record_id)

    def interaction_about(
        self, contact_id: str, keywords: tuple[str, ...]
    ) -> crm.Interaction | None:
        spec = SPECS["interaction"]
        stmt = (
            self.repo.scoped(spec, "read")
            .where(crm.Interaction.contact_id == contact_id)
            .order_by(crm.Interaction.occurred_at.desc(), crm.Interaction.id.desc())
            .limit(200)
        )
        if policy.scope_for(self.principal, "interaction", "read") is None:
            return None
        rows: list[crm.Interaction] = list(self.session.scalars(stmt))
        if keywords:
            for row in rows:
                blob = f"{row.subject or ''} {row.text or ''}".lower()
                if any(k.lower() in blob for k in keywords):
                    return row
            return None
        inbound = [r for r in rows if r.direction == "inbound"]
        candidates = inbound or rows
        return candidates[0] if candidates else None

    def busy(
        self, user_ids: list[str], contact_ids: list[str], start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """Meetings the user can see that involve any attendee, overlapping [start, end)."""
        if policy.scope_for(self.principal, "activity", "read") is None:
            return []
        spec = SPECS["activity"]
        a = crm.Activity
        stmt = self.repo.scoped(spec, "read").where(
            a.kind == "meeting", a.starts_at < end, a.ends_at > start
        )
        refs = set(user_ids) | set(contact_ids)
        out = []
        for row in self.session.scalars(stmt):
            people = {row.owner_id, row.assignee_id, row.contact_id} | {
                str(x.get("ref")) for x in (row.attendees or []) if isinstance(x, dict)
            }
            if people & refs and row.starts_at and row.ends_at:
                out.append((row.starts_at, row.ends_at))
        return out

    def free_slot(
        self,
        day_from: datetime,
        day_to: datetime,
        users: list[str],
        contacts: list[str],
        minutes: int = 60,
    ) -> datetime | None:
        busy = self.busy(users, contacts, day_from, day_to)
        earliest = self.now + timedelta(hours=2)
        day = day_from
        while day < day_to:
            if day.weekday() < 5:
                for clock in (time(10, 0), time(14, 0), time(16, 0)):
                    start = datetime.combine(day.date(), clock, tzinfo=day.tzinfo)
                    end = start + timedelta(minutes=minutes)
                    if start < earliest:
                        continue
                    if all(end <= b0 or start >= b1 for b0, b1 in busy):
                        return start
            day += timedelta(days=1)
        return None


_RECORD_ARGS = {
    "tickets.assign": "ticket",
    "tickets.escalate": "ticket",
    "deals.update_stage": "deal",
}


def _record_of(step: Step) -> tuple[str, str] | None:
    if step.tool in ("records.update", "records.delete"):
        return str(step.args["object_type"]), str(step.args["record_id"])
    object_type = _RECORD_ARGS.get(step.tool)
    if object_type is not None and step.args.get(f"{object_type}_id"):
        return object_type, str(step.args[f"{object_type}_id"])
    return None


def _cannot(lang: str, tool: str, detail: str) -> str:
    return f"不能执行 {tool}：{detail}" if lang == "zh" else f"Cannot run {tool}: {detail}"


def _denied(principal: Principal, what: str) -> Any:
    from kith.core.errors import PermissionDenied

    return PermissionDenied(f"{principal.name} may not {what}")


class _Context:
    """Builds the steps of one plan, clause by clause, sharing what earlier clauses found."""

    def __init__(self, planner: Planner, plan: Plan) -> None:
        self.p = planner
        self.plan = plan
        self.lang = plan.lang
        self.me = planner.principal.user_id
        self.topic_interaction: crm.Interaction | None = None
        self.topic: str | None = None
        self.context_step: int | None = None
        self.shared_users: list[Entry] = []
        self._topic_done = False

    # entities ------------------------------------------------------------------------

    def _entities(self, hit: IntentHit, object_type: str, whole: bool = True) -> list[Entity]:
        inside = [
            e
            for e in self.plan.entities
            if e.object_type == object_type
            and e.record_id
            and hit.clause.start <= e.start < hit.clause.end
        ]
        if inside or not whole:
            return inside
        return [e for e in self.plan.entities if e.object_type == object_type and e.record_id]

    def _entry(self, entity: Entity | None) -> Entry | None:
        return entity.entry if entity is not None else None

    def contact(self, hit: IntentHit) -> Entry | None:
        found = self._entities(hit, "contact")
        return self._entry(found[0]) if found else None

    def account_id(self, hit: IntentHit) -> str | None:
        accounts = self._entities(hit, "account")
        if accounts and accounts[0].record_id:
            return accounts[0].record_id
        contact = self.contact(hit)
        if contact is not None and contact.account_id:
            return contact.account_id
        deal = self.deal(hit)
        return deal.account_id if deal else None

    def deal(self, hit: IntentHit) -> Entry | None:
        deals = self._entities(hit, "deal")
        if deals:
            return self._entry(deals[0])
        accounts = self._entities(hit, "account")
        account = accounts[0].record_id if accounts else None
        if account is None:
            contact = self.contact(hit)
            account = contact.account_id if contact else None
        if account is None:
            return None
        open_deals = [
            e
            for e in self.p.gaz.of_type("deal")
            if e.account_id == account and e.extra.get("status") == "open"
        ]
        if len(open_deals) == 1:
            return open_deals[0]
        if len(open_deals) > 1:
            self.plan.questions.append(
                {
                    "id": f"deal:{hit.start}",
                    "slot": "deal_id",
                    "text": "是哪一个商机？" if self.lang == "zh" else "Which deal do you mean?",
                    "options": [
                        {"value": d.record_id, "label": d.display, "object_type": "deal"}
                        for d in open_deals[:5]
                    ],
                    "blocking": True,
                }
            )
        return None

    def users(self, hit: IntentHit, whole: bool = False) -> list[Entry]:
        out = [e for e in (self._entry(x) for x in self._entities(hit, "user", whole)) if e]
        return [u for u in out if u.record_id != self.me] or out

    def ticket(self, hit: IntentHit) -> Entry | None:
        found = self._entities(hit, "ticket")
        return self._entry(found[0]) if found else None

    # topic (上次提到的…) ------------------------------------------------------------------

    def resolve_topic(self, hit: IntentHit) -> None:
        if self._topic_done:
            return
        self._topic_done = True
        text = self.plan.text
        keywords: tuple[str, ...] = ()
        if self.lang == "zh":
            m = _TOPIC_ZH.search(text) or _TOPIC_ZH_SIMPLE.search(text)
            if m:
                topic = m.group("topic")
                for e in self.plan.entities:
                    topic = topic.replace(e.mention, "")
                self.topic = topic.lstrip("的") or None
                keywords = (self.topic,) if self.topic else ()
        else:
            m = _TOPIC_EN.search(text)
            if m:
                topic = re.sub(
                    r"^(?:(?:share|send|forward|tell|the|about)\s+)+",
                    "",
                    m.group("topic").strip(),
                    flags=re.I,
                )
                self.topic = topic
                keywords = TOPIC_EN_ZH.get(topic.lower(), (topic,))
        if not _LAST_TIME.search(text) and not keywords:
            return
        self._disambiguate_by_topic(keywords)
        contacts = [e for e in self.plan.entities if e.object_type == "contact" and e.record_id]
        if not contacts or contacts[0].record_id is None:
            return
        row = self.p.interaction_about(contacts[0].record_id, keywords)
        if row is None and keywords:
            self.plan.warnings.append(
                f"没有找到{contacts[0].display}提到“{self.topic}”的互动记录。"
                if self.lang == "zh"
                else f"No interaction of {contacts[0].display} mentions “{self.topic}”."
            )
            return
        if row is None:
            return
        self.topic_interaction = row
        if not self.topic:
            self.topic = (row.subject or (row.text or "")[:20]).strip()
        index = self.new_step(
            "records.get", {"object_type": "interaction", "record_id": row.id}, [], "context"
        )
        self.context_step = index
        when = row.occurred_at.astimezone(self.p.times.zone).strftime("%Y-%m-%d %H:%M")
        self.plan.entities.append(
            Entity(
                mention=(m.group(0) if m else "上次"),
                object_type="interaction",
                record_id=row.id,
                display=f"{row.channel} · {when} · {(row.text or row.subject or '')[:40]}",
                confidence=0.9 if keywords else 0.6,
                start=m.start() if m else 0,
                end=m.end() if m else 0,
            )
        )

    def _disambiguate_by_topic(self, keywords: tuple[str, ...]) -> None:
        """Several people fit "Mr. Zhang": the one whose interactions mention the topic."""
        if not keywords:
            return
        for entity in self.plan.entities:
            if not (entity.ambiguous and entity.object_type == "contact"):
                continue
            fits = [
                a
                for a in entity.alternatives
                if a["object_type"] == "contact"
                and self.p.interaction_about(a["record_id"], keywords) is not None
            ]
            if len(fits) != 1:
                continue
            chosen = fits[0]
            entity.record_id, entity.display = chosen["record_id"], chosen["display"]
            entity.entry = self.p.gaz.by_id.get(chosen["record_id"])
            entity.confidence = 0.85
            entity.alternatives = [a for a in entity.alternatives if a is not chosen]
            self.plan.questions = [
                q for q in self.plan.questions if q["id"] != f"entity:{entity.start}"
            ]

    def context_text(self) -> str:
        row = self.topic_interaction
        if row is None:
            return ""
        when = row.occurred_at.astimezone(self.p.times.zone).strftime("%Y-%m-%d %H:%M")
        excerpt = (row.text or row.subject or "")[:400]
        contact = next(
            (e for e in self.plan.entities if e.object_type == "contact" and e.record_id), None
        )
        who = contact.display if contact else ""
        if self.lang == "zh":
            return f"{who} 于 {when} 通过 {row.channel} 提到：\n{excerpt}"
        return f"{who} wrote on {when} via {row.channel}:\n{excerpt}"

    # steps ------------------------------------------------------------------------

    def new_step(
        self,
        tool: str,
        args: dict[str, Any],
        depends: list[int],
        intent: str,
        needs_approval: bool = False,
    ) -> int:
        index = len(self.plan.steps)
        clean = {k: v for k, v in args.items() if v is not None}
        spec = self.p.registry.get(tool)
        purpose = PURPOSE
        if spec is not None and PURPOSE not in spec.purposes:
            purpose = next(
                (p for p in ("sales", "service") if p in spec.purposes), spec.purposes[0]
            )
        self.plan.steps.append(Step(index, tool, clean, purpose, needs_approval, depends, intent))
        return index

    def deps(self) -> list[int]:
        return [self.context_step] if self.context_step is not None else []

    def time_in(self, hit: IntentHit) -> TimeMention | None:
        inside = [t for t in self.plan.times if hit.clause.start <= t.start_index < hit.clause.end]
        if inside:  # "下周…周四下午三点": the precise one wins
            return next((t for t in inside if t.has_clock), inside[0])
        future = [t for t in self.plan.times if t.end > self.p.now]
        return future[0] if len(self.plan.times) == 1 and future else None

    def subject_of(self, hit: IntentHit, fallback: str) -> str:
        q = _QUOTED.search(hit.clause.text)
        if q:
            return q.group("q")[:300]
        return fallback[:300]

    def add(self, hit: IntentHit) -> None:
        name = hit.rule.name
        if BULK.search(hit.clause.text) and name not in ("share",):
            self.plan.warnings.append(
                "不支持用一句话批量修改、发送或删除；请逐条操作。"
                if self.lang == "zh"
                else "Bulk changes, sends or deletions are not offered from a sentence; "
                "act on one record at a time."
            )
            self.plan.flags.append("bulk_refused")
            return
        if self.topic_interaction is None and name in (
            "share",
            "draft_email",
            "meeting",
            "task",
            "ticket_create",
            "send",
            "note",
        ):
            self.resolve_topic(hit)
        getattr(self, f"_{name}")(hit)

    def _topic_title(self) -> str:
        contact = next(
            (e for e in self.plan.entities if e.object_type == "contact" and e.entry), None
        )
        who = contact.entry.display if contact and contact.entry else ""
        account = ""
        if contact and contact.entry and contact.entry.account_id:
            acc = self.p.gaz.by_id.get(contact.entry.account_id)
            account = acc.names[-1] if acc else ""
        topic = self.topic or ("客户问题" if self.lang == "zh" else "customer issue")
        if self.lang == "zh":
            return f"{topic}问题：{who}（{account}）" if who else f"{topic}问题"
        return (
            f"{topic.capitalize()} issue: {who} ({account})"
            if who
            else f"{topic.capitalize()} issue"
        )

    def _share(self, hit: IntentHit) -> None:
        users = self.users(hit)
        if not users:
            contact = self.contact(hit)
            if contact is not None:
                self._draft_to(hit, contact=contact)
                return
            self.new_step("users.notify", {"title": self._topic_title()}, self.deps(), "share")
            return
        may_notify = policy.scope_for(self.p.acting, "notification", "create") is not None
        for user in users:
            self.shared_users.append(user)
            body = self.context_text() or hit.clause.text
            contact = self.contact(hit)
            if may_notify:
                args: dict[str, Any] = {
                    "user_id": user.record_id,
                    "title": self._topic_title()[:300],
                    "body": body,
                }
                if self.topic_interaction is not None:
                    args["subject_type"] = "interaction"
                    args["subject_id"] = self.topic_interaction.id
                elif contact is not None:
                    args["subject_type"], args["subject_id"] = "contact", contact.record_id
                self.new_step("users.notify", args, self.deps(), "share")
            else:  # no right to notify: a task for them carries the issue and its context
                self.new_step(
                    "tasks.create",
                    {
                        "subject": self._topic_title()[:300],
                        "body": body,
                        "assignee_id": user.record_id,
                        "contact_id": contact.record_id if contact else None,
                        "account_id": self.account_id(hit),
                    },
                    self.deps(),
                    "share",
                )
            if self.topic_interaction is not None and user.extra.get("email"):
                self._draft_to(hit, user=user)

    def _draft_email(self, hit: IntentHit) -> None:
        if any(s.tool == "email.draft" for s in self.plan.steps):
            return
        users = self.users(hit, whole=False) or self.shared_users
        contact = self.contact(hit) if not users else None
        self._draft_to(hit, user=users[0] if users else None, contact=contact)

    def _draft_to(
        self, hit: IntentHit, user: Entry | None = None, contact: Entry | None = None
    ) -> None:
        subject = self.subject_of(hit, self._topic_title())
        context = self.context_text()
        if self.lang == "zh":
            body = (
                f"{user.display if user else (contact.display if contact else '')}，您好：\n\n"
                f"{context or hit.clause.text}\n\n请协助跟进，谢谢。"
            )
        else:
            name = user.display if user else (contact.display if contact else "")
            body = (
                f"Hi {name},\n\n{context or hit.clause.text}\n\nCould you help follow up? Thanks."
            )
        args: dict[str, Any] = {"subject": subject, "body": body}
        if user is not None:
            args["to"] = user.extra.get("email")
        elif contact is not None:
            args["contact_id"] = contact.record_id
        self.new_step("email.draft", args, self.deps(), "draft_email")

    def _send(self, hit: IntentHit) -> None:
        clause = hit.clause.text.lower()
        channel = "email"
        if re.search(r"短信|sms|\btext\b", clause):
            channel = "sms"
        elif re.search(r"微信|wechat", clause):
            channel = "wechat"
        elif re.search(r"推送|push", clause):
            channel = "app_push"
        contact = self.contact(hit)
        body = _message_body(hit.clause.text) or self.context_text() or hit.clause.text
        args: dict[str, Any] = {
            "channel": channel,
            "body": body,
            "contact_id": contact.record_id if contact else None,
        }
        if channel == "email":
            args["subject"] = self.subject_of(hit, self._topic_title() if self.topic else body[:60])
        self.new_step("messages.send", args, self.deps(), "send")

    def _meeting(self, hit: IntentHit) -> None:
        users = list(self.users(hit, whole=True))
        contacts = [e.entry for e in self.plan.entities if e.object_type == "contact" and e.entry]
        attendees: list[dict[str, str]] = []
        if self.me:
            attendees.append({"kind": "user", "ref": self.me})
        attendees += [{"kind": "user", "ref": u.record_id} for u in users if u.record_id != self.me]
        attendees += [{"kind": "contact", "ref": c.record_id} for c in contacts]
        three = bool(_THREE_PARTY.search(self.plan.text))
        if self.lang == "zh":
            subject = ("三方会议：" if three else "会议：") + (
                self.topic or (contacts[0].display if contacts else "沟通")
            )
        else:
            subject = ("Three-party meeting: " if three else "Meeting: ") + (
                self.topic or (contacts[0].display if contacts else "catch-up")
            )
        subject = self.subject_of(hit, subject)
        mention = self.time_in(hit)
        user_ids = [a["ref"] for a in attendees if a["kind"] == "user"]
        contact_ids = [a["ref"] for a in attendees if a["kind"] == "contact"]
        start = self._meeting_start(mention, user_ids, contact_ids)
        args: dict[str, Any] = {
            "subject": subject,
            "attendees": attendees,
            "contact_id": contacts[0].record_id if contacts else None,
            "account_id": self.account_id(hit),
            "body": self.context_text() or None,
        }
        if start is not None:
            args["starts_at"] = start.isoformat()
            args["ends_at"] = (start + timedelta(hours=1)).isoformat()
        index = self.new_step("meetings.schedule", args, self.deps(), "meeting")
        if mention is not None and mention.alternatives:
            self._reading_question(index, mention, user_ids, contact_ids, start)
        elif mention is None:
            self.plan.warnings.append(
                "没有说时间，已建议最近的空闲时段。"
                if self.lang == "zh"
                else "No time given; proposed the next free slot."
            )

    def _meeting_start(
        self, mention: TimeMention | None, users: list[str], contacts: list[str]
    ) -> datetime | None:
        if mention is None:
            start = datetime.combine(
                self.p.times.today + timedelta(days=1), time(0), tzinfo=self.p.times.zone
            )
            return self.p.free_slot(start, start + timedelta(days=7), users, contacts)
        if mention.has_clock:
            return mention.start
        if mention.kind in ("day", "week", "deadline", "range", "month"):
            end = mention.end if mention.kind != "month" else mention.start + timedelta(days=7)
            begin = max(mention.start, self.p.now) if mention.kind == "deadline" else mention.start
            return self.p.free_slot(begin, end, users, contacts) or mention.start.replace(hour=10)
        return mention.start

    def _reading_question(
        self,
        index: int,
        mention: TimeMention,
        users: list[str],
        contacts: list[str],
        chosen: datetime | None,
    ) -> None:
        alt = mention.alternatives[0]
        alt_start = self.p.free_slot(alt.start, alt.end, users, contacts) or alt.start.replace(
            hour=10
        )
        fmt = "%m-%d %H:%M"
        if self.lang == "zh":
            text = (
                f"“{mention.text}{self.plan.text[mention.end_index : mention.end_index + 4]}”"
                "有两种读法："
                "下周的三方会议，还是下周三开会？"
            )
            labels = (
                f"下周 + 三方会议（建议 {chosen.strftime(fmt) if chosen else '—'}）",
                f"下周三（{alt_start.strftime(fmt)}）",
            )
        else:
            text = "Did you mean a three-party meeting next week, or a meeting next Wednesday?"
            labels = (
                "Three-party meeting next week "
                f"(proposed {chosen.strftime(fmt) if chosen else '—'})",
                f"Next Wednesday ({alt_start.strftime(fmt)})",
            )
        end = timedelta(hours=1)
        self.plan.questions.append(
            {
                "id": "time:meeting",
                "slot": f"steps[{index}].args.starts_at",
                "text": text,
                "blocking": False,
                "default": "week",
                "options": [
                    {
                        "value": "week",
                        "label": labels[0],
                        "patch": {
                            "step": index,
                            "args": {
                                "starts_at": chosen.isoformat() if chosen else None,
                                "ends_at": (chosen + end).isoformat() if chosen else None,
                            },
                        },
                    },
                    {
                        "value": "wednesday",
                        "label": labels[1],
                        "patch": {
                            "step": index,
                            "args": {
                                "starts_at": alt_start.isoformat(),
                                "ends_at": (alt_start + end).isoformat(),
                            },
                        },
                    },
                ],
            }
        )

    def _task(self, hit: IntentHit) -> None:
        contact = self.contact(hit)
        mention = self.time_in(hit)
        due: datetime | None = None
        if mention is not None:
            if mention.has_clock:
                due = mention.start
            elif mention.kind == "deadline":
                due = mention.end - timedelta(days=1)
                due = due.replace(hour=DEFAULT_DUE_TIME.hour, minute=0)
            else:
                due = mention.start.replace(hour=DEFAULT_DUE_TIME.hour, minute=0)
        assignees = [u for u in self.users(hit, whole=False) if u.record_id != self.me]
        clause = hit.clause.text.strip()
        subject = self.subject_of(hit, _task_subject(clause, self.plan.times, self.lang))
        deal = self.deal(hit) if re.search(r"商机|单子|deal|opportunity", clause, re.I) else None
        args: dict[str, Any] = {
            "subject": subject,
            "due_at": due.isoformat() if due else None,
            "assignee_id": assignees[0].record_id if assignees else self.me,
            "contact_id": contact.record_id if contact else None,
            "account_id": self.account_id(hit)
            if contact or self._entities(hit, "account")
            else None,
            "deal_id": deal.record_id if deal else None,
            "body": self.context_text() or None,
        }
        self.new_step("tasks.create", args, self.deps(), "task")

    def _note(self, hit: IntentHit) -> None:
        contact = self.contact(hit)
        body = _after_colon(hit.clause.text) or hit.clause.text
        args = {
            "body": body,
            "contact_id": contact.record_id if contact else None,
            "account_id": self.account_id(hit),
        }
        deal = self._entities(hit, "deal")
        if deal:
            args["deal_id"] = deal[0].record_id
        self.new_step("notes.add", args, self.deps(), "note")

    def _log(self, hit: IntentHit) -> None:
        contact = self.contact(hit)
        clause = hit.clause.text
        channel = (
            "wechat"
            if re.search(r"微信|wechat", clause, re.I)
            else ("other" if re.search(r"见面|拜访|met|visit", clause, re.I) else "phone")
        )
        text = (
            _after_colon(self.plan.text[hit.clause.start :]) or self.plan.text[hit.clause.start :]
        )
        self.new_step(
            "interactions.log",
            {
                "channel": channel,
                "direction": "outbound",
                "text": text,
                "contact_id": contact.record_id if contact else None,
                "account_id": self.account_id(hit),
            },
            [],
            "log",
        )

    def _stage(self, hit: IntentHit) -> None:
        deal = self.deal(hit)
        stage = self._stage_name(hit, deal)
        args: dict[str, Any] = {"deal_id": deal.record_id if deal else None, "stage_name": stage}
        if stage in ("输单", "未中标"):
            reason = re.search(
                r"(?:原因|因为|because|reason)[:：是]?\s*(.+)$", hit.clause.text, re.I
            )
            if reason:
                args["lost_reason"] = reason.group(1)[:200]
        self.new_step("deals.update_stage", args, [], "stage")

    def _stage_name(self, hit: IntentHit, deal: Entry | None) -> str | None:
        names: list[str] = []
        if deal is not None:
            row = self.p.record("deal", deal.record_id)
            if row is not None:
                names = [s.name for s in self.p.repo.stages(row.pipeline_id)]
        text = self.plan.text[hit.clause.start : hit.clause.end]
        for name in sorted(names, key=len, reverse=True):
            if name in text:
                return name
        aliases = STAGE_ALIASES_EN if self.lang == "en" else STAGE_ALIASES_ZH
        for word in sorted(aliases, key=len, reverse=True):
            if re.search(rf"(?<![A-Za-z]){re.escape(word)}(?![A-Za-z])", text, re.I):
                options = aliases[word]
                return next((o for o in options if o in names), options[0] if not names else None)
        return None

    def _ticket_create(self, hit: IntentHit) -> None:
        contact = self.contact(hit)
        clause = hit.clause.text
        priority = (
            "urgent"
            if re.search(r"紧急|urgent|asap", clause, re.I)
            else (
                "high"
                if re.search(r"高优|重要|high priority|important", clause, re.I)
                else "normal"
            )
        )
        subject = self.subject_of(
            hit,
            _after_colon(hit.clause.text) or _ticket_subject(self.plan.text, self.topic, self.lang),
        )
        assignees = self.users(hit, whole=False)
        args = {
            "subject": subject,
            "description": self.context_text() or self.plan.text,
            "priority": priority,
            "contact_id": contact.record_id if contact else None,
            "account_id": self.account_id(hit),
            "assignee_id": assignees[0].record_id if assignees else None,
        }
        self.new_step("tickets.create", args, self.deps(), "ticket_create")

    def _ticket_assign(self, hit: IntentHit) -> None:
        ticket = self.ticket(hit)
        users = self.users(hit, whole=False)
        self.new_step(
            "tickets.assign",
            {
                "ticket_id": ticket.record_id if ticket else None,
                "assignee_id": users[0].record_id if users else None,
            },
            [],
            "ticket_assign",
        )

    def _escalate(self, hit: IntentHit) -> None:
        ticket = self.ticket(hit)
        urgent = re.search(r"紧急|urgent", self.plan.text, re.I)
        reason = re.search(
            r"(?:因为|原因[是:：]?|because|reason[:]?)\s*(.+)$", self.plan.text, re.I
        )
        text = reason.group(1) if reason else self.plan.text
        index = self.new_step(
            "tickets.escalate",
            {
                "ticket_id": ticket.record_id if ticket else None,
                "reason": text[:2000],
                "priority": "urgent" if urgent else "high",
            },
            [],
            "escalate",
        )
        users = self.users(hit, whole=False)
        if users and ticket is not None:
            self.new_step(
                "tickets.assign",
                {"ticket_id": ticket.record_id, "assignee_id": users[0].record_id},
                [index],
                "ticket_assign",
            )

    def _coupon(self, hit: IntentHit) -> None:
        contact = self.contact(hit)
        clause = self.plan.text[hit.clause.start : hit.clause.end]
        value = _amount(clause) or _amount(self.plan.text)
        kind = (
            "free_gift"
            if re.search(r"赠品|礼品|gift", clause, re.I)
            else (
                "service_voucher"
                if re.search(r"服务券|保养|检测|service|check", clause, re.I)
                else "discount"
            )
        )
        reason = re.search(r"(?:因为|原因[是:：]?|作为|以|for|because|as)\s*(.+)$", clause, re.I)
        args = {
            "contact_id": contact.record_id if contact else None,
            "value": str(value) if value is not None else None,
            "kind": kind,
            "reason": (reason.group(1) if reason else clause)[:500],
        }
        self.new_step("coupons.issue", args, [], "coupon")

    def _refund(self, hit: IntentHit) -> None:
        orders = self._entities(hit, "order")
        order = orders[0].entry if orders else None
        clause = self.plan.text[hit.clause.start : hit.clause.end]
        value = _amount(clause)
        if value is None and order is not None and re.search(r"全额|全部|full", clause, re.I):
            value = Decimal(order.extra["total"])
        reason = re.search(r"(?:因为|原因[是:：]?|because|reason[:]?)\s*(.+)$", clause, re.I)
        args = {
            "order_id": order.record_id if order else None,
            "amount": str(value) if value is not None else None,
            "reason": (reason.group(1) if reason else clause)[:500],
        }
        self.new_step("refunds.request", args, [], "refund", needs_approval=True)

    def _campaign(self, hit: IntentHit) -> None:
        contact = self.contact(hit)
        clause = hit.clause.text
        q = _QUOTED.search(clause)
        m = (
            re.search(r"([\u4e00-\u9fffA-Za-z0-9]{2,20}?)(?:活动|营销|计划)", clause)
            if not q
            else None
        )
        en = (
            re.search(r"(?:the\s+)?([A-Za-z0-9 -]{2,40}?)\s+campaign", clause, re.I)
            if not q
            else None
        )
        name = (
            q.group("q")
            if q
            else (m.group(0) if m and self.lang == "zh" else (en.group(1) if en else None))
        )
        if name and self.lang == "zh":
            name = re.sub(r"^(?:加入|拉进|报名|加到)", "", name)
        self.new_step(
            "campaigns.enroll",
            {"campaign": name, "contact_id": contact.record_id if contact else None},
            [],
            "campaign",
        )

    def _target(self, hit: IntentHit) -> Entity | None:
        inside = [
            e
            for e in self.plan.entities
            if e.record_id
            and e.object_type in SPECS
            and hit.clause.start <= e.start < hit.clause.end
        ]
        pool = inside or [e for e in self.plan.entities if e.record_id and e.object_type in SPECS]
        if not pool:
            return None
        # the most specific record named: contact/deal/ticket over the account they belong to
        rank = {"ticket": 0, "deal": 1, "order": 1, "contact": 2, "lead": 2, "account": 3}
        return sorted(pool, key=lambda e: rank.get(e.object_type, 5))[0]

    def _record_target(self, hit: IntentHit) -> Entity | None:
        target = self._target(hit)
        text = self.plan.text[hit.clause.start : hit.clause.end]
        if (target is None or target.object_type == "account") and re.search(
            r"商机|单子|\bdeal\b|opportunity", text, re.I
        ):
            deal = self.deal(hit)
            if deal is not None:
                return Entity(deal.display, "deal", deal.record_id, deal.display, 0.9, entry=deal)
        return target

    def _delete(self, hit: IntentHit) -> None:
        clause = hit.clause.text
        if BULK.search(clause):
            self.plan.warnings.append(
                "不支持用一句话批量删除记录；请逐条删除（每条都需要审批）。"
                if self.lang == "zh"
                else "Bulk deletion is not offered from a sentence; delete records one at a time "
                "(each needs approval)."
            )
            self.plan.flags.append("bulk_destructive_refused")
            return
        target = self._record_target(hit)
        if target is None or target.record_id is None:
            self.plan.questions.append(
                {
                    "id": f"target:{hit.start}",
                    "slot": "record",
                    "text": "要删除哪条记录？"
                    if self.lang == "zh"
                    else "Which record should be deleted?",
                    "options": [],
                    "blocking": True,
                }
            )
            return
        row = self.p.record(target.object_type, target.record_id)
        self.new_step(
            "records.delete",
            {
                "object_type": target.object_type,
                "record_id": target.record_id,
                "version": row.version if row else None,
            },
            [],
            "delete",
            needs_approval=True,
        )

    def _update(self, hit: IntentHit) -> None:
        target = self._record_target(hit)
        clause = self.plan.text[hit.clause.start : hit.clause.end]
        values: dict[str, Any] = {}
        if (email := _EMAIL.search(clause)) is not None:
            values["email"] = email.group(0)
        elif (phone := _PHONE.search(clause)) is not None:
            values["mobile" if re.search(r"手机|mobile|cell", clause, re.I) else "phone"] = (
                phone.group(0)
            )
        elif m := re.search(
            r"(?:职位|职务|头衔|title)\s*\S{0,6}?\s*(?:改成|改为|更新为|设为|to)\s*([^，,。]+)",
            clause,
            re.I,
        ):
            values["title"] = m.group(1)
        elif m := re.search(
            r"(?:城市|city)\S{0,6}?(?:改成|改为|更新为|to)\s*([^\s，,。]+)", clause, re.I
        ):
            values["city"] = m.group(1)
        elif m := re.search(r"(?:金额|amount)\s*\S{0,6}?\s*(?:改成|改为|更新为|to)", clause, re.I):
            amount = _amount(clause[m.end() :])
            if amount is not None:
                values["amount"] = str(amount)
        elif m := re.search(r"(?:优先级|priority)\S{0,6}?(?:改成|改为|to)\s*(\S+)", clause, re.I):
            word = m.group(1).lower()
            values["priority"] = {
                "紧急": "urgent",
                "高": "high",
                "普通": "normal",
                "低": "low",
            }.get(word, word)
        if target is None or target.record_id is None or not values:
            self.plan.questions.append(
                {
                    "id": f"update:{hit.start}",
                    "slot": "values",
                    "text": "要修改哪条记录的哪个字段？"
                    if self.lang == "zh"
                    else "Which field of which record?",
                    "options": [],
                    "blocking": True,
                }
            )
            return
        object_type = target.object_type
        if object_type == "account" and any(k in values for k in ("mobile", "title")):
            return
        row = self.p.record(object_type, target.record_id)
        self.new_step(
            "records.update",
            {
                "object_type": object_type,
                "record_id": target.record_id,
                "version": row.version if row else None,
                "values": values,
            },
            [],
            "update",
        )

    def _create_record(self, hit: IntentHit) -> None:
        clause = self.plan.text[hit.clause.start :]
        kind = "contact"
        if re.search(r"线索|lead", clause, re.I):
            kind = "lead"
        elif re.search(r"客户|公司|account|company", clause, re.I) and not re.search(
            r"联系人|contact", clause, re.I
        ):
            kind = "account"
        name = None
        m = re.search(
            r"(?:叫|名叫|名字是|姓名|named|called|name)\s*[:：]?\s*"
            r"([\u4e00-\u9fff]{2,4}|[A-Z][a-z]+(?: [A-Z][a-z]+)?)",
            clause,
        )
        q = _QUOTED.search(clause)
        if q:
            name = q.group("q")
        elif m:
            name = m.group(1)
        values: dict[str, Any] = {"name": name}
        if (email := _EMAIL.search(clause)) is not None:
            values["email"] = email.group(0)
        if (phone := _PHONE.search(clause)) is not None:
            values["mobile" if kind == "contact" else "phone"] = phone.group(0)
        account = self._entities(hit, "account")
        if kind == "contact" and account:
            values["account_id"] = account[0].record_id
        if kind == "lead" and account:
            values["company"] = account[0].display
        self.new_step(
            "records.create",
            {"object_type": kind, "values": {k: v for k, v in values.items() if v is not None}},
            [],
            "create_record",
        )


def _merge_times(primary: list[TimeMention], other: list[TimeMention]) -> list[TimeMention]:
    """Mixed-language text ("明天 10am"): the other language's expressions that do not
    overlap the primary ones; a bare clock time right after a day joins it."""
    out = list(primary)
    for t in other:
        if any(t.start_index < p.end_index and t.end_index > p.start_index for p in out):
            continue
        day = next(
            (p for p in out if p.kind == "day" and 0 <= t.start_index - p.end_index <= 2), None
        )
        if day is not None and t.has_clock:
            at = datetime.combine(day.start.date(), t.start.timetz())
            out[out.index(day)] = replace(
                day, kind="instant", start=at, end=at, has_clock=True, end_index=t.end_index
            )
            continue
        out.append(t)
    return sorted(out, key=lambda x: x.start_index)


def _amount(text: str) -> Decimal | None:
    m = _AMOUNT.search(text)
    if m is None:
        return None
    raw = m.group("num") or m.group("num2")
    unit = (m.group("unit") or "").lower()
    from kith.language.timeparse import cn_number

    number: Decimal | None
    try:
        number = Decimal(raw)
    except ArithmeticError:
        value = cn_number(raw.replace("万", "").replace("千", ""))
        number = Decimal(value) if value is not None else None
    if number is None:
        return None
    if unit == "million":
        number *= 1_000_000
    elif unit == "k":
        number *= 1_000
    elif unit == "万":
        number *= 10_000
    elif unit == "千":
        number *= 1_000
    return number


def _after_colon(text: str) -> str | None:
    for sep in ("：", ":", "说", "saying", "that "):
        if sep in text:
            tail = text.split(sep, 1)[1].strip(" ，,。")
            if len(tail) >= 2:
                return tail
    return None


def _message_body(text: str) -> str | None:
    q = _QUOTED.search(text)
    if q:
        return q.group("q")
    return _after_colon(text)


def _task_subject(clause: str, times: list[TimeMention], lang: str) -> str:
    subject = clause
    for t in times:
        subject = subject.replace(t.text, "")
    subject = re.sub(
        r"^(?:请|帮我|麻烦|提醒我|提醒|please|remind me to|remind me|create a task to)\s*",
        "",
        subject.strip(),
        flags=re.I,
    )
    return subject.strip(" ，,。.") or ("跟进" if lang == "zh" else "Follow up")


def _ticket_subject(text: str, topic: str | None, lang: str) -> str:
    q = _QUOTED.search(text)
    if q:
        return q.group("q")
    m = re.search(r"(?:关于|about|for)\s*([^，,。.]{2,60})", text, re.I)
    if m:
        return m.group(1).strip()
    if topic:
        return topic
    return "客户问题" if lang == "zh" else "Customer issue"
