"""messages.send through channel adapters: the local mailbox, a real SMTP conversation
with a server the test starts, first contact needing approval, and delivery failures."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.container import Container
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.approvals import ApprovalService
from kith.gateway.channels import ChannelRegistry, SmtpAdapter
from kith.gateway.gateway import Gateway
from kith.gateway.models import OutboundMessage
from tests.conftest import Workspace


@pytest.fixture
def as_user(container: Container, workspace: Workspace) -> Callable[..., Any]:
    def _as(role: str, fn: Callable[[UnitOfWork, Principal], Any]) -> Any:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users[role].id)
            assert user is not None
            out = fn(uow, principal_for_user(uow.session, user))
            uow.commit()
            return out

    return _as


def _contact(as_user: Callable[..., Any], *, talked_before: bool) -> str:
    def create(uow: UnitOfWork, admin: Principal) -> str:
        records = RecordService(uow, admin)
        contact: str = records.create(
            "contact", s.ContactIn(name="李娜", email="li.na@hospital.cn", mobile="13900001111")
        )["id"]
        if talked_before:
            records.create(
                "interaction",
                s.InteractionIn(channel="phone", direction="inbound", contact_id=contact),
            )
        return contact

    result: str = as_user("admin", create)
    return result


def _send(gateway: Gateway, args: dict[str, Any]) -> Callable[[UnitOfWork, Principal], Any]:
    return lambda uow, p: gateway.execute(uow, p, "messages.send", args, purpose="service")


def _messages(container: Container) -> list[OutboundMessage]:
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)))
        uow.session.expunge_all()
        return rows


def _outbound_interactions(container: Container) -> int:
    with container.uow() as uow:
        stmt = select(func.count()).where(m.Interaction.direction == "outbound")
        return int(uow.session.scalar(stmt) or 0)


def test_the_default_adapter_delivers_to_the_local_mailbox(
    as_user: Callable[..., Any], container: Container
) -> None:
    contact_id = _contact(as_user, talked_before=True)
    args = {"channel": "sms", "contact_id": contact_id, "body": "您的工单已受理"}
    result = as_user("service", _send(Gateway(channels=ChannelRegistry()), args))
    assert result.status == "executed", result.reason
    assert result.output["to"] == "13900001111"  # the contact's mobile, looked up
    [message] = _messages(container)
    assert (message.status, message.transport, message.channel) == ("sent", "mailbox", "sms")
    assert message.decision_id == result.decision_id
    assert message.interaction_id == result.output["interaction_id"]
    assert _outbound_interactions(container) == 1


def test_a_first_message_to_a_new_recipient_waits_for_approval(
    as_user: Callable[..., Any], container: Container
) -> None:
    contact_id = _contact(as_user, talked_before=False)
    gateway = Gateway(channels=ChannelRegistry())
    args = {"channel": "email", "contact_id": contact_id, "subject": "Demo", "body": "..."}
    waiting = as_user("sales", _send(gateway, args))
    assert waiting.status == "pending_approval"
    assert "first_contact" in (waiting.reason or "")
    assert _messages(container) == []
    approved = as_user(
        "manager", lambda uow, p: ApprovalService(gateway, uow, p).approve(waiting.approval_id)
    )
    assert approved.status == "executed", approved.reason
    # Contacted now: the next message goes straight out.
    assert as_user("sales", _send(gateway, args)).status == "executed"
    assert len(_messages(container)) == 2


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.recipients += envelope.rcpt_tos
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, _Inbox]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def test_email_goes_out_over_smtp_when_configured(
    as_user: Callable[..., Any],
    container: Container,
    smtp_server: tuple[str, _Inbox],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, inbox = smtp_server
    monkeypatch.setenv("KITH_SMTP_URL", url)
    monkeypatch.setenv("KITH_SMTP_FROM", "service@kith.example")
    channels = ChannelRegistry.from_environment()
    assert isinstance(channels.for_channel("email"), SmtpAdapter)
    contact_id = _contact(as_user, talked_before=True)
    args = {
        "channel": "email",
        "contact_id": contact_id,
        "subject": "冬季续航",
        "body": "低温驾驶技巧",
    }
    result = as_user("service", _send(Gateway(channels=channels), args))
    assert result.status == "executed", result.reason
    assert inbox.recipients == ["li.na@hospital.cn"]
    [mail] = inbox.messages
    assert mail["From"] == "service@kith.example"
    assert mail["Subject"] == "冬季续航"
    assert mail.get_content().strip() == "低温驾驶技巧"
    [message] = _messages(container)
    assert (message.transport, message.transport_id) == ("smtp", mail["Message-ID"])


def test_an_unreachable_smtp_server_fails_the_call_and_sends_nothing(
    as_user: Callable[..., Any], container: Container
) -> None:
    channels = ChannelRegistry(
        adapters={"email": SmtpAdapter(f"smtp://127.0.0.1:{_free_port()}", "kith@localhost", 2)}
    )
    contact_id = _contact(as_user, talked_before=True)
    args = {"channel": "email", "contact_id": contact_id, "subject": "x", "body": "y"}
    result = as_user("service", _send(Gateway(channels=channels), args))
    assert result.status == "failed"
    assert "ConnectionRefusedError" in (result.reason or "")
    assert _messages(container) == []
    assert _outbound_interactions(container) == 0
