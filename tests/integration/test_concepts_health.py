"""Customer health through the service layer and the consumers on SQLite and PostgreSQL:
a CSAT answer moves a customer's health (and crosses a band, with the event), a missing
source degrades with a visible reason, a new version recomputes and keeps the history,
and the survey after a resolved ticket goes out through the gateway and is answered once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.concepts import survey
from kith.concepts.consumers import HealthConsumer, SurveyConsumer, send_invitation
from kith.concepts.defaults import DEFAULT_DRAFT
from kith.concepts.health import health
from kith.concepts.models import ConceptValueHistory
from kith.concepts.schemas import ConceptDefinition, ConceptDraftIn
from kith.concepts.service import ConceptService
from kith.container import Container
from kith.core.errors import Conflict, ValidationFailed
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.events.delivery import ConsumerRunner
from kith.events.envelope import Envelope
from kith.events.models import OutboxEvent
from kith.gateway.gateway import gateway_of
from kith.gateway.models import OutboundMessage
from tests.conftest import Workspace

NOW = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)


def _admin(container: Container, workspace: Workspace) -> Principal:
    with container.uow() as uow:
        return principal_for_user(uow.session, workspace.users["admin"])


@pytest.fixture
def records(container: Container, workspace: Workspace) -> Any:
    principal = _admin(container, workspace)

    @contextmanager
    def _records(at: datetime = NOW) -> Iterator[RecordService]:
        with container.uow() as uow:
            yield RecordService(uow, principal, lambda: at)
            uow.commit()

    return _records


def _concepts(container: Container, workspace: Workspace, at: datetime = NOW) -> Any:
    principal = _admin(container, workspace)

    @contextmanager
    def _open() -> Iterator[ConceptService]:
        with container.uow() as uow:
            yield ConceptService(uow, principal, clock=lambda: at)
            uow.commit()

    return _open()


def _customer(records: Any) -> tuple[str, str]:
    with records(NOW - timedelta(days=200)) as svc:
        account = svc.create("account", s.AccountIn(name="长城物流 Great Wall Logistics"))["id"]
        contact = svc.create(
            "contact",
            s.ContactIn(name="李娜", account_id=account, email="li.na@example.com", language="zh"),
        )["id"]
    return contact, account


def _telemetry(records: Any, contact: str, at: datetime, fault: str | None = None) -> None:
    meta: dict[str, Any] = {"vin": "LGXC16DV0R0000001", "soh_pct": 97.5}
    if fault:
        meta["fault_code"] = fault
    with records(at) as svc:
        svc.create(
            "interaction",
            s.InteractionIn(
                channel="iot",
                direction="inbound",
                occurred_at=at,
                contact_id=contact,
                subject="电池遥测 Battery telemetry",
                meta=meta,
            ),
        )


def _csat(records: Any, contact: str, score: int, at: datetime) -> None:
    with records(at) as svc:
        svc.create(
            "interaction",
            s.InteractionIn(
                channel="web",
                direction="inbound",
                occurred_at=at,
                contact_id=contact,
                subject=f"CSAT {score}/5",
                meta={"survey": "csat", "score": score},
            ),
        )


def _apply_health(container: Container, at: datetime = NOW) -> None:
    consumer = HealthConsumer(lambda: at)
    with container.uow() as uow:
        rows = uow.session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
        envelopes = [Envelope.from_outbox(r) for r in rows]
    ConsumerRunner(container, consumer).apply(envelopes)


def _health(container: Container, workspace: Workspace, contact: str) -> Any:
    with container.uow() as uow:
        return health(uow, _admin(container, workspace), "contact", contact)


def _publish_default(container: Container, workspace: Workspace, at: datetime = NOW) -> None:
    with _concepts(container, workspace, at) as svc:
        row = svc.draft(DEFAULT_DRAFT)
        svc.publish(row.concept_key, row.version)


def test_health_changes_when_a_csat_arrives(
    container: Container, workspace: Workspace, records: Any
) -> None:
    contact, account = _customer(records)
    _telemetry(records, contact, NOW - timedelta(days=3), fault="BMS-017")  # 180/1 days
    _publish_default(container, workspace)
    before = _health(container, workspace, contact).current
    # Only MTBF (0.2 of the weight) has data: below the 0.3 coverage, no number.
    assert before.value is None and before.band == "unknown" and before.degraded
    assert any("20% of the weight" in r for r in before.reasons)

    _csat(records, contact, 5, NOW - timedelta(hours=2))
    _apply_health(container)
    after = _health(container, workspace, contact).current
    # csat 5 → 1.0 (w .3), mtbf 180 days → 1.0 (w .2): 100 on the 0.5 that has data.
    assert after.value == 100.0 and after.band == "healthy"
    assert after.coverage == 0.5
    by_key = {c.key: c for c in after.contributions}
    assert by_key["csat"].points == 60.0 and by_key["reliability"].points == 40.0
    assert by_key["nps"].status == "missing" and "no nps data" in by_key["nps"].reason

    _csat(records, contact, 1, NOW - timedelta(hours=1))  # mean CSAT 3 → 0.4
    _apply_health(container)
    worse = _health(container, workspace, contact).current
    # 100 × (0.6 × 0.4 + 0.4 × 1.0) = 64 → watch
    assert worse.value == 64.0 and worse.band == "watch"
    with container.uow() as uow:
        events = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "customer_health.changed")
        ).all()
        crossings = [(e.subject_id, e.payload["from_band"], e.payload["to_band"]) for e in events]
    assert (contact, "unknown", "healthy") in crossings
    assert (contact, "healthy", "watch") in crossings
    # Agents read the same explanation through the gateway (a read-only tool call).
    with container.uow() as uow:
        read = gateway_of(container).execute(
            uow,
            _admin(container, workspace),
            "concepts.health",
            {"subject_type": "contact", "subject_id": contact},
            purpose="api",
        )
        uow.commit()
    assert read.status == "executed" and read.output is not None
    assert read.output["current"]["value"] == 64.0
    assert read.output["history"][0]["band"] == "watch"
    # The account sees its contact's answers too.
    with container.uow() as uow:
        acc = health(uow, _admin(container, workspace), "account", account).current
    assert acc is not None and acc.contributions[0].samples == 2


def test_stale_source_degrades_with_a_reason(
    container: Container, workspace: Workspace, records: Any
) -> None:
    contact, _ = _customer(records)
    _csat(records, contact, 4, NOW - timedelta(days=5))
    _telemetry(records, contact, NOW - timedelta(days=45))  # older than the 30-day limit
    _publish_default(container, workspace)
    current = _health(container, workspace, contact).current
    reliability = next(c for c in current.contributions if c.key == "reliability")
    assert reliability.status == "stale" and reliability.points == 0
    assert "older than 30 days" in reliability.reason
    assert current.value == 75.0 and current.degraded  # CSAT 4 → 0.75, alone at 0.3


def test_new_version_recomputes_and_keeps_history(
    container: Container, workspace: Workspace, records: Any
) -> None:
    contact, _ = _customer(records)
    _csat(records, contact, 4, NOW - timedelta(days=5))
    _telemetry(records, contact, NOW - timedelta(days=2), fault="X1")
    _telemetry(records, contact, NOW - timedelta(days=1), fault="X2")  # 90 days → 0.7
    _publish_default(container, workspace)
    v1 = _health(container, workspace, contact).current
    # 100 × (0.6 × 0.75 + 0.4 × 0.7) = 73
    assert v1.version == 1 and v1.value == 73.0

    data = DEFAULT_DRAFT.model_dump(mode="json")
    for ind in data["definition"]["indicators"]:
        ind["weight"] = {
            "csat": 0.1,
            "reliability": 0.4,
            "nps": 0.1,
            "renewal": 0.2,
            "usage": 0.1,
            "sentiment": 0.1,
        }[ind["key"]]
    later = NOW + timedelta(hours=1)
    with _concepts(container, workspace, later) as svc:
        row = svc.draft(ConceptDraftIn.model_validate(data))
        _, out = svc.publish("customer_health", row.version)
    assert out.version == 2 and out.changed >= 1
    v2 = _health(container, workspace, contact)
    # 100 × (0.2 × 0.75 + 0.8 × 0.7) = 71
    assert v2.current.version == 2 and v2.current.value == 71.0
    assert [(h.version, h.value) for h in v2.history] == [(2, 71.0), (1, 73.0)]
    with _concepts(container, workspace, later) as svc:
        statuses = {v.version: v.status for v in svc.versions("customer_health")}
        assert statuses == {1: "retired", 2: "published"}
        with pytest.raises(Conflict):
            svc.publish("customer_health", 1)


def test_weights_that_do_not_sum_to_one_are_refused_with_a_path() -> None:
    data = DEFAULT_DRAFT.model_dump(mode="json")["definition"]
    data["indicators"][0]["weight"] = 0.5
    with pytest.raises(ValidationError, match="sum to 1"):
        ConceptDefinition.model_validate(data)


def test_survey_after_a_resolved_ticket(
    container: Container, workspace: Workspace, records: Any
) -> None:
    contact, account = _customer(records)
    with records(NOW - timedelta(days=1)) as svc:
        ticket = svc.create(
            "ticket", s.TicketIn(subject="充电桩无法启动", contact_id=contact, account_id=account)
        )
        svc.create(  # the customer called in: not a first contact for the gateway
            "interaction",
            s.InteractionIn(
                channel="phone",
                direction="inbound",
                contact_id=contact,
                ticket_id=ticket["id"],
                subject="来电报修",
                text="充电桩无法启动,已经两天了,很着急。",
            ),
        )
    with records(NOW) as svc:
        svc.update("ticket", ticket["id"], svc_patch(svc, ticket, status="resolved"))
    consumer = SurveyConsumer(gateway_of(container), container.settings, lambda: NOW)
    with container.uow() as uow:
        rows = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "ticket.status_changed")
        ).all()
        envelopes = [Envelope.from_outbox(r) for r in rows]
    ConsumerRunner(container, consumer).apply(envelopes)
    ConsumerRunner(container, consumer).apply(envelopes)  # redelivery: still one message
    with container.uow() as uow:
        sent = uow.session.scalars(select(OutboundMessage)).all()
        assert len(sent) == 1 and sent[0].contact_id == contact
        body = sent[0].body
    assert "/surveys/ticket?token=" in body
    token = body.split("token=")[1].split("&")[0]

    with container.uow() as uow:
        opened = survey.open_survey(uow, container.settings, token, ticket["id"], NOW)
        scores, comment = survey.parse_answers({"csat": "2", "nps": "6", "comment": "太慢了"})
        survey.record_answers(uow, opened, scores, comment, NOW)
        uow.commit()
    with container.uow() as uow:
        again = survey.open_survey(uow, container.settings, token, ticket["id"], NOW)
        assert again.answered == frozenset({"csat", "nps"})
        with pytest.raises(Conflict):
            survey.record_answers(uow, again, {"csat": 5}, None, NOW)
        with pytest.raises(ValidationFailed):
            survey.parse_answers({"csat": "9"})
    _publish_default(container, workspace)
    _apply_health(container)
    with container.uow() as uow:
        acc = health(uow, _admin(container, workspace), "account", account).current
    assert acc is not None
    nps = next(c for c in acc.contributions if c.key == "nps")
    assert nps.raw == -100.0 and nps.status == "ok"  # one detractor
    with container.uow() as uow:
        subjects = set(uow.session.scalars(select(ConceptValueHistory.subject_id)))
    assert subjects >= {contact, account}


def svc_patch(svc: RecordService, record: dict[str, Any], **changes: Any) -> Any:
    from kith.crm.specs import PATCH_SCHEMAS

    return PATCH_SCHEMAS["ticket"].model_validate({"version": record["version"], **changes})


def test_restricted_person_gets_no_survey_and_no_profile(
    container: Container, workspace: Workspace, records: Any
) -> None:
    from kith.privacy.rights import RightsService
    from kith.privacy.schemas import RestrictionIn

    contact, _ = _customer(records)
    _csat(records, contact, 5, NOW - timedelta(days=1))
    _telemetry(records, contact, NOW - timedelta(days=1))
    with records(NOW - timedelta(days=1)) as svc:
        ticket = svc.create("ticket", s.TicketIn(subject="续航", contact_id=contact))
    with container.uow() as uow:
        RightsService(
            uow, _admin(container, workspace), clock=lambda: NOW - timedelta(hours=3)
        ).restrict(contact, RestrictionIn(reason="accuracy contested"))
        uow.commit()
    _publish_default(container, workspace)
    current = _health(container, workspace, contact).current
    assert current.value is None and current.band == "unknown"
    assert "restricted" in current.reasons[0]
    with container.uow() as uow:
        status = send_invitation(
            uow, gateway_of(container), container.settings, workspace.tenant_id, ticket["id"], NOW
        )
        assert status is None
        assert uow.session.scalars(select(OutboundMessage)).all() == []
