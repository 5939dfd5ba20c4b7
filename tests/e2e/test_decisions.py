"""Decision passports over HTTP: per customer, record and actor; permission-checked;
a printable bilingual page with the factors drawn; overrides recorded next to them."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.access.models import User
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.event_payloads import DecisionOverridden
from kith.events.models import OutboxEvent
from kith.gateway.contracts import Factor, Rationale
from kith.gateway.gateway import Gateway
from tests.conftest import Workspace


def _note_with_rationale(container: Container, workspace: Workspace, contact_id: str) -> str:
    """An agent-like call with a full rationale, made in-process (the API takes none)."""
    with container.uow() as uow:
        user = uow.session.get(User, workspace.users["service"].id)
        assert user is not None
        result = Gateway().execute(
            uow,
            principal_for_user(uow.session, user),
            "notes.add",
            {"contact_id": contact_id, "body": "客户电话13812345678，续航问题"},
            purpose="service",
            rationale=Rationale(
                engine="model:churn",
                engine_version="2026.03",
                summary="流失风险高，建议主动回访",
                factors=(
                    Factor("complaints_30d", 3, 0.42, "three complaints"),
                    Factor("tenure_years", 4, -0.15),
                ),
                confidence=0.87,
                threshold=0.6,
            ),
        )
        uow.commit()
    return result.decision_id


def test_decisions_are_listed_per_customer_record_and_actor(
    as_role: Any, workspace: Workspace
) -> None:
    admin, sales = as_role("admin"), as_role("sales")
    account = admin.post("/accounts", {"name": "顺达物流"})["id"]
    contact = sales.post("/contacts", {"name": "张伟", "account_id": account})["id"]
    sales.post("/activities", {"kind": "task", "subject": "回访", "contact_id": contact})
    admin.post("/accounts", {"name": "Unrelated"})

    def tools(**params: str) -> list[str]:
        return [d["tool"] for d in admin.get("/decisions", params=params)["items"]]

    assert tools(account_id=account) == ["records.create"] * 3  # account, contact, task
    assert tools(contact_id=contact) == ["records.create"] * 2
    assert tools(subject_type="contact", subject_id=contact) == ["records.create"]
    assert len(tools(actor_id=workspace.users["sales"].id)) == 2
    assert len(tools()) == 4


def test_a_decision_about_a_record_you_cannot_read_does_not_exist_for_you(
    as_role: Any,
) -> None:
    sales, teammate, outsider = as_role("sales"), as_role("sales2"), as_role("sales3")
    lead = sales.post("/leads", {"name": "Li Na", "phone": "13900001111"})
    [decision] = sales.get("/decisions", params={"subject_id": lead["id"]})["items"]
    assert teammate.get(f"/decisions/{decision['id']}")["tool"] == "records.create"
    outsider.get(f"/decisions/{decision['id']}", expected=404)
    assert outsider.get("/decisions", params={"subject_id": lead["id"]})["items"] == []
    assert decision["args"]["values"]["phone"] == "139****1111"


def test_the_passport_page_is_printable_in_chinese_and_english(
    as_role: Any, app_client: TestClient, container: Container, workspace: Workspace
) -> None:
    service = as_role("service")
    contact = as_role("admin").post("/contacts", {"name": "王芳"})["id"]
    decision_id = _note_with_rationale(container, workspace, contact)

    data = service.get(f"/decisions/{decision_id}")
    assert data["rationale"]["factors"][0]["contribution"] == 0.42
    assert data["consent"]["basis"] == "not_required:no_channel"
    assert "13812345678" not in str(data)

    zh = app_client.get(f"/decisions/{decision_id}", headers=service.headers)
    assert zh.status_code == 200 and zh.headers["content-type"].startswith("text/html")
    assert "决策护照" in zh.text and "流失风险高，建议主动回访" in zh.text
    assert zh.text.count('<rect class="pos"') == 1 and zh.text.count('<rect class="neg"') == 1
    assert "<script" not in zh.text and "13812345678" not in zh.text
    en = app_client.get(
        f"/decisions/{decision_id}", headers={**service.headers, "Accept-Language": "en-US"}
    )
    assert "Decision passport" in en.text and "Factors and contributions" in en.text
    assert (
        "Decision passport"
        in app_client.get(f"/decisions/{decision_id}?lang=en", headers=service.headers).text
    )


def test_an_override_is_recorded_beside_the_decision_which_stays(
    as_role: Any, container: Container, workspace: Workspace
) -> None:
    manager, service = as_role("manager"), as_role("service")
    contact = as_role("admin").post("/contacts", {"name": "王芳"})["id"]
    decision_id = _note_with_rationale(container, workspace, contact)

    service.post(f"/decisions/{decision_id}/override", {"reason": "I disagree"}, 403)
    manager.post(f"/decisions/{decision_id}/override", {"outcome": "no_follow_up"}, 422)
    override = manager.post(
        f"/decisions/{decision_id}/override",
        {"reason": "客户已在门店处理", "outcome": "no_follow_up"},
    )
    assert override["decision_id"] == decision_id
    data = service.get(f"/decisions/{decision_id}")
    assert data["status"] == "executed"  # the original outcome is kept
    assert [(o["by"]["name"], o["outcome"], o["reason"]) for o in data["overrides"]] == [
        (workspace.users["manager"].name, "no_follow_up", "客户已在门店处理")
    ]
    with container.uow() as uow:
        events = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "decision.overridden")
        ).all()
        assert [e.subject_id for e in events] == [decision_id]
        DecisionOverridden.model_validate(events[0].payload)  # the catalogue's schema
