"""Flows over HTTP: save a draft, a 422 with paths for a broken one (nothing published),
simulate over real events (nothing written), publish, an inbound event starts a run
that the consumer drives, the run page shows the path, cancel and retry."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from kith.container import Container
from kith.events.delivery import ConsumerRunner
from kith.events.envelope import Envelope
from kith.events.models import OutboxEvent
from kith.flows.consumer import flows_consumer
from tests.conftest import Workspace, sign_in


def _deliver(container: Container) -> None:
    """What the embedded runtime does: every committed event to the flows consumer."""
    runner = ConsumerRunner(container, flows_consumer(container))
    seen = 0
    for _ in range(50):
        with container.uow() as uow:
            rows = uow.session.query(OutboxEvent).filter(OutboxEvent.seq > seen).all()
            envelopes = [Envelope.from_outbox(r) for r in sorted(rows, key=lambda r: r.seq)]
        if not envelopes:
            return
        seen = envelopes[-1].seq
        runner.apply(envelopes)


def _complaints() -> dict[str, Any]:
    return {
        "key": "urgent_tickets",
        "name": "Urgent tickets get escalated",
        "nodes": [
            {
                "id": "start",
                "kind": "trigger",
                "event_type": "ticket.created",
                "filter": "event.payload.record.priority == 'urgent'",
                "next": "check",
            },
            {
                "id": "check",
                "kind": "condition",
                "when": "event.payload.record.severity in ['s1', 's2']",
                "then": "escalate",
                "else": "done",
            },
            {
                "id": "escalate",
                "kind": "tool",
                "tool": "tickets.escalate",
                "args": {"ticket_id": "=event.subject_id", "reason": "urgent and severe"},
                "next": "done",
            },
            {"id": "done", "kind": "end"},
        ],
    }


def test_flow_lifecycle_over_http(
    app_client: TestClient, container: Container, workspace: Workspace
) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    broken = _complaints()
    broken["nodes"][2]["args"]["ticket_id"] = "=event.subject_id +"
    admin.post("/flows", broken)
    problem = admin.post("/flows/urgent_tickets/publish", {}, 422)
    assert ["nodes", 2, "args", "ticket_id"] in [e["loc"] for e in problem["errors"]]
    assert admin.get("/flows/urgent_tickets")["published"] is None

    admin.post("/tickets", {"subject": "Brakes", "priority": "urgent", "severity": "s1"})
    admin.post("/tickets", {"subject": "Paint", "priority": "urgent", "severity": "s4"})
    admin.post("/tickets", {"subject": "Radio", "priority": "low"})
    admin.post("/flows", _complaints())
    report = admin.post("/flows/urgent_tickets/simulate", {"last": 10}, 200)
    assert report["events"] == 3 and report["runs"] == 2
    assert report["branches"]["check"] == {"escalate": 1, "done": 1}
    assert report["tools"] == {"tickets.escalate": {"allowed": 1}}
    assert admin.get("/flows/urgent_tickets/runs") == []  # nothing written

    assert admin.post("/flows/urgent_tickets/publish", {}, 200)["status"] == "published"
    ticket = admin.post("/tickets", {"subject": "Fire", "priority": "urgent", "severity": "s1"})
    _deliver(container)
    runs = admin.get("/flows/urgent_tickets/runs")
    assert [r["status"] for r in runs] == ["completed"]
    page = admin.get(f"/flows/urgent_tickets/runs/{runs[0]['id']}")
    assert page["path"] == ["start", "check", "escalate", "done"]
    check, escalate = page["steps"][1], page["steps"][2]
    assert check["branch"]["value"] is True
    assert escalate["input"]["ticket_id"] == ticket["id"] and escalate["decision_id"]
    assert admin.get(f"/tickets/{ticket['id']}")["escalated"] is True

    admin.post(f"/flows/urgent_tickets/runs/{runs[0]['id']}/retry", {}, 409)
    problem = admin.post("/flows/validate", {"key": "x", "name": "x", "nodes": []}, 422)
    assert problem["errors"][0]["loc"] == ["nodes"]


def test_a_reader_cannot_publish(app_client: TestClient, workspace: Workspace) -> None:
    admin = sign_in(app_client, workspace.users["admin"].email)
    admin.post("/flows", _complaints())
    sales = sign_in(app_client, workspace.users["sales"].email)
    assert sales.get("/flows")[0]["key"] == "urgent_tickets"
    sales.post("/flows/urgent_tickets/publish", {}, 403)
