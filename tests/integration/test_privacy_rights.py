"""Rights of the data subject beyond export and erasure, through the service layer on
SQLite and PostgreSQL: restriction of processing (agents and profiling refused, people
allowed and told, pending agent approvals cancelled, lifting restores, the agent runtime
skips the person), rectification through the record service, and a re-import of an
erased person flagged wherever the contact is created."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.agents.models import AgentAction
from kith.audit.chain import verify
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.errors import Conflict, PermissionDenied, ValidationFailed
from kith.core.settings import get_settings
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.db.uow import UnitOfWork
from kith.events.models import OutboxEvent
from kith.gateway.gateway import Gateway
from kith.gateway.models import ApprovalRequest, DecisionRecord
from kith.privacy import dsar
from kith.privacy.models import ErasureTombstone, PrivacyRequest, ReimportFlag
from kith.privacy.restrictions import is_restricted, restricted_ids
from kith.privacy.rights import RightsService
from kith.privacy.schemas import ConsentIn, LiftIn, RectificationIn, RestrictionIn
from kith.privacy.service import ConsentService
from kith.transfer.importer import ImportOptions, import_file
from tests.conftest import Workspace
from tests.integration.test_agents_runtime import FollowUpAgent, Harness

As = Callable[[str, Callable[[UnitOfWork, Principal], Any]], Any]


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


def as_agent(role: str, fn: Callable[[UnitOfWork, Principal], Any]) -> Callable[..., Any]:
    """``fn`` run by an agent holding ``role``'s rights (what an agent principal is)."""

    def run(uow: UnitOfWork, person: Principal) -> Any:
        return fn(uow, replace(person, kind="agent", id="agent-marketing", name="营销助手"))

    return run


@pytest.fixture
def contact_id(as_user: As) -> str:
    def create(uow: UnitOfWork, admin: Principal) -> str:
        contact = s.ContactIn(name="林晓雯", email="lin@mail.example", mobile="13812345678")
        created: str = RecordService(uow, admin).create("contact", contact)["id"]
        ConsentService(uow, admin).record(
            created, ConsentIn(purpose="marketing", channel="sms", state="granted", source="form")
        )
        return created

    result: str = as_user("admin", create)
    return result


def _send(contact_id: str, purpose: str, channel: str = "sms") -> Callable[..., Any]:
    def run(uow: UnitOfWork, p: Principal) -> Any:
        args = {
            "contact_id": contact_id,
            "channel": channel,
            "subject": "冬季",
            # An offer needs the marketing basis whatever purpose is named; a service
            # call carries a service text.
            "body": "保养 8 折" if purpose == "marketing" else "您的车辆已保养完毕",
        }
        return Gateway().execute(uow, p, "messages.send", args, purpose=purpose)

    return run


def _restrict(as_user: As, contact_id: str, **fields: Any) -> Any:
    data = RestrictionIn(reason=fields.pop("reason", "客户对数据准确性提出异议"), **fields)
    return as_user("admin", lambda uow, p: RightsService(uow, p).restrict(contact_id, data))


def _decision(container: Container, decision_id: str) -> DecisionRecord:
    with container.uow() as uow:
        row = uow.session.get(DecisionRecord, decision_id)
        assert row is not None
        uow.session.expunge(row)
        return row


# --- restriction of processing -------------------------------------------------------------


def test_a_restricted_person_is_out_of_automated_decisions_but_people_may_act(
    as_user: As, contact_id: str, container: Container
) -> None:
    before = as_user("marketing", as_agent("marketing", _send(contact_id, "marketing")))
    assert before.status == "pending_approval"  # consent given; first contact asks a person

    state = _restrict(as_user, contact_id)
    assert state.restricted and state.reason == "客户对数据准确性提出异议"

    refused = as_user("marketing", as_agent("marketing", _send(contact_id, "marketing")))
    assert refused.status == "refused"
    why = refused.reason or ""
    assert "restricted" in why and "automated decisions" in why
    decision = _decision(container, refused.decision_id)
    assert decision.consent_allowed is False and decision.contact_id == contact_id
    assert (decision.consent_basis or "").startswith("restriction:applied")

    served = as_user("service", _send(contact_id, "service", channel="email"))
    assert served.status in ("executed", "pending_approval")
    told = _decision(container, served.decision_id)
    assert told.consent_allowed is True
    assert "restricted" in (told.consent_reason or "") and "a person acts" in (
        told.consent_reason or ""
    )

    read = {"object_type": "contact", "record_id": contact_id}
    profiling = as_user(
        "admin",
        lambda uow, p: Gateway().execute(uow, p, "records.get", read, purpose="profiling"),
    )
    assert profiling.status == "refused" and "restricted" in (profiling.reason or "")
    with container.uow() as uow:
        actions = [a.action for a in uow.session.scalars(select(AuditEntry))]
        assert actions.count("privacy.restriction_refused") == 2
        assert "privacy.restriction_applied" in actions
        assert verify(uow.session).ok


def test_applying_cancels_pending_agent_approvals_and_lifting_restores(
    as_user: As, contact_id: str, container: Container
) -> None:
    waiting = as_user("marketing", as_agent("marketing", _send(contact_id, "marketing")))
    assert waiting.status == "pending_approval"
    mine = as_user("marketing", _send(contact_id, "marketing", channel="sms"))
    state = _restrict(as_user, contact_id)
    assert [(c.kind, c.target_id) for c in state.cancelled] == [("approval", waiting.approval_id)]
    with container.uow() as uow:
        request = uow.session.get(ApprovalRequest, waiting.approval_id)
        assert request is not None and request.status == "cancelled"
        assert "processing restricted" in (request.decision_reason or "")
        if mine.approval_id:  # a person's own request stays for a person to decide
            own = uow.session.get(ApprovalRequest, mine.approval_id)
            assert own is not None and own.status == "pending"
        events = [e.type for e in uow.session.scalars(select(OutboxEvent))]
        assert "approval.cancelled" in events and "privacy.restriction_applied" in events

    lifted = as_user(
        "admin", lambda uow, p: RightsService(uow, p).lift(contact_id, LiftIn(reason="已核实"))
    )
    assert lifted.restricted is False
    assert [h.action for h in lifted.history] == ["lifted", "applied"]
    again = as_user("marketing", as_agent("marketing", _send(contact_id, "marketing")))
    assert again.status != "refused"
    with pytest.raises(Conflict):
        as_user(
            "admin", lambda uow, p: RightsService(uow, p).lift(contact_id, LiftIn(reason="again"))
        )
    with container.uow() as uow:
        kinds = [r.kind for r in uow.session.scalars(select(PrivacyRequest))]
        assert sorted(kinds) == ["lift", "restrict"]
        events = [e.type for e in uow.session.scalars(select(OutboxEvent))]
        assert "privacy.restriction_lifted" in events


def test_state_is_derived_from_the_history_and_a_restriction_can_end_by_itself(
    as_user: As, contact_id: str, container: Container
) -> None:
    soon = utcnow() + timedelta(hours=1)
    _restrict(as_user, contact_id, until=soon)
    with container.uow() as uow:
        tenant_id = uow.session.scalars(select(User.tenant_id)).first()
        assert tenant_id is not None
        assert is_restricted(uow.session, tenant_id, contact_id)
        assert restricted_ids(uow.session, tenant_id, [contact_id, "other"]) == {contact_id}
        later = soon + timedelta(seconds=1)
        assert restricted_ids(uow.session, tenant_id, [contact_id], later) == set()
    with pytest.raises(ValidationFailed) as past:
        _restrict(as_user, contact_id, until=utcnow() - timedelta(minutes=1))
    assert past.value.errors[0].path == ["body", "until"]


def test_only_admins_restrict_and_anyone_who_reads_the_person_sees_it(
    as_user: As, contact_id: str
) -> None:
    with pytest.raises(PermissionDenied):
        as_user(
            "sales",
            lambda uow, p: RightsService(uow, p).restrict(contact_id, RestrictionIn(reason="x")),
        )
    _restrict(as_user, contact_id)
    seen = as_user("service", lambda uow, p: RightsService(uow, p).restriction(contact_id))
    assert seen.restricted and len(seen.history) == 1
    assert seen.history[0].actor_kind == "user"


def test_the_agent_runtime_skips_a_restricted_person_before_reasoning(
    container: Container, workspace: Workspace, as_user: As, contact_id: str
) -> None:
    harness = Harness(container, workspace.tenant_id, FollowUpAgent)
    try:
        _restrict(as_user, contact_id)
        harness.chat(contact_id)
        assert harness.gateway.calls == []
        with container.uow() as uow:
            rows = uow.session.scalars(
                select(AgentAction).where(AgentAction.tenant_id == workspace.tenant_id)
            ).all()
            notes = [(r.phase, r.status, r.contact_id) for r in rows if r.phase == "noted"]
            assert notes == [("noted", "skipped", contact_id)]
            assert any((r.reason or "").startswith("skipped: restricted") for r in rows)
        as_user("admin", lambda uow, p: RightsService(uow, p).lift(contact_id, LiftIn(reason="ok")))
        harness.chat(contact_id)
        assert harness.gateway.tools() == ["tasks.create", "notes.add"]
    finally:
        harness.runtime.close()


# --- rectification ---------------------------------------------------------------------------


def test_rectification_goes_through_the_record_service_and_is_logged(
    as_user: As, contact_id: str, container: Container
) -> None:
    data = RectificationIn(
        changes={"email": "lin.xw@mail.example", "city": "杭州"}, reason="本人来电"
    )
    out = as_user("admin", lambda uow, p: RightsService(uow, p).rectify(contact_id, data))
    assert out.fields == ["city", "email"] and out.contact["email"] == "lin.xw@mail.example"
    with container.uow() as uow:
        request = uow.session.get(PrivacyRequest, out.request_id)
        assert request is not None and request.kind == "rectify"
        assert request.detail == {"fields": ["city", "email"], "reason": "本人来电"}
        audit = [a.action for a in uow.session.scalars(select(AuditEntry))]
        assert "dsar.rectified" in audit
        events = [e.type for e in uow.session.scalars(select(OutboxEvent))]
        assert "contact.updated" in events and "privacy.rectified" in events


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"email": "not-an-email"}, ["body", "changes", "email"]),
        ({"shoe_size": "42"}, ["body", "changes", "shoe_size"]),
        ({"owner_id": "0" * 32}, ["body", "changes", "owner_id"]),
        ({"name": None}, ["body", "changes", "name"]),
    ],
)
def test_invalid_rectifications_name_the_field(
    as_user: As, contact_id: str, changes: dict[str, Any], path: list[str]
) -> None:
    data = RectificationIn(changes=changes, reason="本人来电")
    with pytest.raises(ValidationFailed) as failed:
        as_user("admin", lambda uow, p: RightsService(uow, p).rectify(contact_id, data))
    assert [e.path for e in failed.value.errors] == [path]


def test_the_export_includes_restriction_and_rectification_history(
    as_user: As, contact_id: str
) -> None:
    _restrict(as_user, contact_id)
    data = RectificationIn(changes={"city": "杭州"}, reason="本人来电")
    as_user("admin", lambda uow, p: RightsService(uow, p).rectify(contact_id, data))
    raw = as_user("admin", lambda uow, p: dsar.export_zip(uow, p, contact_id))
    archive = zipfile.ZipFile(io.BytesIO(raw))
    tables = json.loads(archive.read("data.json"))["tables"]
    assert [r["action"] for r in tables["processing_restrictions"]] == ["applied"]
    assert sorted(r["kind"] for r in tables["privacy_requests"]) == ["rectify", "restrict"]
    summary = archive.read("summary.md").decode()
    assert "Restriction and rectification" in summary and "`rectify`" in summary
    exports = as_user("admin", lambda uow, p: RightsService(uow, p).requests(contact_id))
    assert exports[0].kind == "export"


# --- re-import after erasure -----------------------------------------------------------------


@pytest.fixture
def erased(as_user: As, contact_id: str) -> str:
    as_user(
        "admin",
        lambda uow, p: dsar.erase(uow, p, get_settings(), contact_id, "本人要求删除"),
    )
    return contact_id


def test_creating_an_erased_person_again_is_flagged_not_refused(
    as_user: As, erased: str, container: Container
) -> None:
    again = s.ContactIn(name="林晓雯", email="LIN@mail.example", mobile="138 1234 5678")
    other = s.ContactIn(name="王芳", email="wang@mail.example")
    new_id = as_user("sales", lambda uow, p: RecordService(uow, p).create("contact", again)["id"])
    as_user("sales", lambda uow, p: RecordService(uow, p).create("contact", other))
    flags = as_user("admin", lambda uow, p: RightsService(uow, p).flags())
    assert [(f.contact_id, f.matched) for f in flags] == [(new_id, ["email", "phone"])]
    with container.uow() as uow:
        tombstone_ids = [t.id for t in uow.session.scalars(select(ErasureTombstone))]
        assert flags[0].tombstone_ids == tombstone_ids
        events = [
            e for e in uow.session.scalars(select(OutboxEvent))
            if e.type == "privacy.reimport_flagged"
        ]  # fmt: skip
        assert [e.subject_id for e in events] == [new_id]
        audit = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "privacy.reimport_flagged")
        ).all()
        assert [a.record_id for a in audit] == [new_id]
        assert verify(uow.session).ok
    with pytest.raises(PermissionDenied):
        as_user("sales", lambda uow, p: RightsService(uow, p).flags())


def test_a_bulk_import_flags_the_row_in_its_result(
    as_user: As, erased: str, container: Container, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "name,email,mobile\n王芳,wang@mail.example,\n林晓雯,lin@mail.example,\n",
        encoding="utf-8",
    )

    def run(uow: UnitOfWork, admin: Principal) -> Any:
        return import_file(uow, admin, SPECS["contact"], path, ImportOptions(fmt="csv"))

    summary = as_user("admin", run)
    assert summary.created == 2 and summary.flagged_rows == 1
    (row,) = summary.as_dict()["flagged"]
    assert row["line"] == 3 and row["flags"] == ["reimport_after_erasure"]
    with container.uow() as uow:
        flags = uow.session.scalars(select(ReimportFlag)).all()
        assert [f.contact_id for f in flags] == [row["record_id"]]


def test_an_erasure_in_the_same_transaction_flags_the_next_creation(
    as_user: As, contact_id: str, container: Container
) -> None:
    def erase_then_create(uow: UnitOfWork, admin: Principal) -> str:
        records = RecordService(uow, admin)
        records.create("contact", s.ContactIn(name="预热", email="warm@mail.example"))
        dsar.erase(uow, admin, get_settings(), contact_id, "本人要求删除")
        again = s.ContactIn(name="林", email="lin@mail.example")
        created: str = records.create("contact", again)["id"]
        return created

    new_id = as_user("admin", erase_then_create)
    with container.uow() as uow:
        assert [f.contact_id for f in uow.session.scalars(select(ReimportFlag))] == [new_id]
