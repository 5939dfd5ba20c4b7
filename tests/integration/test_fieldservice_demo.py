"""The demo's S5 story on a small workspace: stations and engineers in three cities, the
repair history of two customers' assets, three units off the line proposed and ranked
through the gateway — deterministic, anchored on the demo's "now"."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from kith.access.service import system_principal
from kith.bootstrap import wire_services
from kith.container import Container
from kith.crm.schemas import AccountIn, ContactIn
from kith.crm.service import RecordService
from kith.demo.fieldservice import (
    ENGINEERS,
    EXPIRED,
    PROVIDERS,
    UNITS,
    seed_field_resources,
    seed_field_story,
)
from kith.fieldservice.inbound import UnitOffLine, propose_for
from kith.fieldservice.models import FieldEngineer, WorkOrder
from kith.fieldservice.service import FieldService
from kith.gateway.gateway import gateway_of
from kith.gateway.models import DecisionRecord
from tests.conftest import Workspace

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # the demo's 09:00 in Shanghai


def _customers(container: Container, tenant_id: str) -> None:
    with container.uow() as uow:
        records = RecordService(uow, system_principal(tenant_id), lambda: ANCHOR)
        for n in range(3):
            account = records.create("account", AccountIn(name=f"车队 {n}"))
            records.create("contact", ContactIn(name=f"车主 {n}", account_id=account["id"]))
        uow.commit()


def test_the_field_story_is_complete_and_explained(
    container: Container, workspace: Workspace
) -> None:
    container.clock = lambda: ANCHOR  # the gateway ranks at the demo's "now"
    wire_services(container)
    _customers(container, workspace.tenant_id)
    ids = seed_field_story(container, workspace.tenant_id, ANCHOR)
    assert len(ids["providers"]) == len(PROVIDERS)
    assert len(ids["engineers"]) == len(ENGINEERS)
    assert len(ids["proposed"]) == len(UNITS) and all(ids["proposed"])

    with container.uow() as uow:
        names = {e.id: e.name for e in uow.session.scalars(select(FieldEngineer))}
        statuses = set(uow.session.scalars(select(WorkOrder.status)))
        decided = set(
            uow.session.scalars(
                select(DecisionRecord.subject_id).where(DecisionRecord.tool == "dispatch.recommend")
            )
        )
        service = FieldService(uow, system_principal(workspace.tenant_id), lambda: ANCHOR)
        first = service.detail(ids["proposed"][0])
    assert statuses == {"done", "failed", "proposed"}
    assert decided == set(ids["proposed"])

    # the EV-7 Pro in Shanghai needs a valid high-voltage certificate
    ranking = first.recommendation
    assert ranking is not None
    assert [names[r["engineer_id"]] for r in ranking["ranked"]] == ["王建华"]
    excluded = {names[e["engineer_id"]]: e["reason"] for e in ranking["excluded"]}
    assert excluded[EXPIRED] == "certification_expired"
    # its asset was repaired and visited before: the panel shows that history
    assert [(o.kind, o.status) for o in first.asset_history] == [
        ("inspection", "failed"),
        ("repair", "done"),
    ]
    assert first.customer is not None and first.customer["finished_visits"] == 2


def test_a_redelivered_unit_event_proposes_one_work_order(
    container: Container, workspace: Workspace
) -> None:
    container.clock = lambda: ANCHOR
    wire_services(container)
    seed_field_resources(container, workspace.tenant_id, ANCHOR)
    serial, model, address, region, lat, lon, skills = UNITS[1]
    data = UnitOffLine(
        serial=serial, asset_kind="vin", model=model, customer={"external_id": "x"},
        address=address, region=region, lat=lat, lon=lon, required_skills=skills,
    )  # fmt: skip
    outcomes = []
    for _ in range(2):  # the consumer sees the same interaction twice (at-least-once)
        with container.uow() as uow:
            outcomes.append(
                propose_for(
                    uow,
                    gateway_of(container),
                    workspace.tenant_id,
                    data,
                    contact_id=None,
                    interaction_id="i" * 32,
                    occurred_at=ANCHOR,
                )
            )
            uow.commit()
    assert outcomes[0]["proposed"] == "executed" and outcomes[0]["ranked"] == "executed"
    assert outcomes[1]["proposed"] == "duplicate"
    with container.uow() as uow:
        orders = list(uow.session.scalars(select(WorkOrder.id)))
    assert orders == [outcomes[0]["work_order_id"]]
