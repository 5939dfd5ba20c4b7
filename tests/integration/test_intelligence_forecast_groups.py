"""Forecast by team/owner/pipeline over real databases: grouping, row scoping, pipeline estimate."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from kith.access import service as access
from kith.access.principal import Principal
from kith.container import Container
from kith.core.ids import new_id
from kith.crm import models as m
from kith.crm import schemas as cs
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS
from kith.demo.loader import SettableClock
from kith.intelligence.forecast.groups import INSUFFICIENT, PIPELINE, group_forecasts
from tests.conftest import Workspace

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
START = datetime(2025, 6, 3, 9, 0, tzinfo=UTC)


def principal(container: Container, workspace: Workspace, role: str) -> Principal:
    with container.uow() as uow:
        user = uow.session.merge(workspace.users[role])
        return access.principal_for_user(uow.session, user)


def seed(container: Container, workspace: Workspace) -> dict[str, float]:
    """17 months of wins for two East reps, 3 for a rep in no team, and open deals.

    Returns the won amount per owner role.
    """
    admin = principal(container, workspace, "admin")
    clock = SettableClock(START - timedelta(days=30))
    won: dict[str, float] = {}
    with container.uow() as uow:
        records = RecordService(uow, admin, clock)
        pipeline = records.create("pipeline", cs.PipelineIn(name="Sales", is_default=True))
        stages = {}
        for position, (name, probability, kind) in enumerate(
            (("Qualify", 30, "open"), ("Won", 100, "won"), ("Lost", 0, "lost"))
        ):
            row = m.PipelineStage(
                id=new_id(), tenant_id=workspace.tenant_id, pipeline_id=pipeline["id"],
                name=name, position=position, probability=probability, kind=kind,
            )  # fmt: skip
            uow.session.add(row)
            stages[name] = row.id
        uow.session.flush()

        def deal(role: str, amount: int, created: datetime, stage: str | None) -> None:
            clock.now = created
            made = records.create(
                "deal",
                cs.DealIn(
                    name=f"{role} {created:%Y-%m-%d} {amount}",
                    pipeline_id=pipeline["id"],
                    amount=amount,
                    expected_close=(created + timedelta(days=20)).date(),
                    owner_id=workspace.users[role].id,
                ),
            )
            if stage is not None:
                clock.now = created + timedelta(days=10)
                patch = PATCH_SCHEMAS["deal"](version=made["version"], stage_id=stages[stage])
                records.update("deal", made["id"], patch)
                if stage == "Won":
                    won[role] = won.get(role, 0.0) + amount

        for month in range(17):
            at = START + timedelta(days=30 * month)
            deal("sales", 1000 + 50 * month + (month % 3) * 200, at, "Won")
            deal("sales2", 700 + (month % 4) * 100, at, "Won")
            deal("sales", 400, at + timedelta(days=1), "Lost")
        for month in range(14, 17):
            deal("sales3", 5000, START + timedelta(days=30 * month), "Won")
        clock.now = NOW - timedelta(days=3)
        for role, amount in (("sales", 2000), ("sales2", 1000), ("sales3", 9000)):
            made = records.create(
                "deal",
                cs.DealIn(
                    name=f"open {role}", pipeline_id=pipeline["id"], amount=amount,
                    expected_close=date(2026, 12, 15), owner_id=workspace.users[role].id,
                ),
            )  # fmt: skip
            assert made["status"] == "open"
        uow.commit()
    return won


def test_a_sales_rep_sees_only_their_teams_deals(
    container: Container, workspace: Workspace
) -> None:
    won = seed(container, workspace)
    rep = principal(container, workspace, "sales")
    with container.uow() as uow:
        owners, omitted = group_forecasts(uow.session, rep, "month", "owner", 3, NOW)
        teams, _ = group_forecasts(uow.session, rep, "month", "team", 3, NOW)
        total, _ = group_forecasts(uow.session, rep, "month", "total", 3, NOW)
    assert omitted == 0
    users = workspace.users
    assert {g.key for g in owners} == {users["sales"].id, users["sales2"].id}
    assert {g.name for g in owners} == {users["sales"].name, users["sales2"].name}
    assert [g.name for g in teams] == ["East"]
    (everything,) = total
    actual = sum(p.actual or 0 for p in everything.series)
    assert actual == won["sales"] + won["sales2"]  # sales3's wins stay invisible
    # Open pipeline: the two East deals only, at Qualify's win rate over the visible
    # closed deals (34 won, 17 lost), not its configured 30 %.
    assert everything.pipeline.open_deals == 2
    december = next(p for p in everything.pipeline.points if p.period == "2026-12-01")
    assert december.expected == round((2000 + 1000) * 34 / 51, 2)
    assert everything.pipeline.probability_sources == {"stage_win_rate": 2}


def test_each_series_gets_its_own_backtest_and_short_ones_say_so(
    container: Container, workspace: Workspace
) -> None:
    seed(container, workspace)
    admin = principal(container, workspace, "admin")
    with container.uow() as uow:
        owners, _ = group_forecasts(uow.session, admin, "month", "owner", 3, NOW)
        teams, _ = group_forecasts(uow.session, admin, "month", "team", 3, NOW)
        pipelines, _ = group_forecasts(uow.session, admin, "month", "pipeline", 3, NOW)
    by_key = {g.key: g for g in owners}
    newcomer = by_key[workspace.users["sales3"].id]
    assert newcomer.method == INSUFFICIENT
    assert newcomer.model is None and "at least 8" in str(newcomer.reason)
    assert newcomer.pipeline.points and not newcomer.pipeline.backtested
    assert not [p for p in newcomer.series if p.forecast is not None]
    veteran = by_key[workspace.users["sales"].id]
    assert veteran.model is not None and veteran.baseline is not None
    # shorter than two seasons: the baseline is naive, and the group says why
    history = [p for p in veteran.series if p.actual is not None]
    assert len(history) < 24
    assert veteran.baseline.name == "naive" and veteran.baseline.note is not None
    assert "not seasonal-naive" in veteran.baseline.note["en"]
    scored = {c.method: c for c in veteran.candidates if c.backtested}
    assert {"naive", "ets", PIPELINE} <= set(scored)
    assert "holt_winters" not in scored  # seasonal models need two seasons to train on
    assert veteran.method in scored
    assert scored[veteran.method].mae == min(c.mae or 0 for c in scored.values())
    assert veteran.pipeline.backtested
    future = [p for p in veteran.series if p.forecast is not None]
    assert len(future) == 3 and future[0].period == "2026-11-01"
    assert all(p.lower is not None and p.lower <= p.forecast for p in future)
    assert {g.name for g in teams} == {"East", "(no team)"}
    assert [g.name for g in pipelines] == ["Sales"]
