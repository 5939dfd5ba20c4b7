"""``kith plan`` and ``kith ask`` as real subprocesses over a demo workspace (SQLite)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kith.bootstrap import build_container
from kith.core.settings import Settings
from kith.db.engine import make_engine
from kith.db.migrate import upgrade
from kith.demo.loader import load_demo
from tests.e2e.test_cli import kith

NOW = "2026-11-20T10:00:00+08:00"
SEED = "把张总上次提到的物流延迟问题同步给供应链总监并预约下周三方会议"
AS = "wang.qiang@kith.demo"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kith-language")
    url = f"sqlite:///{path / 'kith.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(home=path, database_url=url, mode="demo")
    container = build_container(settings, engine=engine)
    load_demo(container, tenant_slug="default", password="kith-demo-2026", seed=42, scale=0.05,
              anchor=datetime(2026, 11, 20, 1, 0, tzinfo=UTC))  # fmt: skip
    engine.dispose()
    return path


def test_plan_prints_the_plan_as_json(home: Path) -> None:
    result = kith(home, "plan", SEED, "--as", AS, "--now", NOW, "--json", mode="demo")
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["kind"] == "command" and plan["status"] == "planned"
    assert [s["tool"] for s in plan["steps"]][-1] == "meetings.schedule"
    assert plan["questions"][0]["default"] == "week"

    english = kith(
        home, "plan", "Which deals have been stuck in Demo for more than 14 days?",
        "--as", "li.na@kith.demo", "--now", NOW, "--lang", "en", "--json", mode="demo",
    )  # fmt: skip
    assert english.returncode == 0, english.stderr
    answer = json.loads(english.stdout)["answer"]
    assert answer["query"]["object_type"] == "deal"
    assert any(f.startswith("stage_id:in:") for f in answer["query"]["filters"])
    # 港城快运's deal has been in 方案演示 for 58 days
    assert any("港城快运" in row[0] for row in answer["rows"])


def test_bad_input_exits_2(home: Path) -> None:
    empty = kith(home, "plan", "  ", "--as", AS, mode="demo")
    assert empty.returncode == 2 and "empty" in empty.stderr
    naive = kith(home, "plan", "明天提醒我", "--as", AS, "--now", "2026-11-20T10:00", mode="demo")
    assert naive.returncode == 2 and "time zone" in naive.stderr
    stranger = kith(home, "plan", "明天提醒我", "--as", "nobody@kith.demo", mode="demo")
    assert stranger.returncode == 2


def test_ask_executes_on_confirmation(home: Path) -> None:
    text = "明天上午十点提醒我给张建国打电话"
    result = kith(home, "ask", text, "--as", AS, "--now", NOW, "--yes", "--json", mode="demo")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["execution"]["status"] == "executed"
    (step,) = out["execution"]["results"]
    assert step["output"]["kind"] == "task" and step["decision_id"]
