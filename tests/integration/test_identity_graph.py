"""A batch of identities stored in the graph through the service (SQLite and
PostgreSQL): one person per cluster, auto-links inside clusters, proposals for the
rest, identity.linked events; the same rows twice are refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from kith.access.service import system_principal
from kith.container import Container
from kith.core.errors import Conflict
from kith.events.models import OutboxEvent
from kith.identity.generator import generate
from kith.identity.models import IdentityLink, IdentityNode
from kith.identity.service import IdentityService
from tests.conftest import Workspace

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def test_a_stored_batch_feeds_quality_and_the_review_inbox(
    container: Container, workspace: Workspace
) -> None:
    rows = [r.row() for r in generate(150, seed=4)]
    for row in rows:
        row.pop("person_id")
        row.pop("noise")
    principal = system_principal(workspace.tenant_id, "test")
    with container.uow() as uow:
        stored = IdentityService(uow, principal, clock=lambda: NOW).store_batch(rows)
        uow.commit()

    assert stored["identities"] == len(rows)
    assert 100 <= stored["persons"] < len(rows)
    with container.uow() as uow:
        service = IdentityService(uow, principal, clock=lambda: NOW)
        quality = service.quality()
        assert quality["identities"] == len(rows)
        assert quality["persons"] == stored["persons"]
        assert quality["resolution_rate"] is not None and quality["resolution_rate"] > 0.5
        assert quality["review_backlog"] == stored["links"].get("proposed", 0)
        auto = uow.session.scalars(
            select(IdentityLink).where(IdentityLink.state == "auto_linked")
        ).all()
        assert len(auto) == stored["links"]["auto_linked"] > 0
        ends = {n.id: n for n in uow.session.scalars(select(IdentityNode))}
        assert all(ends[a.node_id].person_id == ends[a.other_node_id].person_id for a in auto)
        assert {f["field"] for f in auto[0].explanation["fields"]} <= {
            "full_name",
            "phone",
            "email",
            "device_id",
            "wechat_id",
            "card_no",
            "birth_date",
            "city",
        }
        events = uow.session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.type == "identity.linked")
        )
        assert events == stored["linked_persons"]

    with container.uow() as uow, pytest.raises(Conflict, match="already in the graph"):
        IdentityService(uow, principal, clock=lambda: NOW).store_batch(rows)
