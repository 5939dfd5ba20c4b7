"""Each agent keeps its own memory per customer; recall works in Chinese and English;
another agent reads it only once it is explicitly shared."""

from __future__ import annotations

from kith.agents.builtin import builtin_registry
from kith.agents.memory import BM25Retriever, MemoryStore, Subject
from kith.agents.roster import ensure_agents
from kith.container import Container
from kith.core.clock import utcnow
from kith.db.uow import UnitOfWork
from tests.conftest import Workspace
from tests.integration.test_agents_support import add_owner


def _store(uow: UnitOfWork, tenant_id: str, agent: str) -> MemoryStore:
    rows = {r.name: r.id for r in ensure_agents(uow.session, tenant_id, builtin_registry())}
    return MemoryStore(uow.session, tenant_id, rows[agent], agent, BM25Retriever(), utcnow())


def test_recall_ranks_a_customers_memories_in_chinese_and_english(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    owner = Subject("contact", add_owner(container, tenant).contact_id)
    with container.uow() as uow:
        service = _store(uow, tenant, "service")
        service.remember(owner, "episode", "充电桩安装申请已受理，预计三个工作日上门勘测")
        service.remember(owner, "episode", "客户反馈冬季续航缩水严重，已建诊断工单")
        service.remember(owner, "fact", "Prefers to be contacted on WeChat after 6 pm")
        service.remember(owner, "summary", "Battery health check booked for next Tuesday")
        uow.commit()
    with container.uow() as uow:
        service = _store(uow, tenant, "service")
        zh = service.recall(owner, "冬天续航下降怎么办", k=2)
        en = service.recall(owner, "when was the battery check booked?", k=1)
        facts = service.recall(owner, "wechat", kinds=["fact"])
    assert zh[0].item.text == "客户反馈冬季续航缩水严重，已建诊断工单"
    assert all("充电桩" not in r.item.text for r in zh)
    assert en[0].item.kind == "summary" and "Tuesday" in en[0].item.text
    assert [r.item.kind for r in facts] == ["fact"]


def test_an_agent_cannot_read_another_agents_memory_until_it_is_shared(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    owner = Subject("contact", add_owner(container, tenant).contact_id)
    with container.uow() as uow:
        _store(uow, tenant, "service").remember(owner, "episode", "客户投诉刹车异响")
        uow.commit()
    with container.uow() as uow:
        retention = _store(uow, tenant, "retention")
        assert retention.items(owner) == []
        assert retention.recall(owner, "刹车异响") == []
        _store(uow, tenant, "service").share_with(retention.agent_id)
        uow.commit()
    with container.uow() as uow:
        shared = _store(uow, tenant, "retention").recall(owner, "刹车异响")
        still_private = _store(uow, tenant, "sales").items(owner)
    assert [r.item.text for r in shared] == ["客户投诉刹车异响"]
    assert still_private == []


def test_memory_stays_inside_its_workspace(
    container: Container, workspace: Workspace, other_workspace: Workspace
) -> None:
    owner = Subject("contact", add_owner(container, workspace.tenant_id).contact_id)
    with container.uow() as uow:
        _store(uow, workspace.tenant_id, "service").remember(owner, "fact", "VIP 客户")
        uow.commit()
    with container.uow() as uow:
        assert _store(uow, other_workspace.tenant_id, "service").items(owner) == []
