"""S6 on the demo data: when 林晓雯 revokes marketing, the queued winter-offer task
(``demo:act:s6-winter-offer``) is cancelled with its reason, and nothing else is."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from kith.access.repository import AccessRepository
from kith.access.service import system_principal
from kith.container import Container
from kith.core.clock import utcnow
from kith.crm.models import Activity, Contact
from kith.demo.loader import load_demo
from kith.privacy.models import ConsentCancellation
from kith.privacy.promotional import classify_task
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService
from tests.conftest import PASSWORD


def test_revoking_marketing_closes_the_queued_winter_offer_task(container: Container) -> None:
    if container.engine.dialect.name != "sqlite":
        pytest.skip("the demo dataset is loaded once, on the embedded stack")
    loaded = load_demo(
        container, tenant_slug="demo", password=PASSWORD, seed=42, scale=0.05, anchor=utcnow()
    )
    assert loaded.status == "loaded"
    with container.uow() as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug("demo")
        assert tenant is not None
        lin = uow.session.scalars(
            select(Contact).where(Contact.external_id == "demo:contact:ev-lin-xiaowen")
        ).one()
        task = uow.session.scalars(
            select(Activity).where(Activity.external_id == "demo:act:s6-winter-offer")
        ).one()
        assert task.status == "open" and task.contact_id == lin.id
        # Only the S6 task of all the open demo tasks reads as marketing work.
        open_tasks = uow.session.scalars(select(Activity).where(Activity.status == "open")).all()
        marketing = [
            a.external_id for a in open_tasks if classify_task(a.subject, a.body).promotional
        ]
        assert marketing == ["demo:act:s6-winter-offer"]

        revoked = ConsentService(uow, system_principal(tenant.id)).record(
            lin.id, ConsentIn(purpose="marketing", channel="*", state="revoked", source="app")
        )
        uow.commit()

    assert [(c.kind, c.target_id) for c in revoked.cancelled] == [("activity", task.id)]
    assert "marketing task" in revoked.cancelled[0].reason
    with container.uow() as uow:
        closed = uow.session.get(Activity, task.id)
        assert closed is not None and closed.status == "cancelled"
        assert "已取消 / cancelled" in (closed.body or "")
        (row,) = uow.session.scalars(select(ConsentCancellation)).all()
        assert (row.kind, row.target_id, row.contact_id) == ("activity", task.id, lin.id)
