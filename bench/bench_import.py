"""Benchmark: ``kith import contacts`` of a generated bilingual CSV, through the real CLI.

    python bench/bench_import.py --rows 100000 --backend sqlite

Runs the typer command in-process against a throw-away database (a temp
SQLite file, or a PostgreSQL database created and dropped for the run), then
imports the same file again to time the idempotent re-run. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import BACKENDS, database, machine, workspace
from datagen import write_csv
from typer.testing import CliRunner

from kith.cli import app
from kith.core.settings import get_settings


def run_cli(url: str, home: Path, *args: str) -> tuple[dict[str, Any], float]:
    os.environ["KITH_DATABASE_URL"] = url
    os.environ["KITH_HOME"] = str(home)
    get_settings.cache_clear()
    started = time.perf_counter()
    result = CliRunner().invoke(app, [*args, "--json"])
    seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"kith {' '.join(args)} exited {result.exit_code}: {result.stderr}")
    return json.loads(result.stdout), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--batch-size", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kith-bench-") as tmp:
        home = Path(tmp)
        with database(args.backend, home) as url:
            container = workspace(url, home)
            facts = machine(container)
            container.engine.dispose()
            path = write_csv(home / "contacts.csv", args.rows)
            file_mb = round(path.stat().st_size / 1e6, 1)
            command = ["import", "contacts", str(path), "--batch-size", str(args.batch_size)]
            first, seconds = run_cli(url, home, *command)
            again, again_seconds = run_cli(url, home, *command)
    result = {
        "benchmark": "import",
        "backend": args.backend,
        "rows": args.rows,
        "seconds": round(seconds, 2),
        "rows_per_second": round(args.rows / seconds),
        "created": first["created"],
        "rejected": first["rejected"],
        "reimport_seconds": round(again_seconds, 2),
        "reimport_unchanged": again["unchanged"],
        "batch_size": args.batch_size,
        "file_mb": file_mb,
        "machine": facts,
    }
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
