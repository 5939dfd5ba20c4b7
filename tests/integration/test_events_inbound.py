"""Inbound events through the service on SQLite and PostgreSQL: two senders racing
with one idempotency key get one interaction between them."""

from __future__ import annotations

import json
import threading

from sqlalchemy import func, select

from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm.inbound import InboundService, Rejected
from kith.crm.inbound_schemas import InboundAccepted
from kith.crm.models import Interaction
from tests.conftest import Workspace
from tests.e2e.test_events_api import VISIT, grant_events


def test_concurrent_senders_with_one_idempotency_key_create_one_interaction(
    container: Container, workspace: Workspace
) -> None:
    grant_events(container.session_factory, workspace.tenant_id)
    raw = json.dumps({**VISIT, "idempotency_key": "msg-1"}).encode()
    start = threading.Barrier(2, timeout=10)
    outcomes: list[InboundAccepted | Rejected] = []

    def send() -> None:
        with container.uow() as uow:
            principal = principal_for_user(uow.session, workspace.users["admin"])
            start.wait()
            outcomes.append(InboundService(uow, principal).receive(raw))
            uow.commit()

    senders = [threading.Thread(target=send) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)

    accepted = [o for o in outcomes if isinstance(o, InboundAccepted)]
    assert sorted(o.status for o in accepted) == ["accepted", "duplicate"]
    assert accepted[0].interaction_id == accepted[1].interaction_id
    with container.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Interaction)) == 1
