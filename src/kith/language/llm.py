"""Optional: an OpenAI-compatible model proposes the plan; the same code checks it.

Off unless ``KITH_LLM_BASE_URL`` is set (the agents' provider settings, reused). The
model gets the gateway's tool schemas as functions, the text with private values
masked (names of the people and companies it mentions, phones, e-mails, ids), the
entities the offline resolver found (ids, not names) and the offline plan as a hint.
Its tool calls become steps that go through exactly the offline planner's checks —
the tool's input schema, the gateway's authorisation for this user, the record-level
rights and the risk policy. If the call fails, times out, proposes nothing usable, or
any step is refused or invalid, the offline plan stands (with a warning saying so).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Protocol

from kith.language.plan import Plan, Step
from kith.language.planner import Planner

PROMPT_SITUATION = (
    "A CRM user typed a command (private values are placeholders such as <PERSON0_1>; "
    "copy them unchanged). Propose the tool calls that carry it out, in order. Use "
    "record ids from the entities list. Now is {now} ({tz}).\n"
    "Command: {text}\nEntities: {entities}"
)


class ToolChooser(Protocol):
    """The language model the planner may ask (the agents' OpenAI-compatible engine);
    its caller closes it after planning."""

    name: str

    def choose(self, request: Any) -> Any: ...

    def close(self) -> None: ...


def configured_engine() -> ToolChooser | None:
    """The agents' OpenAI-compatible engine when a provider is configured, else None."""
    from kith.agents.llm import LLMSettings, OpenAICompatibleEngine

    settings = LLMSettings()
    if not settings.base_url:
        return None
    return OpenAICompatibleEngine(settings)


def propose(planner: Planner, plan: Plan, engine: ToolChooser) -> Plan:
    """The model's plan if it passes every check, otherwise ``plan`` unchanged (warned)."""
    from kith.agents.reasoning import ToolChoiceRequest, ToolSchema

    if plan.kind != "command" or "prompt_injection" in plan.flags:
        return plan  # questions and flagged text stay with the rules
    private: dict[str, str] = {}
    for i, entity in enumerate(plan.entities):
        for j, value in enumerate((entity.mention, entity.display or "")):
            if value and entity.object_type in ("contact", "account", "user", "lead"):
                private[f"private_person{i}{j}"] = value.split("（")[0]
    entities = [
        {"mention": f"<{i}>", "object_type": e.object_type, "record_id": e.record_id}
        for i, e in enumerate(plan.entities)
    ]
    tools = [
        ToolSchema(spec.name, spec.description, spec.input_schema.model_json_schema())
        for spec in planner.registry
        if not spec.name.startswith("agents.")
    ]
    request = ToolChoiceRequest(
        agent="command bar",
        situation=PROMPT_SITUATION.format(
            now=planner.now.isoformat(), tz=planner.tz, text=plan.text, entities=entities
        ),
        tools=tools,
        rules_plan=[f"{s.tool} {s.args}" for s in plan.steps],
        private=private,
    )
    choice = engine.choose(request)
    fallback = (
        "模型未给出可用的计划，使用离线计划。"
        if plan.lang == "zh"
        else ("The model proposed no usable plan; using the offline plan.")
    )
    if choice is None or choice.error or not choice.calls:
        return replace(plan, warnings=[*plan.warnings, fallback])
    steps = [
        Step(
            i,
            call.tool,
            call.arguments if isinstance(call.arguments, dict) else {},
            "crm_ui",
            False,
            [i - 1] if i else [],
        )
        for i, call in enumerate(choice.calls)
    ]
    candidate = replace(
        plan,
        steps=steps,
        questions=[],
        warnings=[],
        flags=[],
        engine=getattr(choice, "engine", engine.name),
    )
    for step in candidate.steps:
        spec = planner.registry.get(step.tool)
        if spec is not None and step.purpose not in spec.purposes:
            step.purpose = spec.purposes[0]
    planner.check(candidate)
    if candidate.questions or candidate.warnings or not candidate.steps:
        reasons = candidate.warnings + [str(q["text"]) for q in candidate.questions]
        return replace(plan, warnings=[*plan.warnings, f"{fallback} ({'; '.join(reasons)})"])
    # the offline plan's questions about people stay; its step patches do not apply here
    kept = [q for q in plan.questions if not str(q.get("slot", "")).startswith("steps[")]
    return replace(candidate, questions=kept, warnings=plan.warnings, flags=plan.flags)
