"""`kith dispatch ...` as real subprocesses: recommend, an override refused without a
reason (exit 2 with the field), assign with one, the status flow, the plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kith.access.repository import AccessRepository
from kith.access.service import system_principal
from kith.bootstrap import build_container
from kith.core.settings import Settings
from kith.demo.fieldservice import seed_field_resources
from kith.fieldservice.schemas import WorkOrderIn
from kith.fieldservice.service import FieldService

PASSWORD = "Dispatch-e2e-Passw0rd!"
NOW = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # the order is created before any real "now"


def kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update({"KITH_HOME": str(home), "KITH_MODE": "production"})
    return subprocess.run(
        [sys.executable, "-m", "kith", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, str]:
    done = kith(tmp_path, "init", "--admin-email", "a@example.com", "--admin-password", PASSWORD)
    assert done.returncode == 0, done.stderr
    container = build_container(Settings(home=tmp_path, mode="production"))
    with container.uow() as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug("default")
        assert tenant is not None
        tenant_id = tenant.id
    seed_field_resources(container, tenant_id, NOW)
    with container.uow() as uow:
        order = FieldService(uow, system_principal(tenant_id), lambda: NOW).create_work_order(
            WorkOrderIn(
                kind="installation",
                title="Install EV-7",
                asset_serial="SN-CLI-1",
                address="苏州市工业园区星湖街 328 号",
                region="苏州",
                lat=31.2960,
                lon=120.7330,
                required_skills=["installation"],
                window_start=datetime(2032, 6, 9, 1, 0, tzinfo=UTC),
                window_end=datetime(2032, 6, 9, 9, 0, tzinfo=UTC),
            )
        )
        uow.commit()
        order_id = order.id
    container.engine.dispose()
    return tmp_path, order_id


def test_recommend_override_assign_and_run_the_visit(world: tuple[Path, str]) -> None:
    home, order_id = world
    ranked = kith(home, "dispatch", "recommend", order_id, "--json")
    assert ranked.returncode == 0, ranked.stderr
    out = json.loads(ranked.stdout)
    assert out["ranked"], out
    assert {r["engineer_id"] for r in out["ranked"]}.isdisjoint(
        {e["engineer_id"] for e in out["excluded"]}
    )
    top, second = out["ranked"][0], out["ranked"][1]
    assert top["score"] >= second["score"]

    refused = kith(home, "dispatch", "assign", order_id, second["engineer_id"])
    assert refused.returncode == 2
    assert "reason" in refused.stderr

    done = kith(
        home, "dispatch", "assign", order_id, second["engineer_id"],
        "--reason", "离客户更熟 / knows the customer", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["assignment"]["override"] is True

    bad = kith(home, "dispatch", "transition", order_id, "done")
    assert bad.returncode == 2 and "cannot become done" in bad.stderr
    for status in ("en_route", "on_site", "done"):
        step = kith(home, "dispatch", "transition", order_id, status)
        assert step.returncode == 0, step.stderr
    shown = json.loads(kith(home, "dispatch", "show", order_id, "--json").stdout)
    assert [h["to_status"] for h in shown["history"]] == [
        "proposed", "scheduled", "en_route", "on_site", "done"
    ]  # fmt: skip

    assert kith(home, "dispatch", "plan", "--day", "2032-13-01").returncode == 2
    plan = json.loads(kith(home, "dispatch", "plan", "--day", "2032-06-09", "--json").stdout)
    assert plan["orders"] == 0  # the only order is done: nothing proposed left
