"""Resolved principals are cached between requests and dropped the moment access
changes: a role, a grant, a field rule, a team or a switched-off user is seen by the
very next request, on both backends; a repeated request costs two statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from kith.access import schemas as s
from kith.access import signin
from kith.access.admin import apply_permissions, update_user
from kith.access.models import Role
from kith.access.service import authenticate, system_principal
from kith.container import Container
from kith.core.errors import Unauthenticated
from kith.core.settings import Settings
from tests.conftest import PASSWORD, Workspace

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def sign_in(container: Container, email: str) -> str:
    context = signin.SignInContext.of(Settings(mode="test"), T0, "203.0.113.9")
    with container.uow() as uow:
        result = signin.sign_in(uow.session, email, PASSWORD, None, context)
        uow.commit()
    return str(result.token)


@contextmanager
def statements(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(container.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", count)


def who(container: Container, token: str) -> object:
    with container.uow() as uow:
        return authenticate(uow.session, token)


def test_a_repeated_request_reuses_the_principal(
    container: Container, workspace: Workspace
) -> None:
    token = sign_in(container, workspace.users["sales"].email)
    first = who(container, token)
    with statements(container) as seen:
        again = who(container, token)
    assert again == first
    assert len(seen) == 2, seen  # the session row and the access generation


def test_access_changes_are_seen_by_the_next_request(
    container: Container, workspace: Workspace
) -> None:
    sales = workspace.users["sales"]
    token = sign_in(container, sales.email)
    assert "city" not in who(container, token).field_rules.get("contact", {})

    # a field rule on the sales role
    with container.uow() as uow:
        role = uow.session.scalars(
            select(Role).where(Role.tenant_id == workspace.tenant_id, Role.name == "sales")
        ).one()
        rule = s.FieldRuleIn(object_type="contact", field="city", access="hidden")
        apply_permissions(uow.session, role, [], [rule])
        uow.commit()
    assert who(container, token).field_rules.get("contact", {}).get("city") == "hidden"

    # a role given to the user
    admin = system_principal(workspace.tenant_id)
    with container.uow() as uow:
        user = uow.session.get(type(sales), sales.id)
        assert user is not None
        update_user(uow.session, admin, user, s.UserPatch(roles=["sales", "manager"]))
        uow.commit()
    assert "manager" in who(container, token).roles

    # switched off: the next request is refused
    with container.uow() as uow:
        user = uow.session.get(type(sales), sales.id)
        assert user is not None
        update_user(uow.session, admin, user, s.UserPatch(is_active=False))
        uow.commit()
    with pytest.raises(Unauthenticated):
        who(container, token)


def test_a_name_change_keeps_the_cache(container: Container, workspace: Workspace) -> None:
    token = sign_in(container, workspace.users["service"].email)
    who(container, token)
    with container.uow() as uow:
        user = uow.session.get(type(workspace.users["service"]), workspace.users["service"].id)
        assert user is not None
        user.title = "客服主管"
        uow.commit()
    with statements(container) as seen:
        who(container, token)
    assert len(seen) == 2
