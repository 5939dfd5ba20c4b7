"""Process start-up benchmark; prints JSON (the same as ``kith bench startup --json``).

``kith --version``, ``kith --help``, ``kith plan "<seed sentence>" --json`` over a demo
workspace and ``kith serve`` until ``/healthz`` answers, each run as a fresh subprocess
in its own temporary ``KITH_HOME`` with a generated key. ``--src DIR`` measures another
checkout's code (e.g. a ``git archive`` of the commit before a change).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kith.bench.startup import run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--src", type=Path, default=None)
    options = parser.parse_args()
    src = options.src.resolve() if options.src else None
    print(json.dumps(run(runs=options.runs, src=src), ensure_ascii=False))


if __name__ == "__main__":
    main()
