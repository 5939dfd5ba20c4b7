"""Benchmark: SQL statements per ``Gateway.execute`` call on the agents' hot path.

    python bench/bench_gateway_statements.py
    python bench/bench_gateway_statements.py --events 500 --backend postgres

Runs the ``kith bench events`` pipeline (interactions -> relay -> the four
built-in agents -> ``Gateway.execute``) on a throw-away database and counts, with
a ``before_cursor_execute`` listener, the statements issued inside gateway calls,
those on ``audit_chain_heads`` (the hash chain's head row) and all statements of
the consumer's transactions. Prints one JSON object. Counting, not timing: the
figures do not depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from common import database, workspace
from sqlalchemy import event

from kith.bench.agents import Bench, Options
from kith.gateway.gateway import Gateway


class StatementCounter:
    """Statements by where they ran: inside a gateway call or not, and their target."""

    def __init__(self) -> None:
        self.calls = 0
        self.in_calls: Counter[str] = Counter()
        self.total: Counter[str] = Counter()
        self._depth = threading.local()

    def listen(self, engine: Any) -> None:
        event.listen(engine, "before_cursor_execute", self._statement)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        kind = _kind(statement)
        self.total[kind] += 1
        if getattr(self._depth, "value", 0):
            self.in_calls[kind] += 1

    def wrap_gateway(self) -> None:
        original = Gateway._run
        counter = self

        def counted(gateway: Gateway, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(counter._depth, "value", 0)
            if not depth:
                counter.calls += 1
            counter._depth.value = depth + 1
            try:
                return original(gateway, *args, **kwargs)
            finally:
                counter._depth.value = depth

        Gateway._run = counted  # type: ignore[method-assign]


def _kind(statement: str) -> str:
    words = statement.split()
    verb = words[0].upper() if words else "?"
    if "audit_chain_heads" in statement:
        return f"{verb} audit_chain_heads"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return "SAVEPOINT/RELEASE"
    return verb


def run(events: int, backend: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="kith-bench-") as tmp:
        home = Path(tmp)
        with database(backend, home) as url:
            container = workspace(url, home)
            try:
                bench = Bench(container, Options(events=events, backend=backend, warmup=0))
                bench.throughput(50)  # warm caches before counting
                counter = StatementCounter()
                counter.listen(container.engine)
                counter.wrap_gateway()
                drained = bench.throughput(events)
            finally:
                container.engine.dispose()
    calls = max(counter.calls, 1)
    in_calls = sum(counter.in_calls.values())
    return {
        "benchmark": "gateway_statements",
        "backend": backend,
        "events": events,
        "gateway_calls": counter.calls,
        "events_with_actions": drained["events_with_actions"],
        "statements_per_gateway_call": round(in_calls / calls, 2),
        # The head is moved for the calls' audit entries, whenever they are flushed
        # (often after the call returns): all head statements, per call.
        "chain_head_statements_per_gateway_call": round(
            sum(v for k, v in counter.total.items() if "audit_chain_heads" in k) / calls, 2
        ),
        "statements_per_event": round(sum(counter.total.values()) / events, 2),
        "chain_head_statements_per_event": round(
            sum(v for k, v in counter.total.items() if "audit_chain_heads" in k) / events, 2
        ),
        "in_gateway_calls_by_kind": dict(counter.in_calls.most_common()),
        "all_by_kind": dict(counter.total.most_common()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    print(json.dumps(run(args.events, args.backend), ensure_ascii=False))


if __name__ == "__main__":
    main()
