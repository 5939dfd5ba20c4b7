"""The customer's history from the CRM (orders, deliveries, refunds, disputes,
tickets), cached per customer for a short time so a burst of checkouts costs one
query set. Bounded: at most ``max_entries`` customers, oldest dropped first."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

Loader = Callable[[], dict[str, Any]]


class HistoryCache:
    def __init__(self, ttl_s: float = 30.0, max_entries: int = 50_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, tenant_id: str, customer_id: str, load: Loader) -> dict[str, Any]:
        key = (tenant_id, customer_id)
        now = time.monotonic()
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None and cached[0] > now:
                self.hits += 1
                return cached[1]
        value = load()
        with self._lock:
            self.misses += 1
            self._entries[key] = (now + self.ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def forget(self, tenant_id: str, customer_id: str | None = None) -> None:
        with self._lock:
            if customer_id is not None:
                self._entries.pop((tenant_id, customer_id), None)
                return
            for key in [k for k in self._entries if k[0] == tenant_id]:
                del self._entries[key]
