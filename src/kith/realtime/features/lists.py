"""Blocklists and allowlists held in memory: exact IPs, CIDR ranges, device
fingerprints and card token hashes. A lookup is bounded: one set probe per kind, and
for ranges one probe per prefix length in use (at most 33 for IPv4, 129 for IPv6)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from ipaddress import ip_address, ip_network


@dataclass(frozen=True)
class Entry:
    list_name: str
    kind: str
    value: str
    expires_at: datetime | None


@dataclass
class _List:
    ips: set[str] = field(default_factory=set)
    devices: set[str] = field(default_factory=set)
    cards: set[str] = field(default_factory=set)
    # (version, prefix length) → network addresses as ints
    ranges: dict[tuple[int, int], set[int]] = field(default_factory=dict)

    def add(self, kind: str, value: str) -> None:
        if kind == "ip":
            self.ips.add(str(ip_address(value)))
        elif kind == "cidr":
            network = ip_network(value, strict=False)
            key = (network.version, network.prefixlen)
            self.ranges.setdefault(key, set()).add(int(network.network_address))
        elif kind == "device":
            self.devices.add(value)
        elif kind == "card":
            self.cards.add(value)

    def has_ip(self, ip: str) -> bool:
        if not ip:
            return False
        if ip in self.ips:
            return True
        if not self.ranges:
            return False
        address = ip_address(ip)
        bits = 32 if address.version == 4 else 128
        number = int(address)
        for (version, prefix), networks in self.ranges.items():
            if version != address.version:
                continue
            shift = bits - prefix
            if (number >> shift) << shift in networks:
                return True
        return False


class ListSnapshot:
    """The tenant's lists at one moment (expired entries left out)."""

    def __init__(self, entries: Iterable[Entry], now: datetime) -> None:
        self.lists = {"blocklist": _List(), "allowlist": _List()}
        self.earliest_expiry: datetime | None = None
        for entry in entries:
            if entry.expires_at is not None:
                if entry.expires_at <= now:
                    continue
                if self.earliest_expiry is None or entry.expires_at < self.earliest_expiry:
                    self.earliest_expiry = entry.expires_at
            self.lists[entry.list_name].add(entry.kind, entry.value)

    def stale(self, now: datetime) -> bool:
        """An entry has expired since the snapshot was taken."""
        return self.earliest_expiry is not None and now >= self.earliest_expiry

    def features(self, ip: str, device: str, card: str) -> dict[str, bool]:
        block, allow = self.lists["blocklist"], self.lists["allowlist"]
        return {
            "ip_blocked": block.has_ip(ip),
            "device_blocked": device in block.devices,
            "card_blocked": card in block.cards,
            "ip_allowed": allow.has_ip(ip),
            "device_allowed": device in allow.devices,
            "card_allowed": card in allow.cards,
        }
