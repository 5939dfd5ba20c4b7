"""Scheduler overhead: claim, run and record N due no-op schedules; prints JSON.

  .venv/bin/python bench/bench_scheduler.py [--schedules 200]

Runs on a throw-away SQLite file and, when KITH_TEST_PG_URL (or the default local
server) answers, on a throw-away PostgreSQL database. The job does nothing, so
the figure is the scheduler's own cost per run (claim transaction, the job's
unit of work, the run record).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from kith.access import service as access
from kith.bench.harness import generated_key
from kith.bootstrap import build_container
from kith.core.settings import Settings
from kith.db.engine import make_engine
from kith.db.migrate import upgrade
from kith.events.types import Actor
from kith.scheduling import registry
from kith.scheduling.service import ScheduleService, run_due

PG_ADMIN = os.environ.get(
    "KITH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@registry.job("bench.noop", "Does nothing (benchmark)")
def _noop(_ctx: registry.JobContext) -> Mapping[str, Any]:
    return {}


def measure(url: str, schedules: int) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    generated_key()
    container = build_container(Settings(database_url=url, mode="test"), engine=engine)
    now = datetime.now(UTC)
    with container.uow() as uow:
        tenant = access.ensure_tenant(uow.session, "bench", "Bench")
        uow.commit()
    with container.uow() as uow:
        service = ScheduleService(uow, tenant.id, Actor.system(), clock=lambda: now)
        for _ in range(schedules):
            service.add("bench.noop", every="1h", run_now=True)
        uow.commit()
    started = time.perf_counter()
    runs = run_due(container, now)
    seconds = time.perf_counter() - started
    engine.dispose()
    assert len(runs) == schedules and all(r["status"] == "ok" for r in runs)
    return {
        "backend": engine.dialect.name,
        "schedules": schedules,
        "seconds": round(seconds, 3),
        "runs_per_second": round(schedules / seconds, 1),
    }


def on_postgres(schedules: int) -> dict[str, Any] | None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    name = f"kith_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError:
        return None
    try:
        base = PG_ADMIN.rsplit("/", 1)[0]
        return measure(f"{base}/{name}", schedules)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--schedules", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = [measure(f"sqlite:///{Path(tmp) / 'kith.db'}", args.schedules)]
    postgres = on_postgres(args.schedules)
    if postgres is not None:
        results.append(postgres)
    print(json.dumps({"scheduler": results, "load_average": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
