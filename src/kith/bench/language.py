"""``kith bench language``: the language dev set (or another JSONL set) over a fresh demo
workspace (scale 0.05) in a temporary SQLite database, with a key generated for it."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any


def run(devset: str | Path | None = None) -> dict[str, Any]:
    """Accuracy and planning latency of ``devset`` (default: the dev set)."""
    from kith.bench.harness import generated_key
    from kith.bootstrap import build_container
    from kith.core.settings import Settings
    from kith.db.engine import make_engine
    from kith.db.migrate import upgrade
    from kith.demo.loader import load_demo
    from kith.language.devset import ANCHOR, DEMO_PASSWORD, run_devset

    generated_key()
    with tempfile.TemporaryDirectory(prefix="kith-bench-language-") as tmp:
        home = Path(tmp)
        url = f"sqlite:///{home / 'kith.db'}"
        engine = make_engine(url)
        upgrade(engine)
        container = build_container(
            Settings(home=home, database_url=url, mode="test"), engine=engine
        )
        load_demo(
            container,
            tenant_slug="default",
            password=DEMO_PASSWORD,
            seed=42,
            scale=0.05,
            anchor=ANCHOR,
        )
        try:
            return run_devset(devset, container=container)
        finally:
            engine.dispose()
