"""The scheduler on SQLite and PostgreSQL: due runs, failure isolation, exclusive claims,
audit, and the model/schedule grants migration for workspaces created before it."""

from __future__ import annotations

import importlib
import threading
import time
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select

from kith.access import service as access
from kith.access.models import Role, RolePermission
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.core.errors import NotFound, ValidationFailed
from kith.crm import models as m
from kith.events.types import Actor
from kith.scheduling import registry
from kith.scheduling.models import Schedule, ScheduleRun
from kith.scheduling.service import ScheduleService, run_due
from kith.scheduling.ticker import SchedulerTicker

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
counted: Counter[str] = Counter()
_calls_lock = threading.Lock()
seen: list[tuple[str, str, str]] = []


@registry.job("test.count", "Counts its runs (tests)")
def _count(ctx: registry.JobContext) -> Mapping[str, Any]:
    with _calls_lock:
        counted[str(ctx.params.get("key", "count"))] += 1
    seen.append((ctx.tenant_id, ctx.principal.kind, str(ctx.params.get("key"))))
    # A change through the job's unit of work: committed by the scheduler.
    ctx.uow.session.add(
        m.Product(
            tenant_id=ctx.tenant_id,
            name=f"made by {ctx.params.get('key')}",
            sku=f"sku-{ctx.params.get('key')}",
        )
    )
    return {"counted": True, "at": ctx.now}


@registry.job("test.boom", "Always fails (tests)")
def _boom(ctx: registry.JobContext) -> Mapping[str, Any]:
    ctx.uow.session.add(m.Product(tenant_id=ctx.tenant_id, name="must be rolled back", sku="boom"))
    ctx.uow.session.flush()
    raise RuntimeError("the job broke")


@pytest.fixture(autouse=True)
def _reset_calls() -> None:
    counted.clear()
    seen.clear()


@pytest.fixture
def tenant_id(container: Container) -> str:
    with container.uow() as uow:
        tenant = access.ensure_tenant(uow.session, "acme", "Acme")
        uow.commit()
        return tenant.id


def add(container: Container, tenant_id: str, job: str, at: datetime = T0, **kw: Any) -> Schedule:
    with container.uow() as uow:
        service = ScheduleService(uow, tenant_id, Actor("user", "u1", "Ada"), clock=lambda: at)
        if "daily_at" not in kw:
            kw.setdefault("every", "1h")
        schedule = service.add(job, **kw)
        uow.commit()
        return schedule


def schedule_row(container: Container, schedule_id: str) -> Schedule:
    with container.uow() as uow:
        row = uow.session.get(Schedule, schedule_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def runs(container: Container) -> list[ScheduleRun]:
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(ScheduleRun).order_by(ScheduleRun.job)))
        uow.session.expunge_all()
        return rows


def products(container: Container) -> list[str]:
    with container.uow() as uow:
        return list(uow.session.scalars(select(m.Product.name).order_by(m.Product.name)))


def test_only_due_schedules_run_and_their_next_run_moves_on(
    container: Container, tenant_id: str
) -> None:
    hourly = add(container, tenant_id, "test.count", params={"key": "hourly"})
    add(container, tenant_id, "test.count", daily_at="20:00", params={"key": "daily"})
    paused = add(container, tenant_id, "test.count", params={"key": "paused"}, enabled=False)
    assert hourly.next_run_at == T0 + timedelta(hours=1)

    assert run_due(container, T0 + timedelta(minutes=59)) == []
    results = run_due(container, T0 + timedelta(hours=1, minutes=5))
    assert [(r["job"], r["status"]) for r in results] == [("test.count", "ok")]
    assert counted == Counter({"hourly": 1})
    assert seen == [(tenant_id, "system", "hourly")]
    assert products(container) == ["made by hourly"]

    row = schedule_row(container, hourly.id)
    assert row.next_run_at == T0 + timedelta(hours=2)  # keeps its phase
    assert (row.last_status, row.last_run_at) == ("ok", T0 + timedelta(hours=1, minutes=5))
    (run,) = runs(container)
    assert (run.status, run.attempts, run.error) == ("ok", 1, None)
    assert run.result["counted"] is True and run.result["at"].startswith("2026-11-22T09:05")

    # Nothing is due again until the next hour; the paused one never runs.
    assert run_due(container, T0 + timedelta(hours=1, minutes=30)) == []
    assert schedule_row(container, paused.id).last_run_at is None


def test_one_failing_job_does_not_stop_the_others(container: Container, tenant_id: str) -> None:
    boom = add(container, tenant_id, "test.boom", run_now=True)
    ok = add(container, tenant_id, "test.count", run_now=True, params={"key": "ok"})

    results = {r["job"]: r for r in run_due(container, T0)}
    assert results["test.boom"]["status"] == "failed"
    assert "the job broke" in results["test.boom"]["error"]
    assert results["test.count"]["status"] == "ok"
    # The failed job's changes were rolled back; the other's were committed.
    assert products(container) == ["made by ok"]
    assert schedule_row(container, boom.id).last_status == "failed"
    assert schedule_row(container, ok.id).last_status == "ok"
    failed = next(r for r in runs(container) if r.job == "test.boom")
    assert failed.status == "failed" and "RuntimeError" in (failed.error or "")
    assert failed.finished_at is not None


def test_two_runners_never_run_one_occurrence_twice(container: Container, tenant_id: str) -> None:
    for i in range(8):
        add(container, tenant_id, "test.count", run_now=True, params={"key": f"s{i}"})
    barrier = threading.Barrier(2)
    results: list[list[dict[str, Any]]] = []

    def runner(name: str) -> None:
        barrier.wait()
        results.append(run_due(container, T0, worker=name))

    threads = [threading.Thread(target=runner, args=(f"w{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert counted == Counter({f"s{i}": 1 for i in range(8)})
    assert sum(len(r) for r in results) == 8
    assert len(runs(container)) == 8


def test_unknown_jobs_and_bad_cadences_are_refused(container: Container, tenant_id: str) -> None:
    with pytest.raises(ValidationFailed, match="unknown job") as caught:
        add(container, tenant_id, "no.such.job")
    assert caught.value.errors[0].path == ["job"]
    with pytest.raises(ValidationFailed) as caught:
        add(container, tenant_id, "test.count", every="soon")
    assert caught.value.errors[0].path == ["every"]


def test_changes_are_audited_and_scoped_to_the_tenant(container: Container, tenant_id: str) -> None:
    schedule = add(container, tenant_id, "test.count")
    with container.uow() as uow:
        other = access.ensure_tenant(uow.session, "globex", "Globex")
        uow.commit()
    with container.uow() as uow:
        with pytest.raises(NotFound):
            ScheduleService(uow, other.id, Actor.system()).remove(schedule.id)
        service = ScheduleService(uow, tenant_id, Actor("user", "u1", "Ada"), clock=lambda: T0)
        service.set_enabled(schedule.id, False)
        service.remove(schedule.id)
        uow.commit()
    with container.uow() as uow:
        actions = list(
            uow.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "schedule")
                .order_by(AuditEntry.id)
            )
        )
        assert uow.session.get(Schedule, schedule.id) is None
    assert actions == ["schedule.created", "schedule.disabled", "schedule.removed"]


def test_migration_grants_model_and_schedule_to_existing_workspaces(
    container: Container, tenant_id: str
) -> None:
    migration = importlib.import_module("kith.db.migrations.versions.0013_scheduling")
    with container.uow() as uow:
        roles = {
            r.name: r.id
            for r in uow.session.scalars(select(Role).where(Role.tenant_id == tenant_id))
        }
        # A workspace from before: no model or schedule grants at all, and one edited grant.
        uow.session.execute(
            delete(RolePermission).where(
                RolePermission.tenant_id == tenant_id,
                RolePermission.object_type.in_(("model", "schedule")),
            )
        )
        uow.session.add(
            RolePermission(
                tenant_id=tenant_id,
                role_id=roles["admin"],
                object_type="model",
                action="delete",
                scope="own",
            )
        )
        uow.commit()

    with container.engine.begin() as conn:
        added = migration.grant_existing_roles(conn)
    with container.engine.begin() as conn:
        again = migration.grant_existing_roles(conn)
    assert (added, again) == (3 + 4 + 2, 0)

    with container.uow() as uow:
        rows = uow.session.scalars(
            select(RolePermission).where(
                RolePermission.tenant_id == tenant_id,
                RolePermission.object_type.in_(("model", "schedule")),
            )
        ).all()
        grants = {(r.role_id, r.object_type, r.action): r.scope for r in rows}
    assert grants[(roles["admin"], "model", "delete")] == "own"  # the edit is kept
    assert grants[(roles["admin"], "schedule", "create")] == "all"
    assert grants[(roles["analyst"], "model", "read")] == "all"
    assert grants[(roles["analyst"], "schedule", "read")] == "all"
    assert (roles["analyst"], "schedule", "create") not in grants
    assert not any(role == roles["sales"] for role, _, _ in grants)


def test_the_embedded_ticker_runs_due_schedules_and_stops(
    container: Container, tenant_id: str
) -> None:
    add(container, tenant_id, "test.count", run_now=True, at=datetime.now(UTC), params={"key": "t"})
    ticker = SchedulerTicker(container, tick_seconds=0.05, worker="ticker")
    ticker.start()
    try:
        deadline = time.monotonic() + 60
        while not runs(container) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        ticker.stop()
    (run,) = runs(container)
    assert (run.status, run.worker) == ("ok", "ticker")
    assert not [t for t in threading.enumerate() if t.name == "kith-scheduler"]
