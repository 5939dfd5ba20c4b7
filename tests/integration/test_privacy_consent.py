"""The consent ledger enforced at the gateway (S6): calls are refused without consent
and say why; service messages go through on their legal basis; a revocation cancels
pending approvals, drafts and campaign enrollments at once; no role overrides it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user
from kith.audit.chain import verify
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.core.errors import Conflict, NotFound, ValidationFailed
from kith.crm import schemas as s
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.gateway.approvals import ApprovalService
from kith.gateway.gateway import Gateway
from kith.gateway.models import (
    ApprovalRequest,
    CampaignEnrollment,
    DecisionRecord,
    OutboundMessage,
)
from kith.privacy.models import ConsentCancellation
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService, evidence_digest
from tests.conftest import Workspace

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


@pytest.fixture
def contact_id(as_user: As) -> str:
    def create(uow: UnitOfWork, admin: Principal) -> str:
        contact = s.ContactIn(name="林晓雯", email="lin@mail.example", mobile="13812345678")
        created: str = RecordService(uow, admin).create("contact", contact)["id"]
        return created

    result: str = as_user("admin", create)
    return result


def _consent(as_user: As, contact_id: str, role: str = "admin", **fields: Any) -> Any:
    return as_user(
        role, lambda uow, p: ConsentService(uow, p).record(contact_id, ConsentIn(**fields))
    )


def _send(channel: str, contact_id: str, purpose: str, text: str = "冬季保养 8 折") -> Any:
    def run(uow: UnitOfWork, p: Principal) -> Any:
        args = {"contact_id": contact_id, "channel": channel, "subject": "优惠", "body": text}
        return Gateway().execute(uow, p, "messages.send", args, purpose=purpose)

    return run


def _decision(container: Container, decision_id: str) -> DecisionRecord:
    with container.uow() as uow:
        row = uow.session.get(DecisionRecord, decision_id)
        assert row is not None
        uow.session.expunge(row)
        return row


def test_history_is_append_only_and_the_latest_applicable_event_wins(
    as_user: As, contact_id: str
) -> None:
    _consent(
        as_user,
        contact_id,
        purpose="marketing",
        channel="sms",
        state="granted",
        source="form",
        evidence="我同意接收营销短信",
    )
    out = _consent(as_user, contact_id, purpose="marketing", channel="*", state="revoked")
    assert [(c.purpose, c.channel, c.state) for c in out.current] == [
        ("marketing", "*", "revoked"),
        ("marketing", "sms", "granted"),
    ]
    assert [h.state for h in out.history] == ["revoked", "granted"]
    assert out.history[1].evidence_hash == evidence_digest("我同意接收营销短信")
    # The "*" revocation is later than the sms grant: sms is refused.
    refused = as_user("marketing", _send("sms", contact_id, "marketing"))
    assert refused.status == "refused"
    assert "revoked" in (refused.reason or "") and "no role can override" in (refused.reason or "")


def test_marketing_without_consent_is_refused_and_the_decision_says_why(
    as_user: As, contact_id: str, container: Container
) -> None:
    refused = as_user("marketing", _send("sms", contact_id, "marketing"))
    assert refused.status == "refused"
    assert refused.reason == "no consent: no marketing consent on record for sms (never asked)"
    decision = _decision(container, refused.decision_id)
    assert decision.consent_allowed is False and decision.contact_id == contact_id
    with container.uow() as uow:
        assert uow.session.scalars(select(OutboundMessage)).all() == []


def test_a_grant_on_one_channel_allows_that_channel_only(
    as_user: As, contact_id: str, container: Container
) -> None:
    _consent(as_user, contact_id, purpose="marketing", channel="sms", state="granted")
    sms = as_user("marketing", _send("sms", contact_id, "marketing"))
    assert sms.status == "pending_approval"  # first contact; consent passed
    decision = _decision(container, sms.decision_id)
    assert decision.consent_allowed is True
    assert (decision.consent_basis or "").startswith("consent:marketing/sms granted")
    email = as_user("marketing", _send("email", contact_id, "marketing"))
    assert email.status == "refused" and "email" in (email.reason or "")


def test_service_messages_go_through_on_their_legal_basis_and_say_why(
    as_user: As, contact_id: str, container: Container
) -> None:
    _consent(as_user, contact_id, purpose="marketing", channel="*", state="revoked")
    result = as_user("service", _send("email", contact_id, "service", "您的工单已处理"))
    assert result.status in ("executed", "pending_approval")
    decision = _decision(container, result.decision_id)
    assert decision.consent_allowed is True
    assert decision.consent_basis == "legal:contract (service)"
    assert "necessary to perform the contract" in (decision.consent_reason or "")


def test_an_expired_grant_no_longer_counts(as_user: As, contact_id: str) -> None:
    from datetime import timedelta

    from kith.core.clock import utcnow

    past = utcnow() - timedelta(days=400)
    _consent(
        as_user,
        contact_id,
        purpose="marketing",
        channel="wechat",
        state="granted",
        at=past,
        expires_at=past + timedelta(days=365),
    )
    refused = as_user("marketing", _send("wechat", contact_id, "marketing"))
    assert refused.status == "refused" and "expired" in (refused.reason or "")


def test_revocation_cancels_what_waits_and_no_role_overrides_it(
    as_user: As, contact_id: str, container: Container, workspace: Workspace
) -> None:
    _consent(as_user, contact_id, purpose="marketing", channel="*", state="granted")
    message = as_user("marketing", _send("sms", contact_id, "marketing"))
    coupon_args = {"contact_id": contact_id, "kind": "discount", "value": "800", "reason": "冬季"}
    coupon = as_user(
        "marketing",
        lambda uow, p: Gateway().execute(uow, p, "coupons.issue", coupon_args, purpose="marketing"),
    )
    assert (message.status, coupon.status) == ("pending_approval", "pending_approval")
    enrolled = as_user(
        "marketing",
        lambda uow, p: Gateway().execute(
            uow,
            p,
            "campaigns.enroll",
            {"campaign": "winter", "contact_id": contact_id},
            purpose="marketing",
        ),
    )
    draft = as_user(
        "marketing",
        lambda uow, p: Gateway().execute(
            uow,
            p,
            "email.draft",
            {"contact_id": contact_id, "subject": "冬季", "body": "保养套餐"},
            purpose="marketing",
        ),
    )
    # A service call waiting for approval is not marketing: it must survive.
    service = as_user("service", _send("sms", contact_id, "service", "您的车辆已保养完毕"))
    assert (enrolled.status, draft.status, service.status) == (
        "executed",
        "executed",
        "pending_approval",
    )

    out = _consent(
        as_user, contact_id, purpose="marketing", channel="*", state="revoked",
        source="preference_page",
    )  # fmt: skip

    assert sorted(c.kind for c in out.cancelled) == [
        "approval",
        "approval",
        "campaign_enrollment",
        "draft_message",
    ]
    with container.uow() as uow:
        statuses = {a.id: a.status for a in uow.session.scalars(select(ApprovalRequest))}
        assert statuses == {
            message.approval_id: "cancelled",
            coupon.approval_id: "cancelled",
            service.approval_id: "pending",
        }
        cancelled = uow.session.scalars(
            select(DecisionRecord).where(DecisionRecord.status == "cancelled")
        ).all()
        assert {d.approval_id for d in cancelled} == {message.approval_id, coupon.approval_id}
        assert all("consent revoked" in (d.reason or "") for d in cancelled)
        assert uow.session.scalars(select(CampaignEnrollment)).all() == []
        drafted = uow.session.get(OutboundMessage, draft.output["message_id"])
        assert drafted is not None and drafted.status == "cancelled"
        assert len(uow.session.scalars(select(ConsentCancellation)).all()) == 4

    # The manager cannot approve a cancelled request any more.
    with pytest.raises(Conflict, match="cancelled"):
        as_user(
            "manager",
            lambda uow, p: ApprovalService(Gateway(), uow, p).approve(str(message.approval_id)),
        )
    # An admin trying to send anyway is refused, and the attempt is audited.
    attempt = as_user("admin", _send("sms", contact_id, "marketing"))
    assert attempt.status == "refused" and "no role can override" in (attempt.reason or "")
    with container.uow() as uow:
        audited = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "consent.override_refused")
        ).all()
        assert [(a.actor_id, a.record_id) for a in audited] == [
            (workspace.users["admin"].id, contact_id)
        ]
        assert audited[0].detail["tool"] == "messages.send"
        assert verify(uow.session).ok


def test_bad_consent_input_is_refused_with_field_paths(as_user: As, contact_id: str) -> None:
    from datetime import timedelta

    from kith.core.clock import utcnow

    with pytest.raises(ValidationFailed) as excinfo:
        _consent(
            as_user, contact_id, purpose="marketing", state="granted",
            at=utcnow() + timedelta(days=2),
        )  # fmt: skip
    assert excinfo.value.errors[0].path == ["body", "at"]
    with pytest.raises(NotFound):
        _consent(as_user, "0" * 32, purpose="marketing", state="granted")


def test_a_role_that_cannot_update_the_contact_cannot_record_consent(
    as_user: As, contact_id: str
) -> None:
    from kith.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        _consent(as_user, contact_id, role="viewer", purpose="marketing", state="granted")
