"""Benchmark: get, list, page and search latency over N contacts, through the HTTP API.

    python bench/bench_list_search.py --contacts 100000 --backend sqlite
    python bench/bench_list_search.py --contacts 100000 --contacts 1000000

Loads N generated contacts through the bulk write path (``BulkWriter``, the
importer's path, including its post-load settling), signs in as the admin and
times real requests with ``fastapi.testclient.TestClient`` against
``create_app`` (bearer token, so every request authenticates). The app's
embedded event runtime first publishes the load's backlog of events (the time
is reported); each operation then gets warm-up requests and ``--requests``
timed ones. Prints one JSON object per size.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import ADMIN_EMAIL, ADMIN_PASSWORD, BACKENDS, database, machine, percentile, workspace
from datagen import contacts
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from kith.access.models import User
from kith.access.service import principal_for_user
from kith.app import create_app
from kith.container import Container
from kith.crm.bulk import BulkWriter, RowIn
from kith.crm.models import Contact
from kith.crm.repository import RecordRepository
from kith.crm.specs import SPECS
from kith.events.models import OutboxEvent

LOAD_BATCH = 5000
CITY = "上海"
RELAY_TIMEOUT_SECONDS = 3600
RELAY_SETTLE_SECONDS = 2


def load(container: Container, count: int, settle: bool) -> float:
    """Seconds to write ``count`` contacts as ``kith import`` does, committing per batch."""
    started = time.perf_counter()
    with container.uow() as uow:
        admin = uow.session.scalars(select(User).where(User.email == ADMIN_EMAIL)).one()
        principal = principal_for_user(uow.session, admin)
        writer = BulkWriter(uow, principal, "contact")
        batch: list[RowIn] = []
        for line, row in enumerate(contacts(count), start=2):
            batch.append(RowIn(line, row))
            if len(batch) == LOAD_BATCH:
                _write(uow, writer, batch)
                batch = []
        _write(uow, writer, batch)
        if settle:
            RecordRepository(uow.session, principal).settle_after_bulk_load(SPECS["contact"])
            uow.commit()
    return time.perf_counter() - started


def _write(uow: Any, writer: BulkWriter, batch: list[RowIn]) -> None:
    if batch:
        rejected = [r for r in writer.write(batch) if r.status == "rejected"]
        if rejected:
            raise SystemExit(f"generated rows were rejected: {rejected[:3]}")
        uow.commit()
        uow.committed_events.clear()  # as kith import does: nothing reads them


def samples(container: Container, size: int) -> dict[str, list[str]]:
    """Ids and search terms taken from the loaded data, so every query finds something."""
    rng = random.Random(7)
    with container.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Contact)).scalar_one()
        rows = conn.execute(
            select(Contact.id, Contact.name, Contact.email, Contact.mobile)
            .order_by(Contact.id)
            .offset(rng.randrange(max(total - 5 * size, 1)))
            .limit(5 * size)
        ).all()
    picked = rng.sample(rows, min(size, len(rows)))
    chinese = [r.name for r in rows if len(r.name) == 2 and "\u4e00" <= r.name[0] <= "\u9fff"]
    mobiles = [r.mobile for r in rows if r.mobile and r.mobile[0] == "1"]
    return {
        "ids": [r.id for r in picked],
        "names": rng.sample(chinese, min(size, len(chinese))),
        "emails": [r.email.split("@")[0][:6] for r in picked],
        "phones": [m[:7] for m in rng.sample(mobiles, min(size, len(mobiles)))],
    }


def wait_for_relay(container: Container) -> float | None:
    """Seconds until the app's embedded relay has published the load's events.

    Requests are timed afterwards, in steady state: while the relay drains a
    backlog of N events it competes with requests for the CPU and (on SQLite)
    the write lock. None when the embedded runtime is off.
    """
    if not container.settings.embedded_runtime:
        return None
    started = time.perf_counter()
    unpublished = select(func.count()).where(OutboxEvent.published_at.is_(None))
    while time.perf_counter() - started < RELAY_TIMEOUT_SECONDS:
        with container.engine.connect() as conn:
            if conn.execute(unpublished).scalar_one() == 0:
                time.sleep(RELAY_SETTLE_SECONDS)  # consumers finish the last batch
                return round(time.perf_counter() - started, 1)
        time.sleep(1)
    raise SystemExit(f"the relay did not publish the backlog within {RELAY_TIMEOUT_SECONDS} s")


def measure(call: Callable[[int], Any], requests: int, warmup: int) -> dict[str, float | int]:
    for i in range(warmup):
        call(i)
    latencies: list[float] = []
    found = 0
    for i in range(requests):
        started = time.perf_counter()
        body = call(warmup + i)
        latencies.append((time.perf_counter() - started) * 1000)
        found += len(body.get("items", [body]))
    return {
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "mean_ms": round(sum(latencies) / len(latencies), 2),
        "requests": requests,
        "mean_items": round(found / requests, 1),
    }


def run(backend: str, count: int, requests: int, warmup: int, settle: bool) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="kith-bench-") as tmp,
        database(backend, Path(tmp)) as url,
    ):
        container = workspace(url, Path(tmp))
        load_seconds = load(container, count, settle)
        picks = samples(container, requests + warmup)
        with TestClient(create_app(container)) as client:
            drain_seconds = wait_for_relay(container)
            operations = _operations(client, picks)
            results = {name: measure(call, requests, warmup) for name, call in operations.items()}
        facts = machine(container)
        container.engine.dispose()
    return {
        "benchmark": "list_search",
        "backend": backend,
        "contacts": count,
        "load_seconds": round(load_seconds, 1),
        "load_rows_per_second": round(count / load_seconds),
        "settled_after_load": settle,
        "outbox_drain_seconds": drain_seconds,
        "operations": results,
        "machine": facts,
    }


def _operations(client: TestClient, picks: dict[str, list[str]]) -> dict[str, Callable[[int], Any]]:
    response = client.post(
        "/api/v1/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
    )
    response.raise_for_status()
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    city_list = {"filter": f"city:eq:{CITY}", "sort": "name", "limit": 50}

    def get(path: str, params: dict[str, Any] | None = None) -> Any:
        reply = client.get(f"/api/v1{path}", params=params, headers=headers)
        if reply.status_code != 200:
            raise SystemExit(f"GET {path} {params}: {reply.status_code} {reply.text[:300]}")
        return reply.json()

    cursor = get("/contacts", city_list)["next_cursor"]

    def pick(name: str, i: int) -> str:
        values = picks[name]
        return values[i % len(values)]

    return {
        "get_by_id": lambda i: get(f"/contacts/{pick('ids', i)}"),
        "list_city_sorted_by_name": lambda i: get("/contacts", city_list),
        "list_page_2_by_cursor": lambda i: get("/contacts", {**city_list, "cursor": cursor}),
        "search_chinese_name": lambda i: get("/contacts", {"q": pick("names", i), "limit": 50}),
        "search_email_prefix": lambda i: get("/contacts", {"q": pick("emails", i), "limit": 50}),
        "search_phone_prefix": lambda i: get("/contacts", {"q": pick("phones", i), "limit": 50}),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, action="append", help="repeatable; 100000 if none")
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument(
        "--no-settle",
        action="store_true",
        help="skip what kith import does after a load: planner statistics and, on "
        "PostgreSQL, merging the search index's pending entries",
    )
    args = parser.parse_args()
    for count in args.contacts or [100_000]:
        result = run(args.backend, count, args.requests, args.warmup, not args.no_settle)
        json.dump(result, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
