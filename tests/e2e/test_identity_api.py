"""The identity graph over HTTP (issue 24): quality figures, the review inbox and its
decisions; a confirmation merges two persons into the older id and emits
identity.linked and identity.merged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from kith.container import Container
from kith.events.models import OutboxEvent
from kith.identity.models import IdentityLink, IdentityNode, IdentityPerson
from tests.conftest import Workspace, sign_in

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def seed_graph(container: Container, tenant_id: str) -> dict[str, str]:
    """Two persons (張建國 on two channels; 'Jianguo Zhang' in the app) and one loner,
    with a proposed link between the two persons and an auto-link inside the first."""
    with container.uow() as uow:
        s = uow.session
        older = IdentityPerson(tenant_id=tenant_id, created_at=T0)
        newer = IdentityPerson(tenant_id=tenant_id, created_at=T0 + timedelta(days=3))
        s.add_all([older, newer])
        s.flush()

        def node(kind: str, ref: str, person: str | None, name: str) -> IdentityNode:
            row = IdentityNode(
                tenant_id=tenant_id,
                kind=kind,
                ref=ref,
                person_id=person,
                features={"name_key": name},
                created_at=T0,
            )
            s.add(row)
            s.flush()
            return row

        branch = node("contact", "c-1", older.id, "jianguo zhang")
        phone = node("phone", "+8613900001234", older.id, "jianguo zhang")
        app = node("app_user_id", "app-7", newer.id, "jianguo zhang")
        node("open_id", "o-9", None, "")
        auto = IdentityLink(
            tenant_id=tenant_id,
            node_id=branch.id,
            other_node_id=phone.id,
            probability=0.99,
            match_weight=9.1,
            explanation={},
            state="auto_linked",
            created_at=T0,
        )
        proposed = IdentityLink(
            tenant_id=tenant_id,
            node_id=phone.id,
            other_node_id=app.id,
            probability=0.85,
            match_weight=2.5,
            explanation={"fields": [{"field": "full_name", "level": "exact", "match_weight": 7}]},
            state="proposed",
            created_at=T0,
        )
        s.add_all([auto, proposed])
        uow.commit()
        return {"older": older.id, "newer": newer.id, "proposed": proposed.id, "app": app.id}


def test_quality_inbox_and_a_confirmation_that_merges(
    app_client: TestClient, container: Container, workspace: Workspace
) -> None:
    ids = seed_graph(container, workspace.tenant_id)
    admin = sign_in(app_client, workspace.users["admin"].email)

    quality = admin.get("/identity/quality")
    assert (quality["identities"], quality["persons"], quality["unattached_identities"]) == (
        4,
        2,
        1,
    )
    assert quality["resolution_rate"] == 0.5  # the two nodes of the older person
    assert quality["cluster_sizes"]["1"] == 1 and quality["cluster_sizes"]["2"] == 1
    assert quality["review_backlog"] == 1
    assert quality["estimated_precision"] is None

    inbox = admin.get("/identity/proposals")["items"]
    assert [p["id"] for p in inbox] == [ids["proposed"]]
    assert inbox[0]["explanation"]["fields"][0]["field"] == "full_name"
    assert {inbox[0]["left"]["kind"], inbox[0]["right"]["kind"]} == {"phone", "app_user_id"}

    decided = admin.post(f"/identity/proposals/{ids['proposed']}/confirm", None, 200)
    assert decided["state"] == "confirmed"
    merged = decided["merged"]
    assert (merged["person_id"], merged["merged_person_id"]) == (ids["older"], ids["newer"])
    admin.post(f"/identity/proposals/{ids['proposed']}/reject", None, 409)
    admin.post(f"/identity/proposals/{ids['proposed']}/confirm", None, 409)
    admin.post(f"/identity/proposals/{'0' * 32}/reject", None, 404)

    after = admin.get("/identity/quality")
    assert (after["persons"], after["resolution_rate"], after["review_backlog"]) == (1, 0.75, 0)
    assert after["estimated_precision"] == 1.0
    with container.uow() as uow:
        moved = uow.session.get(IdentityNode, ids["app"])
        assert moved is not None and moved.person_id == ids["older"]
        absorbed = uow.session.get(IdentityPerson, ids["newer"])
        assert absorbed is not None and absorbed.merged_into == ids["older"]
        types = uow.session.scalars(
            select(OutboxEvent.type).where(OutboxEvent.type.like("identity.%"))
        ).all()
        assert sorted(types) == ["identity.linked", "identity.merged"]


def test_a_never_link_decision_keeps_persons_apart(
    app_client: TestClient, container: Container, workspace: Workspace
) -> None:
    ids = seed_graph(container, workspace.tenant_id)
    admin = sign_in(app_client, workspace.users["admin"].email)
    decided = admin.post(f"/identity/proposals/{ids['proposed']}/never-link", None, 200)
    assert (decided["state"], decided["merged"]) == ("never_link", None)
    quality = admin.get("/identity/quality")
    assert (quality["persons"], quality["review_backlog"]) == (2, 0)
    assert quality["links"]["never_link"] == 1
