"""Tables of the privacy context: the consent ledger (append-only), what a
revocation cancelled, and erasure tombstones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class ConsentEvent(IdMixin, TenantMixin, Base):
    """One statement about a person's consent: granted or revoked, for one purpose on
    one channel ("*" = every channel), from a source, at a time, with its legal basis
    and the hash of what the person saw. Rows are only ever added; the current state
    of a (purpose, channel) is its latest applicable event."""

    __tablename__ = "consent_events"
    __table_args__ = (Index("ix_consent_events_contact", "tenant_id", "contact_id", "at"),)

    contact_id: Mapped[str] = mapped_column(ID)
    purpose: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))  # granted | revoked
    source: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    legal_basis: Mapped[str] = mapped_column(String(32))
    evidence_hash: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_kind: Mapped[str] = mapped_column(String(16))
    recorded_by_id: Mapped[str | None] = mapped_column(ID)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConsentCancellation(IdMixin, TenantMixin, Base):
    """Something a revocation stopped before it ran: a pending approval, a draft
    message, a campaign enrollment."""

    __tablename__ = "consent_cancellations"
    __table_args__ = (Index("ix_consent_cancellations_contact", "tenant_id", "contact_id"),)

    contact_id: Mapped[str] = mapped_column(ID)
    consent_event_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(32))  # approval | draft_message | campaign_enrollment
    target_id: Mapped[str] = mapped_column(ID)
    decision_id: Mapped[str | None] = mapped_column(ID)
    reason: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class ErasureTombstone(IdMixin, TenantMixin, Base):
    """Proof that a person was erased: when, by whom, what was removed or anonymised,
    and keyed hashes of their identifiers so a re-import of the same person is flagged
    without keeping the identifiers themselves."""

    __tablename__ = "erasure_tombstones"

    contact_id: Mapped[str] = mapped_column(ID, index=True)
    erased_at: Mapped[datetime] = mapped_column(default=utcnow)
    erased_by_kind: Mapped[str] = mapped_column(String(16))
    erased_by_id: Mapped[str | None] = mapped_column(ID)
    reason: Mapped[str | None] = mapped_column(String(500))
    summary: Mapped[dict[str, Any]]
    identifier_hashes: Mapped[list[Any]]


class ProcessingRestriction(IdMixin, TenantMixin, Base):
    """One step in the restriction of a person's processing (GDPR Art. 18, PIPL Art. 44):
    applied or lifted, by whom, when and why. Rows are only ever added; the person is
    restricted while the latest step is ``applied`` and its ``until`` has not passed."""

    __tablename__ = "processing_restrictions"
    __table_args__ = (Index("ix_processing_restrictions_contact", "tenant_id", "contact_id", "at"),)

    contact_id: Mapped[str] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(16))  # applied | lifted
    reason: Mapped[str] = mapped_column(String(500))
    until: Mapped[datetime | None] = mapped_column(default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    # What applying it cancelled (pending agent approvals).
    detail: Mapped[dict[str, Any]]


class PrivacyRequest(IdMixin, TenantMixin, Base):
    """Every data-subject request Kith handled: export, erase, rectify, restrict, lift."""

    __tablename__ = "privacy_requests"
    __table_args__ = (Index("ix_privacy_requests_contact", "tenant_id", "contact_id", "at"),)

    contact_id: Mapped[str] = mapped_column(ID)
    kind: Mapped[str] = mapped_column(String(16))  # export | erase | rectify | restrict | lift
    status: Mapped[str] = mapped_column(String(16))  # done
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    detail: Mapped[dict[str, Any]]


class ReimportFlag(IdMixin, TenantMixin, Base):
    """A contact created with the identifiers of a person who was erased: kept, but put
    in front of an admin, who decides whether the new record may stay."""

    __tablename__ = "reimport_flags"
    __table_args__ = (Index("ix_reimport_flags_tenant_at", "tenant_id", "at"),)

    contact_id: Mapped[str] = mapped_column(ID, index=True)
    tombstone_ids: Mapped[list[Any]]
    matched: Mapped[list[Any]]  # identifier kinds that matched: email, phone, id, wechat
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
    at: Mapped[datetime] = mapped_column(default=utcnow)
