"""The inbox demo on a small workspace: 王强's mailbox loaded from the .eml files through
the sync's ingest path — a reply chain threaded into one conversation, the GBK notice
decoded and matched to its account, the PDF kept — and loading is anchored on "now"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from kith.access import service as access
from kith.container import Container
from kith.demo.inbox import mail_files, seed_inbox
from kith.inbox.models import Conversation, InboxAttachment, InboxMessage, Mailbox
from tests.conftest import PASSWORD, Workspace

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def test_wang_qiangs_mailbox_is_loaded_threaded_and_decoded(
    container: Container, workspace: Workspace
) -> None:
    with container.uow() as uow:
        access.create_user(
            uow.session,
            workspace.tenant_id,
            email="wang.qiang@kith.demo",
            name="王强",
            password=PASSWORD,
            roles=["sales"],
        )
        uow.commit()
    out = seed_inbox(container, workspace.tenant_id, ANCHOR)
    assert out["messages"] == len(mail_files()) == 6
    with container.uow() as uow:
        [mailbox] = uow.session.scalars(select(Mailbox)).all()
        conversations = uow.session.scalars(select(Conversation)).all()
        messages = uow.session.scalars(select(InboxMessage)).all()
        [attachment] = uow.session.scalars(select(InboxAttachment)).all()
        assert mailbox.status == "paused" and mailbox.owner_id is not None
        assert sorted(c.message_count for c in conversations) == [1, 1, 1, 3]
        chain = next(c for c in conversations if c.message_count == 3)
        assert chain.subject == "冷链车队续约与冬季续航" and chain.status == "open"
        assert chain.last_message_at == ANCHOR - timedelta(hours=3)
        gbk = next(m for m in messages if m.subject == "发票抬头变更通知")
        assert "上海华东冷链物流股份有限公司" in gbk.text and gbk.from_name == "华东冷链物流 财务部"
        invoice = next(c for c in conversations if c.id == gbk.conversation_id)
        assert invoice.account_id is not None and invoice.contact_id is None
        assert attachment.filename == "Q4-inspection-report.pdf" and attachment.content
        assert [m.direction for m in messages].count("outbound") == 1
