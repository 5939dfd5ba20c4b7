"""Benchmark: the pipeline board with 500 open deals in headless Chromium; prints JSON.

    python bench/bench_board.py                       # own throw-away server (SQLite)
    python bench/bench_board.py --base http://127.0.0.1:8000 --email admin@kith.demo
        (password from KITH_BENCH_PASSWORD, default the demo password)

Measures the time from navigation until all 500 deals are loaded (three list pages and the
account titles), the cards in the DOM (columns show 60 each), drag-to-saved for ten moves
(drop -> PATCH -> card settled) and long tasks over 50 ms in the page. Needs Playwright and
Chromium (/usr/bin/chromium or KITH_CHROMIUM).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

DEALS = 500
STAGES = ("Qualify", "Discover", "Demo", "Proposal", "Negotiate")
PIPELINE = "Bench 500"
CHROMIUM = os.environ.get("KITH_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def own_server() -> Iterator[tuple[str, str, str]]:
    """``kith init`` in a temporary KITH_HOME, then ``kith serve`` on a free port."""
    kith = str(Path(sys.executable).with_name("kith"))
    email, password = "bench@kith.local", secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="kith-bench-board-") as home:
        env = {**os.environ, "KITH_HOME": home, "KITH_MODE": "demo"}
        init = [kith, "init", "--admin-email", email, "--admin-password", password]
        subprocess.run(init, env=env, check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [kith, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            yield base, email, password
        finally:
            server.terminate()
            server.wait(timeout=10)


def seed(base: str, email: str, password: str) -> tuple[str, list[str]]:
    """A pipeline with five stages and 500 deals (kept between runs on the same server)."""
    api = httpx.Client(base_url=f"{base}/api/v1", timeout=30)
    login = api.post("/auth/login", json={"email": email, "password": password})
    login.raise_for_status()
    api.headers["Authorization"] = f"Bearer {login.json()['token']}"
    pipelines = api.get("/pipelines", params={"limit": 200}).json()["items"]
    found = [p["id"] for p in pipelines if p["name"] == PIPELINE]
    if found:
        pipeline = found[0]
    else:
        pipeline = api.post("/pipelines", json={"name": PIPELINE}).json()["id"]
        for i, name in enumerate(STAGES):
            body = {"name": name, "probability": 10 + 15 * i}
            api.post(f"/pipelines/{pipeline}/stages", json=body).raise_for_status()
        stage_ids = [s["id"] for s in api.get(f"/pipelines/{pipeline}/stages").json()]
        for i in range(DEALS):
            deal = {
                "name": f"Bench deal {i:03d}",
                "pipeline_id": pipeline,
                "stage_id": stage_ids[i % len(stage_ids)],
                "amount": str(10_000 + i),
            }
            api.post("/deals", json=deal).raise_for_status()
    stage_ids = [s["id"] for s in api.get(f"/pipelines/{pipeline}/stages").json()]
    return pipeline, stage_ids


def measure(base: str, email: str, password: str) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    pipeline, stages = seed(base, email, password)
    out: dict[str, Any] = {"deals": DEALS, "stages": len(stages)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill("#login-email", email)
        page.fill("#login-password", password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        loads = []
        for _ in range(3):
            started = time.perf_counter()
            page.goto(f"{base}/board?pipeline={pipeline}")
            page.wait_for_selector(".board-card")
            expect(page.locator(".list-status")).to_contain_text(str(DEALS), timeout=60_000)
            loads.append(round((time.perf_counter() - started) * 1000))
        out["board_load_ms"] = loads
        out["cards_in_dom"] = page.locator(".board-card").count()
        moves = []
        for i in range(10):
            card = page.locator(".board-card").nth(i * 3)
            current = card.evaluate("c => c.closest('.board-column').dataset.stage")
            target = stages[(stages.index(current) + 1) % len(stages)]
            started = time.perf_counter()
            card.drag_to(page.locator(f'.board-column[data-stage="{target}"]'))
            page.wait_for_selector(".board-card.is-pending", state="detached")
            moves.append(round((time.perf_counter() - started) * 1000))
        out["drag_to_saved_ms"] = moves
        out["long_tasks_over_50ms"] = page.evaluate(
            """() => new Promise((resolve) => {
                const found = [];
                const observer = new PerformanceObserver((list) =>
                    found.push(...list.getEntries().map((e) => Math.round(e.duration))));
                observer.observe({ type: "longtask", buffered: true });
                setTimeout(() => resolve(found), 200);
            })"""
        )
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=None, help="a running Kith; default: start one")
    parser.add_argument("--email", default="admin@kith.demo")
    args = parser.parse_args()
    if args.base:
        password = os.environ.get("KITH_BENCH_PASSWORD", "kith-demo-2026")
        result = measure(args.base.rstrip("/"), args.email, password)
    else:
        with own_server() as (base, email, password):
            result = measure(base, email, password)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
