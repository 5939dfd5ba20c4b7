"""The process the crash test kills: ``python flows_crash_child.py URL PHASE``.

``drive``: advance every running run one transaction at a time, printing ``step`` after
each commit (the parent kills this process with SIGKILL mid-way). ``finish``: the
restarted process — fire the waits that are due two minutes later, then drive again
until no run is running."""

from __future__ import annotations

import sys
from datetime import timedelta

from sqlalchemy import select

from kith.bootstrap import build_container
from kith.core.settings import Settings
from kith.db.engine import make_engine
from kith.flows.engine import FlowEngine
from kith.flows.jobs import fire_due
from kith.flows.models import FlowRun
from kith.gateway.gateway import gateway_of
from tests.integration.flows_support import NOW


def main(url: str, phase: str) -> None:
    at = NOW + (timedelta(minutes=2) if phase == "finish" else timedelta(0))
    container = build_container(
        Settings(database_url=url, mode="test"), engine=make_engine(url), clock=lambda: at
    )
    engine = FlowEngine(gateway_of(container), container.clock)
    for _ in range(100):
        with container.uow() as uow:
            tenants = set(uow.session.scalars(select(FlowRun.tenant_id)).all())
            if phase == "finish":
                for tenant in tenants:
                    fire_due(uow, tenant, at + timedelta(minutes=10))
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
            print("step", flush=True)
    print("idle", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
