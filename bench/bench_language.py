"""Language planning benchmark; prints JSON.

Accuracy (exact plan match, per-slot) and planning latency on the development set
(tests/data/language_devset.jsonl, tuned against) and the held-out set
(tests/data/language_holdout.jsonl), each over a fresh demo workspace at scale 0.05.
``--full-scale`` also times planning of the same texts against the full demo (200
accounts, 1,000 contacts, 500 deals; ~1 minute to load), where the gazetteer is larger.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from kith.language.devset import ANCHOR, DEFAULT_DEVSET, NOW, load_entries, run_devset

HOLDOUT = DEFAULT_DEVSET.with_name("language_holdout.jsonl")


def full_scale_latency() -> dict[str, Any]:
    from kith.access.repository import AccessRepository
    from kith.access.service import principal_for_user
    from kith.bootstrap import build_container
    from kith.core.settings import Settings
    from kith.db.engine import make_engine
    from kith.db.migrate import upgrade
    from kith.demo.loader import load_demo
    from kith.gateway.gateway import gateway_of
    from kith.language.resolve import clear_cache
    from kith.language.service import plan_only

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'kith.db'}"
        engine = make_engine(url)
        upgrade(engine)
        container = build_container(
            Settings(home=Path(tmp), database_url=url, mode="test"), engine=engine
        )
        load_demo(
            container,
            tenant_slug="default",
            password="kith-demo-2026",
            seed=42,
            scale=1.0,
            anchor=ANCHOR,
        )
        clear_cache()
        texts = [e["text"] for e in load_entries() + load_entries(HOLDOUT)]
        with container.uow() as uow:
            repo = AccessRepository(uow.session)
            tenant = repo.tenant_by_slug("default")
            assert tenant is not None
            user = repo.user_in_tenant(tenant.id, "wang.qiang@kith.demo")
            assert user is not None
            principal = principal_for_user(uow.session, user)
            started = time.perf_counter()
            gateway = gateway_of(container)
            plan_only(uow, principal, texts[0], None, NOW, gateway)
            cold = (time.perf_counter() - started) * 1000
            times = []
            for text in texts:
                started = time.perf_counter()
                plan_only(uow, principal, text, None, NOW, gateway)
                times.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    times.sort()
    return {
        "plans": len(times),
        "cold_first_plan_ms": round(cold, 2),
        "latency_ms_p50": round(statistics.median(times), 2),
        "latency_ms_p99": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full-scale", action="store_true")
    options = parser.parse_args()
    from kith.bootstrap import build_container
    from kith.core.settings import Settings
    from kith.gateway.gateway import gateway_of

    out: dict[str, Any] = {}
    # The devset plans in its own temporary database; the gateway does not depend on it.
    gateway = gateway_of(build_container(Settings(database_url="sqlite://", mode="test")))
    for name, path in (("devset", DEFAULT_DEVSET), ("holdout", HOLDOUT)):
        result = run_devset(path, gateway=gateway)
        result["failures"] = result["failures"][:15]
        out[name] = result
    if options.full_scale:
        out["full_scale"] = full_scale_latency()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
