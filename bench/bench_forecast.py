"""Forecast by dimension: per-series backtest MASE against seasonal-naive; prints one JSON document.

  PYTHONPATH=src .venv/bin/python bench/bench_forecast.py [--scale 1.0] [--db PATH]

- the demo workspace (``kith demo`` data, seed 42, anchor 2026-11-20; the
  built-in models are trained first so open deals carry ``deal_win`` scores),
  every dimension (total, team, owner, product, pipeline) monthly and weekly,
  as the system (all deals): per group the chosen method, its holdout MASE,
  the seasonal-naive MASE on the same holdout, whether the pipeline-weighted
  estimate could be backtested and its MASE, and the seconds per dimension;
- statsmodels' bundled co2, elnino and macrodata series through the same
  per-series choice (no pipeline there), as a check on public data.

Series that do not beat the baseline are listed under ``not_better_than_baseline``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

ANCHOR = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


def demo_container(db: Path | None, scale: float, workdir: Path) -> tuple[Any, str]:
    from common import workspace
    from sqlalchemy import select

    from kith.access.models import Tenant
    from kith.bench.harness import generated_key
    from kith.bootstrap import build_container
    from kith.core.settings import Settings
    from kith.db.engine import make_engine
    from kith.demo.loader import load_demo
    from kith.events.types import Actor
    from kith.intelligence.scoring.builtin import BuiltinModels
    from kith.intelligence.service import IntelligenceService

    generated_key()
    if db is not None:
        url = f"sqlite:///{db}"
        engine = make_engine(url)
        container = build_container(
            Settings(home=db.parent, database_url=url, mode="test"), engine=engine
        )
    else:
        container = workspace(f"sqlite:///{workdir / 'kith.db'}", workdir)
        load_demo(
            container, tenant_slug="demo", password="kith-demo-2026", seed=42, scale=scale,
            anchor=ANCHOR,
        )  # fmt: skip
    with container.uow() as uow:
        tenant_id = uow.session.scalars(select(Tenant.id).where(Tenant.slug == "demo")).one()
        if db is None:
            service = IntelligenceService(
                uow, tenant_id, Actor("system", None, "bench"), lambda: ANCHOR
            )
            BuiltinModels(service).run()
            uow.commit()
    return container, tenant_id


def bench_demo(container: Any, tenant_id: str) -> list[dict[str, Any]]:
    from kith.access.service import system_principal
    from kith.intelligence.forecast.groups import DIMENSIONS, PIPELINE, group_forecasts

    principal = system_principal(tenant_id)
    out = []
    for period in ("month", "week"):
        for by in DIMENSIONS:
            with container.uow() as uow:
                started = time.perf_counter()
                groups, omitted = group_forecasts(
                    uow.session, principal, period, by, None, ANCHOR, 50
                )
                seconds = time.perf_counter() - started
            rows = []
            for g in groups:
                pipeline = next((c for c in g.candidates if c.method == PIPELINE), None)
                rows.append(
                    {
                        "group": g.name,
                        "periods": sum(1 for p in g.series if p.actual is not None),
                        "method": g.method,
                        "reason": g.reason,
                        "mase": g.model.mase if g.model else None,
                        "baseline_mase": g.baseline.mase if g.baseline else None,
                        "better_than_baseline": g.model.better_than_baseline if g.model else None,
                        "pipeline_backtested": g.pipeline.backtested,
                        "pipeline_mase": pipeline.mase
                        if pipeline and pipeline.backtested
                        else None,
                        "open_deals": g.pipeline.open_deals,
                        "probability_sources": g.pipeline.probability_sources,
                    }
                )
            out.append(
                {
                    "period": period,
                    "by": by,
                    "seconds": round(seconds, 2),
                    "groups": rows,
                    "omitted_groups": omitted,
                    "better_than_baseline": [r["group"] for r in rows if r["better_than_baseline"]],
                    "not_better_than_baseline": [
                        r["group"] for r in rows if r["better_than_baseline"] is False
                    ],
                    "insufficient_history": [r["group"] for r in rows if r["mase"] is None],
                }
            )
    return out


def bench_public() -> list[dict[str, Any]]:
    from bench_intelligence import forecast_series

    from kith.intelligence.forecast.groups import choose_by_backtest

    out = []
    for name, (series, freq) in forecast_series().items():
        if freq not in ("M", "W"):
            continue  # the by-dimension forecast is monthly or weekly
        started = time.perf_counter()
        choice = choose_by_backtest(series.to_numpy(dtype=float), freq, 6)
        winner, baseline = choice.candidates[choice.method], choice.candidates["seasonal_naive"]
        out.append(
            {
                "dataset": name,
                "periods": len(series),
                "method": choice.method,
                "mase": winner["mase"],
                "mape": winner["mape"],
                "baseline_mase": baseline["mase"],
                "baseline_mape": baseline["mape"],
                "better_than_baseline": winner["mae"] < baseline["mae"],
                "candidates": choice.candidates,
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", type=Path, default=None, help="An existing demo SQLite file.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        container, tenant_id = demo_container(args.db, args.scale, Path(tmp))
        setup = round(time.perf_counter() - started, 1)
        result = {
            "demo": {
                "scale": args.scale,
                "anchor": ANCHOR.isoformat(),
                "setup_seconds": setup,
                "dimensions": bench_demo(container, tenant_id),
            },
            "public": bench_public(),
        }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
