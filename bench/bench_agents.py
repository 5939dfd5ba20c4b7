"""Benchmark: the four built-in agents, N interaction events (``kith bench events``).

    python bench/bench_agents.py --events 10000
    python bench/bench_agents.py --events 2000 --backend postgres --bus redis://127.0.0.1:6379/15

The benchmark itself is ``kith.bench.agents`` (see its docstring for the mix and
the two phases); this script prints its JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from kith.bench.agents import Options, run
from kith.bench.harness import BACKENDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--bus", default=None, help="redis://… for the broker lane")
    parser.add_argument("--rate", type=float, default=None, help="latency phase events/s")
    args = parser.parse_args()
    options = Options(events=args.events, backend=args.backend, bus_url=args.bus, rate=args.rate)
    json.dump(run(options), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
