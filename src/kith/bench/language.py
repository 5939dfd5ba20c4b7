"""``kith bench language``: the language dev set (or another JSONL set) over a fresh demo
workspace (scale 0.05) in a temporary SQLite database, with a key generated for it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def run(devset: str | Path | None = None) -> dict[str, Any]:
    """Accuracy and planning latency of ``devset`` (default: the dev set)."""
    from kith.bench.harness import demo_workspace, generated_key
    from kith.language.devset import run_devset

    generated_key()
    with tempfile.TemporaryDirectory(prefix="kith-bench-language-") as tmp:
        container = demo_workspace(Path(tmp))
        try:
            return run_devset(devset, container=container)
        finally:
            container.engine.dispose()
