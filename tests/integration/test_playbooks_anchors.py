"""Value anchors on a constructed dataset whose answer is known: the median first
resolution time of key accounts' tickets, the daily job's readings with history, the
attribution of the late tickets ("83% waited on 技术支持部"), and a renewal rate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.container import Container
from kith.core.errors import ValidationFailed
from kith.crm import models as m
from kith.crm import schemas as cs
from kith.crm.service import RecordService
from kith.events.models import OutboxEvent
from kith.playbooks import jobs
from kith.playbooks.anchors import AnchorService
from kith.playbooks.schemas import AnchorIn
from kith.scheduling.registry import JobContext
from tests.conftest import Workspace

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
# (hours to resolve, waiting on, category) of ten tickets of key accounts: six are
# late against the 4-hour target, five of them waited on 技术支持部 (5/6 = 83%).
KEY_TICKETS = [
    (30.0, "技术支持部", "network"),
    (12.0, "技术支持部", "billing"),
    (9.0, "技术支持部", "network"),
    (8.0, "技术支持部", "billing"),
    (6.0, "技术支持部", "network"),
    (5.0, "客户", "billing"),
    (3.0, "客户", "network"),
    (2.0, "客户", "billing"),
    (1.5, "技术支持部", "network"),
    (1.0, "客户", "billing"),
]


def _admin(container: Container, workspace: Workspace) -> Principal:
    with container.uow() as uow:
        return principal_for_user(uow.session, workspace.users["admin"])


def _tickets(container: Container, admin: Principal) -> None:
    with container.uow() as uow:
        svc = RecordService(uow, admin, clock=lambda: NOW)
        key = svc.create("account", cs.AccountIn(name="国网 车队", tier="key"))["id"]
        small = svc.create("account", cs.AccountIn(name="小店", tier="smb"))["id"]
        rows = [(key, *t) for t in KEY_TICKETS] + [(small, 200.0, "技术支持部", "network")]
        rows.append((key, 100.0, "技术支持部", "network"))  # created before the window
        for i, (account, hours, waiting, category) in enumerate(rows):
            ticket = svc.create(
                "ticket", cs.TicketIn(subject=f"T{i}", account_id=account, category=category)
            )
            row = uow.session.get(m.Ticket, ticket["id"])
            assert row is not None
            created = NOW - timedelta(days=45 if i == len(rows) - 1 else 3, hours=i)
            row.created_at = created
            row.resolved_at = created + timedelta(hours=hours)
            row.custom = {"waiting_on": waiting}
        uow.commit()


def _anchor(**over: Any) -> AnchorIn:
    body: dict[str, Any] = {
        "name": "重点客户首次解决时长 72h→4h",
        "metric": "ticket_resolution_hours",
        "params": {"account_tiers": ["key", "strategic"], "window_days": 30},
        "dimensions": ["waiting_on", "category"],
        "baseline": 72,
        "target": 4,
        "starts_on": date(2026, 11, 1),
        "deadline": date(2027, 1, 30),
    }
    body.update(over)
    return AnchorIn(**body)


def test_anchor_metric_history_and_attribution_on_a_known_dataset(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    _tickets(container, admin)
    with container.uow() as uow:
        anchor = AnchorService(uow, admin, clock=lambda: NOW).create(
            _anchor(owner_id=workspace.users["manager"].id)
        )
        uow.commit()
    for day in (0, 1):  # the daily job, two days running: one reading per day
        with container.uow() as uow:
            ctx = JobContext(
                uow,
                system_principal(admin.tenant_id),
                admin.tenant_id,
                {},
                NOW + timedelta(days=day),
            )
            out = jobs.anchors(ctx)
            uow.commit()
    assert len(out["anchors"]) == 1
    with container.uow() as uow:
        shown = AnchorService(uow, admin, clock=lambda: NOW).show(anchor["id"])
    latest = shown["latest"]
    # the ten key-account tickets in the window (the small shop's and the old one are out)
    assert latest["sample"] == 10
    assert latest["value"] == 5.5  # median of the hours above: (6 + 5) / 2
    # straight path from 72 (Nov 1) to 4 (Jan 30): day 31 of 90 → 72 − 68·31/90
    assert latest["expected"] == round(72 - 68 * 31 / 90, 4)
    assert latest["on_track"] is True
    top = latest["drivers"][0]
    assert (top["dimension"], top["group"], top["misses"], top["share_of_misses"]) == (
        "waiting_on",
        "技术支持部",
        5,
        0.8333,
    )
    assert latest["sentence_en"] == (
        "Of the 6 late tickets, 83% had waiting on = 技术支持部; 50% had category = billing."
    )
    assert latest["sentence_zh"].startswith("6 个超时工单中,83% 的等待方为「技术支持部」")
    assert [h["day"] for h in shown["history"]] == ["2026-12-01", "2026-12-02"]
    assert shown["progress"] == round((5.5 - 72) / (4 - 72), 4)
    with container.uow() as uow:
        kinds = [
            r.type
            for r in uow.session.scalars(
                select(OutboxEvent).where(OutboxEvent.subject_type == "anchor")
            )
        ]
    assert kinds == ["anchor.created", "anchor.computed", "anchor.computed"]


def test_renewal_rate_anchor_names_the_owner_losing_renewals(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    with container.uow() as uow:
        svc = RecordService(uow, admin, clock=lambda: NOW)
        pipeline = svc.create("pipeline", cs.PipelineIn(name="续约", is_default=True))["id"]
        stage = m.PipelineStage(
            tenant_id=admin.tenant_id,
            pipeline_id=pipeline,
            name="续约",
            probability=50,
            kind="open",
            position=0,
        )
        uow.session.add(stage)
        uow.session.flush()
        owners = [workspace.users["sales"].id] * 5 + [workspace.users["sales2"].id] * 5
        won = [True, True, True, True, False, True, False, False, False, True]
        for i, (owner, ok) in enumerate(zip(owners, won, strict=True)):
            deal = svc.create("deal", cs.DealIn(name=f"R{i}", source="renewal", stage_id=stage.id))
            row = uow.session.get(m.Deal, deal["id"])
            assert row is not None
            row.owner_id, row.status = owner, "won" if ok else "lost"
            row.closed_at = NOW - timedelta(days=2)
        uow.commit()
    with container.uow() as uow:
        service = AnchorService(uow, admin, clock=lambda: NOW)
        anchor = service.create(
            _anchor(
                name="车队续约率",
                metric="renewal_rate",
                params={"source": "renewal"},
                dimensions=["owner"],
                baseline=0.5,
                target=0.9,
                owner_id=workspace.users["manager"].id,
            )
        )
        shown = service.compute_now(anchor["id"])
        uow.commit()
    latest = shown["latest"]
    assert (latest["value"], latest["sample"]) == (0.6, 10)
    assert latest["drivers"][0]["group"] == workspace.users["sales2"].name
    assert latest["drivers"][0]["share_of_misses"] == 0.75  # 3 of the 4 lost renewals
    assert latest["on_track"] is False  # expected 0.5 + 0.4·30/90 = 0.6333


def test_anchor_input_is_validated(container: Container, workspace: Workspace) -> None:
    admin = _admin(container, workspace)
    with container.uow() as uow:
        service = AnchorService(uow, admin, clock=lambda: NOW)
        with pytest.raises(ValidationFailed) as caught:
            service.create(_anchor(owner_id="nobody"))
        assert [e.path for e in caught.value.errors] == [["body", "owner_id"]]
        with pytest.raises(ValidationFailed) as caught:
            service.create(
                _anchor(dimensions=["horoscope"], owner_id=workspace.users["manager"].id)
            )
        assert [e.path for e in caught.value.errors] == [["body", "dimensions", 0]]
        with pytest.raises(ValidationFailed):
            service.create(
                _anchor(
                    metric="renewal_rate",
                    baseline=50,
                    target=90,
                    owner_id=workspace.users["manager"].id,
                )
            )


def test_the_migration_grants_playbooks_to_existing_workspaces(
    container: Container, workspace: Workspace
) -> None:
    import importlib

    from sqlalchemy import delete

    from kith.access.models import RolePermission
    from kith.access.roles import BUILTIN_ROLES
    from kith.core.errors import PermissionDenied
    from kith.playbooks.service import PracticeService

    migration = importlib.import_module("kith.db.migrations.versions.0023_playbooks")
    # the migration grants exactly what new workspaces get from access.roles
    for role, (_, grants, _) in BUILTIN_ROLES.items():
        expected = {(o, a, s) for (o, a), s in grants.items() if o in ("practice", "anchor")}
        given = {
            (o, a, s) for o, pairs in migration.ROLE_GRANTS.get(role, {}).items() for a, s in pairs
        }
        assert given == expected, role
    with container.uow() as uow:  # a workspace from before 0020: no playbook grants
        uow.session.execute(
            delete(RolePermission).where(RolePermission.object_type.in_(("practice", "anchor")))
        )
        uow.commit()
    with container.uow() as uow:
        sales = principal_for_user(uow.session, workspace.users["sales"])
    with container.uow() as uow, pytest.raises(PermissionDenied):
        PracticeService(uow, sales).list()
    with container.engine.begin() as conn:
        added = migration.grant_existing_roles(conn)
    with container.engine.begin() as conn:
        assert migration.grant_existing_roles(conn) == 0
    assert added == 8 + 6 + 4 + 4 + 2 + 2 + 2  # admin, manager, sales, service, 3 readers
    with container.uow() as uow:
        sales = principal_for_user(uow.session, workspace.users["sales"])
        assert PracticeService(uow, sales).list() == []


def test_late_tickets_are_split_by_who_resolved_them(
    container: Container, workspace: Workspace
) -> None:
    """Three late tickets resolved by Kith itself (an automated flow), one by a person:
    75% of the late ones were resolved by ``system``."""
    from kith.crm.specs import PATCH_SCHEMAS

    admin = _admin(container, workspace)
    system = system_principal(admin.tenant_id, "auto-resolve")
    start = NOW - timedelta(days=2)
    with container.uow() as uow:
        key = RecordService(uow, admin, clock=lambda: start).create(
            "account", cs.AccountIn(name="国网", tier="key")
        )["id"]
        ids = [
            RecordService(uow, admin, clock=lambda: start).create(
                "ticket", cs.TicketIn(subject=f"T{i}", account_id=key)
            )["id"]
            for i in range(5)
        ]
        for i, ticket_id in enumerate(ids[:4]):
            who = system if i < 3 else admin
            RecordService(uow, who, clock=lambda: start + timedelta(hours=10)).update(
                "ticket", ticket_id, PATCH_SCHEMAS["ticket"](version=1, status="resolved")
            )
        RecordService(uow, admin, clock=lambda: start + timedelta(hours=1)).update(
            "ticket", ids[4], PATCH_SCHEMAS["ticket"](version=1, status="resolved")
        )
        anchor = AnchorService(uow, admin, clock=lambda: NOW).create(
            _anchor(dimensions=["resolved_by"], owner_id=workspace.users["manager"].id)
        )
        shown = AnchorService(uow, admin, clock=lambda: NOW).compute_now(anchor["id"])
        uow.commit()
    latest = shown["latest"]
    assert (latest["sample"], latest["value"]) == (5, 10.0)
    top = latest["drivers"][0]
    assert (top["group"], top["misses"], top["share_of_misses"]) == ("system", 3, 0.75)
    assert latest["sentence_en"] == (
        "Of the 4 late tickets, 75% had resolved by = system; 25% had resolved by = user."
    )
