"""``kith bench knowledge``: the demo knowledge in a throw-away SQLite workspace and the
evaluation set asked one by one (metrics in ``kith.knowledge.evaluate``)."""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag
from kith.knowledge.evaluate import load_demo, load_set, score

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def run(path: str | Path | None = None, threshold: float | None = None) -> dict[str, Any]:
    from kith.access.service import ensure_tenant, system_principal
    from kith.bootstrap import build_container
    from kith.core.settings import Settings
    from kith.db.engine import make_engine
    from kith.db.migrate import upgrade
    from kith.knowledge.demo import FRANCHISE, LAB
    from kith.knowledge.service import KnowledgeService, KnowledgeSettings

    items = load_set(path)
    settings = KnowledgeSettings() if threshold is None else KnowledgeSettings(threshold=threshold)
    with tempfile.TemporaryDirectory() as home:
        url = f"sqlite:///{Path(home) / 'kith.db'}"
        engine = make_engine(url)
        upgrade(engine)
        container = build_container(
            Settings(home=Path(home), database_url=url, mode="test"),
            engine=engine,
            clock=lambda: NOW,
        )
        with container.uow() as uow:
            tenant = ensure_tenant(uow.session, "bench", "Bench")
            principal = system_principal(tenant.id, "kith bench knowledge")
            service = KnowledgeService(uow, principal, clock=lambda: NOW, settings=settings)
            started = time.perf_counter()
            load_demo(service)
            uow.commit()
            ingest_s = time.perf_counter() - started
        with container.uow() as uow:
            service = KnowledgeService(uow, principal, clock=lambda: NOW, settings=settings)
            spaces = (FRANCHISE, LAB)  # the two demo spaces, as the command bar would pick
            service.answer("warm up", spaces=spaces)
            result = score(items, lambda q: service.answer(q, spaces=spaces))
        engine.dispose()
    result["ingest_seconds"] = round(ingest_s, 2)
    result["threshold"] = settings.threshold
    return result


def bench_knowledge(
    as_json: JsonFlag = False,
    evalset: Annotated[str | None, typer.Option(help="JSONL set (default: the demo set).")] = None,
) -> None:
    """Accuracy, abstention, citation precision/recall and p95 latency on the
    evaluation set, over the demo knowledge in a temporary SQLite workspace."""
    result = run(evalset)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, default=str))
        return
    typer.echo(
        f"{result['questions']} questions: accuracy {result['accuracy']}, abstention "
        f"{result['abstention']}, citations P {result['citation_precision']} R "
        f"{result['citation_recall']}, p95 {result['p95_ms']} ms"
    )
