"""Benchmark of saved-segment refreshes; prints one JSON document.

  PYTHONPATH=src .venv/bin/python bench/bench_segments.py [--contacts 50000] [--backend sqlite]

A workspace with N contacts (a third in 上海), a churn score for each and
orders for half of them. Measured, per backend:

- first refresh of "上海 and churn >= 0.6" (no members yet: all adds);
- a second refresh after 10 % of the scores moved (adds and removes);
- a refresh that changes nothing;
- refreshes of "at_risk or hibernating" (RFM over every order of the workspace).

Each refresh is one unit of work including the commit (outbox rows of the
capped member events, the refresh log).
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from common import BACKENDS, database, machine, workspace
from sqlalchemy import insert, select, update

from kith.access.models import Tenant
from kith.access.service import system_principal
from kith.container import Container
from kith.core.ids import new_id
from kith.crm import models as m
from kith.intelligence.models import Score
from kith.intelligence.segments.schemas import Definition, SegmentIn
from kith.intelligence.segments.service import SegmentService

NOW = datetime(2026, 11, 1, tzinfo=UTC)
CITIES = ("上海", "北京", "深圳")


def _load(container: Container, tenant_id: str, contacts: int) -> list[str]:
    rng = random.Random(7)
    ids = [new_id() for _ in range(contacts)]
    with container.uow() as uow:
        base = {"tenant_id": tenant_id, "created_at": NOW, "updated_at": NOW}
        rows = [
            {**base, "id": i, "name": f"客户{n}", "city": CITIES[n % 3]} for n, i in enumerate(ids)
        ]
        uow.session.execute(insert(m.Contact), rows)
        uow.session.execute(
            insert(Score),
            [
                {
                    "id": new_id(),
                    "tenant_id": tenant_id,
                    "object_type": "contact",
                    "record_id": i,
                    "kind": "churn",
                    "score": rng.random(),
                    "band": "low",
                    "model_version": "churn@1",
                    "factors": [],
                    "detail": {},
                    "scored_at": NOW,
                }
                for i in ids
            ],
        )
        orders = []
        for n, contact_id in enumerate(ids[: contacts // 2]):
            for k in range(1 + n % 4):
                orders.append(
                    {
                        **base,
                        "id": new_id(),
                        "number": f"O{n}-{k}",
                        "contact_id": contact_id,
                        "ordered_at": NOW - timedelta(days=rng.randint(1, 700)),
                        "total": Decimal(rng.randint(50, 5000)),
                    }
                )
        uow.session.execute(insert(m.Order), orders)
        uow.commit()
    return ids


def _timed_refresh(container: Container, tenant_id: str, ref: str) -> dict[str, Any]:
    started = time.perf_counter()
    with container.uow() as uow:
        result = SegmentService(uow, system_principal(tenant_id), lambda: NOW).refresh(ref)
        uow.commit()
    return {
        "seconds": round(time.perf_counter() - started, 3),
        "added": result.added,
        "removed": result.removed,
        "total": result.total,
        "events_capped": result.events_capped,
    }


def _segment(container: Container, tenant_id: str, name: str, definition: dict[str, Any]) -> None:
    with container.uow() as uow:
        SegmentService(uow, system_principal(tenant_id)).create(
            SegmentIn(
                name=name,
                label_zh=name,
                label_en=name,
                definition=Definition.model_validate(definition),
            )
        )
        uow.commit()


def run(backend: str, contacts: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp, database(backend, Path(tmp)) as url:
        container = workspace(url, Path(tmp))
        with container.uow() as uow:
            tenant_id = uow.session.scalars(select(Tenant.id).where(Tenant.slug == "default")).one()
        started = time.perf_counter()
        ids = _load(container, tenant_id, contacts)
        load_seconds = round(time.perf_counter() - started, 1)
        _segment(
            container,
            tenant_id,
            "sh_churn",
            {
                "filters": ["city:eq:上海"],
                "scores": [{"model": "churn", "op": "gte", "value": 0.6}],
            },
        )
        _segment(container, tenant_id, "lapsing", {"rfm": ["at_risk", "hibernating"]})
        out: dict[str, Any] = {
            "backend": backend,
            "contacts": contacts,
            "load_seconds": load_seconds,
        }
        out["first_refresh"] = _timed_refresh(container, tenant_id, "sh_churn")
        rng = random.Random(11)
        with container.uow() as uow:
            for record_id in rng.sample(ids, contacts // 10):
                uow.session.execute(
                    update(Score)
                    .where(Score.tenant_id == tenant_id, Score.record_id == record_id)
                    .values(score=rng.random())
                )
            uow.commit()
        out["refresh_after_10pct_score_changes"] = _timed_refresh(container, tenant_id, "sh_churn")
        out["refresh_unchanged"] = _timed_refresh(container, tenant_id, "sh_churn")
        # The first RFM refresh of a process also imports pandas and scikit-learn.
        out["rfm_first_refresh"] = _timed_refresh(container, tenant_id, "lapsing")
        out["rfm_refresh_unchanged"] = _timed_refresh(container, tenant_id, "lapsing")
        out["machine"] = machine(container)
        container.engine.dispose()
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args()
    results = [run(b, args.contacts) for b in (args.backend or ["sqlite"])]
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
