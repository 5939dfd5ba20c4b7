"""What the browser tests share: the app on a real port, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kith.app import create_app
from kith.container import Container

OUTPUT = Path(__file__).resolve().parents[2] / "test-output"  # screenshots for review
CHROMIUM = os.environ.get("KITH_CHROMIUM", "/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def live_server(container: Container, request: pytest.FixtureRequest) -> Iterator[str]:
    """The app served by uvicorn on a free port, for a browser (SQLite lane only)."""
    if request.node.callspec.params.get("container") != "sqlite":
        pytest.skip("browser tests run on the SQLite lane")
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright; skipped when either is missing."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    OUTPUT.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield instance
        finally:
            instance.close()
