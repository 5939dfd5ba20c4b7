"""``kith bench ...``: benchmarks that print JSON (figures in docs/benchmarks.md).

Each runs on a throw-away database of its own (a temporary SQLite file, or a
scratch database on the PostgreSQL server named by ``KITH_BENCH_PG_URL``), never
on the workspace ``KITH_HOME`` points at.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from kith.bench.harness import BACKENDS

bench_app = typer.Typer(help="Benchmarks (JSON figures).", no_args_is_help=True)


@bench_app.command("events")
def events(
    events: Annotated[int, typer.Option(min=1, help="Interaction events per phase.")] = 10_000,
    backend: Annotated[str, typer.Option(help="sqlite or postgres.")] = "sqlite",
    bus: Annotated[
        str | None, typer.Option(help="Broker URL (redis://…); default the in-process bus.")
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(min=0.1, help="Latency phase events/s (default: half the drained rate)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Events through the four built-in agents: events/s and event → action latency."""
    from kith.bench.agents import Options, run
    from kith.clikit import fail

    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if bus is not None and not bus.startswith(("redis://", "rediss://", "unix://")):
        fail(f"--bus must be a redis:// URL (NATS is not built yet), not {bus!r}")
    result = run(Options(events=events, backend=backend, bus_url=bus, rate=rate))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"{result['events']} events, {result['backend']} + {result['bus']} bus: "
        f"{result['events_per_second']} events/s; event → first action "
        f"p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
        f"(targets ≥ {result['targets']['events_per_second']}/s, p99 < "
        f"{result['targets']['p99_ms']} ms)"
    )


@bench_app.command("privacy")
def privacy(
    interactions: Annotated[
        int, typer.Option(min=1, help="Interactions of the one contact exported and erased.")
    ] = 10_000,
    mask_chars: Annotated[int, typer.Option(min=400, help="Characters to mask.")] = 1_000_000,
    backend: Annotated[str, typer.Option(help="sqlite or postgres.")] = "sqlite",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """DSAR export and erasure time for one contact; masking throughput (characters/s)."""
    from kith.bench.privacy import dsar_export, masking
    from kith.clikit import fail

    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    masked, dsar = masking(mask_chars), dsar_export(backend, interactions)
    if as_json:
        result = {"benchmark": "privacy", "masking": masked, "dsar": dsar}
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"DSAR export of a contact with {interactions} interactions: {dsar['export_seconds']} s "
        f"({dsar['zip_bytes']} bytes), erasure {dsar['erase_seconds']} s; masking "
        f"{masked['with_pii']['chars_per_second']} chars/s with PII"
    )


@bench_app.command("decide")
def decide(
    rate: Annotated[float, typer.Option(min=1, help="Sustained phase decisions/s.")] = 1000.0,
    seconds: Annotated[float, typer.Option(min=0.1, help="Sustained phase length.")] = 10.0,
    max_decisions: Annotated[
        int, typer.Option(min=1, help="Decisions of the back-to-back phase.")
    ] = 5_000,
    window: Annotated[str, typer.Option(help="memory (embedded) or redis (scaled out).")] = (
        "memory"
    ),
    redis_url: Annotated[
        str, typer.Option(help="Redis for --window redis.")
    ] = "redis://127.0.0.1:6379/15",
    customers: Annotated[int, typer.Option(min=1, help="Customers seeded with orders.")] = 2000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """The S4 payment check (lists, the card's last hour, the customer's history):
    decisions/s and p50/p99/p999 latency, and the share of budget fallbacks."""
    from kith.bench.decide import Options, run
    from kith.clikit import fail

    if window not in ("memory", "redis"):
        fail(f"--window must be memory or redis, not {window!r}")
    result = run(
        Options(
            rate=rate,
            seconds=seconds,
            max_decisions=max_decisions,
            window=window,
            redis_url=redis_url,
            customers=customers,
        )
    )
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"payment check ({result['window']} window): {result['decisions_per_second']} decisions/s "
        f"sustained (target {rate:g}), p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"p999 {result['p999_ms']} ms, budget fallbacks {result['budget_fallbacks']:.3%}; "
        f"back to back {result['max']['decisions_per_second']} decisions/s"
    )
