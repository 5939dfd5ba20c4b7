"""The process ``kith bench flows`` kills: ``python -m kith.bench.flows_kill URL PHASE``.

``drive`` advances every running flow run one transaction at a time and prints ``step``
after each commit (the benchmark sends it SIGKILL part-way); ``finish`` is the restarted
process: it fires every due wait and drives again until no run is running."""

from __future__ import annotations

import sys
from datetime import timedelta

from sqlalchemy import select

from kith.bench.harness import generated_key
from kith.bootstrap import build_container
from kith.core.clock import utcnow
from kith.core.settings import Settings
from kith.db.engine import make_engine
from kith.flows.engine import FlowEngine
from kith.flows.jobs import fire_due
from kith.flows.models import FlowRun
from kith.gateway.gateway import gateway_of


def main(url: str, phase: str) -> None:
    generated_key()
    container = build_container(Settings(database_url=url, mode="test"), engine=make_engine(url))
    engine = FlowEngine(gateway_of(container), container.clock)
    for _ in range(1000):
        if phase == "finish":
            with container.uow() as uow:
                for tenant in set(uow.session.scalars(select(FlowRun.tenant_id)).all()):
                    fire_due(uow, tenant, utcnow() + timedelta(days=1))
                uow.commit()
        with container.uow() as uow:
            running = uow.session.scalars(
                select(FlowRun.id).where(FlowRun.status == "running").order_by(FlowRun.id)
            ).all()
        if not running:
            break
        for run_id in running:
            with container.uow() as uow:
                run = uow.session.get(FlowRun, run_id)
                if run is not None and run.status == "running":
                    engine.advance(uow, run, effects=1)  # commit after every step
                    uow.commit()
            sys.stdout.write("step\n")
            sys.stdout.flush()
    sys.stdout.write("idle\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
