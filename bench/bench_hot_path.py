"""Benchmark: statements and profile of the governed door's hot paths.

    python bench/bench_hot_path.py events --events 1000
    python bench/bench_hot_path.py flows --runs 300
    python bench/bench_hot_path.py events --events 1000 --profile /tmp/events.prof

``events``: the ``kith bench events`` pipeline (interactions -> relay -> the four
built-in agents -> ``Gateway.execute``). ``flows``: the ``kith bench flows``
throughput phase (tickets -> the flows consumer -> five steps, two gateway calls per
run). After a warm-up, a ``before_cursor_execute`` listener counts every statement of
the drain in the runtime's threads (relay and consumers, not the driver's polling),
by kind and by statement text; ``--profile FILE`` also runs the consumer
threads under cProfile (one file per thread, ``FILE.<thread>``), so the profile is of
the work, not of the main thread's waiting. Prints one JSON object with the CPU time
of the process per event or step. The counts depend little on the machine's load (a
slower consumer commits smaller batches, so the per-transaction statements weigh
more); the seconds depend on it.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import re
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import database, workspace
from sqlalchemy import event, func, select

from kith.events.runtime import EventRuntime


class StatementCounter:
    def __init__(self) -> None:
        self.by_kind: Counter[str] = Counter()
        self.by_text: Counter[str] = Counter()
        self.on = False

    def listen(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # The runtime's threads only (relay, consumers): not the driver's polling.
        if not self.on or not threading.current_thread().name.startswith("kith-"):
            return
        words = statement.split()
        verb = words[0].upper() if words else "?"
        if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
            verb = "SAVEPOINT/RELEASE"
        self.by_kind[verb] += 1
        text = re.sub(r"\s+", " ", statement)
        text = re.sub(r"sa_savepoint_\d+", "sa_savepoint_N", text)
        text = re.sub(r"\(\?(, \?)*\)", "(?…)", text)
        self.by_text[text[:160]] += 1


def profile_consumers(path: str) -> None:
    """Run every consumer thread started from now on under its own cProfile."""
    original = EventRuntime._run_consumer

    def profiled(runtime: EventRuntime, runner: Any) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            original(runtime, runner)
        finally:
            profiler.disable()
            profiler.dump_stats(f"{path}.{threading.current_thread().name}")

    EventRuntime._run_consumer = profiled  # type: ignore[method-assign]


def run_events(count: int, profile: str | None) -> dict[str, Any]:
    from kith.bench.agents import Bench, Options

    with tempfile.TemporaryDirectory(prefix="kith-bench-") as tmp:
        home = Path(tmp)
        with database("sqlite", home) as url:
            container = workspace(url, home)
            try:
                bench = Bench(container, Options(events=count, warmup=0))
                bench.throughput(50)  # warm caches before counting
                counter = StatementCounter()
                counter.listen(container.engine)
                if profile:
                    profile_consumers(profile)
                ids = [bench.world.commit_one()[0] for _ in range(count)]
                counter.on = True
                started, cpu = time.perf_counter(), time.process_time()
                stop = bench.start_runtime()
                try:
                    while not all(i in bench.stopwatch.settled for i in ids):
                        time.sleep(0.01)
                finally:
                    stop()
                seconds = max(bench.stopwatch.settled[i] for i in ids) - started
                cpu = time.process_time() - cpu
                counter.on = False
            finally:
                container.engine.dispose()
    return _result("events", count, seconds, cpu, counter, units="event")


def run_flows(runs: int, profile: str | None) -> dict[str, Any]:
    from kith.bench.flows import _admin, _flow, _publish, _ticket, _wait
    from kith.events.inprocess import InProcessBus
    from kith.flows.consumer import flows_consumer
    from kith.flows.models import FlowStep

    with tempfile.TemporaryDirectory(prefix="kith-bench-flows-") as tmp:
        home = Path(tmp)
        with database("sqlite", home) as url:
            container = workspace(url, home)
            try:
                admin = _admin(container)
                _publish(container, admin, _flow(admin.user_id or ""))
                counter = StatementCounter()
                counter.listen(container.engine)
                for phase, n in (("warm-up", 20), ("measured", runs)):
                    base = 0 if phase == "warm-up" else 20
                    for i in range(n):
                        _ticket(container, admin, base + i)
                    with container.uow() as uow:
                        steps_before = int(
                            uow.session.scalar(select(func.count()).select_from(FlowStep)) or 0
                        )
                    if phase == "measured":
                        if profile:
                            profile_consumers(profile)
                        counter.on = True
                    started, cpu = time.perf_counter(), time.process_time()
                    runtime = EventRuntime(container, InProcessBus(), [flows_consumer(container)])
                    runtime.start()
                    try:
                        _wait(container, base + n, timeout=1800)
                    finally:
                        runtime.stop()
                    seconds = time.perf_counter() - started
                    cpu = time.process_time() - cpu
                    counter.on = False
                with container.uow() as uow:
                    steps = (
                        int(uow.session.scalar(select(func.count()).select_from(FlowStep)) or 0)
                        - steps_before
                    )
            finally:
                container.engine.dispose()
    result = _result("flows", steps, seconds, cpu, counter, units="step")
    result["runs"] = runs
    return result


def _result(
    name: str,
    units_done: int,
    seconds: float,
    cpu: float,
    counter: StatementCounter,
    *,
    units: str,
) -> dict[str, Any]:
    total = sum(counter.by_kind.values())
    return {
        "benchmark": f"hot_path_{name}",
        f"{units}s": units_done,
        "seconds": round(seconds, 2),
        f"{units}s_per_second": round(units_done / seconds, 1),
        # CPU of the whole process (every thread) while draining: less sensitive to the
        # machine's load than the wall-clock rate (the driver only polls meanwhile).
        f"cpu_ms_per_{units}": round(cpu * 1000 / max(units_done, 1), 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
        f"statements_per_{units}": round(total / max(units_done, 1), 2),
        "by_kind": dict(counter.by_kind.most_common()),
        "top_statements": [
            {"per_" + units: round(n / max(units_done, 1), 3), "sql": text}
            for text, n in counter.by_text.most_common(40)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("events", "flows"))
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--profile", help="write cProfile stats of the consumer threads")
    args = parser.parse_args()
    if args.what == "events":
        result = run_events(args.events, args.profile)
    else:
        result = run_flows(args.runs, args.profile)
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
