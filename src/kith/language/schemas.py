"""Request and response bodies of ``/api/v1/commands`` (the command bar's contract)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description="What the person typed (Chinese or English); at most 2,000 characters"
    )
    lang: Literal["zh", "en"] | None = Field(None, description="Detected when omitted")
    now: AwareDatetime | None = Field(None, description="Fixes 'today' for relative dates")


class EntityOut(BaseModel):
    mention: str
    object_type: str
    record_id: str | None
    display: str | None
    confidence: float
    alternatives: list[dict[str, Any]]


class StepOut(BaseModel):
    index: int
    tool: str
    args: dict[str, Any]
    purpose: str
    needs_approval: bool
    depends_on: list[int]


class AnswerOut(BaseModel):
    sentence: str
    columns: list[str]
    rows: list[list[Any]]
    chart: dict[str, Any] | None
    query: dict[str, Any]


class CommandOut(BaseModel):
    id: str
    text: str
    lang: str
    kind: Literal["command", "question"]
    entities: list[EntityOut]
    intents: list[dict[str, Any]]
    steps: list[StepOut]
    questions: list[dict[str, Any]]
    answer: AnswerOut | None
    status: str
    warnings: list[str] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list)
    now: str
    engine: str


class ExecuteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, str] = Field(
        default_factory=dict, description="question id → chosen option value"
    )


class StepResultOut(BaseModel):
    step: int
    status: str
    decision_id: str | None
    approval_id: str | None
    output: dict[str, Any] | None
    reason: str | None = None
    reason_code: str | None = Field(
        default=None, description="why a step was not undone: waiting_approval, read_only, …"
    )


class ExecuteOut(BaseModel):
    id: str
    status: str
    results: list[StepResultOut]
