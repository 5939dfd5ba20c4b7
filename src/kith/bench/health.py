"""``kith bench health``: the speed of customer health (issue 19, S14) on the demo
(``--scale``, default 0.05; seed 42; its default "customer health" published).

* ``batch``: recomputing every contact and account (what a publish, ``kith concepts
  recompute`` and the nightly job do), seconds and customers per second.
* ``incremental``: what the ``concepts-health`` consumer does for one event — the
  contact and its account recomputed and committed — p50/p99 in ms over customers with
  data.
* ``preview_ms``: a definition computed on 20 customers for the mapping editor.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kith.access.service import system_principal
from kith.bench.harness import ADMIN_PASSWORD, generated_key, machine, p50_p99
from kith.bootstrap import build_container
from kith.concepts.consumers import recompute_customers
from kith.concepts.defaults import CUSTOMER_HEALTH, DEFAULT_DEFINITION
from kith.concepts.models import ConceptValue
from kith.concepts.service import ConceptService
from kith.container import Container
from kith.core.settings import Settings
from kith.crm.models import Contact
from kith.db.engine import make_engine
from kith.db.migrate import upgrade
from kith.demo.loader import load_demo

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def _demo(home: Path, scale: float) -> Container:
    """A migrated SQLite database under ``home`` with the demo (seed 42, the language
    sets' anchor) at ``scale``."""
    url = f"sqlite:///{home / 'kith.db'}"
    engine = make_engine(url)
    upgrade(engine)
    container = build_container(Settings(home=home, database_url=url, mode="test"), engine=engine)
    load_demo(
        container,
        tenant_slug="default",
        password=ADMIN_PASSWORD,
        seed=42,
        scale=scale,
        anchor=ANCHOR,
    )
    container.clock = lambda: ANCHOR
    return container


def run(events: int = 200, scale: float = 0.05) -> dict[str, Any]:
    generated_key()
    with tempfile.TemporaryDirectory(prefix="kith-bench-health-") as tmp:
        container = _demo(Path(tmp), scale)
        with container.uow() as uow:
            tenant_id = uow.session.scalars(select(Contact.tenant_id).limit(1)).one()
            known = uow.session.execute(
                select(Contact.id, Contact.account_id)
                .join(ConceptValue, ConceptValue.subject_id == Contact.id)
                .where(ConceptValue.value.is_not(None))
                .order_by(Contact.id)
            ).all()
        principal = system_principal(tenant_id, "bench")

        started = time.perf_counter()
        with container.uow() as uow:
            out = ConceptService(uow, principal, clock=container.clock).recompute(
                CUSTOMER_HEALTH, trigger="bench"
            )
            uow.commit()
        batch_s = time.perf_counter() - started

        samples: list[float] = []
        for i in range(events):
            contact_id, account_id = known[i % len(known)]
            t0 = time.perf_counter()
            with container.uow() as uow:
                recompute_customers(
                    uow, tenant_id, contact_id, account_id, container.clock, "bench"
                )
                uow.commit()
            samples.append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        with container.uow() as uow:
            ConceptService(uow, principal, clock=container.clock).preview(
                CUSTOMER_HEALTH, DEFAULT_DEFINITION
            )
        preview_ms = (time.perf_counter() - t0) * 1000
        result = {
            "scale": scale,
            "customers": out.computed,
            "batch": {
                "seconds": round(batch_s, 2),
                "customers_per_second": round(out.computed / batch_s, 1),
            },
            "incremental": {"events": events, **_ms(p50_p99(samples))},
            "preview_ms": round(preview_ms, 1),
            "machine": machine(container),
        }
        container.engine.dispose()
        return result


def _ms(figures: dict[str, float]) -> dict[str, float]:
    return {f"{k}_ms": v for k, v in figures.items()}
