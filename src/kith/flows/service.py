"""Use cases of flows: drafts, validation, publishing and retiring versions, starting a
run by hand, reading runs (the path taken, each node's input, output and timing, why a
run waits), retrying a failed run and cancelling one. Services never commit."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kith.access import policy
from kith.access.principal import Principal
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.db.uow import UnitOfWork
from kith.flows.context import event_values
from kith.flows.definition import FlowDefinition
from kith.flows.engine import FlowEngine, definition_of
from kith.flows.models import Flow, FlowRun, FlowStep, FlowVersion
from kith.flows.repository import FlowRepository
from kith.flows.validate import parse_definition, validate_definition
from kith.gateway.principals import resolve_principal

MAX_RUNS = 500


class FlowService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        engine: FlowEngine,
        clock: Callable[[], datetime],
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.engine = engine
        self.clock = clock
        self.repo = FlowRepository(uow.session, principal.tenant_id)

    # --- definitions ----------------------------------------------------------------

    def list_flows(self) -> list[tuple[Flow, list[FlowVersion]]]:
        policy.require(self.principal, "flow", "read")
        return [(f, list(self.repo.versions(f.id))) for f in self.repo.flows()]

    def get(self, key: str) -> tuple[Flow, list[FlowVersion]]:
        policy.require(self.principal, "flow", "read")
        flow = self._flow(key)
        return flow, list(self.repo.versions(flow.id))

    def validate(self, raw: Any, key: str | None = None) -> FlowDefinition:
        """Every problem with paths (``ValidationFailed``), checked against the rights of
        the flow's owner (the caller for a new flow)."""
        policy.require(self.principal, "flow", "read")
        flow = self.repo.flow(key) if key else None
        if flow is None and isinstance(raw, Mapping) and isinstance(raw.get("key"), str):
            flow = self.repo.flow(raw["key"])
        return validate_definition(raw, self._owner(flow))

    def save_draft(self, raw: Any) -> tuple[Flow, FlowVersion]:
        """Create the flow or its next draft (a draft is replaced until it is published).
        The shape must be valid; the rest is checked by ``validate`` and at publish."""
        policy.require(self.principal, "flow", "create")
        definition = parse_definition(raw)
        flow = self.repo.flow(definition.key)
        now = self.clock()
        if flow is None:
            if not self.principal.user_id:
                raise ValidationFailed(
                    "a flow is owned by a person", [FieldError(["owner"], "sign in as a user")]
                )
            flow = Flow(
                tenant_id=self.principal.tenant_id,
                key=definition.key,
                name=definition.name,
                owner_id=self.principal.user_id,
                created_at=now,
            )
            self.uow.session.add(flow)
            self.uow.session.flush()
        else:
            policy.require(self.principal, "flow", "update")
            flow.name = definition.name
        versions = self.repo.versions(flow.id)
        stored = definition.model_dump(mode="json", by_alias=True, exclude_none=True)
        trigger = definition.nodes[0]
        trigger_event = getattr(trigger, "event_type", None) if trigger.kind == "trigger" else None
        if versions and versions[-1].status == "draft":
            version = versions[-1]
            version.definition, version.trigger_event = stored, trigger_event
            version.created_at, version.created_by = now, self.principal.name[:200]
        else:
            version = FlowVersion(
                tenant_id=flow.tenant_id,
                flow_id=flow.id,
                version=(versions[-1].version + 1) if versions else 1,
                status="draft",
                definition=stored,
                trigger_event=trigger_event,
                created_at=now,
                created_by=self.principal.name[:200],
            )
            self.uow.session.add(version)
        self.uow.session.flush()
        self._emit(EventType.FLOW_SAVED, flow, version=version.version)
        return flow, version

    def publish(self, key: str, version_no: int | None = None) -> FlowVersion:
        """The draft (or the named version) becomes the published one after a full
        validation; the previous published version is retired. Nothing changes when
        the definition has a problem."""
        policy.require(self.principal, "flow", "update")
        flow = self._flow(key)
        versions = self.repo.versions(flow.id)
        candidates = [v for v in versions if v.status == "draft"]
        if version_no is not None:
            candidates = [v for v in versions if v.version == version_no]
        if not candidates:
            raise NotFound(f"flow {key} has no draft to publish")
        version = candidates[-1]
        if version.status != "draft":
            raise Conflict(f"version {version.version} is {version.status}; publish a draft")
        validate_definition(version.definition, self._owner(flow))
        now = self.clock()
        for other in versions:
            if other.status == "published":
                other.status, other.retired_at = "retired", now
        version.status, version.published_at = "published", now
        self._emit(EventType.FLOW_PUBLISHED, flow, version=version.version)
        return version

    def retire(self, key: str) -> FlowVersion:
        policy.require(self.principal, "flow", "update")
        flow = self._flow(key)
        published = [v for v in self.repo.versions(flow.id) if v.status == "published"]
        if not published:
            raise Conflict(f"flow {key} has no published version")
        version = published[-1]
        version.status, version.retired_at = "retired", self.clock()
        self._emit(EventType.FLOW_RETIRED, flow, version=version.version)
        return version

    # --- runs -------------------------------------------------------------------------

    def start(self, key: str, payload: Mapping[str, Any]) -> FlowRun:
        """Start the published version by hand (a manual trigger, or an event trigger
        given a made-up event: ``payload`` is the event's payload)."""
        policy.require(self.principal, "flow", "update")
        flow = self._flow(key)
        published = [v for v in self.repo.versions(flow.id) if v.status == "published"]
        if not published:
            raise Conflict(f"flow {key} has no published version to run")
        version = published[-1]
        trigger = definition_of(version).trigger
        now = self.clock()
        event = event_values(
            event_id=None,
            type_=trigger.event_type or "manual",
            subject_type=str(payload.get("subject_type") or "") or None,
            subject_id=str(payload.get("subject_id") or "") or None,
            actor_kind=self.principal.kind,
            occurred_at=now.isoformat(),
            payload=payload,
        )
        from kith.core.ids import new_id

        run = self.engine.start(
            self.uow,
            flow,
            version,
            event,
            start_key=f"manual:{new_id()}",
            started_by=self.principal.name,
        )
        if run is None:
            raise ValidationFailed(
                "the trigger's filter does not accept this event",
                [FieldError(["payload"], "filtered out by nodes[0].filter")],
            )
        return run

    def runs(self, key: str, status: str | None = None, limit: int = 50) -> list[FlowRun]:
        policy.require(self.principal, "flow", "read")
        flow = self._flow(key)
        return list(self.repo.runs(flow.id, status, min(max(limit, 1), MAX_RUNS)))

    def run(self, run_id: str) -> tuple[FlowRun, list[FlowStep]]:
        policy.require(self.principal, "flow", "read")
        run = self.repo.run(run_id)
        if run is None:
            raise NotFound(f"no flow run {run_id}")
        return run, list(self.repo.steps(run.id))

    def retry(self, run_id: str) -> FlowRun:
        """Run a failed run's failed node again (a new attempt: a new idempotency key)."""
        policy.require(self.principal, "flow", "update")
        run, steps = self.run(run_id)
        if run.status != "failed":
            raise Conflict(f"run {run_id} is {run.status}; only a failed run is retried")
        failed = next((s for s in reversed(steps) if s.status in ("failed", "waiting")), None)
        node = failed.node_id if failed is not None else run.cursor
        if node is None:
            raise Conflict(f"run {run_id} has no step to retry")
        attempts = dict(run.context.get("attempts") or {})
        attempts[node] = int(attempts.get(node, 1)) + 1
        run.context = {**run.context, "attempts": attempts}
        run.status, run.cursor, run.error, run.finished_at = "running", node, None, None
        flow = self.uow.session.get(Flow, run.flow_id)
        assert flow is not None
        self._emit(
            EventType.FLOW_RUN_RETRIED,
            flow,
            subject=run,
            node=node,
            attempt=attempts[node],
            seq=run.steps_done,
        )
        return run

    def cancel(self, run_id: str, reason: str) -> FlowRun:
        policy.require(self.principal, "flow", "update")
        run, _ = self.run(run_id)
        if run.status not in ("running", "waiting"):
            raise Conflict(f"run {run_id} is {run.status}; nothing to cancel")
        run.status, run.finished_at = "cancelled", self.clock()
        run.error = f"cancelled by {self.principal.name}: {reason}"[:4000]
        run.wait_kind = run.wait_key = run.wait_event = run.wait_reason = None
        run.due_at = run.waiting_since = None
        flow = self.uow.session.get(Flow, run.flow_id)
        assert flow is not None
        self._emit(EventType.FLOW_RUN_CANCELLED, flow, subject=run, reason=reason[:500])
        return run

    # --- helpers ----------------------------------------------------------------------

    def _flow(self, key: str) -> Flow:
        flow = self.repo.flow(key)
        if flow is None:
            raise NotFound(f"no flow {key!r}")
        return flow

    def _owner(self, flow: Flow | None) -> Principal | None:
        if flow is None:
            return self.principal
        return resolve_principal(self.uow.session, flow.tenant_id, "user", flow.owner_id)

    def _emit(
        self, type_: EventType, flow: Flow, *, subject: FlowRun | None = None, **payload: Any
    ) -> None:
        self.uow.emit(
            DomainEvent(
                type=type_,
                tenant_id=flow.tenant_id,
                subject_type="flow_run" if subject is not None else "flow",
                subject_id=subject.id if subject is not None else flow.id,
                actor=self.principal.actor,
                payload={"flow": flow.key, **payload},
                summary=f"{type_.value}: {flow.name}"[:500],
                occurred_at=self.clock(),
            )
        )


def drive(container: Any, run_id: str, engine: FlowEngine, max_transactions: int = 1000) -> None:
    """Advance a running run to its next wait or its end, one transaction per node with
    an effect (what the consumer does event by event; the CLI and tests use it)."""
    for _ in range(max_transactions):
        with container.uow() as uow:
            run = uow.session.get(FlowRun, run_id)
            if run is None or run.status != "running":
                return
            engine.advance(uow, run)
            uow.commit()
