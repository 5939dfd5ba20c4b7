"""What one process keeps for real-time decisions, and how it hot-reloads.

Each tenant's published rule sets, routes and lists live in an immutable
``TenantState``. A decision takes the state once and uses only it, so no decision
mixes versions. At most every ``POLL_S`` seconds a decision reads the tenant's
generation counter (one primary-key read); when a publish, rollback, experiment
change or list change has bumped it, one thread builds the new state (published
versions are compiled once and kept) while the others go on with the old one, then
the new state replaces it. Every process therefore serves a new version within
``POLL_S`` plus one reload (well under a second) without a restart, and no request
waits for or fails on a reload.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kith.realtime.engine import CompiledRuleSet, compile_ruleset, with_defaults
from kith.realtime.features.history import HistoryCache, HistoryFeed, is_contact_id
from kith.realtime.features.lists import Entry, ListSnapshot
from kith.realtime.features.window import MemoryWindow, RedisWindow, WindowStore
from kith.realtime.log import DecisionLog
from kith.realtime.repository import FEED_LIMIT, RealtimeRepository
from kith.realtime.schemas import RuleSetDefinition

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kith.container import Container

POLL_S = 0.25
_ATTR = "_kith_realtime_runtime"
_create_lock = threading.Lock()


@dataclass(frozen=True)
class RouteSnapshot:
    decision_key: str
    champion: CompiledRuleSet
    challenger: CompiledRuleSet | None
    mode: str
    percent: float
    split_key: str


@dataclass
class TenantState:
    generation: int
    routes: dict[str, RouteSnapshot]
    lists: ListSnapshot
    checked_at: float = field(default_factory=time.monotonic)


class DecisionRuntime:
    def __init__(
        self, window: WindowStore, *, poll_s: float = POLL_S, log: DecisionLog | None = None
    ) -> None:
        self.window = window
        # None: every decision's log row is written in the request's transaction
        self.log = log
        self.history = HistoryCache()
        self.feed = HistoryFeed()
        self.poll_s = poll_s
        self._states: dict[str, TenantState] = {}
        self._compiled: dict[tuple[str, str, int], CompiledRuleSet] = {}
        self._reload_lock = threading.Lock()
        self._feed_lock = threading.Lock()
        self.reloads = 0

    def state(self, session: Session, tenant_id: str, now: datetime) -> TenantState:
        state = self._states.get(tenant_id)
        clock = time.monotonic()
        if (
            state is not None
            and clock - state.checked_at < self.poll_s
            and not state.lists.stale(now)
        ):
            return state
        repo = RealtimeRepository(session, tenant_id)
        if state is not None and self._feed_lock.acquire(blocking=False):
            try:
                self._read_feed(repo)
            finally:
                self._feed_lock.release()
        generation = repo.generation()
        if state is not None and generation == state.generation and not state.lists.stale(now):
            state.checked_at = clock
            return state
        if state is not None and not self._reload_lock.acquire(blocking=False):
            return state  # another thread is reloading; keep serving the loaded state
        if state is None:
            self._reload_lock.acquire()
        try:
            fresh = self._load(repo, generation, now)
            self._states[tenant_id] = fresh
            self.reloads += 1
            return fresh
        finally:
            self._reload_lock.release()

    def _read_feed(self, repo: RealtimeRepository) -> None:
        """Forget the customers whose orders, refunds, tickets or labels changed."""
        now_ms = time.time_ns() // 1_000_000
        tenant_id = repo.tenant_id
        changes, labels = repo.history_changes(self.feed.since(tenant_id, now_ms))
        if len(changes) >= FEED_LIMIT or len(labels) >= FEED_LIMIT:
            self.history.forget(tenant_id)  # too many to pick out: start again
            self.feed.fresh(tenant_id, [], now_ms)
            return
        fresh = self.feed.fresh(tenant_id, [c[0] for c in changes] + [r[0] for r in labels], now_ms)
        customers = [contact for entry, contact in changes if entry in fresh]
        disputed = []
        for entry, payload in labels:
            customer = (payload or {}).get("customer_id")
            if entry not in fresh or not customer:
                continue
            customers.append(customer)
            if payload.get("label") == "fraud" and not is_contact_id(customer):
                disputed.append(customer)
        if customers or disputed:
            self.history.changed(tenant_id, customers, disputed)

    def flush_log(self) -> None:
        if self.log is not None:
            self.log.flush()

    def expire(self, tenant_id: str) -> None:
        """Check the generation on the next decision, whatever the poll interval."""
        state = self._states.get(tenant_id)
        if state is not None:
            state.checked_at = float("-inf")

    def forget(self, tenant_id: str) -> None:
        """Drop the loaded state (the next decision loads it again)."""
        self._states.pop(tenant_id, None)

    def compiled(
        self, tenant_id: str, decision_key: str, version: int, definition: dict[str, Any]
    ) -> CompiledRuleSet:
        key = (tenant_id, decision_key, version)
        found = self._compiled.get(key)
        if found is None:
            parsed = RuleSetDefinition.model_validate(definition)
            found = self._compiled[key] = compile_ruleset(decision_key, version, parsed)
        return found

    def _load(self, repo: RealtimeRepository, generation: int, now: datetime) -> TenantState:
        routes: dict[str, RouteSnapshot] = {}
        for route in repo.routes():
            if route.champion is None:
                continue
            champion = self._version(repo, route.decision_key, route.champion)
            if champion is None:
                continue
            challenger = None
            if route.challenger is not None and route.mode != "off":
                challenger = self._version(repo, route.decision_key, route.challenger)
            routes[route.decision_key] = RouteSnapshot(
                route.decision_key,
                champion,
                challenger,
                route.mode if challenger is not None else "off",
                route.percent,
                route.split_key,
            )
        if not self._states:
            # Warm up once per process (SQL statement compilation, CEL's first run), so
            # the first real decision is not slower than its budget.
            repo.customer_history("", now)
            for snapshot in routes.values():
                snapshot.champion.evaluate(with_defaults({}))
        if repo.tenant_id not in self._states:  # first load: the feed starts now
            self.feed.since(repo.tenant_id, time.time_ns() // 1_000_000)
            self.history.set_disputed_guests(repo.tenant_id, repo.disputed_guests())
        entries = [Entry(e.list_name, e.kind, e.value, e.expires_at) for e in repo.list_entries()]
        return TenantState(generation, routes, ListSnapshot(entries, now))

    def _version(
        self, repo: RealtimeRepository, decision_key: str, version: int
    ) -> CompiledRuleSet | None:
        key = (repo.tenant_id, decision_key, version)
        if key in self._compiled:
            return self._compiled[key]
        row = repo.version(decision_key, version)
        if row is None:
            return None
        return self.compiled(repo.tenant_id, decision_key, version, row.definition)


def window_for(container: Container) -> WindowStore:
    """Redis when Kith is scaled out (``KITH_REALTIME_WINDOW_URL``, else a ``redis://``
    ``KITH_BUS_URL``), the process's memory otherwise."""
    url = container.settings.realtime_window_url or container.settings.bus_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisWindow(url)
    return MemoryWindow()


def runtime_for(container: Container) -> DecisionRuntime:
    """The process's runtime for ``container`` (created on first use)."""
    runtime: DecisionRuntime | None = getattr(container, _ATTR, None)
    if runtime is None:
        with _create_lock:
            runtime = getattr(container, _ATTR, None)
            if runtime is None:
                runtime = DecisionRuntime(
                    window_for(container), log=DecisionLog(container.session_factory)
                )
                setattr(container, _ATTR, runtime)
    return runtime


def use_runtime(container: Container, runtime: DecisionRuntime) -> None:
    """Give ``container`` a runtime of one's own (tests, the benchmark)."""
    setattr(container, _ATTR, runtime)
