"""Agent-to-agent requests: one agent asks another for an analysis and waits, bounded.

The asking agent calls the gateway tool ``agents.request_analysis`` (so the
request is authorised and has a decision record like any action). The hub
runs the answering agent's ``answer`` on a worker thread with its own
read-only unit of work and waits up to the request's timeout; the request,
its answer (or why there is none) and the time it took are written to
``agent_requests`` in the asker's unit of work, and an answered request is
published as ``agent.analysis_completed`` so other agents can act on it.

A request with a person behind it (a user, an API key, or an agent working for
one) is bounded by that person's rights: the answer is computed with the answering
agent's scope ∩ theirs, and the published event names them (``requested_by``) so
whatever other agents do about it is bounded the same way (``kith.agents.origin``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from kith.access.principal import Principal
from kith.agents.memory import MemoryStore, Retriever
from kith.agents.models import AgentRequest
from kith.agents.origin import REQUESTED_BY, Origin, origin_of_request
from kith.agents.roster import Member, Roster
from kith.container import Container
from kith.core.errors import PermissionDenied
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.gateway.authz import bounded_by, effective_principal

ANALYSIS_COMPLETED = EventType.AGENT_ANALYSIS_COMPLETED


class AnalysisRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str = Field(description="Name of the agent to ask, e.g. product_insight.")
    kind: str = Field(description="What to analyse, e.g. fleet_telemetry.")
    params: dict[str, Any] = Field(default_factory=dict)
    timeout_ms: int = Field(3000, ge=10, le=30_000, description="How long to wait.")
    contact_id: str | None = Field(None, description="The customer the question is about.")
    account_id: str | None = None
    ticket_id: str | None = None
    trace_id: str | None = Field(None, description="The event chain this request belongs to.")


class AnalysisAnswer(BaseModel):
    summary: str
    conclusion: str = Field(description="Machine-readable outcome, e.g. cold_weather_range_loss.")
    findings: dict[str, Any] = Field(default_factory=dict)
    confidence: float | None = None


class AnalysisResult(BaseModel):
    request_id: str
    status: Literal["answered", "timed_out", "failed"]
    answer: AnalysisAnswer | None = None
    reason: str | None = None
    elapsed_ms: int


@dataclass
class AnswerContext:
    """What an answering agent may use: a read-only unit of work under its own principal."""

    uow: UnitOfWork
    principal: Principal
    records: RecordService
    memory: MemoryStore
    now: datetime


@dataclass(frozen=True)
class _Serving:
    roster: Roster
    retriever: Retriever
    clock: Callable[[], datetime]


class CollaborationHub:
    """One per container (``kith.bootstrap.build_container`` builds it and gives it to the
    gateway's tools and the agent runtimes). The agent runtime started last in the
    process serves requests with its roster (``serve``); without one, asking fails."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        self._serving: list[_Serving] = []

    def serve(self, roster: Roster, retriever: Retriever, clock: Callable[[], datetime]) -> None:
        """Answer with ``roster``'s agents from now on (an agent runtime starting)."""
        self._serving[:] = [_Serving(roster, retriever, clock)]

    def stop(self, roster: Roster) -> None:
        """The runtime of ``roster`` stopped; if it was serving, nobody is now."""
        if self._serving and self._serving[0].roster is roster:
            self._serving.clear()

    @property
    def running(self) -> bool:
        return bool(self._serving)

    def ask(
        self,
        uow: UnitOfWork,
        requester: Principal,
        request: AnalysisRequest,
        on_behalf_of: Principal | None = None,
    ) -> AnalysisResult:
        """``on_behalf_of``: the person an asking agent works for (its call's own)."""
        if not self._serving:
            raise RuntimeError("no agent runtime is running in this process")
        serving = self._serving[0]
        started = time.monotonic()
        member = serving.roster.members(uow.session, requester.tenant_id).get(request.agent)
        problem = _why_unable(member, request)
        answer: AnalysisAnswer | None = None
        person = on_behalf_of if on_behalf_of is not None else requester
        origin = origin_of_request(requester, on_behalf_of, _asked(request))
        if problem is None and member is not None:
            answering = _answering_principal(member, person if origin else None)
            future = self._start_answer(serving, member, answering, request)
            answer, problem = self._wait_for(future, request, person if origin else None)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        status: Literal["answered", "timed_out", "failed"] = (
            "answered"
            if answer is not None
            else "timed_out"
            if problem == "timed out"
            else "failed"
        )
        row = _record(
            uow, serving.clock(), requester, member, request, status, answer, problem, elapsed_ms
        )
        if answer is not None and member is not None:
            uow.emit(_completed_event(row, requester, request, answer, origin))
        return AnalysisResult(
            request_id=row.id, status=status, answer=answer, reason=problem, elapsed_ms=elapsed_ms
        )

    def _start_answer(
        self, serving: _Serving, member: Member, principal: Principal, request: AnalysisRequest
    ) -> Future[AnalysisAnswer]:
        """A thread per request: requests are rare, and nothing idles between them. A
        thread whose answer comes too late finishes on its own; its answer is dropped."""
        executor = ThreadPoolExecutor(1, thread_name_prefix="kith-agent-answer")
        try:
            return executor.submit(self._answer, serving, member, principal, request)
        finally:
            executor.shutdown(wait=False)

    def _answer(
        self, serving: _Serving, member: Member, principal: Principal, request: AnalysisRequest
    ) -> AnalysisAnswer:
        now = serving.clock()
        with UnitOfWork(self.session_factory) as uow:  # never committed: answers only read
            memory = MemoryStore(
                uow.session,
                principal.tenant_id,
                principal.id,
                member.agent.spec.namespace,
                serving.retriever,
                now,
            )
            records = RecordService(uow, principal, serving.clock)
            return member.agent.answer(request, AnswerContext(uow, principal, records, memory, now))

    @staticmethod
    def _wait_for(
        future: Future[AnalysisAnswer], request: AnalysisRequest, person: Principal | None
    ) -> tuple[AnalysisAnswer | None, str | None]:
        try:
            return future.result(timeout=request.timeout_ms / 1000), None
        except FutureTimeout:
            future.cancel()
            return None, "timed out"
        except PermissionDenied as exc:  # say whose rights it lacked
            return None, f"PermissionDenied: {exc}{bounded_by(person)}"[:500]
        except Exception as exc:  # the answering agent failed; the asker carries on without
            return None, f"{type(exc).__name__}: {exc}"[:500]


def _record(
    uow: UnitOfWork,
    now: datetime,
    requester: Principal,
    member: Member | None,
    request: AnalysisRequest,
    status: str,
    answer: AnalysisAnswer | None,
    problem: str | None,
    elapsed_ms: int,
) -> AgentRequest:
    row = AgentRequest(
        tenant_id=requester.tenant_id,
        requester_kind=requester.kind,
        requester_id=requester.id,
        to_agent=request.agent,
        to_agent_id=member.row_id if member else None,
        kind=request.kind,
        params=request.params,
        status=status,
        reason=problem,
        answer=answer.model_dump(mode="json") if answer else None,
        trace_id=request.trace_id,
        created_at=now,
        answered_at=now if answer else None,
        elapsed_ms=elapsed_ms,
    )
    uow.session.add(row)
    uow.session.flush()
    return row


def _why_unable(member: Member | None, request: AnalysisRequest) -> str | None:
    if member is None:
        return f"no agent named {request.agent}"
    if not member.active:
        return f"agent {request.agent} is paused"
    if request.kind not in member.agent.spec.answers:
        return f"agent {request.agent} does not answer {request.kind} requests"
    return None


def _asked(request: AnalysisRequest) -> dict[str, Any]:
    """What makes two requests the same question (how long to wait and the trace do not)."""
    return request.model_dump(mode="json", exclude={"timeout_ms", "trace_id"})


def _answering_principal(member: Member, person: Principal | None) -> Principal:
    """The answering agent's own rights, narrowed to the person's behind the request."""
    return member.principal if person is None else effective_principal(member.principal, person)


def _completed_event(
    row: AgentRequest,
    requester: Principal,
    request: AnalysisRequest,
    answer: AnalysisAnswer,
    origin: Origin | None,
) -> DomainEvent:
    carried = {REQUESTED_BY: origin.as_payload()} if origin else {}
    return DomainEvent(
        type=ANALYSIS_COMPLETED,
        tenant_id=row.tenant_id,
        subject_type="agent_request",
        subject_id=row.id,
        actor=requester.actor,
        payload={
            "agent": request.agent,
            "kind": request.kind,
            "params": request.params,
            "answer": answer.model_dump(mode="json"),
            "contact_id": request.contact_id,
            "account_id": request.account_id,
            "ticket_id": request.ticket_id,
            "trace_id": request.trace_id,
            **carried,
        },
        account_id=request.account_id,
        contact_id=request.contact_id,
        summary=f"{request.agent} answered {request.kind}: {answer.summary}"[:500],
    )


def hub_of(container: Container) -> CollaborationHub:
    """The container's hub (the container cannot name the type: it sits below)."""
    hub = container.hub
    if not isinstance(hub, CollaborationHub):
        raise RuntimeError("the container has no collaboration hub (build it with kith.bootstrap)")
    return hub
