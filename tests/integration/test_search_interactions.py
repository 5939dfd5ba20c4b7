"""A customer's words are searchable: interactions are indexed by subject and text with
the CJK tokeniser, found by lists and global search only by people who may read them,
and ``reindex`` rebuilds the index of records written before a type was searchable."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import delete

from kith.access import service as access
from kith.access.principal import Principal
from kith.container import Container
from kith.crm.query import ListQuery
from kith.crm.repository import RecordRepository
from kith.crm.schemas import ContactIn, InteractionIn
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.search.models import SearchDocument
from tests.conftest import Workspace


def as_role(container: Container, workspace: Workspace, role: str) -> Principal:
    with container.uow() as uow:
        return access.principal_for_user(uow.session, workspace.users[role])


def log_messages(container: Container, workspace: Workspace) -> list[str]:
    admin = as_role(container, workspace, "admin")
    with container.uow() as uow:
        records = RecordService(uow, admin)
        contact = records.create("contact", ContactIn(name="张建国"))
        ids = [
            records.create(
                "interaction",
                InteractionIn(
                    channel=channel,
                    direction="inbound",
                    contact_id=contact["id"],
                    subject=subject,
                    text=text,
                ),
            )["id"]
            for channel, subject, text in (
                ("email", "第二批车辆交付", "你好，上次说的物流延迟问题还没解决，请尽快回复。"),
                ("wechat", None, "Our invoice INV-2291 is still wrong, please fix it."),
                ("phone", "回访", "客户对安装很满意"),
            )
        ]
        uow.commit()
    return ids


def found(container: Container, principal: Principal, q: str) -> list[str]:
    with container.uow() as uow:
        page = RecordService(uow, principal).list_page("interaction", ListQuery(q=q))
        return [item["id"] for item in page.items]


def test_interactions_are_found_by_their_words(container: Container, workspace: Workspace) -> None:
    delay, invoice, visit = log_messages(container, workspace)
    admin = as_role(container, workspace, "admin")
    assert found(container, admin, "物流延迟") == [delay]
    assert found(container, admin, "invoice") == [invoice]
    assert found(container, admin, "满意") == [visit]
    with container.uow() as uow:
        hits = RecordRepository(uow.session, admin).search(SPECS["interaction"], "物流", 10)
        assert [h.id for h in hits] == [delay]


def test_only_readers_of_an_interaction_find_it(container: Container, workspace: Workspace) -> None:
    delay, _, _ = log_messages(container, workspace)
    sales = as_role(container, workspace, "sales")
    own_only = replace(sales, grants={**sales.grants, ("interaction", "read"): "own"})
    assert found(container, own_only, "物流延迟") == []
    assert delay not in found(container, own_only, "物流")


def test_reindex_rebuilds_what_the_index_lacks(container: Container, workspace: Workspace) -> None:
    delay, _, _ = log_messages(container, workspace)
    admin = as_role(container, workspace, "admin")
    with container.uow() as uow:
        uow.session.execute(
            delete(SearchDocument).where(SearchDocument.object_type == "interaction")
        )
        uow.commit()
    assert found(container, admin, "物流延迟") == []
    with container.uow() as uow:
        assert RecordRepository(uow.session, admin).reindex(SPECS["interaction"]) == 3
        uow.commit()
    assert found(container, admin, "物流延迟") == [delay]
