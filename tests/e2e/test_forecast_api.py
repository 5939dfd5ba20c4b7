"""GET /intelligence/forecast?by=...: one series per group, scoped, validated; and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from kith.bootstrap import build_container
from kith.container import Container
from kith.core.settings import Settings
from kith.db.engine import make_engine
from kith.db.migrate import upgrade
from tests.conftest import Workspace, make_workspace
from tests.integration.test_intelligence_forecast_groups import NOW, seed


def test_forecast_by_owner_over_http(
    container: Container, workspace: Workspace, as_role: Any
) -> None:
    seed(container, workspace)
    container.clock = lambda: NOW  # the endpoints take "now" from the container
    sales = as_role("sales")
    out = sales.get("/intelligence/forecast?period=month&by=owner&horizon=3")
    assert out["by"] == "owner" and out["omitted_groups"] == 0
    users = workspace.users
    assert {g["key"] for g in out["groups"]} == {users["sales"].id, users["sales2"].id}
    for group in out["groups"]:
        # the seeded series are shorter than two seasons: the baseline is naive, and says so
        assert group["baseline"]["name"] == "naive"
        assert "not seasonal-naive" in group["baseline"]["note"]["en"]
        assert group["method"] == group["model"]["algorithm"]
        assert {"method", "backtested", "mae", "mase", "mape", "note"} == set(
            group["candidates"][0]
        )
        future = [p for p in group["series"] if p["forecast"] is not None]
        assert len(future) == 3
        assert all(p["lower"] <= p["forecast"] <= p["upper"] for p in future)
        assert len(group["pipeline"]["points"]) == 3

    limited = as_role("admin").get("/intelligence/forecast?by=owner&limit=1&horizon=2")
    assert len(limited["groups"]) == 1 and limited["omitted_groups"] == 2

    weekly = sales.get("/intelligence/forecast?period=week&by=team&horizon=2")
    assert [g["name"] for g in weekly["groups"]] == ["East"]

    bad = sales.get("/intelligence/forecast?by=region&horizon=0", expected=422)
    assert {tuple(e["loc"]) for e in bad["errors"]} == {("query", "by"), ("query", "horizon")}
    as_role("marketing").get("/intelligence/forecast?by=team", expected=403)


def kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update({"KITH_HOME": str(home), "KITH_MODE": "production"})
    return subprocess.run(
        [sys.executable, "-m", "kith", "forecast", "show", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_cli_rejects_bad_options_with_exit_2(tmp_path: Path) -> None:
    for args, message in (
        (("--by", "region"), "--by must be one of total, team, owner, product, pipeline"),
        (("--period", "year"), "--period must be month or week"),
        (("--horizon", "0"), "--horizon must be between 1 and 24"),
    ):
        result = kith(tmp_path, *args, "--json")
        assert result.returncode == 2, result.stderr
        assert message in result.stderr


def test_cli_shows_the_forecast_by_team_in_a_users_scope(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'kith.db'}"
    engine = make_engine(url)
    upgrade(engine)
    container = build_container(Settings(home=tmp_path, database_url=url), engine=engine)
    workspace = make_workspace(container, "default")
    seed(container, workspace)
    engine.dispose()

    everyone = kith(tmp_path, "--by", "team", "--horizon", "2", "--json")
    assert everyone.returncode == 0, everyone.stderr
    out = json.loads(everyone.stdout)
    assert out["by"] == "team" and out["period"] == "month"
    assert {g["name"] for g in out["groups"]} == {"East", "(no team)"}
    assert all(g["baseline"] is None or g["baseline"]["name"] == "naive" for g in out["groups"])

    rep = kith(tmp_path, "--by", "owner", "--user", workspace.users["sales"].email, "--json")
    assert rep.returncode == 0, rep.stderr
    owners = {g["key"] for g in json.loads(rep.stdout)["groups"]}
    assert owners == {workspace.users["sales"].id, workspace.users["sales2"].id}

    human = kith(tmp_path, "--by", "pipeline")
    assert human.returncode == 0 and "Sales:" in human.stdout

    nobody = kith(tmp_path, "--user", "ghost@default.example.com")
    assert nobody.returncode == 2 and "no user" in nobody.stderr
