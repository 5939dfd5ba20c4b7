"""Run every benchmark at its default size on SQLite and PostgreSQL; write bench/out/*.json.

    python bench/run_all.py            # 100,000 rows/contacts on both backends
    python bench/run_all.py --large    # also list/search over 1,000,000 contacts on SQLite

Each benchmark runs in its own process so one run's caches do not help the next.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
DEFAULT_SIZE = 100_000
LARGE_SIZE = 1_000_000


def run(name: str, script: str, *args: str) -> None:
    print(f"running {name} ...", file=sys.stderr, flush=True)
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"{name} failed with exit code {done.returncode}")
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    (OUT / f"{name}.json").write_text(
        json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False, indent=2)
        + "\n",
        encoding="utf-8",
    )
    print(done.stdout, end="", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="add 1,000,000 contacts on SQLite")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    size = str(DEFAULT_SIZE)
    for backend in ("sqlite", "postgres"):
        run(f"import_{backend}", "bench_import.py", "--rows", size, "--backend", backend)
        run(
            f"list_search_{backend}",
            "bench_list_search.py",
            "--contacts",
            size,
            "--backend",
            backend,
        )
    if args.large:
        run(
            "list_search_sqlite_1m",
            "bench_list_search.py",
            "--contacts",
            str(LARGE_SIZE),
            "--backend",
            "sqlite",
        )


if __name__ == "__main__":
    main()
