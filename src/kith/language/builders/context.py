"""What the builders of one plan share, clause by clause: entities, topic, steps."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kith.crm import models as crm
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    LAST_TIME,
    QUOTED,
    TOPIC_EN,
    TOPIC_EN_ZH,
    TOPIC_ZH,
    TOPIC_ZH_SIMPLE,
)
from kith.language.lookups import Lookups
from kith.language.plan import PURPOSE, Plan, Step
from kith.language.resolve import Entity, Entry
from kith.language.timeparse import TimeMention


class BuildContext:
    """Builds the steps of one plan, clause by clause, sharing what earlier clauses found."""

    def __init__(self, lookups: Lookups, plan: Plan) -> None:
        self.p = lookups
        self.plan = plan
        self.lang = plan.lang
        self.me = lookups.principal.user_id
        self.topic_interaction: crm.Interaction | None = None
        self.topic: str | None = None
        self.context_step: int | None = None
        self.shared_users: list[Entry] = []
        self._topic_done = False

    # entities ------------------------------------------------------------------------

    def entities(self, hit: IntentHit, object_type: str, whole: bool = True) -> list[Entity]:
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

    def entry(self, entity: Entity | None) -> Entry | None:
        return entity.entry if entity is not None else None

    def contact(self, hit: IntentHit) -> Entry | None:
        found = self.entities(hit, "contact")
        return self.entry(found[0]) if found else None

    def account_id(self, hit: IntentHit) -> str | None:
        accounts = self.entities(hit, "account")
        if accounts and accounts[0].record_id:
            return accounts[0].record_id
        contact = self.contact(hit)
        if contact is not None and contact.account_id:
            return contact.account_id
        deal = self.deal(hit)
        return deal.account_id if deal else None

    def deal(self, hit: IntentHit) -> Entry | None:
        deals = self.entities(hit, "deal")
        if deals:
            return self.entry(deals[0])
        accounts = self.entities(hit, "account")
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
        out = [e for e in (self.entry(x) for x in self.entities(hit, "user", whole)) if e]
        return [u for u in out if u.record_id != self.me] or out

    def ticket(self, hit: IntentHit) -> Entry | None:
        found = self.entities(hit, "ticket")
        return self.entry(found[0]) if found else None

    # topic (上次提到的…) ------------------------------------------------------------------

    def resolve_topic(self, hit: IntentHit) -> None:
        if self._topic_done:
            return
        self._topic_done = True
        text = self.plan.text
        keywords: tuple[str, ...] = ()
        if self.lang == "zh":
            m = TOPIC_ZH.search(text) or TOPIC_ZH_SIMPLE.search(text)
            if m:
                topic = m.group("topic")
                for e in self.plan.entities:
                    topic = topic.replace(e.mention, "")
                self.topic = topic.lstrip("的") or None
                keywords = (self.topic,) if self.topic else ()
        else:
            m = TOPIC_EN.search(text)
            if m:
                topic = re.sub(
                    r"^(?:(?:share|send|forward|tell|the|about)\s+)+",
                    "",
                    m.group("topic").strip(),
                    flags=re.I,
                )
                self.topic = topic
                keywords = TOPIC_EN_ZH.get(topic.lower(), (topic,))
        if not LAST_TIME.search(text) and not keywords:
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
        zh_channel, en_channel = CHANNEL_LABELS.get(row.channel, (row.channel, row.channel))
        if self.lang == "zh":
            return f"{who} 于 {when} 通过{zh_channel}提到：\n{excerpt}"
        return f"{who} wrote on {when} via {en_channel}:\n{excerpt}"

    def topic_title(self) -> str:
        contact = next(
            (e for e in self.plan.entities if e.object_type == "contact" and e.entry), None
        )
        who = contact.entry.display if contact and contact.entry else ""
        account = ""
        if contact and contact.entry and contact.entry.account_id:
            acc = self.p.gaz.by_id.get(contact.entry.account_id)
            account = acc.names[-1] if acc else ""
        zh = self.lang == "zh"
        title = _issue_title(self.topic, zh)
        if not who:
            return title
        where = (f"（{account}）" if zh else f" ({account})") if account else ""
        return f"{title}：{who}{where}" if zh else f"{title}: {who}{where}"

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
        q = QUOTED.search(hit.clause.text)
        if q:
            return q.group("q")[:300]
        return fallback[:300]


Builder = Callable[[BuildContext, IntentHit], None]
"""Appends the steps (and questions or warnings) of one intent hit to ``ctx.plan``."""


CHANNEL_LABELS = {
    "email": ("邮件", "e-mail"),
    "sms": ("短信", "SMS"),
    "wechat": ("微信", "WeChat"),
    "phone": ("电话", "phone"),
    "app": ("App", "the app"),
    "app_push": ("App 推送", "app push"),
    "web": ("网站", "the website"),
    "chat": ("在线聊天", "chat"),
    "meeting": ("会面", "a meeting"),
    "iot": ("车联网", "telematics"),
    "store": ("门店", "a store"),
    "other": ("其他渠道", "another channel"),
}


def _issue_title(topic: str | None, zh: bool) -> str:
    """ "物流延迟问题", "Logistics delay issue" — never "客户问题问题"."""
    if not topic:
        return "客户问题" if zh else "Customer issue"
    if zh:
        return topic if topic.endswith(("问题", "故障", "投诉")) else f"{topic}问题"
    title = topic[:1].upper() + topic[1:]
    return (
        title if re.search(r"\b(?:issue|problem|complaint)s?$", title, re.I) else f"{title} issue"
    )
