"""``kith bench playbooks``: how fast the playbooks context answers on the demo.

Loads the demo (seed 42, anchored on 2026-11-20 09:00 Shanghai; ``scale`` of the full
500 deals) into a throw-away SQLite database, then times, per call:

* ``recommend_ms``: practices for an open deal (similarity, and the effect of every
  published practice against comparable closed deals), over every open deal;
* ``effect_ms``: one practice's adoption and matched comparison;
* ``anchor_compute_ms``: one value anchor's daily reading with its attribution;
* ``apply_ms``: applying a published practice to an open deal (its tasks through the
  gateway, committed).
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kith.bench.harness import generated_key, machine, p50_p99

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
PASSWORD = "bench-demo-password-1"  # noqa: S105 - a throw-away database


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def run(scale: float, applies: int) -> dict[str, Any]:
    from kith.access.models import User
    from kith.access.service import principal_for_user
    from kith.bootstrap import build_container
    from kith.core.settings import Settings
    from kith.crm.models import Deal
    from kith.db.engine import make_engine
    from kith.db.migrate import upgrade
    from kith.demo.loader import load_demo
    from kith.gateway.gateway import gateway_of
    from kith.playbooks.anchors import compute
    from kith.playbooks.application import Applications
    from kith.playbooks.effect import effect
    from kith.playbooks.features import closed_deals
    from kith.playbooks.recommend import recommend
    from kith.playbooks.repository import PlaybookRepository

    generated_key()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'kith.db'}"
        engine = make_engine(url)
        upgrade(engine)
        container = build_container(
            Settings(home=home, database_url=url, mode="test"), engine=engine
        )
        load_demo(
            container, tenant_slug="default", password=PASSWORD, seed=42, scale=scale,
            anchor=ANCHOR,
        )  # fmt: skip
        with container.uow() as uow:
            deals = uow.session.scalars(
                select(Deal).where(Deal.status == "open").order_by(Deal.id)
            ).all()
            tenant_id = deals[0].tenant_id
            repo = PlaybookRepository(uow.session, tenant_id)
            practices = repo.published()
            recommend_ms, effect_ms, anchor_ms = [], [], []
            started = time.perf_counter()
            recommend(uow.session, tenant_id, deals[0].id)  # warm-up: imports, CEL, caches
            first_ms = _ms(started)
            suggested = 0
            for deal in deals:
                started = time.perf_counter()
                suggested += bool(recommend(uow.session, tenant_id, deal.id))
                recommend_ms.append(_ms(started))
            for practice in practices:
                started = time.perf_counter()
                effect(
                    repo.applications(practice_id=practice.id), closed_deals(uow.session, tenant_id)
                )
                effect_ms.append(_ms(started))
            for anchor in repo.anchors():
                started = time.perf_counter()
                compute(uow, anchor, ANCHOR)
                anchor_ms.append(_ms(started))
            uow.session.rollback()
            targets = [(d.id, d.owner_id) for d in deals if d.owner_id][:applies]
            practice_id = practices[0].id
            figures = machine(container)
        apply_ms = []
        for deal_id, owner_id in targets:
            with container.uow() as uow:
                user = uow.session.get(User, owner_id)
                assert user is not None
                principal = principal_for_user(uow.session, user)
                started = time.perf_counter()
                Applications(uow, principal, gateway_of(container), clock=lambda: ANCHOR).apply(
                    practice_id, deal_id
                )
                uow.commit()
                apply_ms.append(_ms(started))
        engine.dispose()
    return {
        "benchmark": "playbooks",
        "scale": scale,
        "open_deals": len(recommend_ms),
        "open_deals_with_a_suggestion": suggested,
        "published_practices": len(effect_ms),
        "recommend_first_call_ms": round(first_ms, 1),
        "recommend_ms": p50_p99(recommend_ms),
        "effect_ms": p50_p99(effect_ms),
        "anchor_compute_ms": p50_p99(anchor_ms),
        "apply_ms": p50_p99(apply_ms),
        "applies": len(apply_ms),
        "machine": figures,
    }
