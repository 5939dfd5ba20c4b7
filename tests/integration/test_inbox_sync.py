"""Mailbox sync against a real IMAP server (pymap) and replies through a real SMTP server
(aiosmtpd): matching, threading, Chinese charsets, attachments, idempotent re-sync, a
renumbered folder, deletion on the server, wrong credentials, and replies that go out
through the gateway (or are retried when the server refuses them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from sqlalchemy import func, select

from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.container import Container
from kith.crm import models as m
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.gateway import gateway_of
from kith.inbox.delivery import deliver_due
from kith.inbox.models import Conversation, InboxAttachment, InboxMessage, Mailbox
from kith.inbox.schemas import MailboxIn
from kith.inbox.service import InboxService
from kith.inbox.sync import run_sync
from tests.conftest import Workspace
from tests.mailservers import ImapServer, free_port, mail, running_imap, running_smtp

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
OWN = "wangqiang@kith-demo.cn"


@pytest.fixture(scope="module")
def imap() -> Iterator[ImapServer]:
    with running_imap() as server:
        yield server


def clock() -> datetime:
    return NOW


def as_sales(
    container: Container, workspace: Workspace, fn: Callable[[UnitOfWork, Principal], Any]
) -> Any:
    with container.uow() as uow:
        user = uow.session.merge(workspace.users["sales"])
        out = fn(uow, principal_for_user(uow.session, user))
        uow.commit()
        return out


def customers(container: Container, workspace: Workspace) -> dict[str, str]:
    with container.uow() as uow:
        admin = system_principal(workspace.tenant_id)
        records = RecordService(uow, admin, clock)
        account = records.create("account", s.AccountIn(name="华东物流", email="ops@huadong-wl.cn"))
        li = records.create(
            "contact",
            s.ContactIn(name="李娜", email="Li.Na@Customer.CN", account_id=account["id"]),
        )
        tom = records.create("contact", s.ContactIn(name="Tom Baker", email="tom@fleetco.com"))
        uow.commit()
        return {"account": account["id"], "li": li["id"], "tom": tom["id"]}


def add_mailbox(
    container: Container, workspace: Workspace, imap: ImapServer, folder: str, **extra: Any
) -> str:
    data = MailboxIn(
        name="王强",
        address=extra.pop("address", OWN),
        imap_host=imap.host,
        imap_port=imap.port,
        imap_security="none",
        imap_user=extra.pop("user", imap.user),
        imap_password=extra.pop("password", imap.password),
        folders=[folder],
        **extra,
    )
    return str(
        as_sales(
            container, workspace, lambda uow, p: InboxService(uow, p, clock).create_mailbox(data).id
        )
    )


def sync(container: Container, workspace: Workspace, mailbox_id: str, **kw: Any) -> tuple[Any, str]:
    return run_sync(container.uow, workspace.tenant_id, mailbox_id, clock, **kw)


def rows(container: Container, model: Any) -> list[Any]:
    with container.uow() as uow:
        found = list(uow.session.scalars(select(model)))
        uow.session.expunge_all()
        return found


def email_interactions(container: Container) -> int:
    with container.uow() as uow:
        stmt = select(func.count()).where(m.Interaction.channel == "email")
        return int(uow.session.scalar(stmt) or 0)


def thread_mails() -> list[bytes]:
    d = NOW - timedelta(days=2)
    first = mail(
        sender="李娜 <li.na@customer.cn>",
        to=OWN,
        subject="冬季续航问题咨询",
        body="王经理您好，我们车队的车冬季续航明显缩水，请问有什么建议？",
        message_id="<q1@customer.cn>",
        date=d,
    )
    ours = mail(
        sender=f"王强 <{OWN}>",
        to="li.na@customer.cn",
        subject="回复: 冬季续航问题咨询",
        body="李总您好，建议出车前预热电池。",
        message_id="<a1@kith-demo.cn>",
        date=d + timedelta(hours=2),
        in_reply_to="<q1@customer.cn>",
        references=["<q1@customer.cn>"],
    )
    again = mail(
        sender="li.na@customer.cn",
        to=OWN,
        subject="回复: 回复: 冬季续航问题咨询",
        body="谢谢，预热功能在哪里开启？",
        message_id="<q2@customer.cn>",
        date=d + timedelta(hours=5),
        in_reply_to="<a1@kith-demo.cn>",
        references=["<q1@customer.cn>", "<a1@kith-demo.cn>"],
    )
    gbk = mail(
        sender="ops@huadong-wl.cn",
        to=OWN,
        subject="续约报价",
        body="请提供明年三十台车的续约报价。",
        message_id="<gbk1@huadong-wl.cn>",
        date=d + timedelta(hours=6),
        charset="gbk",
    )
    attached = mail(
        sender="Tom Baker <TOM@fleetco.com>",
        to=OWN,
        subject="Fleet inspection report",
        body="Please find the inspection report attached.",
        message_id="<t1@fleetco.com>",
        date=d + timedelta(hours=7),
        attachment=("report.pdf", "application/pdf", b"%PDF-1.4 inspection" * 10),
    )
    stranger = mail(
        sender="newsletter@shop.example",
        to=OWN,
        subject="Black Friday",
        body="50% off",
        message_id="<n1@shop.example>",
        date=d + timedelta(hours=8),
    )
    return [first, ours, again, gbk, attached, stranger]


def test_sync_stores_matched_mail_threaded_and_is_idempotent(
    container: Container, workspace: Workspace, imap: ImapServer
) -> None:
    ids = customers(container, workspace)
    folder = imap.new_folder()
    mails = thread_mails()
    imap.append(folder, mails[0], mails[0], *mails[1:])  # a copy in the same batch
    mailbox_id = add_mailbox(container, workspace, imap, folder)

    step, status = sync(container, workspace, mailbox_id, batch=2)
    assert status == "ok"
    assert (step.fetched, step.stored, step.duplicates, step.unmatched) == (7, 5, 1, 1)
    messages = rows(container, InboxMessage)
    assert len(messages) == 5
    assert "newsletter@shop.example" not in {x.from_addr for x in messages}
    by_id = {x.rfc_message_id: x for x in messages}
    # the reply chain is one conversation; our own message is outbound
    chain = {
        by_id[i].conversation_id
        for i in ("<q1@customer.cn>", "<a1@kith-demo.cn>", "<q2@customer.cn>")
    }
    assert len(chain) == 1
    assert by_id["<a1@kith-demo.cn>"].direction == "outbound"
    conversations = {c.id: c for c in rows(container, Conversation)}
    assert len(conversations) == 3
    thread = conversations[chain.pop()]
    assert (thread.contact_id, thread.account_id) == (ids["li"], ids["account"])
    assert thread.subject == "冬季续航问题咨询" and thread.message_count == 3
    assert thread.status == "open"  # the customer wrote last
    assert thread.sla_due_at == by_id["<q2@customer.cn>"].sent_at + timedelta(hours=4)
    # GBK body decoded; matched to the account by its address
    gbk = by_id["<gbk1@huadong-wl.cn>"]
    assert (
        "三十台车" in gbk.text and conversations[gbk.conversation_id].account_id == ids["account"]
    )
    # the attachment is stored, under the limit and on the allow-list
    [attachment] = rows(container, InboxAttachment)
    assert (attachment.filename, attachment.skipped) == ("report.pdf", None)
    assert attachment.content and attachment.content.startswith(b"%PDF")
    # each stored message is one interaction with direction and thread id
    with container.uow() as uow:
        interaction = uow.session.get(m.Interaction, by_id["<q1@customer.cn>"].interaction_id)
        assert interaction is not None
        assert (interaction.direction, interaction.contact_id) == ("inbound", ids["li"])
        assert interaction.meta["thread_id"] == by_id["<q1@customer.cn>"].conversation_id
    assert email_interactions(container) == 5

    # nothing new: nothing stored twice
    again, _ = sync(container, workspace, mailbox_id)
    assert (again.fetched, again.stored) == (0, 0)
    # a new message in the thread joins it and re-opens the clock
    imap.append(
        folder,
        mail(
            sender="li.na@customer.cn",
            to=OWN,
            subject="Re: 冬季续航问题咨询",
            body="找到了，谢谢！",
            message_id="<q3@customer.cn>",
            date=NOW - timedelta(hours=1),
            references=["<q1@customer.cn>", "<a1@kith-demo.cn>", "<q2@customer.cn>"],
        ),
    )
    more, _ = sync(container, workspace, mailbox_id)
    assert (more.fetched, more.stored) == (1, 1)
    latest = {x.rfc_message_id: x for x in rows(container, InboxMessage)}["<q3@customer.cn>"]
    assert latest.conversation_id == thread.id
    assert email_interactions(container) == 6


def test_a_renumbered_folder_and_deleted_messages_follow_the_documented_rule(
    container: Container, workspace: Workspace, imap: ImapServer
) -> None:
    customers(container, workspace)
    folder = imap.new_folder()
    mails = thread_mails()[:3]
    imap.append(folder, *mails)
    mailbox_id = add_mailbox(container, workspace, imap, folder)
    sync(container, workspace, mailbox_id)
    assert len(rows(container, InboxMessage)) == 3

    # deleted on the server: marked, the interaction kept
    first_uid = imap.uids(folder)[0]
    imap.delete(folder, [first_uid])
    step, _ = sync(container, workspace, mailbox_id)
    assert step.deleted == 1
    gone = [x for x in rows(container, InboxMessage) if x.deleted_on_server_at is not None]
    assert [x.uid for x in gone] == [first_uid]
    assert email_interactions(container) == 3

    # the folder is re-created (new UIDVALIDITY) with the same mail: re-linked, not copied
    with imap.session() as c:
        c.delete_folder(folder)
        c.create_folder(folder)
    imap.append(folder, *mails)
    step, status = sync(container, workspace, mailbox_id)
    assert status == "ok" and (step.stored, step.duplicates) == (0, 3)
    stored = rows(container, InboxMessage)
    assert len(stored) == 3 and all(x.deleted_on_server_at is None for x in stored)
    assert sorted(x.uid for x in stored) == imap.uids(folder)
    assert email_interactions(container) == 3


def test_wrong_credentials_give_a_status_and_a_back_off(
    container: Container, workspace: Workspace, imap: ImapServer
) -> None:
    folder = imap.new_folder()
    mailbox_id = add_mailbox(container, workspace, imap, folder, password="wrong-password")
    step, status = sync(container, workspace, mailbox_id)
    assert status == "auth_failed" and step.fetched == 0
    sync(container, workspace, mailbox_id)
    [box] = rows(container, Mailbox)
    assert box.status == "auth_failed" and box.failures == 2
    assert box.next_sync_at == NOW + timedelta(minutes=2)
    assert box.last_error and "auth" in box.last_error.lower()
    view = as_sales(
        container,
        workspace,
        lambda uow, p: InboxService(uow, p, clock).mailbox_view(
            InboxService(uow, p, clock).mailbox(mailbox_id)
        ),
    )
    assert "imap_password" not in view and view["has_imap_password"] is True
    # the password is encrypted at rest
    with container.engine.connect() as conn:
        stored = conn.exec_driver_sql("SELECT imap_password FROM inbox_mailboxes").scalar()
    assert str(stored).startswith("enc:v1:") and "wrong-password" not in str(stored)


def test_an_unreachable_server_is_a_status(
    container: Container, workspace: Workspace, imap: ImapServer
) -> None:
    data = MailboxIn(
        name="Shared",
        address="service@kith-demo.cn",
        imap_host="127.0.0.1",
        imap_port=free_port(),
        imap_security="none",
        imap_user="x",
        imap_password="y",
    )
    mailbox_id = as_sales(
        container, workspace, lambda uow, p: InboxService(uow, p, clock).create_mailbox(data).id
    )
    _, status = sync(container, workspace, mailbox_id)
    assert status == "unreachable"


def test_a_reply_goes_out_threaded_through_the_gateway_and_is_retried(
    container: Container, workspace: Workspace, imap: ImapServer
) -> None:
    ids = customers(container, workspace)
    folder = imap.new_folder()
    imap.append(folder, thread_mails()[0])
    with running_smtp() as (port, smtp):
        mailbox_id = add_mailbox(
            container,
            workspace,
            imap,
            folder,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_security="none",
        )
        sync(container, workspace, mailbox_id)
        [conversation] = rows(container, Conversation)

        def reply(body: str) -> Any:
            return as_sales(
                container,
                workspace,
                lambda uow, p: gateway_of(container).execute(
                    uow,
                    p,
                    "inbox.reply",
                    {"conversation_id": conversation.id, "contact_id": ids["li"], "body": body},
                    purpose="service",
                ),
            )

        result = reply("李总您好，建议出车前预热电池。")
        assert result.status == "executed", result.reason
        assert result.output["delivery_status"] == "sent"
        [raw] = smtp.messages
        sent = message_from_bytes(raw, policy=policy.default)
        assert sent["In-Reply-To"] == "<q1@customer.cn>"
        assert "<q1@customer.cn>" in sent["References"]
        assert sent["To"] == "li.na@customer.cn" and "王强" in str(sent["From"])
        after = {c.id: c for c in rows(container, Conversation)}[conversation.id]
        assert after.status == "waiting" and after.sla_due_at is None

        # the server refuses: stored, visible, retried later
        smtp.refuse = True
        refused = reply("补充：预热可在 App 中预约。")
        assert refused.status == "executed"
        assert refused.output["delivery_status"] == "retrying"
        assert "451" in (refused.output["last_error"] or "")
        [due] = [x.next_attempt_at for x in rows(container, InboxMessage) if x.next_attempt_at]
        with container.uow() as uow:
            early = deliver_due(uow, workspace.tenant_id, due - timedelta(seconds=1))
            uow.commit()
        assert early == {"sent": 0, "retrying": 0, "failed": 0}
        smtp.refuse = False
        with container.uow() as uow:
            counts = deliver_due(uow, workspace.tenant_id, due)
            uow.commit()
        assert counts["sent"] == 1 and len(smtp.messages) == 2
    outbound = [x for x in rows(container, InboxMessage) if x.direction == "outbound"]
    assert sorted(x.delivery_status for x in outbound) == ["sent", "sent"]
    assert all(x.decision_id for x in outbound)


def test_the_scheduled_job_syncs_due_mailboxes_and_skips_those_backing_off(
    container: Container, workspace: Workspace, imap: ImapServer
) -> None:
    from kith.inbox.jobs import sync as sync_job
    from kith.scheduling.registry import JobContext

    customers(container, workspace)
    folder = imap.new_folder()
    imap.append(folder, *thread_mails()[:3])
    good = add_mailbox(container, workspace, imap, folder)
    bad = add_mailbox(
        container, workspace, imap, folder, password="wrong", address="other@kith-demo.cn"
    )

    def run_job(now: datetime) -> Any:
        with container.uow() as uow:
            out = sync_job(
                JobContext(
                    uow,
                    system_principal(workspace.tenant_id),
                    workspace.tenant_id,
                    {"batch": 2},
                    now,
                )
            )
            uow.commit()
            return out

    first = run_job(NOW)
    assert first == {"mailboxes": 2, "stored": 2, "failed": 1}
    boxes = {b.id: b for b in rows(container, Mailbox)}
    assert boxes[good].status == "syncing" and boxes[bad].status == "auth_failed"
    # a minute later: the good one is due again (it has more), the bad one is backing off
    second = run_job(NOW + timedelta(seconds=30))
    assert second == {"mailboxes": 1, "stored": 1, "failed": 0}
    assert {b.id: b.status for b in rows(container, Mailbox)}[good] == "ok"
