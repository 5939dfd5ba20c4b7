"""The demo's customer health (scenario S14): CSAT and NPS answers after resolved
tickets, failures in the IoT telemetry, and the default "customer health" concept
published at the anchor, so every customer's health has real inputs behind it.

Deterministic: tickets and owners are read in a fixed order and every draw comes from
one seeded generator. Answers follow the service the ticket got (a breached SLA, an
escalation or a complaint lowers the score); owners of the Harbin cohort's cell batch
report more failures, which is what makes their reliability — and health — fall."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from kith.access.models import ApiKey, User
from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.concepts.defaults import DEFAULT_DRAFT
from kith.concepts.service import ConceptService
from kith.container import Container
from kith.crm import schemas as s
from kith.crm.models import Interaction, Ticket
from kith.crm.service import RecordService
from kith.demo.payments import admin_principal
from kith.demo.vocab import HARBIN_COHORT_BATCH

SEED = 1914
SCALE = {"csat": 5, "nps": 10}
ANSWER_SHARE = 0.7  # customers who answer the CSAT survey
NPS_SHARE = 0.6  # of those, who also answer the NPS question
FAULT_SHARE = 0.12  # owners (outside the cohort) with a failure in the last 180 days
FAULT_CODES = (
    "BMS-017 电芯压差过大",
    "TMS-203 热管理泵故障",
    "OBC-011 车载充电机过温",
    "VCU-090 通信超时",
)
COMMENTS = {
    "low": ("处理太慢了,等了好几天。", "Took far too long to fix.", "问题还是没有彻底解决。"),
    "mid": ("还可以,希望下次更快。", "OK, but communication could be better."),
    "high": ("工程师很专业,谢谢!", "Quick and friendly, thank you.", "非常满意,解决得很彻底。"),
}


IOT_KEY = "车联网平台 IoT platform"
WEB_KEY = "官网行为追踪 Web tracker"  # the survey page is answered on the web


def _integration(session: Any, tenant_id: str, name: str) -> Principal:
    """The demo integration's API-key principal, so timelines name it (never "system")."""
    key = session.scalars(
        select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.name == name)
    ).first()
    admin = admin_principal(session, tenant_id)
    if key is None or admin is None:
        return system_principal(tenant_id, name)
    user = session.get(User, admin.actor.id)
    return principal_for_user(
        session,
        user,
        kind="api_key",
        principal_id=key.id,
        name=f"API key {key.name}",
        api_scopes=frozenset(key.scopes),
    )


class _At:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def seed_health_story(container: Container, tenant_id: str, anchor: datetime) -> dict[str, Any]:
    rng = random.Random(SEED)
    answers = _survey_answers(container, tenant_id, anchor, rng)
    faults = _telemetry_faults(container, tenant_id, anchor, rng)
    with container.uow() as uow:
        principal = admin_principal(uow.session, tenant_id) or system_principal(tenant_id)
        service = ConceptService(uow, principal, clock=_At(anchor - timedelta(minutes=30)))
        draft = service.draft(DEFAULT_DRAFT)
        _, recompute = service.publish(draft.concept_key, draft.version)
        uow.commit()
    return {"answers": answers, "faults": faults, "recompute": recompute.model_dump()}


def _csat_score(ticket: Ticket, rng: random.Random) -> int:
    base = 4.4
    if (
        ticket.resolution_due_at
        and ticket.resolved_at
        and ticket.resolved_at > ticket.resolution_due_at
    ):
        base -= 1.3
    if ticket.escalated:
        base -= 0.8
    if ticket.category == "complaint":
        base -= 0.7
    return max(1, min(5, round(rng.gauss(base, 0.8))))


def _nps_score(csat: int, rng: random.Random) -> int:
    return max(0, min(10, round(rng.gauss(2.2 * csat - 1, 1.3))))


def _survey_answers(
    container: Container, tenant_id: str, anchor: datetime, rng: random.Random
) -> int:
    with container.uow() as uow:
        tickets = uow.session.scalars(
            select(Ticket)
            .where(
                Ticket.tenant_id == tenant_id,
                Ticket.deleted_at.is_(None),
                Ticket.status.in_(("resolved", "closed")),
                Ticket.contact_id.is_not(None),
                Ticket.resolved_at.is_not(None),
            )
            .order_by(Ticket.number)
        ).all()
        principal = _integration(uow.session, tenant_id, WEB_KEY)
        count = 0
        for ticket in tickets:
            if rng.random() > ANSWER_SHARE:
                continue
            assert ticket.resolved_at is not None
            at = ticket.resolved_at + timedelta(hours=rng.uniform(1, 48))
            if at >= anchor:
                continue
            csat = _csat_score(ticket, rng)
            mood = "low" if csat <= 2 else "mid" if csat == 3 else "high"
            comment = rng.choice(COMMENTS[mood]) if rng.random() < 0.4 else None
            answers = [("csat", csat, comment)]
            if rng.random() < NPS_SHARE:
                answers.append(("nps", _nps_score(csat, rng), None))
            records = RecordService(uow, principal, clock=_At(at))
            for kind, score, text in answers:
                records.create(
                    "interaction",
                    s.InteractionIn(
                        channel="web",
                        direction="inbound",
                        occurred_at=at,
                        contact_id=ticket.contact_id,
                        account_id=ticket.account_id,
                        ticket_id=ticket.id,
                        subject=f"{kind.upper()} {score}/{SCALE[kind]} · {ticket.number}",
                        text=text,
                        meta={"survey": kind, "score": score},
                    ),
                )
                count += 1
        uow.commit()
    return count


def _telemetry_faults(
    container: Container, tenant_id: str, anchor: datetime, rng: random.Random
) -> int:
    """Failure readings for some owners who report telemetry (more in the cohort)."""
    since = anchor - timedelta(days=170)
    with container.uow() as uow:
        rows = uow.session.execute(
            select(Interaction.contact_id, Interaction.meta)
            .where(
                Interaction.tenant_id == tenant_id,
                Interaction.channel == "iot",
                Interaction.deleted_at.is_(None),
                Interaction.occurred_at >= since,
            )
            .order_by(Interaction.contact_id, Interaction.occurred_at)
        ).all()
        owners: dict[str, dict[str, Any]] = {}
        for contact_id, meta in rows:
            if contact_id and isinstance(meta, dict):
                owners[contact_id] = meta
        principal = _integration(uow.session, tenant_id, IOT_KEY)
        count = 0
        for contact_id in sorted(owners):
            meta = owners[contact_id]
            cohort = meta.get("cell_batch") == HARBIN_COHORT_BATCH
            if not cohort and rng.random() > FAULT_SHARE:
                continue
            failures = rng.randint(2, 4) if cohort else rng.randint(1, 2)
            for _ in range(failures):
                at = anchor - timedelta(days=rng.uniform(3, 165), minutes=rng.randint(0, 600))
                code, _, label = rng.choice(FAULT_CODES).partition(" ")
                RecordService(uow, principal, clock=_At(at)).create(
                    "interaction",
                    s.InteractionIn(
                        channel="iot",
                        direction="inbound",
                        occurred_at=at,
                        contact_id=contact_id,
                        subject=f"故障告警 Fault {code}",
                        meta={
                            "vin": meta.get("vin"),
                            "model": meta.get("model"),
                            "cell_batch": meta.get("cell_batch"),
                            "fault_code": code,
                            "fault": label,
                        },
                    ),
                )
                count += 1
        uow.commit()
    return count
