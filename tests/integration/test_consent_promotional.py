"""Issue 12: the purpose a caller names is not trusted alone. A promotional message needs
the marketing basis whatever the purpose; a private person is never a business contact;
a marketing revocation closes queued marketing work; a message to an unknown contact is
a clean 422, not a first-contact approval that fails when approved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.principal import Principal
from kith.access.service import system_principal
from kith.audit.models import AuditEntry
from kith.container import Container
from kith.core.errors import ValidationFailed
from kith.crm import schemas as s
from kith.crm.models import Activity
from kith.crm.service import RecordService
from kith.db.uow import UnitOfWork
from kith.events.models import OutboxEvent
from kith.gateway.gateway import Gateway
from kith.gateway.models import ApprovalRequest, OutboundMessage
from kith.privacy.models import ConsentCancellation
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService
from tests.conftest import Workspace
from tests.integration.test_privacy_consent import As, _decision
from tests.integration.test_privacy_consent import as_user as as_user  # the fixture

OFFER = "冬季保养套餐 8 折 限时优惠"
NAMED_PURPOSES = ("api", "crm_ui", "service", "sales_outreach")


def _person(as_user: As, *, talked: bool = True, account: bool = False) -> str:
    """A private car owner (no account) unless ``account``; ``talked``: in touch before."""

    def create(uow: UnitOfWork, admin: Principal) -> str:
        records = RecordService(uow, admin)
        account_id = (
            records.create("account", s.AccountIn(name="顺达物流"))["id"] if account else None
        )
        contact = s.ContactIn(
            name="林晓雯",
            email="lin@mail.example",
            mobile="13812345678",
            wechat_id="linxw_sh",
            account_id=account_id,
        )
        contact_id: str = records.create("contact", contact)["id"]
        if talked:
            records.create(
                "interaction",
                s.InteractionIn(channel="wechat", direction="inbound", contact_id=contact_id),
            )
        return contact_id

    result: str = as_user("admin", create)
    return result


def _consent(as_user: As, contact_id: str, state: str, purpose: str = "marketing") -> Any:
    data = ConsentIn(purpose=purpose, channel="*", state=state, source="app")  # type: ignore[arg-type]
    return as_user("admin", lambda uow, p: ConsentService(uow, p).record(contact_id, data))


def _send(
    contact_id: str, purpose: str, body: str = OFFER, channel: str = "sms", **extra: Any
) -> Callable[[UnitOfWork, Principal], Any]:
    def run(uow: UnitOfWork, p: Principal) -> Any:
        args = {"contact_id": contact_id, "channel": channel, "body": body, **extra}
        return Gateway().execute(uow, p, "messages.send", args, purpose=purpose)

    return run


def _sent(container: Container) -> list[OutboundMessage]:
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(OutboundMessage)))
        uow.session.expunge_all()
        return rows


@pytest.mark.parametrize("purpose", NAMED_PURPOSES)
def test_a_promotional_message_after_a_marketing_revocation_is_refused_whatever_the_purpose(
    as_user: As, container: Container, purpose: str
) -> None:
    owner = _person(as_user)
    _consent(as_user, owner, "granted")
    _consent(as_user, owner, "revoked")

    refused = as_user("marketing", _send(owner, purpose))

    assert refused.status == "refused", refused.reason
    why = refused.reason or ""
    assert why.startswith("no consent: message classified promotional by content (")
    assert "'8 折' (discount)" in why and "'限时' (limited time)" in why
    assert f"whatever purpose was named ({purpose})" in why
    assert "revoked" in why and "no role can override a revocation" in why
    decision = _decision(container, refused.decision_id)
    assert decision.consent_allowed is False and decision.purpose == purpose
    assert decision.consent_basis == "consent:marketing"
    assert (decision.consent_reason or "").startswith("message classified promotional")
    assert _sent(container) == []
    with container.uow() as uow:
        (audited,) = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "consent.refused")
        ).all()
        assert audited.detail["classified"] == "promotional"
        assert audited.detail["consent_purpose"] == "marketing"
        assert "'8 折' (discount)" in audited.detail["cues"]


def test_service_messages_still_go_on_the_contract_after_the_revocation(
    as_user: As, container: Container
) -> None:
    owner = _person(as_user)
    _consent(as_user, owner, "revoked")
    served = as_user("service", _send(owner, "service", "您的车辆已保养完毕，欢迎随时取车。"))
    assert served.status == "executed", served.reason
    decision = _decision(container, served.decision_id)
    assert decision.consent_basis == "legal:contract (service)"
    assert "promotional" not in (decision.consent_reason or "")


def test_with_a_marketing_grant_the_offer_goes_and_the_decision_says_it_was_promotional(
    as_user: As, container: Container
) -> None:
    owner = _person(as_user)
    _consent(as_user, owner, "granted")
    sent = as_user("marketing", _send(owner, "api"))
    assert sent.status == "executed", sent.reason
    decision = _decision(container, sent.decision_id)
    assert (decision.consent_basis or "").startswith("consent:marketing/* granted")
    assert "classified promotional" in (decision.consent_reason or "")
    assert [m.body for m in _sent(container)] == [OFFER]


def test_a_marketing_template_or_a_coupon_makes_a_plain_text_promotional(
    as_user: As, container: Container
) -> None:
    owner = _person(as_user)
    _consent(as_user, owner, "revoked")
    plain = "林女士您好，这是给您的冬季用车信息。"
    template = {"name": "winter-2026", "category": "marketing"}
    by_template = as_user("marketing", _send(owner, "service", plain, template=template))
    assert by_template.status == "refused"
    assert "by template ('marketing' (template category)" in (by_template.reason or "")
    coupon = [{"kind": "coupon", "name": "冬季保养券"}]
    by_coupon = as_user("marketing", _send(owner, "crm_ui", plain, attachments=coupon))
    assert by_coupon.status == "refused"
    assert "by attachment ('coupon' (attachment)" in (by_coupon.reason or "")
    # A service template category does not clear a promotional text.
    service_template = {"name": "notice", "category": "service"}
    named = as_user("marketing", _send(owner, "api", OFFER, template=service_template))
    assert named.status == "refused" and "classified promotional" in (named.reason or "")
    assert _sent(container) == []


def test_a_private_person_is_never_a_business_contact(as_user: As, container: Container) -> None:
    private, employee = _person(as_user), _person(as_user, account=True)
    hello = "您好，想跟您约个时间介绍一下我们的车队管理方案。"

    refused = as_user("sales", _send(private, "sales_outreach", hello, channel="email"))
    assert refused.status == "refused"
    assert "private person" in (refused.reason or "")
    assert "legitimate interest" not in (
        _decision(container, refused.decision_id).consent_basis or ""
    )

    sent = as_user("sales", _send(employee, "sales_outreach", hello, channel="email"))
    assert sent.status == "executed", sent.reason
    decision = _decision(container, sent.decision_id)
    assert decision.consent_basis == "legal:legitimate_interest (sales_outreach)"

    _consent(as_user, private, "granted", purpose="sales_outreach")
    asked = as_user("sales", _send(private, "sales_outreach", hello, channel="email"))
    assert asked.status == "executed", asked.reason
    assert (_decision(container, asked.decision_id).consent_basis or "").startswith(
        "consent:sales_outreach/*"
    )


def test_revoking_marketing_cancels_a_pending_offer_named_for_another_purpose(
    as_user: As, container: Container
) -> None:
    stranger = _person(as_user, talked=False)
    _consent(as_user, stranger, "granted")
    waiting = as_user("marketing", _send(stranger, "api"))
    assert waiting.status == "pending_approval"  # first contact asks a person

    out = _consent(as_user, stranger, "revoked")

    assert [(c.kind, c.target_id) for c in out.cancelled] == [("approval", waiting.approval_id)]
    with container.uow() as uow:
        request = uow.session.get(ApprovalRequest, waiting.approval_id)
        assert request is not None and request.status == "cancelled"


def test_revoking_marketing_cancels_queued_marketing_tasks_and_says_why(
    as_user: As, container: Container
) -> None:
    owner = _person(as_user)
    _consent(as_user, owner, "granted")

    def queue(uow: UnitOfWork, admin: Principal) -> dict[str, str]:
        records = RecordService(uow, admin)

        def task(subject: str, body: str | None = None, status: str = "open") -> str:
            data = s.ActivityIn(
                kind="task", subject=subject, body=body, contact_id=owner, status=status
            )  # type: ignore[arg-type]
            created: str = records.create("activity", data)["id"]
            return created

        by_gateway = Gateway().execute(
            uow,
            admin,
            "tasks.create",
            {"subject": "Call Lin on Friday", "contact_id": owner},
            purpose="marketing",
        )
        assert by_gateway.output is not None
        return {
            "offer": task(
                "向林晓雯推送冬季保养套餐（营销）",
                "冬季关怀第二波：保养套餐 8 折 + 免费电池健康检测，渠道：短信 + 微信。",
            ),
            "warranty": task("回访：确认保修到期时间", "电话确认车主的保修到期日"),
            "done": task("推送春季优惠（营销）", status="done"),
            "for_marketing": str(by_gateway.output["id"]),
        }

    tasks: dict[str, str] = as_user("admin", queue)

    out = _consent(as_user, owner, "revoked")

    cancelled = {c.target_id: c for c in out.cancelled if c.kind == "activity"}
    assert set(cancelled) == {tasks["offer"], tasks["for_marketing"]}
    assert "marketing task" in cancelled[tasks["offer"]].reason
    assert "(marketing task)" in cancelled[tasks["offer"]].reason
    assert cancelled[tasks["for_marketing"]].reason.startswith("created for marketing")
    with container.uow() as uow:
        rows = {a.id: a for a in uow.session.scalars(select(Activity))}
        assert rows[tasks["offer"]].status == "cancelled"
        assert "已取消 / cancelled: marketing task" in (rows[tasks["offer"]].body or "")
        assert rows[tasks["for_marketing"]].status == "cancelled"
        assert rows[tasks["warranty"]].status == "open"
        assert rows[tasks["done"]].status == "done"
        recorded = uow.session.scalars(
            select(ConsentCancellation).where(ConsentCancellation.kind == "activity")
        ).all()
        assert {r.target_id for r in recorded} == set(cancelled)
        updates = [
            e
            for e in uow.session.scalars(select(OutboxEvent))
            if e.type == "activity.updated" and e.subject_id == tasks["offer"]
        ]
        assert updates and updates[-1].payload["changes"]["status"] == ["open", "cancelled"]


def test_a_message_to_an_unknown_contact_is_refused_before_risk(
    as_user: As, container: Container, other_workspace: Workspace
) -> None:
    def elsewhere(uow: UnitOfWork) -> str:
        records = RecordService(uow, system_principal(other_workspace.tenant_id))
        created: str = records.create("contact", s.ContactIn(name="外人"))["id"]
        return created

    with container.uow() as uow:
        foreign = elsewhere(uow)
        uow.commit()

    for contact_id in ("01a250f3969d2efe07c9d2074dff0000", foreign):
        result = as_user("service", _send(contact_id, "service", "您的工单已处理"))
        assert result.status == "refused"
        assert isinstance(result.error, ValidationFailed)
        assert [e["loc"] for e in result.errors] == [["args", "contact_id"]]
        decision = _decision(container, result.decision_id)
        assert decision.risk_level is None and decision.approval_id is None
    with container.uow() as uow:
        assert uow.session.scalars(select(ApprovalRequest)).all() == []


def test_promotional_drafts_count_as_marketing_too(as_user: As, container: Container) -> None:
    owner = _person(as_user)
    _consent(as_user, owner, "granted")

    def draft(purpose: str, body: str) -> Callable[[UnitOfWork, Principal], Any]:
        def run(uow: UnitOfWork, p: Principal) -> Any:
            args = {"contact_id": owner, "subject": "冬季关怀", "body": body}
            return Gateway().execute(uow, p, "email.draft", args, purpose=purpose)

        return run

    offer = as_user("marketing", draft("api", OFFER))
    notice = as_user("marketing", draft("api", "您的车辆保养已完成，报告见附件。"))
    assert offer.status == notice.status == "executed"

    out = _consent(as_user, owner, "revoked")

    drafts = [c.target_id for c in out.cancelled if c.kind == "draft_message"]
    assert drafts == [offer.output["message_id"]]
    again = as_user("marketing", draft("crm_ui", OFFER))
    assert again.status == "refused" and "classified promotional" in (again.reason or "")
    with container.uow() as uow:
        kept = uow.session.get(OutboundMessage, notice.output["message_id"])
        assert kept is not None and kept.status == "draft"
