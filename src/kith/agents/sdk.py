"""The agent SDK: what an agent declares, and the five phases of its step.

An agent is a class with a ``spec`` and up to five methods, registered with
``@registry.register``::

    @registry.register
    class Greeter(Agent):
        spec = AgentSpec(
            name="greeter",
            scope=DataScope({"contact": ("read",), "activity": ("read", "create")}),
            subscriptions=(on(EventType.CONTACT_CREATED),),
            tools=frozenset({"tasks.create"}),
        )

        def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
            return [ctx.propose("tasks.create", {"subject": "Say hello"}, purpose="sales",
                                summary="welcome task")]

The runtime calls ``perceive`` (read the event and the context; ``None`` means
"not for me"), ``understand`` (classify, score), ``decide`` (propose tool calls
with a ``Rationale``), then *acts* — every proposal goes through the
coordinator's cross-agent policies, the agent's budget and ``Gateway.execute``
— and finally ``evaluate`` (remember what happened). Agents never write
records themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from kith.access.principal import Action, Principal, Scope
from kith.agents.reasoning import ReasoningEngine, RulesEngine
from kith.events.envelope import Envelope
from kith.events.types import EventType
from kith.events.types import event_type as event_type_of
from kith.gateway.contracts import ExecutionResult, Factor, Rationale

if TYPE_CHECKING:
    from kith.agents.collaboration import AnalysisAnswer, AnalysisRequest, AnswerContext
    from kith.agents.memory import MemoryStore
    from kith.agents.origin import Origin
    from kith.crm.service import RecordService
    from kith.db.uow import UnitOfWork

# The gateway's purposes an agent acts for (consent and tool purposes are checked against them).
Purpose = Literal["service", "sales", "sales_outreach", "marketing", "analytics"]


# --- declarations --------------------------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """An event type and an optional predicate over the envelope (cheap: no I/O)."""

    event_type: EventType
    where: Callable[[Envelope], bool] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.event_type, EventType):  # a string from an untyped caller
            object.__setattr__(self, "event_type", event_type_of(self.event_type))

    def accepts(self, envelope: Envelope) -> bool:
        return self.where is None or self.where(envelope)


def on(event_type: EventType, where: Callable[[Envelope], bool] | None = None) -> Subscription:
    return Subscription(event_type, where)


@dataclass(frozen=True)
class DataScope:
    """The objects an agent may touch (and how) and the fields hidden from it.

    It is seeded as the rows of the agent's own role, so an administrator can
    narrow it later like any other role; the role rows, not this declaration,
    are what the policy enforces at run time.
    """

    objects: Mapping[str, tuple[Action, ...]]
    hidden_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def grants(self) -> dict[tuple[str, str], Scope]:
        # Agents own no records, so "own" and "team" scopes would reach nothing.
        return {(obj, action): "all" for obj, actions in self.objects.items() for action in actions}


@dataclass(frozen=True)
class AgentSpec:
    name: str
    scope: DataScope
    subscriptions: tuple[Subscription, ...]
    tools: frozenset[str]
    purpose: Purpose = "service"  # of calls a language model chooses for it
    budget_per_hour: int = 120
    memory_namespace: str = ""
    answers: frozenset[str] = frozenset()  # kinds of analysis request it answers
    label_zh: str = ""
    label_en: str = ""
    description: str = ""

    @property
    def role_name(self) -> str:
        return f"agent_{self.name}"

    @property
    def namespace(self) -> str:
        return self.memory_namespace or self.name


# --- the step -----------------------------------------------------------------------


@dataclass(frozen=True)
class Perception:
    """What the agent saw: a one-line summary for the feed plus whatever it read."""

    summary: str
    contact_id: str | None = None
    account_id: str | None = None
    language: Literal["zh", "en"] = "zh"
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    """What the agent made of it: an intent, labels, and the factors behind them."""

    perception: Perception
    intent: str
    labels: Mapping[str, Any] = field(default_factory=dict)
    factors: tuple[Factor, ...] = ()
    confidence: float | None = None
    threshold: float | None = None


@dataclass(frozen=True)
class RecordRef:
    object_type: str
    record_id: str


@dataclass(frozen=True)
class ProposedAction:
    """A tool call the agent wants; the coordinator and the gateway decide.

    ``contact_id``/``account_id`` name the customer the action reaches (contact
    caps, complaint holds); ``changes`` names the record it changes (leases);
    ``then`` proposes follow-ups from the executed result (e.g. note on the
    ticket just opened).
    """

    tool: str
    args: Mapping[str, Any]
    purpose: Purpose
    rationale: Rationale
    summary: str
    contact_id: str | None = None
    account_id: str | None = None
    changes: RecordRef | None = None
    then: Callable[[ExecutionResult], Sequence[ProposedAction]] | None = None


@dataclass(frozen=True)
class ActionOutcome:
    action: ProposedAction
    status: str  # the gateway's status, or blocked / over_budget / not_allowed
    result: ExecutionResult | None
    reason: str | None = None

    @property
    def executed(self) -> bool:
        return self.status == "executed"


@dataclass
class StepContext:
    """Everything one step may use. ``records`` reads with ``principal``: the agent's
    own rights, or — when the event answers a person's request (``origin``) — the
    agent's rights narrowed to that requester's (``requester``, as they are now)."""

    uow: UnitOfWork
    principal: Principal
    spec: AgentSpec
    envelope: Envelope
    trace_id: str
    now: datetime
    engine: ReasoningEngine
    memory: MemoryStore
    records: RecordService
    clock: Callable[[], datetime]
    outcomes: list[ActionOutcome] = field(default_factory=list)
    origin: Origin | None = None
    requester: Principal | None = None

    @property
    def agent_id(self) -> str:
        return self.principal.id

    @property
    def record(self) -> Mapping[str, Any]:
        """The snapshot of the record the event is about (created events carry one)."""
        snapshot = self.envelope.payload.get("record")
        return snapshot if isinstance(snapshot, dict) else {}

    def rationale(
        self,
        summary: str,
        factors: Sequence[Factor] = (),
        *,
        confidence: float | None = None,
        threshold: float | None = None,
        inputs: Mapping[str, Any] | None = None,
    ) -> Rationale:
        """Why the agent's own rules propose something (a model's choices get their own)."""
        return Rationale(
            engine=RulesEngine.name,
            engine_version=RulesEngine.version,
            summary=summary,
            factors=tuple(factors),
            confidence=confidence,
            threshold=threshold,
            inputs=dict(inputs or {}),
        )

    def propose(
        self,
        tool: str,
        args: Mapping[str, Any],
        *,
        purpose: Purpose,
        summary: str,
        assessment: Assessment | None = None,
        **extra: Any,
    ) -> ProposedAction:
        """A proposal whose rationale is the assessment's factors and confidence."""
        rationale = self.rationale(
            summary,
            assessment.factors if assessment else (),
            confidence=assessment.confidence if assessment else None,
            threshold=assessment.threshold if assessment else None,
            inputs={"event_id": self.envelope.event_id, "event_type": self.envelope.type},
        )
        return ProposedAction(tool, args, purpose, rationale, summary, **extra)


class Agent:
    """Base class: override ``perceive`` and ``decide`` at least."""

    spec: ClassVar[AgentSpec]

    def perceive(self, ctx: StepContext) -> Perception | None:
        return Perception(summary=f"{ctx.envelope.type} {ctx.envelope.subject_id}")

    def understand(self, perception: Perception, ctx: StepContext) -> Assessment:
        return Assessment(perception, intent=ctx.envelope.type)

    def decide(self, assessment: Assessment, ctx: StepContext) -> list[ProposedAction]:
        return []

    def evaluate(self, assessment: Assessment, ctx: StepContext) -> None:
        """After acting (outcomes in ``ctx.outcomes``): remember, learn, follow up."""

    def answer(self, request: AnalysisRequest, ctx: AnswerContext) -> AnalysisAnswer:
        raise NotImplementedError(f"agent {self.spec.name} answers no requests")


class AgentRegistry:
    """The agents a runtime knows; ``register`` is the class decorator."""

    def __init__(self) -> None:
        self._agents: dict[str, Agent] = {}

    def register(self, cls: type[Agent]) -> type[Agent]:
        name = cls.spec.name
        if name in self._agents:
            raise ValueError(f"an agent named {name!r} is already registered")
        self._agents[name] = cls()
        return cls

    def get(self, name: str) -> Agent | None:
        return self._agents.get(name)

    def names(self) -> frozenset[str]:
        return frozenset(self._agents)

    def __iter__(self) -> Iterator[Agent]:
        return iter(self._agents.values())
