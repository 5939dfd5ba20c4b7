"""Real-time decisions through the service layer on SQLite and PostgreSQL: the S4
payment story (a blocked device, a card used by five accounts in an hour, a loyal
customer who passes silently), bad input, run-time rule errors, hot reload under
load, shadow mode, rollback, lists with CIDR ranges and expiry, labels."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.container import Container
from kith.core.errors import Conflict, KithError, NotFound, ValidationFailed
from kith.crm.schemas import ContactIn, OrderIn
from kith.crm.service import RecordService
from kith.events.models import OutboxEvent
from kith.gateway.decisions import DecisionReader
from kith.gateway.gateway import Gateway
from kith.gateway.models import DecisionRecord, Notification
from kith.realtime.actions import run_actions
from kith.realtime.defaults import PAYMENT_CHECK, PAYMENT_RULES
from kith.realtime.features.window import MemoryWindow
from kith.realtime.models import RealtimeDecision, RuleSetVersion, ShipmentHold
from kith.realtime.runtime import DecisionRuntime
from kith.realtime.schemas import DraftIn, ExperimentIn, ListEntryIn, RuleSetDefinition
from kith.realtime.service import RealtimeService
from tests.conftest import Workspace

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime = NOW) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _admin(container: Container, workspace: Workspace) -> Principal:
    with container.uow() as uow:
        return principal_for_user(uow.session, workspace.users["admin"])


def _service(
    uow: Any, principal: Principal, runtime: DecisionRuntime, clock: Callable[[], datetime]
) -> RealtimeService:
    return RealtimeService(uow, principal, runtime, clock=clock)


def _publish(
    container: Container,
    principal: Principal,
    runtime: DecisionRuntime,
    definition: dict[str, Any],
    clock: Callable[[], datetime] = Clock(),
) -> int:
    with container.uow() as uow:
        service = _service(uow, principal, runtime, clock)
        draft = service.draft(PAYMENT_CHECK, DraftIn(definition=RuleSetDefinition(**definition)))
        service.publish(PAYMENT_CHECK, draft.version)
        uow.commit()
        return draft.version


def _payment(customer: str, card: str = "card-hash-0001", **over: Any) -> dict[str, Any]:
    body = {
        "customer_id": customer,
        "order_id": f"SO-{customer}-{over.pop('n', 1)}",
        "amount": "899.00",
        "currency": "CNY",
        "card_token_hash": card,
        "ip": "203.0.113.7",
        "device_fingerprint": f"dev-{customer}",
        "shipping_address": {"country": "CN", "city": "上海"},
    }
    body.update(over)
    return body


def _decide(
    container: Container,
    principal: Principal,
    runtime: DecisionRuntime,
    body: dict[str, Any],
    clock: Callable[[], datetime] = Clock(),
    **kw: Any,
) -> Any:
    with container.uow() as uow:
        out = _service(uow, principal, runtime, clock).decide(PAYMENT_CHECK, body, **kw)
        uow.commit()
        return out


def _loyal_customer(container: Container, tenant_id: str) -> str:
    with container.uow() as uow:
        records = RecordService(uow, system_principal(tenant_id))
        contact = records.create("contact", ContactIn(name="王芳"))
        for n in range(4):
            records.create(
                "order",
                OrderIn(
                    number=f"SO-LOYAL-{n}",
                    contact_id=contact["id"],
                    status="delivered",
                    ordered_at=NOW - timedelta(days=200 - n * 30),
                ),
            )
        uow.commit()
        return str(contact["id"])


def test_payment_story_block_step_up_and_silent_pass(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    _publish(container, admin, runtime, PAYMENT_RULES)
    with container.uow() as uow:
        _service(uow, admin, runtime, Clock()).add_entry(
            ListEntryIn(
                list_name="blocklist", kind="device", value="dev-stolen", reason="chargeback ring"
            )
        )
        uow.commit()

    blocked = _decide(container, admin, runtime, _payment("c-1", device_fingerprint="dev-stolen"))
    assert blocked.outcome == "block"
    assert blocked.ruleset_version == 1 and blocked.variant == "champion"
    assert [r.rule for r in blocked.reasons] == ["blocked_device_or_ip"]
    assert "设备" in blocked.reasons[0].zh and "device" in blocked.reasons[0].en
    assert blocked.actions == ["notify_analyst", "open_review_ticket"]

    ring = [
        _decide(container, admin, runtime, _payment(f"acct-{n}", card="card-shared-9"))
        for n in range(5)
    ]
    assert [d.outcome for d in ring] == ["pass", "pass", "pass", "pass", "step_up"]
    shared = _decide(container, admin, runtime, _payment("acct-9", card="card-shared-9"))
    assert shared.outcome == "step_up" and shared.score >= 50
    assert "card_shared_by_accounts" in [r.rule for r in shared.reasons]
    assert shared.actions == ["step_up_sms", "hold_shipment", "notify_analyst"]

    loyal = _loyal_customer(container, workspace.tenant_id)
    passed = _decide(container, admin, runtime, _payment(loyal, card="card-loyal-1"))
    assert passed.outcome == "pass" and passed.reasons == [] and passed.actions == []
    assert [f.rule for f in passed.fired] == ["loyal_customer"]

    with container.uow() as uow:
        rows = {r.id: r for r in uow.session.scalars(select(RealtimeDecision))}
        # pass: compact (no passport); non-pass: an explained decision passport
        assert rows[passed.decision_id].passport_id is None
        passport = uow.session.get(DecisionRecord, rows[blocked.decision_id].passport_id)
        assert passport is not None and passport.purpose == "risk"
        assert passport.rationale is not None
        assert passport.rationale["engine_version"] == "payment_check@v1"
        assert [f["name"] for f in passport.rationale["factors"]] == ["blocked_device_or_ip"]
        assert passport.rationale["inputs"]["variant"] == "champion"
        events = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "risk_decision.flagged")
        ).all()
        flagged = {blocked.decision_id, ring[4].decision_id, shared.decision_id}
        assert {e.subject_id for e in events} == flagged


def test_flagged_decision_actions_run_through_the_gateway(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    _publish(container, admin, runtime, PAYMENT_RULES)
    for n in range(5):
        out = _decide(container, admin, runtime, _payment(f"a-{n}", card="card-ring-1"))
    assert out.outcome == "step_up"
    with container.uow() as uow:
        event = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.subject_id == out.decision_id)
        ).one()
        results = run_actions(
            uow, Gateway(clock=Clock()), workspace.tenant_id, out.decision_id, event.payload
        )
        uow.commit()
    by_tool = {r["tool"]: r["status"] for r in results}
    # the customer id is not a Kith contact here, so no SMS is attempted
    assert by_tool == {"orders.hold_shipment": "executed", "users.notify": "executed"}
    with container.uow() as uow:
        hold = uow.session.scalars(select(ShipmentHold)).one()
        assert hold.order_id == "SO-a-4-1" and hold.decision_id == out.decision_id
        note = uow.session.scalars(select(Notification)).one()
        assert note.user_id == workspace.users["analyst"].id
        assert uow.session.get(RealtimeDecision, out.decision_id).actions_done  # type: ignore[union-attr]
        tools = {d.tool for d in uow.session.scalars(select(DecisionRecord)) if d.tool}
        assert tools == {"orders.hold_shipment", "users.notify"}


def test_bad_input_is_refused_clearly(container: Container, workspace: Workspace) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    with pytest.raises(NotFound):
        _decide(container, admin, runtime, _payment("c-1"))  # nothing published yet
    _publish(container, admin, runtime, PAYMENT_RULES)

    body = _payment("c-1")
    del body["card_token_hash"]
    with pytest.raises(ValidationFailed) as missing:
        _decide(container, admin, runtime, body)
    assert [e.path for e in missing.value.errors] == [["card_token_hash"]]

    with container.uow() as uow, pytest.raises(NotFound):
        _service(uow, admin, runtime, Clock()).decide("refund_check", _payment("c-1"))

    broken = deepcopy(PAYMENT_RULES)
    broken["rules"][2]["when"] = "card.accounts_1h >= "
    broken["rules"][3]["when"] = "cards.txns_1h > 3"
    with container.uow() as uow:
        service = _service(uow, admin, runtime, Clock())
        with pytest.raises(ValidationFailed) as bad:
            service.draft(PAYMENT_CHECK, DraftIn(definition=RuleSetDefinition(**broken)))
        assert [e.path for e in bad.value.errors] == [["rules", 2, "when"], ["rules", 3, "when"]]
        assert "cards" in bad.value.errors[1].message
    with container.uow() as uow:
        versions = uow.session.scalars(select(RuleSetVersion.version)).all()
        assert versions == [1]  # nothing half-saved

    failing_case = deepcopy(PAYMENT_RULES)
    failing_case["test_cases"][2]["expect"] = "review"
    with container.uow() as uow:
        service = _service(uow, admin, runtime, Clock())
        draft = service.draft(PAYMENT_CHECK, DraftIn(definition=RuleSetDefinition(**failing_case)))
        with pytest.raises(Conflict) as refused:
            service.publish(PAYMENT_CHECK, draft.version)
        assert refused.value.errors[0].path == ["test_cases", "loyal customer"]
        assert service.route(PAYMENT_CHECK).champion == 1


def test_a_rule_that_errors_at_run_time_falls_back_and_alerts(
    container: Container, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    erroring = {
        "rules": [
            {"name": "fine", "when": "input.amount > 1.0", "score": 1},
            {"name": "always_fails", "when": "int(input.city) > 3", "score": 50},
        ],
        "thresholds": [{"min_score": 50, "outcome": "review"}],
        "fallback_outcome": "review",
        "actions": {"review": ["notify_analyst"]},
    }
    _publish(container, admin, runtime, erroring)
    with caplog.at_level(logging.ERROR, logger="kith.realtime"):
        out = _decide(container, admin, runtime, _payment("c-1"))
    assert out.outcome == "review" and out.fallback == "error"
    assert out.reasons[0].rule == "fallback" and "核实" in out.reasons[0].zh
    assert "always_fails" in caplog.text
    with container.uow() as uow:
        row = uow.session.get(RealtimeDecision, out.decision_id)
        assert row is not None and row.fallback == "error"
        passport = uow.session.get(DecisionRecord, row.passport_id)
        assert passport is not None and "always_fails" in (passport.reason or "")


def test_budget_exhausted_gives_the_documented_fallback(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)

    class SlowWindow(MemoryWindow):
        def observe(self, tenant_id: str, txn: Any, at: float) -> Any:
            time.sleep(0.03)
            return super().observe(tenant_id, txn, at)

    runtime = DecisionRuntime(SlowWindow())
    _publish(container, admin, runtime, PAYMENT_RULES)
    out = _decide(container, admin, runtime, _payment("c-1"), budget_ms=5)
    assert out.outcome == "step_up" and out.fallback == "budget"
    relaxed = _decide(container, admin, runtime, _payment("c-2"), budget_ms=2000)
    assert relaxed.outcome == "pass" and relaxed.fallback is None


def _versioned(marker: str) -> dict[str, Any]:
    return {
        "rules": [{"name": marker, "when": "input.amount > 0.0", "score": 1}],
        "thresholds": [{"min_score": 100, "outcome": "review"}],
    }


def test_publishing_under_load_hot_reloads_without_failures_or_mixed_versions(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    # The deciding runtime is not the publisher's: it stands for another process, which
    # shares nothing with the publisher but the database.
    other_process = DecisionRuntime(MemoryWindow())
    _publish(container, admin, runtime, _versioned("rule_v1"))
    seen: list[tuple[float, int, list[str]]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def load(worker: int) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                out = _decide(
                    container, admin, other_process, _payment(f"w{worker}-{n}"), budget_ms=5000
                )
                seen.append((time.monotonic(), out.ruleset_version, [f.rule for f in out.fired]))
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=load, args=(w,)) for w in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.4)
    _publish(container, admin, runtime, _versioned("rule_v2"))
    published = time.monotonic()
    time.sleep(1.3)
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert all(fired == [f"rule_v{version}"] for _, version, fired in seen)
    assert any(v == 1 for _, v, _ in seen) and any(v == 2 for _, v, _ in seen)
    late = [v for at, v, _ in seen if at > published + 1.0]
    assert late and set(late) == {2}


def test_shadow_mode_records_the_challenger_and_rollback_is_one_command(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    _publish(container, admin, runtime, PAYMENT_RULES)
    strict = deepcopy(PAYMENT_RULES)
    strict["thresholds"] = [{"min_score": 0, "outcome": "review"}]
    strict["test_cases"] = []
    with container.uow() as uow:
        service = _service(uow, admin, runtime, Clock())
        draft = service.draft(PAYMENT_CHECK, DraftIn(definition=RuleSetDefinition(**strict)))
        service.experiment(PAYMENT_CHECK, ExperimentIn(mode="shadow", challenger=draft.version))
        uow.commit()
    out = _decide(container, admin, runtime, _payment("c-1"))
    assert out.outcome == "pass" and out.ruleset_version == 1  # the champion acts
    with container.uow() as uow:
        row = uow.session.get(RealtimeDecision, out.decision_id)
        assert row is not None and (row.shadow_version, row.shadow_outcome) == (2, "review")
        service = _service(uow, admin, runtime, Clock())
        assert service.stats(PAYMENT_CHECK)["shadow"] == [
            {"version": 2, "decisions": 1, "champion_to_shadow": {"pass→review": 1}}
        ]
        service.experiment(PAYMENT_CHECK, ExperimentIn(mode="off"))
        service.publish(PAYMENT_CHECK, 2)
        uow.commit()
    assert _decide(container, admin, runtime, _payment("c-2")).outcome == "review"
    with container.uow() as uow:
        route = _service(uow, admin, runtime, Clock()).rollback(PAYMENT_CHECK)
        assert (route.champion, route.previous_champion) == (1, 2)
        uow.commit()
    again = _decide(container, admin, runtime, _payment("c-3"))
    assert (again.outcome, again.ruleset_version) == ("pass", 1)


def test_canary_routes_the_share_it_is_given(container: Container, workspace: Workspace) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    _publish(container, admin, runtime, _versioned("rule_v1"))
    with container.uow() as uow:
        service = _service(uow, admin, runtime, Clock())
        draft = service.draft(
            PAYMENT_CHECK, DraftIn(definition=RuleSetDefinition(**_versioned("rule_v2")))
        )
        service.experiment(
            PAYMENT_CHECK, ExperimentIn(mode="canary", challenger=draft.version, percent=30)
        )
        uow.commit()
    variants = [_decide(container, admin, runtime, _payment(f"k{n}")).variant for n in range(200)]
    share = variants.count("challenger") / len(variants)
    assert 0.18 < share < 0.42


def test_lists_match_cidr_ranges_and_forget_expired_entries(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    clock = Clock()
    _publish(container, admin, runtime, PAYMENT_RULES, clock)
    with container.uow() as uow:
        service = _service(uow, admin, runtime, clock)
        service.add_entry(
            ListEntryIn(
                list_name="blocklist",
                kind="cidr",
                value="198.51.100.0/24",
                reason="proxy farm",
                expires_at=NOW + timedelta(hours=2),
            )
        )
        with pytest.raises(ValidationFailed):
            service.add_entry(
                ListEntryIn(list_name="blocklist", kind="ip", value="999.1.1.1", reason="typo")
            )
        uow.commit()
    inside = _decide(container, admin, runtime, _payment("c-1", ip="198.51.100.77"), clock)
    outside = _decide(container, admin, runtime, _payment("c-2", ip="198.51.101.77"), clock)
    assert (inside.outcome, outside.outcome) == ("block", "pass")
    clock.at = NOW + timedelta(hours=3)
    later = _decide(container, admin, runtime, _payment("c-3", ip="198.51.100.77"), clock)
    assert later.outcome == "pass"


def test_labels_give_precision_and_recall_per_version(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    _publish(container, admin, runtime, PAYMENT_RULES)
    with container.uow() as uow:
        _service(uow, admin, runtime, Clock()).add_entry(
            ListEntryIn(list_name="blocklist", kind="device", value="dev-bad", reason="ring")
        )
        uow.commit()
    flagged = _decide(container, admin, runtime, _payment("b1", device_fingerprint="dev-bad"))
    missed = _decide(container, admin, runtime, _payment("b2"))
    fine = _decide(container, admin, runtime, _payment("b3"))
    assert (flagged.outcome, missed.outcome, fine.outcome) == ("block", "pass", "pass")
    with container.uow() as uow:
        service = _service(uow, admin, runtime, Clock())
        assert service.label("SO-b1-1", "chargeback") == 1
        service.label("SO-b2-1", "fraud")
        service.label("SO-b3-1", "delivered")
        uow.commit()
        stats = service.stats(PAYMENT_CHECK)["variants"][0]
    assert stats["outcomes"] == {"block": 1, "pass": 2}
    assert (stats["labelled"], stats["precision"], stats["recall"]) == (3, 1.0, 0.5)
    assert stats["p50_ms"] is not None


def test_rule_editing_needs_the_grant(container: Container, workspace: Workspace) -> None:
    runtime = DecisionRuntime(MemoryWindow())
    with container.uow() as uow:
        sales = principal_for_user(uow.session, workspace.users["sales"])
        analyst = principal_for_user(uow.session, workspace.users["analyst"])
        with pytest.raises(KithError) as denied:
            _service(uow, sales, runtime, Clock()).versions()
        assert denied.value.status == 403
        assert _service(uow, analyst, runtime, Clock()).versions() == []
        with pytest.raises(KithError):
            _service(uow, analyst, runtime, Clock()).draft(
                PAYMENT_CHECK, DraftIn(definition=RuleSetDefinition(**PAYMENT_RULES))
            )


def test_decisions_show_in_the_customers_passport_list(
    container: Container, workspace: Workspace
) -> None:
    admin = _admin(container, workspace)
    runtime = DecisionRuntime(MemoryWindow())
    _publish(container, admin, runtime, PAYMENT_RULES)
    with container.uow() as uow:
        contact = RecordService(uow, system_principal(workspace.tenant_id)).create(
            "contact", ContactIn(name="李雷")
        )
        _service(uow, admin, runtime, Clock()).add_entry(
            ListEntryIn(list_name="blocklist", kind="ip", value="192.0.2.9", reason="abuse")
        )
        uow.commit()
    out = _decide(container, admin, runtime, _payment(contact["id"], ip="192.0.2.9"))
    assert out.outcome == "block"
    with container.uow() as uow:
        found = DecisionReader(uow, admin).search(contact_id=contact["id"])
        assert [d.purpose for d in found] == ["risk"]
