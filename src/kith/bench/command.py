"""``kith bench ...``: benchmarks that print JSON (figures in docs/benchmarks.md).

Each runs on a throw-away database of its own (a temporary SQLite file, or a
scratch database on the PostgreSQL server named by ``KITH_BENCH_PG_URL``), never
on the workspace ``KITH_HOME`` points at, with a field key generated for it when the
environment names none: every benchmark runs on a fresh machine with nothing set.
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
    """PII detection precision/recall per type (strict and masking mode) on the labelled
    set, masking throughput (characters/s), DSAR export and erasure time for one contact."""
    from kith.bench.pii_cases import detection
    from kith.bench.privacy import dsar_export, masking
    from kith.clikit import fail

    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    quality = detection()
    masked, dsar = masking(mask_chars), dsar_export(backend, interactions)
    if as_json:
        result = {"benchmark": "privacy", "detection": quality, "masking": masked, "dsar": dsar}
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"DSAR export of a contact with {interactions} interactions: {dsar['export_seconds']} s "
        f"({dsar['zip_bytes']} bytes), erasure {dsar['erase_seconds']} s; masking "
        f"{masked['with_pii']['chars_per_second']} chars/s with PII; masking-mode precision "
        f"{quality['masking_mode']['overall']['precision']}, recall "
        f"{quality['masking_mode']['overall']['recall']}"
    )


@bench_app.command("language")
def language(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    devset: Annotated[str | None, typer.Option(help="JSONL set (default: the dev set).")] = None,
) -> None:
    """Accuracy (exact plan match, per slot) and p50/p99 planning latency on the dev set,
    against a fresh demo workspace (scale 0.05) in a temporary SQLite database."""
    import sys

    from kith.bench.language import run

    result = run(devset)
    summary = {k: v for k, v in result.items() if k != "failures"}
    summary["failures_sample"] = result["failures"][:15]
    sys.stdout.write(json.dumps(summary, ensure_ascii=False, indent=None if as_json else 2) + "\n")


@bench_app.command("startup")
def startup(
    runs: Annotated[int, typer.Option(min=1, help="Runs of each command.")] = 5,
    src: Annotated[
        str | None,
        typer.Option(help="Measure the code of another checkout (its src directory)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Process start-up of kith --version, --help, plan and serve (until /healthz answers)."""
    from pathlib import Path

    from kith.bench.startup import run

    result = run(runs=runs, src=Path(src).resolve() if src else None)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    for name, figures in result["commands"].items():
        typer.echo(f"{name}: p50 {figures['p50_ms']} ms, p95 {figures['p95_ms']} ms")
    typer.echo(f"load average {result['load_average_before']} → {result['load_average_after']}")


def _register_knowledge() -> None:
    from kith.bench.knowledge import bench_knowledge

    bench_app.command("knowledge")(bench_knowledge)


_register_knowledge()


@bench_app.command("identity")
def identity(
    identities: Annotated[
        int, typer.Option(min=200, help="Generated Chinese/English identities to link.")
    ] = 20_000,
    small: Annotated[
        int, typer.Option(min=100, help="A second, smaller size, for the extrapolation.")
    ] = 10_000,
    held_out_seed: Annotated[
        int, typer.Option(min=0, help="Seed of the held-out set (HELD_OUT noise mix).")
    ] = 2027,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Identity resolution: Febrl 4 and the Chinese/English benchmark (precision,
    recall, F1), batch seconds per million (extrapolated), online p99."""
    from kith.bench.identity import run
    from kith.clikit import fail

    if small >= identities:
        fail(f"--small ({small}) must be below --identities ({identities})")
    result = run(identities, small, held_out_seed)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    febrl, chinese = result["febrl4"], result["chinese"]
    typer.echo(
        f"Febrl4 F1 {febrl.get('f1', febrl.get('skipped'))}; Chinese F1 {chinese['f1']} "
        f"(P {chinese['precision']}, R {chinese['recall']}, {chinese['identities']} "
        f"identities); batch {result['batch_seconds_per_million']} s per million "
        f"(extrapolated); online p99 {result['online_p99_ms']} ms"
    )


@bench_app.command("identity-online")
def identity_online(
    identities: Annotated[
        int, typer.Option(min=1_000, max=5_000_000, help="Identities in the stored graph.")
    ] = 1_000_000,
    arrivals: Annotated[
        int, typer.Option(min=10, max=20_000, help="Held-out identities matched one at a time.")
    ] = 1_000,
    profile: Annotated[bool, typer.Option(help="Add the cProfile top of the arrivals.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Online identity matching on SQLite: one arrival against a stored graph of a
    million identities (bulk-built once under KITH_HOME/bench), p50/p99."""
    from kith.bench.identity_online import run

    result = run(identities, arrivals, profile)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    online = result["online"]
    typer.echo(
        f"graph {result['graph_identities']} identities; {online['arrivals']} arrivals: "
        f"p50 {online['p50_ms']} ms, p99 {online['p99_ms']} ms; {online['decisions']}"
    )
    if profile:
        typer.echo(online["profile"])


@bench_app.command("identity-batch")
def identity_batch(
    identities: Annotated[
        int, typer.Option(min=1_000, max=5_000_000, help="Generated identities linked at once.")
    ] = 1_000_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Batch identity resolution, one real run: seconds for N identities (and per million)."""
    from kith.bench.identity_batch import run

    result = run(identities)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"{result['identities']} identities linked in {result['timings_seconds']['total_s']} s "
        f"({result['batch_seconds_per_million']} s per million); {result['timings_seconds']}"
    )


@bench_app.command("playbooks")
def playbooks(
    scale: Annotated[
        float, typer.Option(min=0.01, max=1.0, help="Demo scale (1 = 500 deals).")
    ] = 0.2,
    applies: Annotated[int, typer.Option(min=1, max=200, help="Practices applied.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Playbooks on the demo: recommendation, effect, anchor and apply latencies."""
    from kith.bench.playbooks import run

    result = run(scale, applies)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"recommend p99 {result['recommend_ms'].get('p99')} ms over {result['open_deals']} open "
        f"deals; effect p99 {result['effect_ms'].get('p99')} ms; anchor p99 "
        f"{result['anchor_compute_ms'].get('p99')} ms; apply p99 {result['apply_ms'].get('p99')} ms"
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
    cpu_decisions: Annotated[
        int, typer.Option(min=1, help="Decisions of the CPU-time phase (process_time).")
    ] = 3_000,
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
            cpu_decisions=cpu_decisions,
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


@bench_app.command("flows")
def flows(
    runs: Annotated[int, typer.Option(min=1, help="Runs in the throughput phase.")] = 500,
    latency_events: Annotated[int, typer.Option(min=1, help="Events in the latency phase.")] = 200,
    rate: Annotated[
        float | None,
        typer.Option(min=0.1, help="Latency phase events/s (default: half the run rate)."),
    ] = None,
    kill_runs: Annotated[int, typer.Option(min=2, help="Runs driven by the killed process.")] = 200,
    backend: Annotated[str, typer.Option(help="sqlite or postgres.")] = "sqlite",
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Flow runs on the embedded runtime: steps/s, event → first step committed p99, and
    runs lost after kill -9 of the process driving them."""
    from kith.bench.flows import Options, run
    from kith.clikit import fail

    if backend not in BACKENDS:
        fail(f"--backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    result = run(Options(runs, latency_events, rate, kill_runs, backend))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"{result['steps_per_second']} steps/s; event → first step p99 {result['p99_ms']} ms; "
        f"{result['runs_lost_after_kill']} runs lost after kill -9 "
        f"({result['kill']['tool_steps_twice']} tool steps twice)"
    )


@bench_app.command("dispatch")
def dispatch(
    engineers: Annotated[int, typer.Option(min=1, max=20_000, help="Engineers ranked.")] = 500,
    runs: Annotated[int, typer.Option(min=1, max=100_000, help="Rankings timed.")] = 500,
    orders: Annotated[int, typer.Option(min=1, max=10_000, help="Orders in the day plan.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Dispatch: p99 of ranking ENGINEERS for one work order (target ≤ 20 ms), the same
    with the database read, and the time to plan a day of ORDERS (greedy)."""
    from kith.bench.dispatch import Options, run

    result = run(Options(engineers=engineers, runs=runs, orders=orders))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    db = result["recommend_with_database"]
    typer.echo(
        f"ranking {engineers} engineers: p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms "
        f"(target ≤ {result['target_p99_ms']} ms); with the database read p99 {db['p99']} ms; "
        f"a day of {orders} orders planned in {result['plan']['seconds']} s "
        f"({result['plan']['planned']} placed, greedy)"
    )


@bench_app.command("health")
def health(
    events: Annotated[int, typer.Option(min=1, max=100_000, help="Incremental updates.")] = 200,
    scale: Annotated[float, typer.Option(min=0.01, max=10, help="Demo scale.")] = 0.05,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Customer health on the demo: batch recompute of every customer, one event's
    incremental update (p50/p99), and a 20-customer preview."""
    from kith.bench.health import run

    result = run(events, scale)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"batch {result['batch']['seconds']} s for {result['customers']} customers; "
        f"incremental p99 {result['incremental']['p99_ms']} ms; "
        f"preview {result['preview_ms']} ms"
    )


@bench_app.command("inbox")
def inbox(
    messages: Annotated[
        int, typer.Option(min=1, max=200_000, help="Messages of the initial sync.")
    ] = 10_000,
    incremental: Annotated[
        int, typer.Option(min=1, max=100_000, help="New messages of the incremental sync.")
    ] = 100,
    batch: Annotated[int, typer.Option(min=1, max=5_000, help="Messages per commit.")] = 500,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """IMAP sync from a local pymap server: messages/s of the initial and the incremental
    sync."""
    from kith.bench.inbox import Options, run

    result = run(Options(messages=messages, incremental=incremental, batch=batch))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    first, more = result["initial"], result["incremental"]
    typer.echo(
        f"initial {first['messages']} in {first['seconds']} s "
        f"({first['messages_per_second']} msg/s); incremental {more['messages']} in "
        f"{more['seconds']} s ({more['messages_per_second']} msg/s)"
    )


@bench_app.command("webhooks")
def webhooks(
    latency_events: Annotated[
        int, typer.Option(min=1, help="Events of the latency phase, one per commit.")
    ] = 1_000,
    rate: Annotated[float, typer.Option(min=1, help="Latency phase commits/s.")] = 100.0,
    burst_events: Annotated[
        int, typer.Option(min=1, help="Events of the throughput phase (batches of 100).")
    ] = 10_000,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Outbound webhooks to a healthy local receiver: commit → arrival p50/p99, and
    deliveries/s for a burst."""
    from kith.bench.webhooks import Options, run

    result = run(Options(latency_events=latency_events, rate=rate, burst_events=burst_events))
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    lat, thr = result["latency"], result["throughput"]
    typer.echo(
        f"commit → receiver p50 {lat['p50_ms']} ms, p99 {lat['p99_ms']} ms "
        f"(target ≤ {result['targets']['p99_ms']} ms); burst of {thr['events']}: "
        f"{thr['deliveries_per_second']} deliveries/s"
    )


@bench_app.command("mcp")
def mcp(
    calls: Annotated[int, typer.Option(min=1, max=100_000, help="Calls per path.")] = 300,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """The MCP door's cost: one tool call direct through the gateway, over REST, and
    through the MCP client (p50/p99 each)."""
    from kith.bench.mcp import run

    result = run(calls)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"direct p50 {result['direct_gateway']['p50_ms']} ms, REST p50 "
        f"{result['rest']['p50_ms']} ms, MCP p50 {result['mcp']['p50_ms']} ms "
        f"(+{result['mcp_overhead_p50_ms']} ms over direct)"
    )


@bench_app.command("mqtt")
def mqtt(
    messages: Annotated[int, typer.Option(min=1, max=1_000_000, help="Messages sent.")] = 20_000,
    url: Annotated[
        str | None,
        typer.Option(help="Broker, mqtt://host:port (default: a Mosquitto of its own)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON result only.")] = False,
) -> None:
    """Telemetry through a real broker (QoS 1) into Kith's events: messages/s, none lost."""
    from kith.bench.mqtt import run
    from kith.clikit import fail

    if url is not None and not url.startswith("mqtt://"):
        fail("--url must look like mqtt://host:port")
    result = run(messages, url)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
        return
    typer.echo(
        f"{result['stored']} of {messages} stored in {result['seconds']} s: "
        f"{result['messages_per_second']} messages/s"
    )
