"""Real-time decisions: decide within a budget, author and publish rule sets, run
experiments, manage lists, learn from labels.

Deciding (``decide``) reads only the process's loaded state (``kith.realtime.runtime``)
and three feature providers — the lists, the last hour's transaction graph and the
customer's cached history — then evaluates the serving rule set. When the budget
runs out, or a rule fails at run time, or a feature provider fails, the answer is
the rule set's documented ``fallback_outcome`` (``fallback`` says why), never an
error or a hang. Every decision is logged compactly; a non-pass decision also gets a
full decision passport (inputs, rules fired and their contributions, version,
variant) and a ``risk_decision.flagged`` event, whose consumer runs the outcome's
actions through the gateway after the caller has its answer. Only the event is
written in the request's transaction; log rows and passports follow in batches
(``kith.realtime.log`` says why that is safe).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from kith.access import policy
from kith.access.principal import Principal
from kith.core.domain import DomainEvent
from kith.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from kith.core.event_types import EventType
from kith.core.ids import new_id
from kith.core.stats import percentile
from kith.db.uow import UnitOfWork
from kith.realtime.diff import diff_definitions
from kith.realtime.engine import (
    CompiledRuleSet,
    Evaluation,
    compile_ruleset,
)
from kith.realtime.engine import run_test_cases as _run_cases
from kith.realtime.explain import flagged, reasons_of
from kith.realtime.features.history import is_contact_id
from kith.realtime.features.window import Txn
from kith.realtime.models import DecisionRoute, RealtimeDecision, RiskListEntry, RuleSetVersion
from kith.realtime.replay import precision_recall, replay_decisions
from kith.realtime.repository import HIGH_RISK_LABELS, RealtimeRepository
from kith.realtime.runtime import DecisionRuntime, RouteSnapshot
from kith.realtime.schemas import (
    DecisionOut,
    DraftIn,
    ExperimentIn,
    FiredRule,
    ListEntryIn,
    PaymentCheckIn,
    RuleSetDefinition,
    normalise_list_value,
)

log = logging.getLogger("kith.realtime")

BUCKETS = 10_000
HIGH_RISK = frozenset({"step_up", "review", "block"})


def stable_bucket(decision_key: str, value: str) -> int:
    """The bucket (0…9,999) of ``value``: the same for every process and every run."""
    digest = hashlib.blake2b(f"{decision_key}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def choose_variant(
    route: RouteSnapshot, split_value: str
) -> tuple[CompiledRuleSet, str, CompiledRuleSet | None]:
    """(serving set, variant, shadow set) for one decision."""
    challenger = route.challenger
    if challenger is None or route.mode == "off":
        return route.champion, "champion", None
    if route.mode == "shadow":
        return route.champion, "champion", challenger
    if stable_bucket(route.decision_key, split_value) < route.percent * BUCKETS / 100:
        return challenger, "challenger", None
    return route.champion, "champion", None


def latency_percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (0–100) in ms, rounded to µs; None without samples."""
    return round(percentile(values, q / 100), 3) if values else None


class RealtimeService:
    def __init__(
        self,
        uow: UnitOfWork,
        principal: Principal,
        runtime: DecisionRuntime,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.runtime = runtime
        self.clock = clock
        self.tenant_id = principal.tenant_id
        self.repo = RealtimeRepository(uow.session, principal.tenant_id)

    # --- deciding -------------------------------------------------------------------

    def decide(
        self,
        decision_key: str,
        given: PaymentCheckIn | Mapping[str, Any],
        *,
        budget_ms: int | None = None,
    ) -> DecisionOut:
        policy.require(self.principal, "risk_decision", "create")
        began = time.perf_counter()
        now = self.clock()
        state = self.runtime.state(self.uow.session, self.tenant_id, now)
        route = state.routes.get(decision_key)
        if route is None:  # published a moment ago? look again before saying no
            self.runtime.expire(self.tenant_id)
            state = self.runtime.state(self.uow.session, self.tenant_id, now)
            route = state.routes.get(decision_key)
        if route is None:
            raise NotFound(f"no published rule set for decision key {decision_key!r}")
        payload = _payment(given)
        split_value = str(getattr(payload, route.split_key, payload.customer_id))
        serving, variant, shadow = choose_variant(route, split_value)
        # The budget covers the decision itself; loading a newly published rule set (once
        # per process and publish) is not charged to it, but latency_ms includes it.
        started = time.perf_counter()
        budget = budget_ms or serving.budget_ms
        deadline = started + budget / 1000
        inputs: dict[str, Any] = {
            "customer_id": payload.customer_id,
            "order_id": payload.order_id,
            "amount": float(payload.amount),
            "currency": payload.currency,
            "ip": payload.ip,
            "device": payload.device_fingerprint,
            "card": payload.card_token_hash,
            "country": payload.shipping_address.country,
            "city": payload.shipping_address.city or "",
        }
        values: dict[str, Any] = {"input": inputs}
        evaluation: Evaluation | None = None
        shadow_eval: Evaluation | None = None
        fallback: str | None = None
        try:
            card, device = payload.card_token_hash, payload.device_fingerprint
            values["lists"] = state.lists.features(payload.ip, device, card)
            txn = Txn(card, device, payload.customer_id, payload.ip, float(payload.amount))
            values["card"], values["device"] = self.runtime.window.observe(
                self.tenant_id, txn, now.timestamp()
            )
            values["history"] = self.runtime.history.get(
                self.tenant_id,
                payload.customer_id,
                lambda: self.repo.customer_history(payload.customer_id, now),
            )
            if time.perf_counter() < deadline:
                evaluation = serving.evaluate(values)
                if shadow is not None:
                    shadow_eval = shadow.evaluate(values)
        except Exception as exc:  # a feature provider failed (e.g. Redis unreachable)
            log.error("realtime %s: a feature provider failed: %s", decision_key, exc)
            fallback = "features"
        if evaluation is not None and evaluation.error:
            log.error("realtime %s v%s: %s", decision_key, serving.version, evaluation.error)
            fallback = "error"
        if fallback is None and (evaluation is None or time.perf_counter() > deadline):
            fallback = "budget"
        outcome = serving.fallback_outcome if fallback else evaluation.outcome  # type: ignore[union-attr]
        score = evaluation.score if evaluation is not None else 0.0
        fired = list(evaluation.fired) if evaluation is not None else []
        reasons = reasons_of(serving, fired, outcome, fallback)
        actions = serving.actions(outcome)
        latency_ms = round((time.perf_counter() - began) * 1000, 3)
        fields: dict[str, Any] = {
            "id": new_id(),
            "tenant_id": self.tenant_id,
            "at": now,
            "decision_key": decision_key,
            "version": serving.version,
            "variant": variant,
            "outcome": outcome,
            "score": score,
            "latency_ms": latency_ms,
            "fallback": fallback,
            "customer_id": payload.customer_id,
            "order_id": payload.order_id,
            "inputs": inputs,
            "features": {k: v for k, v in values.items() if k != "input"} or None,
            "fired": [
                {"rule": f.rule, "contribution": f.contribution, "outcome": f.outcome}
                for f in fired
            ],
            "shadow_version": shadow.version if shadow is not None else None,
            "shadow_outcome": shadow_eval.outcome if shadow_eval is not None else None,
            "passport_id": None,
            "label": None,
            "actions_done": not actions,
        }
        passport = None
        if outcome != "pass" or fallback:
            passport = flagged(self, fields, serving, evaluation, reasons, actions)
        if self.runtime.log is not None:  # written behind, in batches (kith.realtime.log)
            self.runtime.log.append(fields, passport)
        else:
            self.uow.session.add(RealtimeDecision(**fields))
            if passport is not None:
                passport(self.uow)
        return DecisionOut(
            decision_id=fields["id"],
            outcome=outcome,
            score=score,
            reasons=reasons,
            actions=actions,
            ruleset_version=serving.version,
            variant=variant,
            latency_ms=latency_ms,
            fallback=fallback,
            fired=[
                FiredRule(rule=f.rule, contribution=f.contribution, outcome=f.outcome)
                for f in fired
            ],
        )

    # --- authoring --------------------------------------------------------------------

    def versions(self, decision_key: str | None = None) -> list[RuleSetVersion]:
        policy.require(self.principal, "risk_rule", "read")
        return self.repo.versions(decision_key)

    def version(self, decision_key: str, version: int) -> RuleSetVersion:
        policy.require(self.principal, "risk_rule", "read")
        row = self.repo.version(decision_key, version)
        if row is None:
            raise NotFound(f"rule set {decision_key} v{version} not found")
        return row

    def diff(self, decision_key: str, base: int, version: int) -> dict[str, Any]:
        """What changed from version ``base`` to ``version``."""
        old, new = self.version(decision_key, base), self.version(decision_key, version)
        return {
            "decision_key": decision_key,
            "base": base,
            "version": version,
            **diff_definitions(old.definition, new.definition),
        }

    def route(self, decision_key: str) -> DecisionRoute:
        policy.require(self.principal, "risk_rule", "read")
        route = self.repo.route(decision_key)
        if route is None:
            raise NotFound(f"decision key {decision_key!r} has no route yet")
        return route

    def draft(self, decision_key: str, given: DraftIn) -> RuleSetVersion:
        """A new draft version; it must compile (nothing is saved otherwise)."""
        policy.require(self.principal, "risk_rule", "create")
        _check_key(decision_key)
        compile_ruleset(decision_key, 0, given.definition)
        row = RuleSetVersion(
            tenant_id=self.tenant_id,
            decision_key=decision_key,
            version=self.repo.last_version(decision_key) + 1,
            status="draft",
            definition=given.definition.model_dump(mode="json"),
            note=given.note,
            created_at=self.clock(),
            created_by=self.principal.name,
        )
        self.uow.session.add(row)
        self.uow.session.flush()
        self._audit("risk_rules.drafted", row)
        return row

    def test(self, decision_key: str, version: int, last: int = 0) -> dict[str, Any]:
        """The version's test cases, and (``last``) how many of the last N decisions
        would change outcome under it (the first changed ones listed)."""
        row = self.version(decision_key, version)
        self.runtime.flush_log()
        compiled = compile_ruleset(
            decision_key, version, RuleSetDefinition.model_validate(row.definition)
        )
        cases = _run_cases(compiled)
        replay: dict[str, Any] | None = None
        if last:
            replay = replay_decisions(
                compiled, self.repo.recent_decisions(decision_key, min(last, 10_000))
            )
        return {
            "decision_key": decision_key,
            "version": version,
            "cases": cases,
            "passed": all(c["passed"] for c in cases),
            "replay": replay,
        }

    def publish(self, decision_key: str, version: int) -> DecisionRoute:
        """Make ``version`` the champion (its test cases must pass); every process
        serves it within a second. Audited."""
        policy.require(self.principal, "risk_rule", "update")
        result = self.test(decision_key, version)
        if not result["passed"]:
            failed = [c for c in result["cases"] if not c["passed"]]
            raise Conflict(
                f"{len(failed)} test case(s) fail; nothing was published",
                [
                    FieldError(
                        ["test_cases", c["name"]],
                        f"expected {c['expect']}, got {c['actual']}"
                        + (f" ({c['error']})" if c["error"] else ""),
                    )
                    for c in failed
                ],
            )
        row = self.version(decision_key, version)
        route = self._route_for_update(decision_key)
        if route.champion == version:
            return route
        route.previous_champion, route.champion = route.champion, version
        if route.challenger == version:
            route.challenger, route.mode, route.percent = None, "off", 0.0
        route.updated_at = self.clock()
        if row.status != "published":
            row.status, row.published_at, row.published_by = (
                "published",
                self.clock(),
                self.principal.name,
            )
        self._changed(route, EventType.RISK_RULES_PUBLISHED, "risk_rules.published")
        return route

    def rollback(self, decision_key: str) -> DecisionRoute:
        """Back to the previous champion, and any experiment stopped (one command)."""
        policy.require(self.principal, "risk_rule", "update")
        route = self._route_for_update(decision_key)
        if route.previous_champion is None:
            raise Conflict(f"{decision_key} has no previous version to roll back to")
        route.champion, route.previous_champion = route.previous_champion, route.champion
        route.challenger, route.mode, route.percent = None, "off", 0.0
        route.updated_at = self.clock()
        self._changed(route, EventType.RISK_RULES_ROLLED_BACK, "risk_rules.rolled_back")
        return route

    def experiment(self, decision_key: str, given: ExperimentIn) -> DecisionRoute:
        """Start, change or stop an experiment (A/B, canary percentage, shadow)."""
        policy.require(self.principal, "risk_rule", "update")
        route = self._route_for_update(decision_key)
        if route.champion is None:
            raise Conflict(f"{decision_key} has no published champion yet")
        if given.mode == "off":
            route.challenger, route.mode, route.percent = None, "off", 0.0
        else:
            if given.challenger is None:
                raise ValidationFailed(
                    "a challenger version is needed", [FieldError(["challenger"], "required")]
                )
            if given.challenger == route.champion:
                raise ValidationFailed(
                    "the challenger is the champion",
                    [FieldError(["challenger"], "choose another version")],
                )
            challenger = self.version(decision_key, given.challenger)
            compile_ruleset(
                decision_key,
                given.challenger,
                RuleSetDefinition.model_validate(challenger.definition),
            )
            route.challenger, route.mode = given.challenger, given.mode
            route.percent = 0.0 if given.mode == "shadow" else given.percent
            route.split_key = given.split_key
        route.updated_at = self.clock()
        self._changed(
            route, EventType.RISK_RULES_EXPERIMENT_CHANGED, "risk_rules.experiment_changed"
        )
        return route

    def _route_for_update(self, decision_key: str) -> DecisionRoute:
        _check_key(decision_key)
        route = self.repo.route(decision_key, lock=True)
        if route is None:
            route = DecisionRoute(
                tenant_id=self.tenant_id,
                decision_key=decision_key,
                mode="off",
                percent=0.0,
                split_key="customer_id",
                updated_at=self.clock(),
            )
            self.uow.session.add(route)
            self.uow.session.flush()
        return route

    def _changed(self, route: DecisionRoute, event: EventType, action: str) -> None:
        self._bump()
        detail = {
            "decision_key": route.decision_key,
            "champion": route.champion,
            "previous_champion": route.previous_champion,
            "challenger": route.challenger,
            "mode": route.mode,
            "percent": route.percent,
        }
        self.uow.audit(
            self.tenant_id, self.principal.actor, action, "risk_rules", route.id, **detail
        )
        self.uow.emit(
            DomainEvent(
                type=event,
                tenant_id=self.tenant_id,
                subject_type="risk_rules",
                subject_id=route.id,
                actor=self.principal.actor,
                payload=detail,
                summary=f"{action.split('.')[1]} {route.decision_key}: champion v{route.champion}",
                occurred_at=self.clock(),
            )
        )

    def _bump(self) -> None:
        """Every process reloads on its next poll; this one on its next decision."""
        self.repo.bump_generation()
        self.runtime.expire(self.tenant_id)

    def _audit(self, action: str, row: RuleSetVersion) -> None:
        self.uow.audit(
            self.tenant_id,
            self.principal.actor,
            action,
            "risk_rules",
            row.id,
            decision_key=row.decision_key,
            version=row.version,
        )

    # --- lists -----------------------------------------------------------------------

    def entries(self, list_name: str | None = None) -> list[RiskListEntry]:
        policy.require(self.principal, "risk_rule", "read")
        return self.repo.list_entries(list_name)

    def add_entry(self, given: ListEntryIn) -> RiskListEntry:
        policy.require(self.principal, "risk_rule", "create")
        try:
            value = normalise_list_value(given.kind, given.value)
        except ValueError as exc:
            raise ValidationFailed(
                str(exc), [FieldError(["value"], f"not a valid {given.kind}")]
            ) from exc
        if given.expires_at is not None and given.expires_at <= self.clock():
            raise ValidationFailed(
                "already expired", [FieldError(["expires_at"], "must be in the future")]
            )
        row = self.repo.list_entry(given.list_name, given.kind, value)
        if row is None:
            row = RiskListEntry(
                tenant_id=self.tenant_id, list_name=given.list_name, kind=given.kind, value=value
            )
            self.uow.session.add(row)
        row.reason, row.expires_at = given.reason, given.expires_at
        row.created_at, row.created_by = self.clock(), self.principal.name
        self.uow.session.flush()
        self._bump()
        self.uow.audit(
            self.tenant_id,
            self.principal.actor,
            "risk_list.entry_added",
            "risk_list",
            row.id,
            list_name=row.list_name,
            kind=row.kind,
            reason=row.reason,
        )
        return row

    def remove_entry(self, entry_id: str) -> None:
        policy.require(self.principal, "risk_rule", "delete")
        row = self.uow.session.get(RiskListEntry, entry_id)
        if row is None or row.tenant_id != self.tenant_id:
            raise NotFound(f"list entry {entry_id} not found")
        self.uow.session.delete(row)
        self._bump()
        self.uow.audit(
            self.tenant_id,
            self.principal.actor,
            "risk_list.entry_removed",
            "risk_list",
            entry_id,
            list_name=row.list_name,
            kind=row.kind,
        )

    # --- outcomes and figures ---------------------------------------------------------

    def label(self, order_id: str, label: str) -> int:
        """A label arrived for an order (chargeback, fraud, delivered): precision and
        recall of the high-risk outcome count it. Returns the decisions labelled."""
        policy.require(self.principal, "risk_decision", "create")
        self.runtime.flush_log()
        rows = self.repo.decisions_of_order(order_id)
        value = "fraud" if label in HIGH_RISK_LABELS else "legit"
        for row in rows:
            row.label = value
            customer_id = row.customer_id
            if customer_id:  # this process at once; the others through the change feed
                self.runtime.history.forget(self.tenant_id, customer_id)
            self.uow.emit(
                DomainEvent(
                    type=EventType.RISK_DECISION_LABELLED,
                    tenant_id=self.tenant_id,
                    subject_type="risk_decision",
                    subject_id=row.id,
                    actor=self.principal.actor,
                    contact_id=customer_id if customer_id and is_contact_id(customer_id) else None,
                    payload={
                        "order_id": order_id,
                        "label": value,
                        "given": label,
                        "customer_id": customer_id,
                    },
                    summary=f"{row.decision_key} decision of order {order_id}: {label}",
                    occurred_at=self.clock(),
                )
            )
        return len(rows)

    def stats(self, decision_key: str, since: datetime | None = None) -> dict[str, Any]:
        """Per version and variant: counts by outcome, latency percentiles, and the
        precision/recall of the high-risk outcome among labelled decisions; shadow
        disagreements for the challenger."""
        policy.require(self.principal, "risk_rule", "read")
        self.runtime.flush_log()
        groups: dict[tuple[int, str], list[Any]] = defaultdict(list)
        shadows: dict[int, Counter[str]] = defaultdict(Counter)
        for row in self.repo.decision_rows(decision_key, since):
            groups[(row.version, row.variant)].append(row)
            if row.shadow_version is not None:
                shadows[row.shadow_version][f"{row.outcome}→{row.shadow_outcome}"] += 1
        out = []
        for (version, variant), rows in sorted(groups.items()):
            latencies = [r.latency_ms for r in rows]
            out.append(
                {
                    "version": version,
                    "variant": variant,
                    "decisions": len(rows),
                    "outcomes": dict(Counter(r.outcome for r in rows)),
                    "p50_ms": latency_percentile(latencies, 50),
                    "p99_ms": latency_percentile(latencies, 99),
                    **precision_recall([(r.outcome, r.label) for r in rows]),
                }
            )
        shadow_out = [
            {"version": v, "decisions": sum(c.values()), "champion_to_shadow": dict(c)}
            for v, c in sorted(shadows.items())
        ]
        return {"decision_key": decision_key, "variants": out, "shadow": shadow_out}


def _payment(given: PaymentCheckIn | Mapping[str, Any]) -> PaymentCheckIn:
    if isinstance(given, PaymentCheckIn):
        return given
    try:
        return PaymentCheckIn.model_validate(given)
    except ValidationError as exc:
        errors = [FieldError([str(p) for p in e["loc"]], e["msg"], e["type"]) for e in exc.errors()]
        raise ValidationFailed("invalid payment check input", errors) from exc


def _check_key(decision_key: str) -> None:
    from re import fullmatch

    if not fullmatch(r"[a-z][a-z0-9_]{0,63}", decision_key):
        raise ValidationFailed(
            "invalid decision key", [FieldError(["decision_key"], "lower-case letters, digits, _")]
        )


# --- actions (run by the consumer of risk_decision.flagged, through the gateway) -------
