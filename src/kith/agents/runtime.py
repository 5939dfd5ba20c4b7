"""The agent runtime: runs one agent's step for one event, inside the consumer's unit of work.

perceive → understand → decide run the agent's code (its reads go through
``RecordService`` with the agent's own principal, so its data scope applies);
then every proposal is checked (allowed tool, hourly budget, the
coordinator's cross-agent policies) and executed through the gateway with its
rationale; evaluate lets the agent remember what happened. Each phase and
action is written to ``agent_actions``, which feeds the live feed, the
budgets and the contact caps.

An error in the agent's own code is recorded and skips that agent only; a
database error propagates, so the consumer framework retries the event.

An event that answers a person's request (``kith.agents.origin``) is worked on
with the agent's rights narrowed to that requester's, as they are now: reads,
and every gateway call, which goes ``on_behalf_of`` the requester, names them in
its rationale and takes an idempotency key of the chain, so a repeated request
gets the first outcome instead of a second action.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Protocol, TypeVar

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.agents.collaboration import CollaborationHub
from kith.agents.coordinator import Coordinator
from kith.agents.memory import BM25Retriever, MemoryStore, Retriever
from kith.agents.models import AgentAction
from kith.agents.origin import REQUESTED_BY, Origin, origin_of_event
from kith.agents.reasoning import (
    ReasoningEngine,
    RulesEngine,
    ToolChoice,
    ToolChoiceRequest,
    ToolSchema,
)
from kith.agents.regions import account_regions
from kith.agents.roster import Member, Roster
from kith.agents.sdk import (
    ActionOutcome,
    Agent,
    AgentRegistry,
    Assessment,
    Perception,
    ProposedAction,
    StepContext,
)
from kith.core.clock import as_utc, utcnow
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.envelope import Envelope
from kith.gateway.authz import effective_principal
from kith.gateway.contracts import ExecutionResult, GatewayPort, Rationale
from kith.gateway.decisions import subject_from_args
from kith.gateway.principals import resolve_principal
from kith.privacy.restrictions import live_in_transaction

T = TypeVar("T")
# Outcomes that spend budget: the action happened or will once a person approves it.
SPENDING = ("executed", "pending_approval")


class DecisionLog(Protocol):
    """Records a decision that led to no gateway call (a refusal before the gateway,
    a language model's rejected output), so the decision passport shows it."""

    def record(
        self,
        uow: UnitOfWork,
        principal: Principal,
        *,
        tool: str | None,
        args: Mapping[str, Any],
        purpose: str,
        status: str,
        reason: str,
        rationale: Rationale | None,
        trigger_event_id: str | None,
        on_behalf_of: Principal | None = None,
    ) -> str | None: ...


class ToolCatalog(Protocol):
    """The tools' argument schemas: what a language model is shown and validated against."""

    def schema(self, name: str) -> ToolSchema | None: ...

    def validate(self, name: str, arguments: Any) -> dict[str, Any]:
        """Validated arguments, or ``ValueError`` naming what is wrong."""
        ...


@dataclass(frozen=True)
class _Refusal:
    status: str
    reason: str


class AgentRuntime:
    def __init__(
        self,
        registry: AgentRegistry,
        gateway: GatewayPort,
        *,
        decisions: DecisionLog,
        catalog: ToolCatalog | None = None,
        engine: ReasoningEngine | None = None,
        coordinator: Coordinator | None = None,
        retriever: Retriever | None = None,
        clock: Callable[[], datetime] = utcnow,
        max_event_age: timedelta = timedelta(hours=24),
        hub: CollaborationHub | None = None,
    ) -> None:
        """``hub``: the container's collaboration hub, which answers other agents'
        requests with this runtime's agents while it runs (none: it does not)."""
        self.registry = registry
        self.gateway = gateway
        self.decisions = decisions
        self.catalog = catalog
        self.engine: ReasoningEngine = engine or RulesEngine()
        self.coordinator = coordinator or Coordinator()
        self.retriever: Retriever = retriever or BM25Retriever()
        self.clock = clock
        self.max_event_age = max_event_age
        self.roster = Roster(registry)
        self.hub = hub
        if hub is not None:
            hub.serve(self.roster, self.retriever, clock)

    def close(self) -> None:
        if self.hub is not None:
            self.hub.stop(self.roster)
        self.engine.close()

    def run(self, envelope: Envelope, uow: UnitOfWork, agents: Sequence[Agent]) -> None:
        """Run each agent's step for the event (the router chose the agents).

        Old news is left alone: an import, the demo loader or a replay delivers
        events that happened long ago, and acting on them now would be wrong."""
        if self.clock() - as_utc(envelope.occurred_at) > self.max_event_age:
            return
        members = self.roster.members(uow.session, envelope.tenant_id)
        trace_id = trace_of(uow.session, envelope)
        origin = origin_of_event(uow.session, envelope)
        requester = _requester_now(uow, envelope.tenant_id, origin)
        for agent in agents:
            member = members.get(agent.spec.name)
            if member is None or not member.active or _own_doing(envelope, member):
                continue
            ctx = self._context(uow, member, envelope, trace_id, origin, requester)
            self._step(ctx, member)

    # --- one step ---------------------------------------------------------------------

    def _step(self, ctx: StepContext, member: Member) -> None:
        if ctx.origin is not None and ctx.requester is None:
            origin = ctx.origin
            log_note(
                ctx,
                "skipped",
                f"skipped: {origin.name} ({origin.kind} {origin.id}), whose request this "
                "answers, may no longer act",
            )
            return
        agent = member.agent
        thought = _guarded(ctx, lambda: _think(agent, ctx))
        if thought is None:
            return
        assessment, plan = thought
        plan = self._engine_plan(ctx, member, assessment, plan)
        self._act(ctx, member, plan)
        _guarded(ctx, lambda: agent.evaluate(assessment, ctx))

    def _context(
        self,
        uow: UnitOfWork,
        member: Member,
        envelope: Envelope,
        trace_id: str,
        origin: Origin | None = None,
        requester: Principal | None = None,
    ) -> StepContext:
        now = self.clock()
        principal = member.principal
        if requester is not None:
            principal = effective_principal(principal, requester)
        spec = member.agent.spec
        return StepContext(
            uow=uow,
            principal=principal,
            spec=spec,
            envelope=envelope,
            trace_id=trace_id,
            now=now,
            engine=self.engine,
            memory=MemoryStore(
                uow.session, principal.tenant_id, principal.id, spec.namespace, self.retriever, now
            ),
            records=RecordService(uow, principal, self.clock),
            clock=self.clock,
            origin=origin,
            requester=requester,
        )

    def _act(self, ctx: StepContext, member: Member, plan: Sequence[ProposedAction]) -> None:
        if not plan:
            return
        budget = _budget(ctx, member)
        queue = deque(plan)
        while queue:
            action = queue.popleft()
            outcome = self._attempt(ctx, action, budget[member.row_id], len(ctx.outcomes))
            ctx.outcomes.append(outcome)
            if outcome.status in SPENDING:
                budget[member.row_id] -= 1
            if outcome.executed and outcome.result is not None and action.then is not None:
                follow_ups = _guarded(ctx, partial(action.then, outcome.result))
                queue.extendleft(reversed(list(follow_ups or ())))

    def _attempt(
        self, ctx: StepContext, action: ProposedAction, budget_left: int, number: int
    ) -> ActionOutcome:
        refusal = self._refusal(ctx, action, budget_left)
        rationale = _with_origin(action.rationale, ctx.origin)
        if refusal is not None:
            decision_id = self.decisions.record(
                ctx.uow,
                ctx.principal,
                tool=action.tool,
                args=action.args,
                purpose=action.purpose,
                status="no_action",
                reason=refusal.reason,
                rationale=rationale,
                trigger_event_id=ctx.envelope.event_id,
                on_behalf_of=ctx.requester,
            )
            log_action(ctx, action, refusal.status, refusal.reason, decision_id, None)
            return ActionOutcome(action, refusal.status, None, refusal.reason)
        result = self.gateway.execute(
            ctx.uow,
            ctx.principal,
            action.tool,
            action.args,
            purpose=action.purpose,
            on_behalf_of=ctx.requester,
            idempotency_key=_idempotency_key(ctx, action, number),
            trigger_event_id=ctx.envelope.event_id,
            rationale=rationale,
        )
        log_action(ctx, action, result.status, result.reason, result.decision_id, result)
        return ActionOutcome(action, result.status, result, result.reason)

    def _refusal(
        self, ctx: StepContext, action: ProposedAction, budget_left: int
    ) -> _Refusal | None:
        if action.tool not in ctx.spec.tools:
            return _Refusal("not_allowed", f"{action.tool} is not among {ctx.spec.name}'s tools")
        if budget_left <= 0:
            return _Refusal("over_budget", f"{ctx.spec.name} used its hourly action budget")
        verdict = self.coordinator.review(
            ctx.uow.session, ctx.principal.tenant_id, ctx.agent_id, action, ctx.now
        )
        if not verdict.allowed:
            return _Refusal("blocked", f"{verdict.policy}: {verdict.reason}")
        return None

    # --- a language model's plan -----------------------------------------------------

    def _engine_plan(
        self,
        ctx: StepContext,
        member: Member,
        assessment: Assessment,
        plan: list[ProposedAction],
    ) -> list[ProposedAction]:
        """The model's tool calls when it chose valid ones; the rules' plan otherwise."""
        if not self.engine.chooses_tools or self.catalog is None or not plan:
            return plan
        choice = self.engine.choose(self._choice_request(ctx, assessment, plan))
        if choice is None or choice.error is not None:
            reason = choice.error if choice else "no answer"
            log_note(ctx, "engine_fallback", f"{self.engine.name}: {reason}; rules decide")
            return plan
        chosen, problems = self._validated(ctx, choice)
        if problems:
            self._reject(ctx, member, choice, problems)
            return plan
        return [self._as_proposal(ctx, assessment, tool, args) for tool, args in chosen]

    def _choice_request(
        self, ctx: StepContext, assessment: Assessment, plan: Sequence[ProposedAction]
    ) -> ToolChoiceRequest:
        assert self.catalog is not None
        schemas = [s for name in sorted(ctx.spec.tools) if (s := self.catalog.schema(name))]
        perception = assessment.perception
        situation = json.dumps(
            {
                "event": ctx.envelope.type,
                "seen": perception.summary,
                "record": ctx.record,
                "assessment": {"intent": assessment.intent, **dict(assessment.labels)},
            },
            ensure_ascii=False,
            default=str,
        )
        return ToolChoiceRequest(
            agent=ctx.spec.name,
            situation=situation,
            tools=schemas,
            rules_plan=[f"{a.tool}: {a.summary}" for a in plan],
            private={k: v for k, v in perception.facts.items() if k.startswith("private_")},
            regions=account_regions(ctx, perception.account_id),
        )

    def _validated(
        self, ctx: StepContext, choice: ToolChoice
    ) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
        assert self.catalog is not None
        chosen: list[tuple[str, dict[str, Any]]] = []
        problems: list[str] = []
        for call in choice.calls:
            if call.tool not in ctx.spec.tools:
                problems.append(f"{call.tool}: not among the agent's tools")
                continue
            try:
                chosen.append((call.tool, self.catalog.validate(call.tool, call.arguments)))
            except ValueError as exc:
                problems.append(f"{call.tool}: {exc}")
        if not choice.calls:
            problems.append("no tool call")
        return chosen, problems

    def _reject(
        self, ctx: StepContext, member: Member, choice: ToolChoice, problems: list[str]
    ) -> None:
        reason = "model output rejected: " + "; ".join(problems)
        decision_id = self.decisions.record(
            ctx.uow,
            ctx.principal,
            tool=None,
            args={"raw_output": choice.raw},
            purpose=member.agent.spec.purpose,
            status="rejected",
            reason=reason[:2000],
            rationale=_with_origin(ctx.rationale(reason[:500]), ctx.origin),
            trigger_event_id=ctx.envelope.event_id,
            on_behalf_of=ctx.requester,
        )
        log_note(ctx, "engine_rejected", reason, decision_id)

    def _as_proposal(
        self, ctx: StepContext, assessment: Assessment, tool: str, args: dict[str, Any]
    ) -> ProposedAction:
        perception = assessment.perception
        rationale = Rationale(
            engine=self.engine.name,
            engine_version=self.engine.version,
            summary=f"chosen by the language model for {assessment.intent}",
            factors=assessment.factors,
            confidence=assessment.confidence,
            threshold=assessment.threshold,
            inputs={"event_id": ctx.envelope.event_id, "event_type": ctx.envelope.type},
        )
        return ProposedAction(
            tool=tool,
            args=args,
            purpose=ctx.spec.purpose,
            rationale=rationale,
            summary=f"{tool} (model)",
            contact_id=perception.contact_id,
            account_id=perception.account_id,
        )


# --- helpers ------------------------------------------------------------------------------


def _think(agent: Agent, ctx: StepContext) -> tuple[Assessment, list[ProposedAction]] | None:
    perception = agent.perceive(ctx)
    if perception is None:
        return None
    log_perceived(ctx, perception)
    if _restricted(ctx, perception):
        return None
    assessment = agent.understand(perception, ctx)
    return assessment, agent.decide(assessment, ctx)


def _restricted(ctx: StepContext, perception: Perception) -> bool:
    """A person whose processing is restricted is left out before any reasoning
    (GDPR Art. 18, PIPL Art. 44); the skip is recorded."""
    envelope = ctx.envelope
    about = [perception.contact_id or ""]
    if envelope.subject_type == "contact":
        about.append(envelope.subject_id)
    hit = live_in_transaction(ctx.uow.session, ctx.principal.tenant_id, about, ctx.now)
    for contact_id in sorted(hit):
        ctx.uow.session.add(
            _row(
                ctx,
                "noted",
                status="skipped",
                reason="skipped: restricted (processing of this person is restricted)",
                contact_id=contact_id,
            )
        )
    return bool(hit)


def _guarded(ctx: StepContext, work: Callable[[], T]) -> T | None:
    """Run agent code; a bug is recorded and ends this agent's step, a database error
    propagates so the whole event is retried."""
    try:
        return work()
    except SQLAlchemyError:
        raise
    except Exception as exc:
        log_note(ctx, "error", f"{type(exc).__name__}: {exc}")
        return None


def _requester_now(uow: UnitOfWork, tenant_id: str, origin: Origin | None) -> Principal | None:
    """The requester with the rights they hold now (a revoked key, a disabled user: None)."""
    if origin is None:
        return None
    return resolve_principal(uow.session, tenant_id, origin.kind, origin.id)


def _with_origin(rationale: Rationale, origin: Origin | None) -> Rationale:
    """The rationale naming whose request the action answers (the decision keeps it, and
    events the action causes inherit the origin from it)."""
    if origin is None:
        return rationale
    return replace(rationale, inputs={**rationale.inputs, REQUESTED_BY: origin.as_payload()})


def _idempotency_key(ctx: StepContext, action: ProposedAction, number: int) -> str:
    """Per event and proposal; in a requester's chain per requester, question, agent,
    tool and target, so asking again cannot make the agent act twice."""
    if ctx.origin is None:
        return f"agent:{ctx.agent_id}:{ctx.envelope.event_id}:{number}"
    return ctx.origin.action_key(ctx.agent_id, action.tool, _target(action))


def _target(action: ProposedAction) -> str:
    """Whom or what the action is about: the customer, the record it changes, the record
    its arguments name; only an action about nothing in particular is told by its
    arguments (a re-worded message to the same customer is the same action)."""
    if action.contact_id or action.account_id:
        return f"contact:{action.contact_id}|account:{action.account_id}"
    if action.changes is not None:
        return f"{action.changes.object_type}:{action.changes.record_id}"
    about = subject_from_args(action.args)
    if about.subject_id or about.contact_id or about.account_id:
        return f"{about.subject_type}:{about.subject_id}|{about.contact_id}|{about.account_id}"
    return json.dumps(dict(action.args), sort_keys=True, ensure_ascii=False, default=str)


def _own_doing(envelope: Envelope, member: Member) -> bool:
    """Agents do not react to events their own actions caused."""
    return envelope.actor_kind == "agent" and envelope.actor_id == member.row_id


def trace_of(session: Session, envelope: Envelope) -> str:
    """The first event of the chain: agents' own events carry it, records an agent
    created or changed are looked up, anything else starts a new trace."""
    carried = envelope.payload.get("trace_id")
    if isinstance(carried, str) and carried:
        return carried
    if envelope.actor_kind == "agent":
        found = session.scalar(
            select(AgentAction.trace_id)
            .where(
                AgentAction.tenant_id == envelope.tenant_id,
                AgentAction.record_id == envelope.subject_id,
            )
            .limit(1)
        )
        if found:
            return found
    return envelope.event_id


def _budget(ctx: StepContext, member: Member) -> dict[str, int]:
    """Actions each agent has left this hour, counted once per transaction (a consumer
    batch) and then kept up to date as the agent acts."""
    left: dict[str, int] = ctx.uow.session.info.setdefault("kith.agents.budget", {})
    if member.row_id not in left:
        used = actions_in_last_hour(ctx.uow.session, ctx)
        left[member.row_id] = member.budget_per_hour - used
    return left


def actions_in_last_hour(session: Session, ctx: StepContext) -> int:
    since = ctx.now - timedelta(hours=1)
    params = {"tenant_id": ctx.principal.tenant_id, "agent_id": ctx.agent_id, "since": since}
    return session.scalar(_ACTIONS_IN_WINDOW, params) or 0


# Built once (bound parameters): the budget is counted for every agent of every batch.
_ACTIONS_IN_WINDOW = select(func.count()).where(
    AgentAction.tenant_id == bindparam("tenant_id"),
    AgentAction.agent_id == bindparam("agent_id"),
    AgentAction.at >= bindparam("since"),
    AgentAction.phase == "acted",
    AgentAction.status.in_(SPENDING),
)


def _row(ctx: StepContext, phase: str, **values: Any) -> AgentAction:
    envelope = ctx.envelope
    values.setdefault("at", ctx.now)
    return AgentAction(
        tenant_id=ctx.principal.tenant_id,
        agent_id=ctx.agent_id,
        agent_name=ctx.spec.name,
        phase=phase,
        event_id=envelope.event_id,
        event_type=envelope.type,
        trace_id=ctx.trace_id,
        event_at=envelope.occurred_at,
        **values,
    )


def log_perceived(ctx: StepContext, perception: Perception) -> None:
    ctx.uow.session.add(
        _row(
            ctx,
            "perceived",
            summary=perception.summary[:500],
            contact_id=perception.contact_id,
            account_id=perception.account_id,
        )
    )


def log_note(ctx: StepContext, status: str, reason: str, decision_id: str | None = None) -> None:
    ctx.uow.session.add(
        _row(ctx, "noted", status=status, reason=reason[:500], decision_id=decision_id)
    )


def log_action(
    ctx: StepContext,
    action: ProposedAction,
    status: str,
    reason: str | None,
    decision_id: str | None,
    result: ExecutionResult | None,
) -> None:
    ctx.uow.session.add(
        _row(
            ctx,
            "acted",
            status=status,
            tool=action.tool,
            reason=(reason or "")[:500] or None,
            decision_id=decision_id,
            contact_id=action.contact_id,
            account_id=action.account_id,
            record_id=_record_id(result),
            summary=action.summary[:500],
            at=ctx.clock(),
        )
    )
    if action.contact_id:
        # Flushed now: the coordinator's contact cap counts this row for the next proposal.
        ctx.uow.session.flush()


def _record_id(result: ExecutionResult | None) -> str | None:
    if result is None or result.output is None:
        return None
    output = result.output
    value = output.get("id")
    if value is None and isinstance(output.get("record"), Mapping):
        value = output["record"].get("id")
    return value if isinstance(value, str) else None
