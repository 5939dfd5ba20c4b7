"""Shared helpers of the agent tests (no tests here): a recording gateway, a way to
drive the agents consumer over the outbox, and small fixture-data builders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.agents.models import AgentAction
from kith.agents.schemas import FeedItem
from kith.agents.service import feed_item
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.ids import new_id
from kith.crm.schemas import AccountIn, ContactIn, InteractionIn
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.delivery import ConsumerRunner
from kith.events.envelope import Consumer, Envelope
from kith.events.models import OutboxEvent
from kith.gateway.contracts import ExecutionResult, Rationale
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService


@dataclass
class Call:
    principal: Principal
    tool: str
    args: Mapping[str, Any]
    purpose: str
    idempotency_key: str | None
    trigger_event_id: str | None
    rationale: Rationale | None


@dataclass
class FakeGateway:
    """Executes nothing; records every call and answers "executed" with an id.

    ``outputs`` maps a tool to the output it returns (default ``{"id": <new>}``).
    """

    calls: list[Call] = field(default_factory=list)
    outputs: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    status: str = "executed"

    def execute(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool: str,
        args: Mapping[str, Any],
        *,
        purpose: str,
        on_behalf_of: Principal | None = None,
        idempotency_key: str | None = None,
        trigger_event_id: str | None = None,
        rationale: Rationale | None = None,
    ) -> ExecutionResult:
        self.calls.append(
            Call(principal, tool, dict(args), purpose, idempotency_key, trigger_event_id, rationale)
        )
        output = self.outputs.get(tool, {"id": new_id(), "number": "T-1"})
        return ExecutionResult(self.status, new_id(), dict(output))

    def tools(self) -> list[str]:
        return [c.tool for c in self.calls]


@dataclass
class RecordingDecisions:
    """A DecisionLog that keeps what it was asked to record."""

    records: list[dict[str, Any]] = field(default_factory=list)

    def record(self, uow: UnitOfWork, principal: Principal, **fields: Any) -> str:
        self.records.append(fields)
        return new_id()


def drive(container: Container, consumer: Consumer, after_seq: int = 0, rounds: int = 20) -> int:
    """Deliver every outbox event after ``after_seq`` to the consumer, exactly once each,
    until no new events appear (agents' actions emit events that agents react to).
    Returns the last seq seen."""
    runner = ConsumerRunner(container, consumer)
    for _ in range(rounds):
        with container.uow() as uow:
            rows = uow.session.scalars(
                select(OutboxEvent).where(OutboxEvent.seq > after_seq).order_by(OutboxEvent.seq)
            ).all()
            envelopes = [Envelope.from_outbox(row) for row in rows]
        if not envelopes:
            return after_seq
        runner.apply(envelopes)
        after_seq = envelopes[-1].seq
    raise AssertionError("events kept coming: agents are reacting to each other in a loop")


def last_seq(container: Container) -> int:
    with container.uow() as uow:
        rows = uow.session.scalars(select(OutboxEvent.seq).order_by(OutboxEvent.seq.desc()))
        return rows.first() or 0


def actions(container: Container, tenant_id: str) -> list[FeedItem]:
    """What the tenant's agents perceived and did, oldest first."""
    with container.uow() as uow:
        stmt = select(AgentAction).where(AgentAction.tenant_id == tenant_id)
        return [feed_item(row) for row in uow.session.scalars(stmt.order_by(AgentAction.id))]


@dataclass(frozen=True)
class Customer:
    contact_id: str
    account_id: str | None


def add_owner(
    container: Container,
    tenant_id: str,
    name: str = "陈晓峰",
    *,
    city: str = "哈尔滨",
    mobile: str = "13912345678",
    app_user_id: str | None = None,
) -> Customer:
    """An EV owner who uses the app (no company account)."""
    app_user_id = app_user_id or f"APP-{new_id()[-8:]}"
    with container.uow() as uow:
        records = RecordService(uow, system_principal(tenant_id))
        contact = records.create(
            "contact", ContactIn(name=name, mobile=mobile, app_user_id=app_user_id, city=city)
        )
        # opted in to marketing when activating the app (the gateway checks the ledger)
        opt_in = ConsentIn(purpose="marketing", channel="*", state="granted", source="app")
        ConsentService(uow, system_principal(tenant_id)).record(contact["id"], opt_in)
        uow.commit()
    return Customer(contact["id"], None)


def add_company_contact(
    container: Container,
    tenant_id: str,
    *,
    company: str,
    name: str,
    title: str,
    industry: str,
    city: str = "杭州",
    owner_id: str | None = None,
    email: str | None = None,
) -> Customer:
    with container.uow() as uow:
        records = RecordService(uow, system_principal(tenant_id))
        account = records.create(
            "account", AccountIn(name=company, industry=industry, city=city, owner_id=owner_id)
        )
        contact = records.create(
            "contact",
            ContactIn(name=name, title=title, account_id=account["id"], email=email, city=city),
        )
        uow.commit()
    return Customer(contact["id"], account["id"])


def record_interaction(
    container: Container,
    tenant_id: str,
    *,
    channel: str,
    contact_id: str | None,
    text: str | None = None,
    subject: str | None = None,
    meta: dict[str, Any] | None = None,
    at: datetime | None = None,
    direction: str = "inbound",
    ticket_id: str | None = None,
) -> str:
    """An interaction recorded through the service layer (as integrations and the demo do);
    one in the past is recorded as the demo loader does, with its event dated then."""
    when = at or utcnow()
    with container.uow() as uow:
        record = RecordService(uow, system_principal(tenant_id), lambda: when).create(
            "interaction",
            InteractionIn(
                channel=channel,  # type: ignore[arg-type]
                direction=direction,  # type: ignore[arg-type]
                contact_id=contact_id,
                text=text,
                subject=subject,
                meta=meta or {},
                occurred_at=when,
                ticket_id=ticket_id,
            ),
        )
        uow.commit()
    return str(record["id"])


def telemetry_history(
    container: Container,
    tenant_id: str,
    contact_id: str,
    *,
    model: str,
    region: str,
    cell_batch: str,
    soh_start: float,
    loss_per_month: float,
    months: int = 6,
    battery_temp_c: float = -6.0,
) -> None:
    """Monthly battery readings up to two days ago (demo-style flat metadata): history,
    which the agents leave alone."""
    now = utcnow()
    for m in range(months, -1, -1):
        at = now - timedelta(days=30.4 * m + 2)
        record_interaction(
            container,
            tenant_id,
            channel="iot",
            contact_id=contact_id,
            subject="电池遥测 Battery telemetry",
            meta={
                "model": model,
                "region": region,
                "cell_batch": cell_batch,
                "soh_pct": round(soh_start - loss_per_month * (months - m), 2),
                "battery_temp_c": battery_temp_c + (m % 3),
            },
            at=at,
        )


def e7_fleet_in_the_cold(
    container: Container, tenant_id: str, owner: str, *, every_days: int
) -> None:
    """A month of battery readings from the owner's E7 and three more around Harbin, mostly
    below 0°C, one reading per car every ``every_days`` days."""
    fleet = [owner] + [
        add_owner(container, tenant_id, f"车主{i}", mobile=f"1371234000{i}").contact_id
        for i in range(3)
    ]
    for n, contact_id in enumerate(fleet):
        for day in range(2, 30, every_days):
            record_interaction(
                container,
                tenant_id,
                channel="iot",
                contact_id=contact_id,
                subject="电池遥测",
                meta={
                    "model": "E7",
                    "region": "哈尔滨",
                    "soh_pct": 96.0 - n,
                    "battery_temp_c": -9.0 + (day % 5),
                },
                at=utcnow() - timedelta(days=day),
            )
