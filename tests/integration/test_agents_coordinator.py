"""Cross-agent policies: complaint hold on marketing, contact-frequency cap across
agents, one agent at a time on a record."""

from __future__ import annotations

from datetime import timedelta

from kith.access.service import system_principal
from kith.agents.builtin import builtin_registry
from kith.agents.coordinator import Coordinator
from kith.agents.models import AgentAction
from kith.agents.roster import ensure_agents
from kith.agents.sdk import ProposedAction, Purpose, RecordRef
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.ids import new_id
from kith.crm.schemas import TicketIn
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS
from kith.gateway.contracts import Rationale
from tests.conftest import Workspace
from tests.integration.test_agents_support import add_owner

WHY = Rationale("rules", "test", "test")


def _agents(container: Container, tenant_id: str) -> dict[str, str]:
    with container.uow() as uow:
        rows = ensure_agents(uow.session, tenant_id, builtin_registry())
        ids = {r.name: r.id for r in rows}
        uow.commit()
    return ids


def _message(contact_id: str, purpose: Purpose = "marketing") -> ProposedAction:
    args = {"contact_id": contact_id, "channel": "sms", "body": "hi"}
    return ProposedAction("messages.send", args, purpose, WHY, "offer", contact_id=contact_id)


def _review(container: Container, tenant_id: str, agent_id: str, action: ProposedAction) -> str:
    with container.uow() as uow:
        verdict = Coordinator().review(uow.session, tenant_id, agent_id, action, utcnow())
        uow.commit()
    return "allowed" if verdict.allowed else str(verdict.policy)


def test_no_marketing_while_a_severe_complaint_is_open(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    agents = _agents(container, tenant)
    owner = add_owner(container, tenant).contact_id
    with container.uow() as uow:
        records = RecordService(uow, system_principal(tenant))
        ticket = records.create(
            "ticket", TicketIn(subject="刹车失灵投诉", severity="s2", contact_id=owner)
        )
        minor = records.create(
            "ticket", TicketIn(subject="App 登录慢", severity="s4", contact_id=owner)
        )
        uow.commit()
    assert minor["status"] == "new"
    assert _review(container, tenant, agents["retention"], _message(owner)) == "complaint_hold"
    assert _review(container, tenant, agents["service"], _message(owner, "service")) == "allowed"
    with container.uow() as uow:
        patch = PATCH_SCHEMAS["ticket"](version=ticket["version"], status="resolved")
        RecordService(uow, system_principal(tenant)).update("ticket", ticket["id"], patch)
        uow.commit()
    assert _review(container, tenant, agents["retention"], _message(owner)) == "allowed"


def test_outbound_messages_are_capped_per_customer_across_agents(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    agents = _agents(container, tenant)
    owner, other = (
        add_owner(container, tenant).contact_id,
        add_owner(container, tenant, "林晓雯").contact_id,
    )
    now = utcnow()

    def sent(agent: str, days_ago: float, contact_id: str = owner) -> AgentAction:
        at = now - timedelta(days=days_ago)
        return AgentAction(
            tenant_id=tenant,
            agent_id=agents[agent],
            agent_name=agent,
            phase="acted",
            status="executed",
            tool="messages.send",
            event_id=new_id(),
            event_type="x",
            trace_id=new_id(),
            contact_id=contact_id,
            event_at=at,
            at=at,
        )

    with container.uow() as uow:
        uow.session.add_all([sent("service", 8), sent("retention", 2), sent("service", 1, other)])
        uow.commit()
    assert _review(container, tenant, agents["sales"], _message(owner)) == "allowed"
    with container.uow() as uow:
        uow.session.add(sent("service", 0.5))
        uow.commit()
    assert _review(container, tenant, agents["sales"], _message(owner)) == "contact_frequency_cap"
    assert _review(container, tenant, agents["retention"], _message(other)) == "allowed"


def test_one_agent_at_a_time_changes_a_record(container: Container, workspace: Workspace) -> None:
    tenant = workspace.tenant_id
    agents = _agents(container, tenant)
    deal = RecordRef("deal", new_id())
    change = ProposedAction("deals.update_stage", {}, "sales", WHY, "move", changes=deal)
    coordinator = Coordinator()
    now = utcnow()

    def review(agent: str, at: timedelta = timedelta()) -> str:
        with container.uow() as uow:
            verdict = coordinator.review(uow.session, tenant, agents[agent], change, now + at)
            uow.commit()
        return "allowed" if verdict.allowed else str(verdict.reason)

    assert review("sales") == "allowed"
    assert review("sales", timedelta(minutes=1)) == "allowed"  # its own lease, renewed
    assert review("retention", timedelta(minutes=2)).startswith(
        f"deal {deal.record_id} is being worked on by agent sales until"
    )
    assert review("retention", timedelta(minutes=17)) == "allowed"  # the lease expired
    with container.uow() as uow:
        coordinator.release(uow.session, agents["retention"], deal)
        uow.commit()
    assert review("service", timedelta(minutes=18)) == "allowed"
