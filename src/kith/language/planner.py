"""Text → plan: entities, intents, ordered steps of gateway tool calls, questions.

Offline and deterministic for a given ``now``: clauses and intents from patterns
(``intents.py``), entities from the CRM's own data as the gazetteer (``resolve.py``),
times from ``timeparse.py``; each intent's steps come from its builder
(``builders/``, one module per intent, listed in ``builders/table.py``) and questions
from ``questions/``. Every step's arguments are validated against the tool's
own input schema and authorised for the asking user (``gateway.authz``) before the plan
is shown, so a plan never offers what the user could not do; what will wait for
approval (destructive steps, high-risk calls) is the gateway's answer (``Gateway.preview``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from kith.access import policy
from kith.access.principal import Principal
from kith.gateway.authz import Refusal, object_label_zh
from kith.gateway.authz import authorise as authorise_call
from kith.gateway.labels import tool_label
from kith.gateway.preview import Preview
from kith.gateway.registry import REGISTRY, ToolRegistry
from kith.language.builders.context import BuildContext
from kith.language.builders.table import BUILDERS
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
from kith.language.lookups import Lookups
from kith.language.names import UNKNOWN_PERSON
from kith.language.plan import Plan, Step
from kith.language.questions.parse import build_query
from kith.language.resolve import Entity
from kith.language.timeparse import TimeMention
from kith.language.understanding.classifier import shipped

# What the gateway would do with a step: (tool, args, purpose) -> Gateway.preview's answer.
StepPreview = Callable[[str, Mapping[str, Any], str], Preview]

# intents that first look for the topic an earlier message raised (上次提到的…)
_TOPIC_INTENTS = ("share", "draft_email", "meeting", "task", "ticket_create", "send", "note")


def detect_lang(text: str) -> str:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text if ch.isascii() and ch.isalpha())
    return "zh" if cjk * 3 >= latin or cjk >= 4 else "en"


def is_question(text: str, lang: str, hits: list[IntentHit]) -> bool:
    pattern = QUESTION_ZH if lang == "zh" else QUESTION_EN
    if not pattern.search(text):
        return False
    # "Any open tickets for Kessler?": the rules see "open … ticket", the classifier,
    # reading the whole sentence, a question; very sure of it, it wins
    model = shipped()
    if model is not None:
        guess = model.guess(text)
        if guess.label == "question" and guess.probability >= QUESTION_SURE:
            return True
    # "帮我查一下…并发给…" is a command that reads first; a bare question has no writes
    # (a clause only the classifier read as an action does not outvote the question words)
    if re.match(r"^\s*how (?:many|much)\b", text, re.I) or (
        lang == "zh"
        and re.search(r"几(?:个|次|笔|单|条|位|家|封)|多少", text)
        and not re.search(r"帮我|请|给.{1,10}(?:发|打|开|建)|提醒|[：:]", text)
    ):
        return True  # "How many leads came from WeChat?", "这周开了几次会": counting asks
    hits = [h for h in hits if not h.by_model]
    writes = [h for h in hits if h.rule.name not in ("task",) or "提醒" in h.clause.text]
    if lang == "en" and re.match(
        r"^\s*(?:which|what|how|who|are|is|list|show|find|top|give|total|number|count|sum)",
        text,
        re.I,
    ):
        return not any(h.rule.name in ("share", "send", "draft_email", "meeting") for h in hits)
    return not writes


QUESTION_SURE = 0.9


class Planner(Lookups):
    """Plans a text for one user at one moment (``Lookups`` holds what it reads).
    ``preview`` answers what the gateway would do with a step (``service.step_preview``);
    without it no step is marked as needing approval beyond what its builder says."""

    def __init__(
        self,
        session: Session,
        principal: Principal,
        now: datetime,
        *,
        tz: str = "Asia/Shanghai",
        registry: ToolRegistry = REGISTRY,
        preview: StepPreview | None = None,
    ) -> None:
        super().__init__(session, principal, now, tz=tz, registry=registry)
        self.preview = preview

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
            plan.query = build_query(self, plan)
            return plan
        for entity in plan.entities:
            if entity.ambiguous:
                plan.questions.append(self._which(entity, lang))
            elif entity.role == UNKNOWN_PERSON:
                plan.questions.append(self._nobody(entity, lang))
        if not hits and plan.times and plan.entities and not plan.flags:
            # "月底前把二期方案发给张总": something to do by a time → a to-do
            hits = [IntentHit(RULE_BY_NAME["task"], 0, len(text), Clause(text, 0, len(text)))]
        ctx = BuildContext(self, plan)
        for hit in hits:
            plan.intents.append(
                {
                    "name": hit.rule.name,
                    "text": text[hit.clause.start : hit.clause.end].strip(),
                    "tool": hit.rule.tool,
                }
            )
            _build(ctx, hit)
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

    def _nobody(self, entity: Entity, lang: str) -> dict[str, Any]:
        """A person named in the sentence who is neither a contact nor a colleague the user
        may see: the plan waits instead of acting without them."""
        text = (
            f"找不到“{entity.mention}”：你能看到的联系人和同事里没有这个人。请先创建联系人，或换个写法再试。"
            if lang == "zh"
            else f"No contact or colleague you can see is called “{entity.mention}”. "
            "Create the contact first, or try another spelling."
        )
        return {
            "id": f"entity:{entity.start}",
            "slot": f"entity:{entity.mention}",
            "text": text,
            "options": [],
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
                    plan.warnings.append(_cannot(plan.lang, step.tool, refusal))
                    plan.flags.append("permission_denied")
                    continue
                fields = ", ".join(
                    ".".join(str(p) for p in e["loc"]) or e["msg"] for e in exc.errors()
                )
                plan.questions.append(
                    {
                        "id": f"step:{step.index}",
                        "slot": f"steps[{step.index}].args",
                        "text": _missing(plan.lang, step, fields),
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
                plan.warnings.append(_cannot(plan.lang, step.tool, refusal))
                plan.flags.append("permission_denied")
                continue
            step.needs_approval = self._would_wait(step) or step.needs_approval
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

    def _would_wait(self, step: Step) -> bool:
        """The gateway's own answer (``Gateway.preview`` with ``origin="language"``: its
        risk policy, destructive tools included), so the plan says what will wait."""
        if self.preview is None:
            return False
        return self.preview(step.tool, step.args, step.purpose).would_wait

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
            raise _denied(self.principal, action, object_type)


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


def _missing(lang: str, step: Step, fields: str) -> str:
    if lang == "zh":
        return f"第{step.index + 1}步（{tool_label(step.tool, 'zh')}）缺少或无效：{fields}"
    label = tool_label(step.tool, "en")
    return f"Step {step.index + 1} ({label}) is missing or has invalid: {fields}"


def _cannot(lang: str, tool: str, refusal: Refusal) -> str:
    if lang == "zh":
        return f"不能执行「{tool_label(tool, 'zh')}」：{refusal.zh}"
    return f"Cannot {tool_label(tool, 'en').lower()}: {refusal.error.detail}"


def _denied(principal: Principal, action: str, object_type: str) -> Refusal:
    from kith.core.errors import PermissionDenied

    verb = "删除" if action == "delete" else "修改"
    return Refusal(
        PermissionDenied(f"{principal.name} may not {action} this {object_type}"),
        f"你无权{verb}这条{object_label_zh(object_type)}记录",
    )


def _build(ctx: BuildContext, hit: IntentHit) -> None:
    name = hit.rule.name
    if BULK.search(hit.clause.text) and name not in ("share",):
        ctx.plan.warnings.append(
            "不支持用一句话批量修改、发送或删除；请逐条操作。"
            if ctx.lang == "zh"
            else "Bulk changes, sends or deletions are not offered from a sentence; "
            "act on one record at a time."
        )
        ctx.plan.flags.append("bulk_refused")
        return
    if ctx.topic_interaction is None and name in _TOPIC_INTENTS:
        ctx.resolve_topic(hit)
    BUILDERS[name](ctx, hit)


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
