"""A person and an agent on the same record: the person's conflict names who got there
first, and an agent leaves a record alone for a while after a person changed it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.core.errors import Conflict
from kith.crm.service import PERSON_LEASE, RecordService
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from tests.conftest import Workspace

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _person(container: Container, workspace: Workspace, role: str) -> Principal:
    with container.uow() as uow:
        user = uow.session.merge(workspace.users[role])
        return principal_for_user(uow.session, user)


def _agent(person: Principal, *, working_for: Principal | None = None) -> Principal:
    """An agent with the service role's rights; working for someone, it carries their id."""
    return replace(
        person,
        kind="agent",
        id="agent-service",
        name="Service agent",
        user_id=working_for.user_id if working_for else None,
    )


def _service(container: Container, principal: Principal, at: datetime, uow: Any) -> RecordService:
    return RecordService(uow, principal, lambda: at)


def _ticket(container: Container, person: Principal) -> dict[str, Any]:
    with container.uow() as uow:
        payload = SPECS["ticket"].input_schema(subject="电池温度告警", priority="high")
        ticket = _service(container, person, T0, uow).create("ticket", payload)
        uow.commit()
    return ticket


def _patch(
    container: Container, who: Principal, at: datetime, ticket: dict[str, Any], **changes: Any
) -> dict[str, Any]:
    with container.uow() as uow:
        patch = PATCH_SCHEMAS["ticket"](version=ticket["version"], **changes)
        out = _service(container, who, at, uow).update("ticket", ticket["id"], patch)
        uow.commit()
    return out


def test_a_persons_conflict_names_the_agent_that_changed_the_record(
    container: Container, workspace: Workspace
) -> None:
    service = _person(container, workspace, "service")
    ticket = _ticket(container, service)
    _patch(container, _agent(service), T0 + timedelta(seconds=1), ticket, escalated=True)
    with pytest.raises(Conflict) as raised:
        _patch(container, service, T0 + timedelta(seconds=2), ticket, priority="urgent")
    changed_by = raised.value.changed_by
    assert changed_by is not None
    assert (changed_by["kind"], changed_by["id"]) == ("agent", "agent-service")
    assert "agent" in raised.value.detail


def test_an_agent_leaves_a_record_a_person_just_took(
    container: Container, workspace: Workspace
) -> None:
    service = _person(container, workspace, "service")
    other = _person(container, workspace, "admin")
    ticket = _ticket(container, service)
    taken = _patch(container, service, T0, ticket, assignee_id=service.user_id)

    with pytest.raises(Conflict) as raised:  # 140 ms later, an agent on its own account
        _patch(container, _agent(service), T0 + timedelta(milliseconds=140), taken, escalated=True)
    assert raised.value.errors[0].type == "person_lease"
    assert raised.value.changed_by and raised.value.changed_by["name"] == service.name

    # an agent working for that very person may go on; for someone else it may not
    _patch(
        container,
        _agent(service, working_for=service),
        T0 + timedelta(seconds=1),
        taken,
        escalated=True,
    )
    with container.uow() as uow:
        current = _service(container, service, T0, uow).get("ticket", ticket["id"])
    assert current["escalated"] is True

    retaken = _patch(container, other, T0 + timedelta(minutes=1), current, priority="urgent")
    late = T0 + timedelta(minutes=1) + PERSON_LEASE
    _patch(container, _agent(service), late, retaken, escalated=False)  # the lease is over
