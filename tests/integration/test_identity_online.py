"""Online matching and reversible merges on the stored graph (SQLite and PostgreSQL).

An arriving identity is matched at once against the blocking-key index with the
model's m/u: attached above its segment's threshold, proposed between the review
floor and it, left below; e-mail case and phone formats (+86) do not matter; a new
contact reaches the graph through the consumer. Merges go through the gateway,
keep the survivor's id (the absorbed id redirects), and an unmerge restores every
identity, link state and segment exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.service import principal_for_user, system_principal
from kith.container import Container
from kith.core.errors import ValidationFailed
from kith.crm.schemas import ContactIn
from kith.crm.service import RecordService
from kith.events.envelope import Envelope
from kith.events.models import OutboxEvent
from kith.gateway.gateway import gateway_of
from kith.identity.consumer import IdentityConsumer
from kith.identity.ingest import IdentityIngest
from kith.identity.models import IdentityLink, IdentityMerge, IdentityNode, IdentityPerson
from kith.identity.service import IdentityService
from tests.conftest import Workspace

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
ZHANG = {"name": "张建国", "phone": "13900001234", "email": "jinghe@mail.example", "city": "上海"}


def _ingest(container: Container, tenant: str, kind: str, ref: str, **fields: Any) -> Any:
    with container.uow() as uow:
        out = IdentityIngest(uow, system_principal(tenant), clock=lambda: NOW).ingest(
            kind, ref, fields
        )
        uow.commit()
        return out


def test_an_arriving_identity_is_attached_proposed_or_left(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    first = _ingest(container, tenant, "contact", "c-zhang", **ZHANG)
    assert first["decision"] == "leave" and first["candidates"] == 0

    # Pinyin in the other order and a +86 phone: the same person, at once.
    app = _ingest(
        container, tenant, "app_user_id", "u-1", name="Jianguo Zhang", phone="+86 139-0000-1234"
    )
    assert app["decision"] == "attach"
    assert app["person_id"] == first["person_id"]
    agreed = {f["field"]: f["level"] for f in app["explanation"]["fields"]}
    assert agreed["phone"] == "exact" and agreed["full_name"] == "exact"

    # Traditional characters and an upper-case e-mail address.
    mail = _ingest(
        container,
        tenant,
        "email",
        "JINGHE@MAIL.EXAMPLE",
        name="張建國",
        email="JINGHE@MAIL.EXAMPLE",
    )
    assert mail["decision"] == "attach" and mail["person_id"] == first["person_id"]

    # Same name and city, another phone: not sure enough, proposed for review.
    unsure = _ingest(
        container, tenant, "open_id", "o-9", name="张建国", city="上海", phone="13811112222"
    )
    assert unsure["decision"] == "propose"
    assert unsure["person_id"] != first["person_id"]
    assert 0.5 <= unsure["explanation"]["match_probability"] < 0.78

    # Nothing in common: left alone.
    other = _ingest(container, tenant, "open_id", "o-10", name="李娜", phone="13700007777")
    assert other["decision"] == "leave"

    # Known again: only its activity is recorded.
    again = _ingest(container, tenant, "app_user_id", "u-1", name="whoever")
    assert again["decision"] == "known" and again["person_id"] == first["person_id"]

    with container.uow() as uow:
        service = IdentityService(uow, system_principal(tenant), clock=lambda: NOW)
        person = service.person(first["person_id"])
        assert {i["ref"] for i in person["identities"]} == {
            "c-zhang",
            "u-1",
            "JINGHE@MAIL.EXAMPLE",
        }
        inbox = service.proposals()
        assert [p["right"]["ref"] for p in inbox] == ["o-9"]
        assert service.quality()["review_backlog"] == 1


def test_thresholds_are_data_and_high_value_needs_the_stricter_one(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    with container.uow() as uow:
        service = IdentityService(uow, system_principal(tenant), clock=lambda: NOW)
        with pytest.raises(ValidationFailed) as refused:
            service.set_thresholds({"by_segment": {"other": 0.4}, "review_floor": 0.5})
        assert refused.value.errors[0].path == ["by_segment", "other"]
        service.set_thresholds(
            {"by_segment": {"high_value": 0.92, "other": 0.7}, "review_floor": 0.5}
        )
        uow.commit()
    _ingest(container, tenant, "contact", "c-1", **ZHANG)
    _ingest(
        container,
        tenant,
        "contact",
        "c-vip",
        **{**ZHANG, "name": "王芳", "phone": "13500005555", "segment": "high_value", "email": None},
    )
    # p ≈ 0.73: above the lowered 0.7 for other customers, below 0.92 for high value.
    normal = _ingest(
        container, tenant, "open_id", "o-1", name="张建国", city="上海", phone="13811112222"
    )
    vip = _ingest(
        container, tenant, "open_id", "o-2", name="王芳", city="上海", phone="13811113333"
    )
    assert normal["decision"] == "attach" and normal["threshold"] == 0.7
    assert vip["decision"] == "propose" and vip["threshold"] == 0.92


def test_a_new_contact_reaches_the_graph_through_the_consumer(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    _ingest(container, tenant, "app_user_id", "u-7", name="Zhang Jianguo", phone="139 0000 1234")
    with container.uow() as uow:
        contact = RecordService(uow, system_principal(tenant), clock=lambda: NOW).create(
            "contact",
            ContactIn(name="张建国", mobile="+8613900001234", email="JingHe@Mail.Example"),
        )
        uow.commit()
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.tenant_id == tenant).order_by(OutboxEvent.seq)
        ).all()
        consumer = IdentityConsumer()
        for row in rows:
            if consumer.event_types and row.type in consumer.event_types:
                consumer.handle(Envelope.from_outbox(row), uow)
        uow.commit()
    with container.uow() as uow:
        found = IdentityService(uow, system_principal(tenant)).person_of("contact", contact["id"])
        assert found is not None
        assert {i["ref"] for i in found["identities"]} == {contact["id"], "u-7"}


def _snapshot(container: Container, tenant: str) -> dict[str, Any]:
    with container.uow() as uow:
        nodes = uow.session.scalars(select(IdentityNode).where(IdentityNode.tenant_id == tenant))
        persons = uow.session.scalars(
            select(IdentityPerson).where(IdentityPerson.tenant_id == tenant)
        )
        links = uow.session.scalars(select(IdentityLink).where(IdentityLink.tenant_id == tenant))
        return {
            "nodes": sorted((n.id, n.person_id) for n in nodes),
            "persons": sorted((p.id, p.segment, p.merged_into) for p in persons),
            "links": sorted((k.id, k.state, k.decided_by_id) for k in links),
        }


def test_merge_then_unmerge_restores_the_graph_exactly(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    a = _ingest(container, tenant, "contact", "c-a", **ZHANG)
    _ingest(container, tenant, "app_user_id", "u-a", name="Zhang Jianguo", phone="13900001234")
    b = _ingest(
        container, tenant, "open_id", "o-b", name="张建国", city="上海", phone="13811112222"
    )
    assert b["decision"] == "propose"
    with container.uow() as uow:
        link_id = uow.session.scalars(
            select(IdentityLink.id).where(IdentityLink.state == "proposed")
        ).one()
    before = _snapshot(container, tenant)
    gateway = gateway_of(container)
    with container.uow() as uow:
        user = workspace.users["manager"]
        result = gateway.execute(
            uow,
            principal_for_user(uow.session, user),
            "identity.merge",
            {"link_id": link_id, "reason": "same person, confirmed by phone"},
            purpose="service",
        )
        uow.commit()
    assert result.status == "executed", result.reason
    merge = (result.output or {})["merge"]
    assert merge["survivor_id"] == a["person_id"] and merge["absorbed_id"] == b["person_id"]
    assert merge["evidence"]["links"][0]["link_id"] == link_id
    with container.uow() as uow:
        service = IdentityService(uow, system_principal(tenant))
        redirected = service.person(b["person_id"])
        assert redirected["id"] == a["person_id"] and redirected["redirected"]
        assert len(redirected["identities"]) == 3
        assert uow.session.get(IdentityLink, link_id).state == "confirmed"  # type: ignore[union-attr]
    with container.uow() as uow:
        undo = gateway.execute(
            uow,
            principal_for_user(uow.session, workspace.users["manager"]),
            "identity.unmerge",
            {"merge_id": merge["id"], "reason": "two people after all"},
            purpose="service",
        )
        uow.commit()
    assert undo.status == "executed", undo.reason
    assert _snapshot(container, tenant) == before
    with container.uow() as uow:
        record = uow.session.get(IdentityMerge, merge["id"])
        assert record is not None and record.undone_at is not None
        types = [
            r.type
            for r in uow.session.scalars(
                select(OutboxEvent).where(OutboxEvent.tenant_id == tenant).order_by(OutboxEvent.seq)
            )
        ]
        assert "identity.merged" in types and types[-1] == "identity.unlinked"
    # Undone twice: refused.
    with container.uow() as uow:
        again = gateway.execute(
            uow,
            principal_for_user(uow.session, workspace.users["manager"]),
            "identity.unmerge",
            {"merge_id": merge["id"]},
            purpose="service",
        )
        uow.commit()
    assert again.status != "executed"


def test_a_high_value_merge_waits_for_approval(container: Container, workspace: Workspace) -> None:
    tenant = workspace.tenant_id
    vip = _ingest(container, tenant, "contact", "c-vip", **{**ZHANG, "segment": "high_value"})
    other = _ingest(container, tenant, "open_id", "o-x", name="王芳", phone="13500005555")
    gateway = gateway_of(container)
    args = {"person_id": vip["person_id"], "other_person_id": other["person_id"]}
    with container.uow() as uow:
        principal = principal_for_user(uow.session, workspace.users["manager"])
        plain = gateway.execute(uow, principal, "identity.merge", args, purpose="service")
        risky = gateway.execute(uow, principal, "identity.merge_high_risk", args, purpose="service")
        uow.commit()
    assert plain.status != "executed" and "approval" in (plain.reason or "")
    assert risky.status == "pending_approval"
    with container.uow() as uow:
        assert uow.session.scalars(select(IdentityMerge)).first() is None
