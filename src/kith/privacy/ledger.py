"""The consent ledger behind the gateway's consent hook.

The current state of (purpose, channel) is derived from the append-only events:
the latest event for that channel or for "*" (every channel) wins, and a grant
past its expiry no longer counts. ``ConsentLedger.check`` answers the gateway for
every call, inside the caller's unit of work:

- the call's purpose is mapped to a consent purpose (``sales`` → ``sales_outreach``,
  ``crm_ui``/``api`` → ``service``: a person's one-to-one correspondence);
- the purpose a caller names is not trusted alone: a call that sends a message
  (``subject["message"]``: its text, template category and attachment kinds) whose
  message is promotional (``kith.privacy.promotional``) needs the marketing basis,
  whatever purpose was named, and the decision record says it was classified
  promotional and by which cues;
- a call with a channel needs the person's consent for that purpose on that channel,
  unless the purpose has a legal basis of its own (service: the contract; sales
  outreach to business contacts: legitimate interest with opt-out) — then it goes
  through and the decision record says why; an explicit revocation always refuses.
  A private person (a contact of no account: a consumer) is never a business contact;
- a call without a channel (enrolling in a campaign, issuing a voucher for
  marketing) is refused once the person revoked that purpose and holds no grant on
  any channel;
- no role overrides this: an admin or manager whose call is refused is audited as an
  override attempt (``consent.override_refused``);
- a person whose processing is restricted (``kith.privacy.restrictions``) is excluded
  from automated decisions: a call by an agent, or for profiling, about them is refused;
  a person (user) may still act, and the decision record says the person is restricted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.crm import persons
from kith.crm.models import Contact
from kith.db.uow import UnitOfWork
from kith.gateway.contracts import ConsentDecision
from kith.privacy.models import ConsentEvent, ProcessingRestriction
from kith.privacy.promotional import Classification, classify, message_text
from kith.privacy.restrictions import LEGAL_NOTE, live_in_transaction
from kith.privacy.restrictions import describe as describe_restriction
from kith.privacy.schemas import ALL_CHANNELS

# Gateway purposes → consent purposes. Unknown purposes with a channel are refused.
CALL_PURPOSES: dict[str, str] = {
    "marketing": "marketing",
    "sales": "sales_outreach",
    "sales_outreach": "sales_outreach",
    "service": "service",
    "crm_ui": "service",
    "api": "service",
    "profiling": "profiling",
    "analytics": "profiling",
}
# Purposes the law lets through without consent (until the person objects).
LEGAL_BASES: dict[str, tuple[str, str]] = {
    "service": (
        "contract",
        "service message necessary to perform the contract with the person "
        "(PIPL Art. 13(1)(2); GDPR Art. 6(1)(b)); no consent needed",
    ),
    "sales_outreach": (
        "legitimate_interest",
        "business contact in an existing relationship (GDPR Art. 6(1)(f)); "
        "the person has not objected",
    ),
}
OVERRIDE_ROLES = frozenset({"admin", "manager", "system"})
# Call purposes that are automated decisions about a person whoever makes the call.
AUTOMATED_PURPOSES = frozenset({"profiling", "analytics", "automated_decision"})
REASON_LIMIT = 500  # decision_records.consent_reason
# The legal basis a private person (a contact of no account) never has.
BUSINESS_ONLY_BASES = frozenset({"sales_outreach"})
MARKETING = "marketing"
# Fields where a contact is reached, to find the person behind a bare address.
ADDRESS_FIELDS = ("email", "mobile", "phone", "wechat_id", "app_user_id")


def _order(event: ConsentEvent) -> tuple[datetime, datetime, str]:
    return (event.at, event.recorded_at, event.id)


def latest_by_pair(events: Iterable[ConsentEvent]) -> dict[tuple[str, str], ConsentEvent]:
    """The latest event of each (purpose, channel) — the ledger's current rows."""
    out: dict[tuple[str, str], ConsentEvent] = {}
    for event in events:
        key = (event.purpose, event.channel)
        if key not in out or _order(event) > _order(out[key]):
            out[key] = event
    return out


def state_of(event: ConsentEvent, now: datetime) -> str:
    if event.state == "granted" and event.expires_at is not None and event.expires_at <= now:
        return "expired"
    return event.state


def effective(
    current: Mapping[tuple[str, str], ConsentEvent], purpose: str, channel: str
) -> ConsentEvent | None:
    """What applies to ``purpose`` on ``channel``: the later of that channel's and "*"'s."""
    candidates = [
        e
        for e in (current.get((purpose, channel)), current.get((purpose, ALL_CHANNELS)))
        if e is not None
    ]
    return max(candidates, key=_order) if candidates else None


def describe(event: ConsentEvent) -> str:
    where = "every channel" if event.channel == ALL_CHANNELS else event.channel
    return (
        f"{event.purpose} on {where} {event.state} {event.at.date().isoformat()} "
        f"(source {event.source}, basis {event.legal_basis})"
    )


def basis_of(event: ConsentEvent) -> str:
    return f"consent:{event.purpose}/{event.channel} {event.state} {event.at.isoformat()}"


@dataclass(frozen=True)
class Verdict:
    decision: ConsentDecision
    contact_id: str | None
    consent_purpose: str | None
    # True when an explicit revocation (not mere absence) refused the call.
    revoked: bool = False


def events_of(uow: UnitOfWork, tenant_id: str, contact_id: str) -> Sequence[ConsentEvent]:
    c = ConsentEvent
    stmt = select(c).where(c.tenant_id == tenant_id, c.contact_id == contact_id)
    return uow.session.scalars(stmt).all()


def evaluate(
    uow: UnitOfWork,
    tenant_id: str,
    purpose: str,
    channel: str | None,
    contact_id: str,
    now: datetime,
) -> Verdict:
    """The ledger's answer for one person; no side effects."""
    consent_purpose = CALL_PURPOSES.get(purpose)
    if consent_purpose is None:
        if channel is None:
            return _allow(f"purpose {purpose!r} involves no consent", None, contact_id, None)
        return _refuse(f"purpose {purpose!r} is not a consent purpose", contact_id, None)
    legal = LEGAL_BASES.get(consent_purpose)
    current = latest_by_pair(events_of(uow, tenant_id, contact_id))
    if channel is None:
        return _without_channel(current, consent_purpose, contact_id, now)
    event = effective(current, consent_purpose, channel)
    state = state_of(event, now) if event is not None else None
    if event is not None and state == "revoked":
        return _refuse(
            f"{describe(event)}; no role can override a revocation",
            contact_id,
            consent_purpose,
            revoked=True,
        )
    if event is not None and state == "granted":
        return _allow(
            f"consent given: {describe(event)}", basis_of(event), contact_id, consent_purpose
        )
    private = consent_purpose in BUSINESS_ONLY_BASES and is_private_person(
        uow, tenant_id, contact_id
    )
    if legal is not None and not private:
        basis, why = legal
        return _allow(why, f"legal:{basis} ({consent_purpose})", contact_id, consent_purpose)
    if private:
        when = "expired" if event is not None else "never asked"
        return _refuse(
            f"no {consent_purpose} consent on record for {channel} ({when}); the person is a "
            "private person (a contact of no account), never a business contact, so "
            "legitimate interest does not apply",
            contact_id,
            consent_purpose,
        )
    if event is not None:  # expired
        assert event.expires_at is not None
        return _refuse(
            f"{consent_purpose} consent on {channel} expired {event.expires_at.isoformat()}",
            contact_id,
            consent_purpose,
        )
    return _refuse(
        f"no {consent_purpose} consent on record for {channel} (never asked)",
        contact_id,
        consent_purpose,
    )


def _without_channel(
    current: Mapping[tuple[str, str], ConsentEvent], purpose: str, contact_id: str, now: datetime
) -> Verdict:
    events = [e for (p, _), e in current.items() if p == purpose]
    granted = [e for e in events if state_of(e, now) == "granted"]
    # A grant on a channel counts only if a later "*" revocation has not replaced it.
    live = [e for e in granted if effective(current, purpose, e.channel) is e]
    if live:
        best = max(live, key=_order)
        return _allow(f"consent given: {describe(best)}", basis_of(best), contact_id, purpose)
    revocations = [e for e in events if e.state == "revoked"]
    if revocations:
        last = max(revocations, key=_order)
        return _refuse(
            f"{describe(last)} and no channel is granted; no role can override a revocation",
            contact_id,
            purpose,
            revoked=True,
        )
    return _allow(
        "nothing is sent by this call; every message is checked against consent when sent",
        None,
        contact_id,
        purpose,
    )


def _allow(reason: str, basis: str | None, contact_id: str | None, purpose: str | None) -> Verdict:
    return Verdict(ConsentDecision(True, reason, basis), contact_id, purpose)


def _refuse(
    reason: str, contact_id: str | None, purpose: str | None, *, revoked: bool = False
) -> Verdict:
    basis = f"consent:{purpose}" if purpose else None
    return Verdict(ConsentDecision(False, reason, basis), contact_id, purpose, revoked)


def is_private_person(uow: UnitOfWork, tenant_id: str, contact_id: str) -> bool:
    """A contact of no account is a private person (a consumer), not a business contact."""
    c = Contact
    stmt = select(c.account_id).where(c.tenant_id == tenant_id, c.id == contact_id)
    return uow.session.execute(stmt).scalar_one_or_none() is None


def classify_message(message: Mapping[str, Any] | None) -> Classification | None:
    """The classification of the message a call sends (``subject["message"]``), if any."""
    if not message:
        return None
    text = message_text(message.get("subject"), message.get("body"))
    return classify(
        text,
        template_category=message.get("template_category"),
        attachments=message.get("attachments") or (),
    )


def purpose_for(purpose: str, classification: Classification | None) -> str:
    """The purpose the ledger checks: marketing for a promotional message, whatever was named."""
    if classification is not None and classification.promotional:
        return MARKETING if CALL_PURPOSES.get(purpose) != MARKETING else purpose
    return purpose


def promotional_note(purpose: str, classification: Classification) -> str:
    return (
        f"message {classification.explain()}: the marketing basis is required whatever "
        f"purpose was named ({purpose})"
    )


def contacts_at(uow: UnitOfWork, tenant_id: str, address: str) -> list[str]:
    """Contacts reached at ``address`` (an email, phone, WeChat id or app user id)."""
    c = Contact
    needle = address.strip()
    conditions = [func.lower(c.email) == needle.lower()] + [
        getattr(c, f) == needle for f in ADDRESS_FIELDS if f != "email"
    ]
    stmt = (
        select(c.id)
        .where(c.tenant_id == tenant_id, c.deleted_at.is_(None), or_(*conditions))
        .order_by(c.id)
        .limit(20)
    )
    return list(uow.session.scalars(stmt))


class ConsentLedger:
    """The gateway's consent hook (``kith.gateway.contracts.ConsentHook``)."""

    def __init__(self, clock: Callable[[], datetime] = utcnow) -> None:
        self.clock = clock

    def check(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
    ) -> ConsentDecision:
        return self._decide(uow, principal, tool_name, purpose, channel, subject, audit=True)

    def decide(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
    ) -> ConsentDecision:
        """``check`` without writing anything: a refusal is not audited (``Gateway.preview``)."""
        return self._decide(uow, principal, tool_name, purpose, channel, subject, audit=False)

    def _decide(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
        *,
        audit: bool,
    ) -> ConsentDecision:
        people = self._people(uow, principal.tenant_id, subject)
        restriction = self._restriction(uow, principal.tenant_id, people)
        if restriction is not None and is_automated(principal, purpose):
            return self._refuse_restricted(
                uow, principal, tool_name, purpose, restriction, audit=audit
            )
        classification = classify_message(subject.get("message"))
        checked = purpose_for(purpose, classification)
        verdict = self.verdict(uow, principal.tenant_id, checked, channel, subject, people)
        if checked != purpose and classification is not None:
            verdict = _noted(verdict, promotional_note(purpose, classification))
        if not verdict.decision.allowed:
            if audit:
                self._audit_refusal(
                    uow, principal, tool_name, purpose, channel, verdict, classification
                )
            return verdict.decision
        if restriction is not None:
            note = (
                f"; {describe_restriction(restriction)}: allowed because a person acts, "
                "not an automated decision"
            )
            allowed = verdict.decision
            return ConsentDecision(True, _fit(allowed.reason, note), allowed.basis)
        return verdict.decision

    def _restriction(
        self, uow: UnitOfWork, tenant_id: str, people: Sequence[str]
    ) -> ProcessingRestriction | None:
        if not people:
            return None
        live = live_in_transaction(uow.session, tenant_id, people, self.clock())
        return live[min(live)] if live else None

    def _refuse_restricted(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        restriction: ProcessingRestriction,
        *,
        audit: bool = True,
    ) -> ConsentDecision:
        who = "an agent" if principal.kind == "agent" else f"purpose {purpose}"
        reason = _fit(
            f"{describe_restriction(restriction)}",
            f": excluded from automated decisions ({LEGAL_NOTE}); refused for {who}, "
            "a person may still act",
        )
        if audit:
            uow.audit(
                principal.tenant_id,
                principal.actor,
                "privacy.restriction_refused",
                "contact",
                restriction.contact_id,
                tool=tool_name,
                purpose=purpose,
                restriction_id=restriction.id,
                reason=reason,
            )
        return ConsentDecision(False, reason, f"restriction:applied {restriction.at.isoformat()}")

    def verdict(
        self,
        uow: UnitOfWork,
        tenant_id: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
        people: Sequence[str] | None = None,
    ) -> Verdict:
        """``people``: the contacts the subject names, when the caller looked them up."""
        consent_purpose = CALL_PURPOSES.get(purpose)
        if channel is None and (consent_purpose is None or consent_purpose in LEGAL_BASES):
            # Nothing is sent and the purpose needs no consent: no query at all.
            return _allow(
                f"{purpose}: nothing is sent to the person; no consent needed",
                "not_required:no_channel",
                None,
                consent_purpose,
            )
        contact_ids = list(people) if people is not None else self._people(uow, tenant_id, subject)
        if not contact_ids:
            if channel is None:
                return _allow("the call concerns no person", None, None, consent_purpose)
            if consent_purpose in LEGAL_BASES:
                basis, why = LEGAL_BASES[consent_purpose]
                return _allow(why, f"legal:{basis} ({consent_purpose})", None, consent_purpose)
            return _refuse(
                f"no {consent_purpose or purpose} consent on record for this recipient "
                "(not a known contact)",
                None,
                consent_purpose,
            )
        now = self.clock()
        verdicts = [evaluate(uow, tenant_id, purpose, channel, c, now) for c in contact_ids]
        refused = [v for v in verdicts if not v.decision.allowed]
        if not refused:
            return verdicts[0]
        named = subject.get("contact_id")
        if named and refused[0].contact_id and refused[0].contact_id != str(named):
            note = f"a linked record of the same person ({refused[0].contact_id}) refuses"
            return _noted(refused[0], note)
        return refused[0]

    def _people(self, uow: UnitOfWork, tenant_id: str, subject: Mapping[str, Any]) -> list[str]:
        """The contacts a call concerns, with every record linked to the same person
        (the identity graph, ``kith.crm.persons``): the most restrictive state wins."""
        contact_id = subject.get("contact_id")
        recipient = subject.get("recipient")
        named = [str(contact_id)] if contact_id else []
        if not named and recipient:
            named = contacts_at(uow, tenant_id, str(recipient))
        people: dict[str, None] = {}
        for one in named:
            people.update(dict.fromkeys(persons.linked_contacts(uow.session, tenant_id, one)))
        return list(people)

    def _audit_refusal(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        verdict: Verdict,
        classification: Classification | None = None,
    ) -> None:
        attempt = bool(principal.roles & OVERRIDE_ROLES) or principal.kind == "system"
        detail: dict[str, Any] = {}
        if classification is not None and classification.promotional:
            cues = [h.describe() for h in classification.cues]
            detail = {"classified": "promotional", "cues": cues}
        uow.audit(
            principal.tenant_id,
            principal.actor,
            "consent.override_refused" if attempt and verdict.revoked else "consent.refused",
            "contact" if verdict.contact_id else None,
            verdict.contact_id,
            tool=tool_name,
            purpose=purpose,
            consent_purpose=verdict.consent_purpose,
            channel=channel,
            roles=sorted(principal.roles),
            reason=verdict.decision.reason,
            **detail,
        )


def is_automated(principal: Principal, purpose: str) -> bool:
    """An agent's call, or a call whose purpose is profiling, is an automated decision."""
    return (
        principal.kind == "agent"
        or purpose in AUTOMATED_PURPOSES
        or CALL_PURPOSES.get(purpose) == "profiling"
    )


def _noted(verdict: Verdict, note: str) -> Verdict:
    """The verdict whose reason starts with ``note`` (the ledger's own reason kept whole)."""
    decision = verdict.decision
    reason = _fit(note, f"; {decision.reason}")
    return replace(verdict, decision=ConsentDecision(decision.allowed, reason, decision.basis))


def _fit(head: str, tail: str) -> str:
    """``head + tail`` within the decision record's reason column, keeping the tail."""
    room = REASON_LIMIT - len(tail)
    return (head if len(head) <= room else head[: max(room - 1, 0)] + "…") + tail
