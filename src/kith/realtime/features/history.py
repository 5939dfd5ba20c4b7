"""The customer's history from the CRM (orders, deliveries, refunds, disputes,
tickets), kept warm per process.

- **Known customers** (a Kith contact id: 32 hex characters) are loaded once (one
  statement) and kept until a change says otherwise: every process reads the
  tenant's *change feed* — the timeline entries of order, refund and ticket events
  and of fraud labels since it last looked (``HistoryFeed``, polled with the
  rule-set generation, at most every 250 ms) — and forgets exactly the customers
  that changed. ``ttl_s`` (10 minutes) is only a safety net for changes made
  without an event.
- **Guests** (any other customer id) cannot have orders or tickets in the CRM (those
  belong to contacts), so they never cost a query: their history is empty but for
  disputes, which come from the set of guest ids with a fraud label (loaded with the
  tenant's rule sets, kept current by the same feed) — a negative cache.

Bounded: at most ``max_entries`` customers, least recently loaded dropped first.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

Loader = Callable[[], dict[str, Any]]

_CONTACT_ID = re.compile(r"[0-9a-f]{32}")


def is_contact_id(customer_id: str) -> bool:
    return _CONTACT_ID.fullmatch(customer_id) is not None


def guest_history(disputes: int) -> dict[str, Any]:
    return {
        "known": False,
        "orders": 0,
        "delivered": 0,
        "refunds": 0,
        "disputes": disputes,
        "tickets": 0,
        "days_since_first_order": -1,
    }


class HistoryCache:
    def __init__(self, ttl_s: float = 600.0, max_entries: int = 50_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, str], tuple[float, dict[str, Any]]] = OrderedDict()
        self._disputed_guests: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.guests = 0

    def get(self, tenant_id: str, customer_id: str, load: Loader) -> dict[str, Any]:
        if not is_contact_id(customer_id):
            with self._lock:
                self.guests += 1
                disputed = customer_id in self._disputed_guests.get(tenant_id, ())
            return guest_history(int(disputed))
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

    def set_disputed_guests(self, tenant_id: str, guests: Iterable[str]) -> None:
        with self._lock:
            self._disputed_guests[tenant_id] = set(guests)

    def changed(self, tenant_id: str, customers: Iterable[str], disputed: Iterable[str]) -> None:
        """Customers whose history changed (forgotten: the next decision loads them)
        and guests who got a fraud label."""
        with self._lock:
            for customer_id in customers:
                self._entries.pop((tenant_id, customer_id), None)
            self._disputed_guests.setdefault(tenant_id, set()).update(disputed)

    def forget(self, tenant_id: str, customer_id: str | None = None) -> None:
        with self._lock:
            if customer_id is not None:
                self._entries.pop((tenant_id, customer_id), None)
                return
            for key in [k for k in self._entries if k[0] == tenant_id]:
                del self._entries[key]


class HistoryFeed:
    """Where each tenant's change feed was last read. Timeline ids start with their
    millisecond, written at commit; the feed re-reads ``overlap_s`` back so that a
    transaction committing late (or another host's clock a little behind) is not
    missed, and skips the entries it has already applied."""

    def __init__(self, overlap_s: float = 5.0) -> None:
        self.overlap_ms = int(overlap_s * 1000)
        self._marks: dict[str, int] = {}
        self._seen: dict[str, dict[str, int]] = {}

    def since(self, tenant_id: str, now_ms: int) -> str:
        """The timeline id to read after (the first read starts at ``now``: what
        happened before is in the histories loaded from then on)."""
        mark = self._marks.setdefault(tenant_id, now_ms)
        return f"{max(mark - self.overlap_ms, 0):012x}"

    def fresh(self, tenant_id: str, entry_ids: Iterable[str], now_ms: int) -> set[str]:
        """The entries not applied before; remembers them, forgets old ones."""
        seen = self._seen.setdefault(tenant_id, {})
        new = {e for e in entry_ids if e not in seen}
        for entry_id in new:
            seen[entry_id] = int(entry_id[:12], 16)
        floor = now_ms - 2 * self.overlap_ms
        for entry_id in [e for e, ms in seen.items() if ms < floor]:
            del seen[entry_id]
        self._marks[tenant_id] = now_ms
        return new
