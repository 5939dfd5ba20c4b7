"""Sliding-window counters and the small transaction graph of the last hour.

Each payment check is recorded, then read back: how many distinct accounts, devices
and IPs used this card, how many transactions and how much money went through it,
and how many accounts and cards used this device — all over the last hour (the
current transaction included). ``MemoryWindow`` keeps it in the process (the
embedded default); ``RedisWindow`` keeps it in Redis sorted sets so every process
of a scaled-out deployment sees the same graph. Both are bounded: at most
``MAX_EVENTS`` recent transactions per card or device, and (memory) at most
``max_keys`` cards and devices, the least recently used dropped first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, Protocol

WINDOW_SECONDS = 3600.0
MAX_EVENTS = 1000


@dataclass(frozen=True)
class Txn:
    card: str
    device: str
    account: str
    ip: str
    amount: float


class WindowStore(Protocol):
    name: str

    def observe(self, tenant_id: str, txn: Txn, at: float) -> tuple[dict[str, Any], dict[str, Any]]:
        """Record ``txn`` at ``at`` (epoch seconds); the card's and the device's features."""
        ...

    def clear(self) -> None: ...


class MemoryWindow:
    name = "memory"

    def __init__(self, max_keys: int = 200_000) -> None:
        self.max_keys = max_keys
        self._cards: OrderedDict[tuple[str, str], deque[tuple[float, str, str, str, float]]] = (
            OrderedDict()
        )
        self._devices: OrderedDict[tuple[str, str], deque[tuple[float, str, str]]] = OrderedDict()
        self._lock = threading.Lock()

    def observe(self, tenant_id: str, txn: Txn, at: float) -> tuple[dict[str, Any], dict[str, Any]]:
        since = at - WINDOW_SECONDS
        with self._lock:
            card = _slot(self._cards, (tenant_id, txn.card), self.max_keys)
            card.append((at, txn.account, txn.device, txn.ip, txn.amount))
            _trim(card, since)
            device = _slot(self._devices, (tenant_id, txn.device), self.max_keys)
            device.append((at, txn.account, txn.card))
            _trim(device, since)
            card_features = {
                "accounts_1h": len({e[1] for e in card}),
                "devices_1h": len({e[2] for e in card}),
                "ips_1h": len({e[3] for e in card}),
                "txns_1h": len(card),
                "amount_1h": round(sum(e[4] for e in card), 2),
            }
            device_features = {
                "accounts_1h": len({e[1] for e in device}),
                "cards_1h": len({e[2] for e in device}),
                "txns_1h": len(device),
            }
        return card_features, device_features

    def clear(self) -> None:
        with self._lock:
            self._cards.clear()
            self._devices.clear()


def _slot(table: OrderedDict[tuple[str, str], Any], key: tuple[str, str], cap: int) -> Any:
    events = table.get(key)
    if events is None:
        events = table[key] = deque(maxlen=MAX_EVENTS)
        if len(table) > cap:
            table.popitem(last=False)
    else:
        table.move_to_end(key)
    return events


def _trim(events: deque[Any], since: float) -> None:
    while events and events[0][0] < since:
        events.popleft()


# One script per decision: the five distinct-member windows and the two transaction
# windows updated and read server-side, and the card's amount summed there, so the client
# sends one command and parses eight numbers (the pipelined form cost 30 commands and
# up to MAX_EVENTS members to parse). Lua numbers reach the client as integers, hence
# the sum as a string. Every key is in KEYS, so the script runs on one Redis; under
# Redis Cluster give the keys one hash tag.
_OBSERVE_LUA = """
local at, since, ttl = ARGV[1], ARGV[2], ARGV[3]
local members = {ARGV[4], ARGV[5], ARGV[6], ARGV[4], ARGV[7]}
local out = {}
for i = 1, 5 do
  redis.call('ZADD', KEYS[i], at, members[i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', since)
  redis.call('EXPIRE', KEYS[i], ttl)
  out[i] = redis.call('ZCARD', KEYS[i])
end
for i = 6, 7 do
  redis.call('ZADD', KEYS[i], at, ARGV[8])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', since)
  redis.call('ZREMRANGEBYRANK', KEYS[i], 0, -(tonumber(ARGV[9]) + 1))
  redis.call('EXPIRE', KEYS[i], ttl)
end
local txns = redis.call('ZRANGE', KEYS[6], 0, -1)
local total = 0
for _, m in ipairs(txns) do
  total = total + tonumber(string.match(m, '^[^:]*:([^:]*):'))
end
out[6] = #txns
out[7] = string.format('%.17g', total)
out[8] = redis.call('ZCARD', KEYS[7])
return out
"""


class RedisWindow:
    """The same features from Redis sorted sets, one script call per decision."""

    name = "redis"

    def __init__(self, url: str, *, timeout_s: float = 0.1, prefix: str = "kith:rt") -> None:
        import redis

        self.client = redis.Redis.from_url(
            url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        self.prefix = prefix
        self._observe = self.client.register_script(_OBSERVE_LUA)

    def observe(self, tenant_id: str, txn: Txn, at: float) -> tuple[dict[str, Any], dict[str, Any]]:
        base = f"{self.prefix}:{tenant_id}"
        card, device = f"{base}:c:{txn.card}", f"{base}:d:{txn.device}"
        keys = [
            f"{card}:a",
            f"{card}:d",
            f"{card}:i",
            f"{device}:a",
            f"{device}:c",
            f"{card}:t",
            f"{device}:t",
        ]
        args: list[str | int | float] = [
            at,
            f"({at - WINDOW_SECONDS}",
            int(WINDOW_SECONDS) + 60,
            txn.account,
            txn.device,
            txn.ip,
            txn.card,
            f"{at:.6f}:{txn.amount}:{txn.account}",
            MAX_EVENTS,
        ]
        reply = self._observe(keys=keys, args=args)
        card_features = {
            "accounts_1h": int(reply[0]),
            "devices_1h": int(reply[1]),
            "ips_1h": int(reply[2]),
            "txns_1h": int(reply[5]),
            "amount_1h": round(float(reply[6]), 2),
        }
        device_features = {
            "accounts_1h": int(reply[3]),
            "cards_1h": int(reply[4]),
            "txns_1h": int(reply[7]),
        }
        return card_features, device_features

    def clear(self) -> None:
        for key in self.client.scan_iter(match=f"{self.prefix}:*", count=1000):
            self.client.delete(key)
