"""What the planner produces: a plan of ordered steps (gateway tool calls) or a question."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kith.language.resolve import Entity
from kith.language.timeparse import TimeMention

MAX_CHARS = 2000
PURPOSE = "crm_ui"
ENGINE = "rules:language-1"


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
