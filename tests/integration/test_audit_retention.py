"""Retention: a prune deletes only entries older than the policy, leaves an anchor the
chain verifies from, is itself audited, refuses a broken chain; removals without an
anchor, and forged anchors, are still reported."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from kith.access.service import system_principal
from kith.audit.chain import verify
from kith.audit.jobs import prune_audit_log
from kith.audit.models import AuditChainAnchor, AuditEntry
from kith.audit.retention import ChainBroken, prune
from kith.container import Container
from kith.core.errors import ValidationFailed
from kith.events.types import Actor
from kith.scheduling import registry
from kith.scheduling.registry import JobContext
from tests.conftest import Workspace

NOW = datetime(2031, 6, 1, tzinfo=UTC)
DAYS = 1826
OLD = NOW - timedelta(days=DAYS + 30)
ACTOR = Actor("user", "admin-1", "Admin")


def _write(container: Container, tenant_id: str, at: datetime, n: int, action: str) -> None:
    with container.uow() as uow:
        for i in range(n):
            uow.session.add(
                AuditEntry(
                    tenant_id=tenant_id,
                    actor_kind="user",
                    actor_id="u1",
                    action=action,
                    detail={"n": i},
                    at=at + timedelta(minutes=i),
                )
            )
        uow.commit()


def _actions(container: Container, tenant_id: str) -> list[str]:
    with container.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.tenant_id == tenant_id)
                .order_by(AuditEntry.seq)
            )
        )


def _prune(container: Container, tenant_id: str, **kw: object) -> dict[str, object]:
    with container.uow() as uow:
        result = prune(uow, tenant_id, now=NOW, retention_days=DAYS, actor=ACTOR, **kw)  # type: ignore[arg-type]
        uow.commit()
    return result.as_dict()


@pytest.fixture
def aged(container: Container, workspace: Workspace) -> str:
    """A log whose oldest entries are past the retention, then recent ones."""
    tenant = workspace.tenant_id
    _write(container, tenant, OLD - timedelta(days=400), 3, "old.a")
    _write(container, tenant, OLD, 2, "old.b")
    _write(container, tenant, NOW - timedelta(days=10), 2, "recent")
    return tenant


def test_prune_deletes_only_what_the_policy_lets_go_and_verify_still_passes(
    container: Container, aged: str
) -> None:
    before = _actions(container, aged)
    old = sum(1 for a in before if a.startswith("old"))
    # Entries written when the workspace was created are recent by NOW's clock.
    first_recent = next(i for i, a in enumerate(before) if not a.startswith("old"))
    assert first_recent == old
    result = _prune(container, aged)
    assert (result["pruned"], result["through_seq"]) == (old, old)
    assert _actions(container, aged) == [*before[old:], "audit.pruned"]
    with container.uow() as uow:
        report = verify(uow.session, aged)
        anchor = uow.session.scalars(select(AuditChainAnchor)).one()
        pruned = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "audit.pruned")
        ).one()
        assert report.ok and report.anchored == {aged: old}
        assert (anchor.through_seq, anchor.count, anchor.actor_id) == (old, old, "admin-1")
        assert pruned.detail["through_seq"] == old and pruned.detail["hash"] == anchor.hash
        assert pruned.actor_id == "admin-1"


def test_a_second_prune_starts_from_the_anchor(container: Container, aged: str) -> None:
    _prune(container, aged, before=OLD - timedelta(days=1))  # only the "old.a" batch
    assert _actions(container, aged)[0] == "old.b"
    again = _prune(container, aged)
    assert again["pruned"] == 2
    assert _prune(container, aged)["pruned"] == 0  # nothing older is left
    with container.uow() as uow:
        assert verify(uow.session, aged).ok
        anchors = uow.session.scalars(select(AuditChainAnchor.through_seq)).all()
    assert sorted(anchors) == [3, 5]


def test_before_later_than_the_policy_allows_is_refused(container: Container, aged: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        _prune(container, aged, before=NOW - timedelta(days=DAYS - 1))
    assert refused.value.errors[0].path == ["before"]
    assert _actions(container, aged)[0] == "old.a"


def test_a_dry_run_changes_nothing(container: Container, aged: str) -> None:
    before = _actions(container, aged)
    result = _prune(container, aged, dry_run=True)
    assert result["pruned"] == 5 and result["dry_run"] is True
    assert _actions(container, aged) == before


def test_removal_without_an_anchor_is_a_break(container: Container, aged: str) -> None:
    with container.uow() as uow:
        uow.session.execute(
            delete(AuditEntry).where(AuditEntry.tenant_id == aged, AuditEntry.seq <= 2)
        )
        uow.commit()
        report = verify(uow.session, aged)
    assert report.first_break is not None and report.first_break.seq == 1
    assert "no retention anchor" in report.first_break.problem


def test_tampering_after_a_prune_is_still_detected(container: Container, aged: str) -> None:
    _prune(container, aged)
    with container.uow() as uow:
        first = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == aged).order_by(AuditEntry.seq)
        ).first()
        assert first is not None
        victim = first.id
        uow.session.execute(
            update(AuditEntry).where(AuditEntry.id == victim).values(action="edited")
        )
        uow.commit()
        report = verify(uow.session, aged)
    assert report.first_break is not None and report.first_break.entry_id == victim


def test_removing_more_than_the_anchor_covers_is_a_break(container: Container, aged: str) -> None:
    _prune(container, aged)
    with container.uow() as uow:
        uow.session.execute(
            delete(AuditEntry).where(AuditEntry.tenant_id == aged, AuditEntry.seq == 6)
        )
        uow.commit()
        report = verify(uow.session, aged)
    assert report.first_break is not None and report.first_break.seq == 6


def test_a_forged_anchor_is_not_trusted(container: Container, aged: str) -> None:
    """Deleting rows and inserting an anchor by hand: no prune entry vouches for it."""
    with container.uow() as uow:
        last = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.tenant_id == aged, AuditEntry.seq == 5)
        ).one()
        uow.session.execute(
            delete(AuditEntry).where(AuditEntry.tenant_id == aged, AuditEntry.seq <= 5)
        )
        uow.session.add(
            AuditChainAnchor(
                tenant_id=aged,
                through_seq=5,
                hash=last.hash,
                count=5,
                before=OLD,
                at=NOW,
                actor_kind="user",
                actor_id="intruder",
            )
        )
        uow.commit()
        report = verify(uow.session, aged)
    assert report.first_break is not None and "not confirmed" in report.first_break.problem


def test_a_broken_chain_is_not_pruned(container: Container, aged: str) -> None:
    with container.uow() as uow:
        uow.session.execute(
            update(AuditEntry)
            .where(AuditEntry.tenant_id == aged, AuditEntry.seq == 2)
            .values(actor_id="x")
        )
        uow.commit()
    with pytest.raises(ChainBroken):
        _prune(container, aged)
    assert _actions(container, aged)[0] == "old.a"


def test_the_scheduled_job_prunes_the_workspace(container: Container, aged: str) -> None:
    job = registry.get("audit.prune")
    assert job is not None and job.run is prune_audit_log
    with container.uow() as uow:
        ctx = JobContext(uow, system_principal(aged), aged, {}, NOW)
        summary = job.run(ctx)
        uow.commit()
    assert summary["pruned"] == 5
    with container.uow() as uow:
        assert verify(uow.session, aged).ok


def test_a_broken_link_at_the_boundary_is_not_pruned(container: Container, aged: str) -> None:
    """The first kept entry must link to the last pruned one, or the anchor would hide it."""
    with container.uow() as uow:
        uow.session.execute(
            update(AuditEntry)
            .where(AuditEntry.tenant_id == aged, AuditEntry.seq == 6)
            .values(prev_hash="f" * 64)
        )
        uow.commit()
    with pytest.raises(ChainBroken) as refused:
        _prune(container, aged)
    assert "#6" in refused.value.detail
