"""Over HTTP, with the embedded agent runtime: asking an agent something through
``POST /tools/agents.request_analysis/invoke`` cannot make another agent do what the
requester may not do (an analyst, an API key scoped ``contacts:read``), the decision
passport of the bounded action names the requester and why, and asking again does
not act again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.agents.models import AgentAction, AgentRequest
from kith.app import create_app
from kith.container import Container
from kith.events.models import OutboxEvent
from kith.gateway.models import OutboundMessage
from tests.conftest import Api, Workspace, sign_in
from tests.e2e.test_scenarios import rows, wait_for
from tests.integration.test_governance_agents import FLEET_QUESTION, cold_fleet


@pytest.fixture
def client(container: Container, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("KITH_AGENTS_ENABLED", "true")  # off by default in test mode
    with TestClient(create_app(container)) as running:
        yield running


@pytest.fixture
def owner(container: Container, workspace: Workspace) -> str:
    return cold_fleet(container, workspace.tenant_id)


def _ask(api: Api, owner: str) -> dict[str, Any]:
    body = {"args": {**FLEET_QUESTION, "contact_id": owner}, "purpose": "analytics"}
    result: dict[str, Any] = api.post("/tools/agents.request_analysis/invoke", body, 200)
    assert result["status"] == "executed"
    return result


def _retention_sends(container: Container, count: int) -> list[AgentAction]:
    stmt = select(AgentAction).where(
        AgentAction.agent_name == "retention", AgentAction.tool == "messages.send"
    )
    return wait_for(
        lambda: (
            found if len(found := rows(container, stmt.order_by(AgentAction.id))) >= count else None
        ),
        container,
    )


def _messages(container: Container, owner: str) -> list[OutboundMessage]:
    return rows(container, select(OutboundMessage).where(OutboundMessage.contact_id == owner))


def test_an_analyst_asking_an_agent_does_not_get_the_customer_a_marketing_push(
    client: TestClient, container: Container, workspace: Workspace, owner: str
) -> None:
    analyst = sign_in(client, workspace.users["analyst"].email)
    asked = _ask(analyst, owner)
    assert asked["output"]["answer"]["conclusion"] == "cold_weather_range_loss"
    # The analyst may not send a message themselves ...
    direct = {
        "args": {"contact_id": owner, "channel": "app_push", "body": "冬季关怀"},
        "purpose": "marketing",
    }
    analyst.post("/tools/messages.send/invoke", direct, 403)

    # ... nor through the agent their question set off.
    (send,) = _retention_sends(container, 1)
    assert send.status == "refused"
    assert _messages(container, owner) == []
    passport = analyst.get(f"/decisions/{send.decision_id}")
    analyst_user = workspace.users["analyst"]
    assert passport["actor"]["name"] == "agent:retention"
    assert passport["on_behalf_of"] == {"id": analyst_user.id, "name": analyst_user.name}
    assert "may not change message records" in passport["reason"]
    assert f"bounded by the rights of {analyst_user.name}" in passport["reason"]
    assert passport["rationale"]["inputs"]["requested_by"]["id"] == analyst_user.id

    # Asking twice more: still nothing sent.
    _ask(analyst, owner)
    _ask(analyst, owner)
    assert {a.status for a in _retention_sends(container, 3)} == {"refused"}
    assert _messages(container, owner) == []


def test_an_api_key_scoped_to_reading_contacts_sets_off_nothing(
    client: TestClient, container: Container, workspace: Workspace, owner: str
) -> None:
    admin = sign_in(client, workspace.users["admin"].email)
    narrow = admin.post("/api-keys", {"name": "ro", "scopes": ["contacts:read"]})
    body = {"args": {**FLEET_QUESTION, "contact_id": owner}, "purpose": "analytics"}
    # Without tools:write the door is shut before any agent hears of it.
    Api(client, narrow["secret"]).post("/tools/agents.request_analysis/invoke", body, 403)
    # May call tools, but may only read contacts: what the request sets off stays within that.
    created = admin.post(
        "/api-keys", {"name": "crm-sync", "scopes": ["contacts:read", "tools:write"]}
    )
    key = Api(client, created["secret"])
    key.post(
        "/tools/messages.send/invoke",
        {"args": {"contact_id": owner, "channel": "app_push", "body": "x"}, "purpose": "marketing"},
        403,
    )
    asked = _ask(key, owner)
    assert asked["output"]["status"] == "failed"
    assert "bounded by the rights of API key crm-sync" in asked["output"]["reason"]
    (request,) = rows(container, select(AgentRequest))
    assert (request.requester_kind, request.requester_id) == ("api_key", created["id"])
    completed = select(OutboxEvent).where(OutboxEvent.type == "agent.analysis_completed")
    assert rows(container, completed) == []  # no answer, so nothing for other agents to act on
    assert _messages(container, owner) == []


def test_a_marketer_asking_three_times_gets_one_push(
    client: TestClient, container: Container, workspace: Workspace, owner: str
) -> None:
    marketer = sign_in(client, workspace.users["marketing"].email)
    for _ in range(3):
        _ask(marketer, owner)
    sends = _retention_sends(container, 3)
    assert [a.status for a in sends] == ["executed", "duplicate", "duplicate"]
    (message,) = _messages(container, owner)
    assert message.purpose == "marketing" and message.status == "sent"
