"""Executing flow runs, one transaction at a time.

A transaction executes the run's pure nodes (trigger, condition, branch) and up to
``EFFECTS_PER_TRANSACTION`` nodes with an effect (a tool step, an approval, a wait, the
end), stopping at a wait; it writes one step row per node and emits
``flow.step_completed`` for each; the caller commits. A crash before the commit loses
nothing but that transaction: the tools' effects, the gateway's idempotency keys and the
step rows roll back together, and the run is taken up again at the first node after
its last commit. A tool step is called with the idempotency key
``flow:<run>:<node>:<attempt>``, so a step that did commit can never run again.

Waits are rows: a waiting run has a due time (``flows.fire_due`` fires it) and what
it waits for (an event type and match, or an approval id). The events consumer
(``kith.flows.consumer``) starts runs for published flows whose trigger matches an
event, resolves the waits events and approvals end, and advances a run each time one
of its ``flow.*`` events arrives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from time import perf_counter
from typing import Any

from sqlalchemy import select

from kith.access.principal import Principal
from kith.core.event_types import EventType
from kith.core.expressions import ExpressionError
from kith.db.uow import UnitOfWork
from kith.flows.context import as_date, compiled, evaluate_args, run_values
from kith.flows.definition import (
    ApprovalNode,
    BranchNode,
    ConditionNode,
    EndNode,
    FlowDefinition,
    Node,
    ToolNode,
    TriggerNode,
    WaitNode,
    parse_duration,
)
from kith.flows.graph import after_wait, choose_next
from kith.flows.models import Flow, FlowRun, FlowStep, FlowVersion
from kith.flows.runbook import RunBook, attempt_of
from kith.gateway.contracts import Rationale
from kith.gateway.gateway import Gateway
from kith.gateway.notify import notify
from kith.gateway.principals import resolve_principal

APPROVAL_TOOL = "flows.approval"
MAX_NODES = 200  # nodes executed in one transaction at most (pure ones included)
# Nodes with an effect (tool, approval, wait, end) one transaction may execute. Every
# node writes its step row either way; a crash rolls back to the last commit and the run
# goes on from there (a rolled-back tool call never happened: its effects, decision and
# idempotency key went with it). 1 commits after every effect; more saves event hops.
EFFECTS_PER_TRANSACTION = 8
_definitions: dict[str, FlowDefinition] = {}


def run_started(uow: UnitOfWork, version_id: str, start_key: str) -> bool:
    found = uow.session.scalars(
        select(FlowRun.id).where(FlowRun.version_id == version_id, FlowRun.start_key == start_key)
    ).first()
    return found is not None


def definition_of(version: FlowVersion) -> FlowDefinition:
    """The parsed definition of a version (cached for published ones: never edited)."""
    cached = _definitions.get(version.id)
    if cached is not None and version.status != "draft":
        return cached
    parsed = FlowDefinition.model_validate(version.definition)
    if version.status != "draft":
        _definitions[version.id] = parsed
    return parsed


class FlowEngine(RunBook):
    """Starts, advances and resumes runs inside the caller's unit of work."""

    def __init__(self, gateway: Gateway | None, clock: Callable[[], datetime]) -> None:
        self._gateway = gateway
        self.clock = clock
        self._owners: dict[str, Principal | None] = {}

    @property
    def gateway(self) -> Gateway:
        if self._gateway is None:
            raise RuntimeError("this flow engine resumes runs only (it has no gateway)")
        return self._gateway

    # --- starting -------------------------------------------------------------------

    def start(
        self,
        uow: UnitOfWork,
        flow: Flow,
        version: FlowVersion,
        event: Mapping[str, Any],
        *,
        start_key: str,
        started_by: str,
    ) -> FlowRun | None:
        """A run of ``version`` for ``event`` if the trigger's filter accepts it (None when
        it does not, or when this event already started a run of this version)."""
        definition = definition_of(version)
        trigger = definition.trigger
        context: dict[str, Any] = {"event": dict(event), "steps": {}, "attempts": {}}
        flow_vars = _flow_vars(flow, version, "")
        started = perf_counter()
        if trigger.filter:
            try:
                accepted = compiled(trigger.filter).test(run_values(context, flow_vars))
            except ExpressionError:
                accepted = False  # an event the filter cannot read is not one it wants
            if not accepted:
                return None
        now = self.clock()
        run = FlowRun(
            tenant_id=flow.tenant_id,
            flow_id=flow.id,
            version_id=version.id,
            version=version.version,
            status="running",
            cursor=trigger.next,
            start_key=start_key[:80],
            trigger_event_id=str(event.get("id") or "")[:32] or None,
            context=context,
            steps_done=0,
            started_by=started_by[:200],
            started_at=now,
        )
        # one run per (version, event): a redelivered event finds it (the unique index
        # stops a concurrent second start; the consumer then retries and finds it here)
        if run_started(uow, version.id, run.start_key):
            return None
        uow.session.add(run)
        uow.session.flush()
        self._record(
            uow,
            run,
            trigger,
            "completed",
            started,
            output={"event": event.get("type")},
            target=trigger.next,
            branch={"filter": trigger.filter, "value": True} if trigger.filter else None,
        )
        run.steps_done = 1
        uow.emit(
            self.flow_event(
                EventType.FLOW_RUN_STARTED,
                run,
                flow,
                seq=1,
                trigger_event=event.get("type"),
            )
        )
        return run

    # --- advancing ------------------------------------------------------------------

    def _owner(self, uow: UnitOfWork, flow: Flow) -> Principal | None:
        """The flow's owner with the rights they hold now (None: may no longer act)."""
        if flow.owner_id not in self._owners:
            self._owners[flow.owner_id] = resolve_principal(
                uow.session, flow.tenant_id, "user", flow.owner_id
            )
        return self._owners[flow.owner_id]

    def advance(
        self, uow: UnitOfWork, run: FlowRun, effects: int = EFFECTS_PER_TRANSACTION
    ) -> bool:
        """Execute the next nodes of a running run: pure ones, and up to ``effects`` nodes
        with an effect, stopping at a wait or the end; True if anything was executed."""
        if run.status != "running" or run.cursor is None:
            return False
        flow = uow.session.get(Flow, run.flow_id)
        version = uow.session.get(FlowVersion, run.version_id)
        if flow is None or version is None:
            self._fail(uow, run, None, "the flow or its version no longer exists")
            return True
        definition = definition_of(version)
        self._owners = {}  # resolved once per transaction: rights as they stand now
        done = 0
        for _ in range(MAX_NODES):
            try:
                node = definition.node(run.cursor or "")
            except KeyError:
                self._fail(uow, run, flow, f"no node {run.cursor!r} in version {run.version}")
                return True
            if not self._execute(uow, run, flow, version, node):
                done += 1
            if run.status != "running" or done >= effects:
                return True
        return True

    def _execute(
        self, uow: UnitOfWork, run: FlowRun, flow: Flow, version: FlowVersion, node: Node
    ) -> bool:
        """Execute ``node``; True when the next node may run in the same transaction."""
        started = perf_counter()
        values = run_values(run.context, _flow_vars(flow, version, run.id))
        if isinstance(node, ConditionNode | BranchNode):
            try:
                target, branch = choose_next(node, values)
            except ExpressionError as exc:
                self._fail(uow, run, flow, f"{node.id}: {exc.message}", node=node, started=started)
                return False
            self._complete(uow, run, flow, node, started, target, branch=branch)
            return True
        if isinstance(node, ToolNode):
            self._tool(uow, run, flow, version, node, values, started)
        elif isinstance(node, ApprovalNode):
            self._approval(uow, run, flow, version, node, started)
        elif isinstance(node, WaitNode):
            self._wait(uow, run, flow, node, started, values)
        elif isinstance(node, EndNode):
            self._complete(uow, run, flow, node, started, None, output={"outcome": node.outcome})
            run.status, run.finished_at = "completed", self.clock()
            uow.emit(self.flow_event(EventType.FLOW_RUN_COMPLETED, run, flow, outcome=node.outcome))
        elif isinstance(node, TriggerNode):  # validation forbids edges back to the trigger
            self._fail(uow, run, flow, "a run cannot go back to its trigger", node=node)
        return False

    def _tool(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        flow: Flow,
        version: FlowVersion,
        node: ToolNode,
        values: Mapping[str, Any],
        started: float,
    ) -> None:
        try:
            args = evaluate_args(node.args, values)
        except ExpressionError as exc:
            self._tool_failed(uow, run, flow, node, started, f"arguments: {exc.message}", None)
            return
        owner = self._owner(uow, flow)
        if owner is None:
            self._tool_failed(uow, run, flow, node, started, "the owner may no longer act", args)
            return
        attempt = int((run.context.get("attempts") or {}).get(node.id, 1))
        result = self.gateway.execute(
            uow,
            owner,
            node.tool,
            args,
            purpose=node.purpose,
            idempotency_key=f"flow:{run.id}:{node.id}:{attempt}",
            trigger_event_id=run.trigger_event_id,
            rationale=Rationale(
                engine="flow",
                engine_version=f"{flow.key} v{version.version}",
                summary=f"Flow {flow.name!r} ({flow.key} v{version.version}), node {node.id}",
                inputs={"run_id": run.id, "node": node.id},
            ),
        )
        if result.status in ("executed", "duplicate"):
            output = dict(result.output or {})
            self._complete(
                uow,
                run,
                flow,
                node,
                started,
                node.next,
                input_=args,
                output=output,
                decision_id=result.decision_id,
            )
        elif result.status == "pending_approval":
            due = self.clock() + timedelta(days=1)
            reason = f"waits for approval {result.approval_id}: {result.reason or node.tool}"
            self._pause(
                uow,
                run,
                flow,
                node,
                started,
                "approval",
                due,
                reason,
                input_=args,
                key=result.approval_id,
                decision_id=result.decision_id,
            )
        else:
            why = f"{node.tool} {result.status}: {result.reason or ''}".strip()
            self._tool_failed(uow, run, flow, node, started, why, args, result.decision_id)

    def _tool_failed(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        flow: Flow,
        node: ToolNode,
        started: float,
        reason: str,
        args: Mapping[str, Any] | None,
        decision_id: str | None = None,
    ) -> None:
        if node.on_error:
            self._complete(
                uow,
                run,
                flow,
                node,
                started,
                node.on_error,
                input_=args,
                output={"error": reason},
                decision_id=decision_id,
                status="failed",
            )
            return
        self._fail(
            uow, run, flow, reason, node=node, started=started, input_=args, decision_id=decision_id
        )

    def _approval(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        flow: Flow,
        version: FlowVersion,
        node: ApprovalNode,
        started: float,
    ) -> None:
        owner = self._owner(uow, flow)
        if owner is None:
            self._fail(uow, run, flow, "the owner may no longer act", node=node, started=started)
            return
        args = {"run_id": run.id, "node_id": node.id, "question": node.question}
        result = self.gateway.execute(
            uow,
            owner,
            APPROVAL_TOOL,
            args,
            purpose="service",
            idempotency_key=f"flow:{run.id}:{node.id}:{attempt_of(run, node.id)}",
            trigger_event_id=run.trigger_event_id,
            rationale=Rationale(
                engine="flow",
                engine_version=f"{flow.key} v{version.version}",
                summary=node.question,
            ),
        )
        if result.status != "pending_approval":
            target = node.on_approved if result.status in ("executed", "duplicate") else None
            if target is None:
                why = f"approval could not be requested: {result.reason}"
                self._fail(uow, run, flow, why, node=node, started=started)
                return
            self._complete(uow, run, flow, node, started, target, decision_id=result.decision_id)
            return
        due = self.clock() + (parse_duration(node.timeout or "") or timedelta(days=1))
        self._pause(
            uow,
            run,
            flow,
            node,
            started,
            "approval",
            due,
            f"waits for approval: {node.question}",
            input_=args,
            key=result.approval_id,
            decision_id=result.decision_id,
        )

    def _wait(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        flow: Flow,
        node: WaitNode,
        started: float,
        values: Mapping[str, Any],
    ) -> None:
        now = self.clock()
        if node.duration is not None:
            due = now + (parse_duration(node.duration) or timedelta(0))
            self._pause(uow, run, flow, node, started, "duration", due, f"waits {node.duration}")
            return
        if node.until is not None:
            try:
                date = as_date(compiled(node.until).evaluate(values))
            except ExpressionError as exc:
                self._fail(uow, run, flow, f"{node.id}: {exc.message}", node=node, started=started)
                return
            due = max(now, date - (parse_duration(node.before or "") or timedelta(0)))
            reason = f"waits until {due.isoformat()} ({node.before or '0d'} before {date.date()})"
            self._pause(uow, run, flow, node, started, "duration", due, reason)
            return
        assert node.until_event is not None
        due = now + (parse_duration(node.timeout or "") or timedelta(days=1))
        reason = f"waits for {node.until_event.type} (at most {node.timeout})"
        run.context = {**run.context, "wait": {"match": node.until_event.match}}
        self._pause(
            uow, run, flow, node, started, "event", due, reason, event=node.until_event.type
        )

    # --- resuming --------------------------------------------------------------------

    def resume(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        outcome: str,
        output: Mapping[str, Any],
    ) -> bool:
        """End a run's wait: ``outcome`` is ``done`` (the event came, the time passed, the
        approval was given), ``rejected`` or ``timeout``. The run goes on at the node
        the outcome leads to (emitting ``flow.step_completed``); False if it is not waiting."""
        if run.status != "waiting":
            return False
        flow = uow.session.get(Flow, run.flow_id)
        version = uow.session.get(FlowVersion, run.version_id)
        step = _last_step(uow, run)
        if flow is None or version is None or step is None:
            return False
        node = definition_of(version).node(step.node_id)
        target, status = after_wait(node, outcome)
        now = self.clock()
        step.status = status
        step.output = {**(step.output or {}), **dict(output), "outcome": outcome}
        step.finished_at = now
        step.duration_ms = round((now - step.started_at).total_seconds() * 1000, 3)
        step.next_node = target
        _clear_wait(run)
        self._remember(run, node.id, status, step.output)
        if target is None:
            run.status = "running"  # so _fail applies
            self._fail(uow, run, flow, f"{node.id}: {outcome}", recorded=True)
            return True
        run.status, run.cursor = "running", target
        uow.emit(self._step_event(run, flow, step))
        return True

    # --- bookkeeping ---------------------------------------------------------------

    def _complete(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        flow: Flow,
        node: Node,
        started: float,
        target: str | None,
        *,
        input_: Mapping[str, Any] | None = None,
        output: Mapping[str, Any] | None = None,
        branch: Mapping[str, Any] | None = None,
        decision_id: str | None = None,
        status: str = "completed",
    ) -> None:
        step = self._record(
            uow,
            run,
            node,
            status,
            started,
            input_=input_,
            output=output,
            branch=branch,
            decision_id=decision_id,
            target=target,
        )
        run.steps_done += 1
        run.cursor = target
        self._remember(run, node.id, status, output)
        uow.emit(self._step_event(run, flow, step))

    def _pause(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        flow: Flow,
        node: Node,
        started: float,
        kind: str,
        due: datetime,
        reason: str,
        *,
        input_: Mapping[str, Any] | None = None,
        key: str | None = None,
        event: str | None = None,
        decision_id: str | None = None,
    ) -> None:
        self._record(
            uow,
            run,
            node,
            "waiting",
            started,
            input_=input_,
            decision_id=decision_id,
            approval_id=key,
        )
        run.steps_done += 1
        now = self.clock()
        run.status, run.wait_kind, run.wait_key, run.wait_event = "waiting", kind, key, event
        run.wait_reason, run.waiting_since, run.due_at = reason[:500], now, due
        uow.emit(
            self.flow_event(
                EventType.FLOW_RUN_WAITING,
                run,
                flow,
                node=node.id,
                wait=kind,
                reason=run.wait_reason,
                due_at=due.isoformat(),
            )
        )

    def _fail(
        self,
        uow: UnitOfWork,
        run: FlowRun,
        flow: Flow | None,
        reason: str,
        *,
        node: Node | None = None,
        started: float | None = None,
        input_: Mapping[str, Any] | None = None,
        decision_id: str | None = None,
        recorded: bool = False,
    ) -> None:
        """The run stops at ``node`` (kept as its cursor, so a retry runs it again), and
        its owner is told."""
        if node is not None and not recorded:
            self._record(
                uow,
                run,
                node,
                "failed",
                started or perf_counter(),
                input_=input_,
                decision_id=decision_id,
                error=reason,
            )
            run.steps_done += 1
        _clear_wait(run)
        run.status, run.error, run.finished_at = "failed", reason[:4000], self.clock()
        if flow is None:
            return
        uow.emit(self.flow_event(EventType.FLOW_RUN_FAILED, run, flow, reason=reason[:500]))
        owner = resolve_principal(uow.session, run.tenant_id, "user", flow.owner_id)
        if owner is not None and owner.user_id:
            notify(
                uow,
                owner,
                owner.user_id,
                kind="flow_run_failed",
                title=f"流程运行失败 / Flow run failed: {flow.name}"[:300],
                body=reason[:1000],
                link=f"/api/v1/flows/{flow.key}/runs/{run.id}",
                subject_type="flow_run",
                subject_id=run.id,
            )


def _flow_vars(flow: Flow, version: FlowVersion, run_id: str) -> dict[str, Any]:
    return {
        "key": flow.key,
        "version": version.version,
        "run_id": run_id,
        "owner_id": flow.owner_id,
    }


def _last_step(uow: UnitOfWork, run: FlowRun) -> FlowStep | None:
    return uow.session.scalars(
        select(FlowStep).where(FlowStep.run_id == run.id, FlowStep.seq == run.steps_done)
    ).first()


def _clear_wait(run: FlowRun) -> None:
    if "wait" in run.context:
        run.context = {k: v for k, v in run.context.items() if k != "wait"}
    run.wait_kind = run.wait_key = run.wait_event = run.wait_reason = None
    run.waiting_since = run.due_at = None
