"""The embedded runtime `kith serve` starts next to the API (placeholder).

The agent-runtime issue replaces ``start`` with the outbox relay, the
in-process bus and the consumers; it returns the function that stops them.
"""

from __future__ import annotations

from collections.abc import Callable

from kith.api.deps import Container


def start(container: Container) -> Callable[[], None]:
    return lambda: None
