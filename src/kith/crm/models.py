"""ORM models of the CRM records. Business rules live in ``service.py``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from kith.db.base import ID, Base, IdMixin, RecordMixin, TenantMixin, TimestampMixin
from kith.db.crypto import EncryptedString

Money = Numeric(18, 2)

# Stored form of an encrypted value: prefix, key id, base64(nonce, ciphertext, tag).
ENCRYPTED_WIDTH = 255


def _external_id_index(table: str) -> Index:
    return Index(f"uq_{table}_external_id", "tenant_id", "external_id", unique=True)


class Account(RecordMixin, Base):
    __tablename__ = "accounts"
    __table_args__ = (
        _external_id_index("accounts"),
        Index("ix_accounts_name", "tenant_id", "name"),
    )

    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(64))
    tier: Mapped[str | None] = mapped_column(String(16))
    website: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    city: Mapped[str | None] = mapped_column(String(100))
    country: Mapped[str | None] = mapped_column(String(2))
    address: Mapped[str | None] = mapped_column(String(500))
    employees: Mapped[int | None] = mapped_column(Integer)
    annual_revenue: Mapped[Decimal | None] = mapped_column(Money)
    tax_id: Mapped[str | None] = mapped_column(String(64))
    bank_account: Mapped[str | None] = mapped_column(
        EncryptedString(ENCRYPTED_WIDTH, "account.bank_account")
    )
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)


class Contact(RecordMixin, Base):
    __tablename__ = "contacts"
    __table_args__ = (
        _external_id_index("contacts"),
        Index("ix_contacts_email", "tenant_id", "email"),
        Index("ix_contacts_name", "tenant_id", "name"),
        Index("ix_contacts_email_lower", "tenant_id", func.lower(text("email"))),
        Index("ix_contacts_city_name", "tenant_id", "city", "name", "id"),
        Index("ix_contacts_tenant_name_id", "tenant_id", "name", "id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(100))
    given_name: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    mobile: Mapped[str | None] = mapped_column(String(40))
    wechat_id: Mapped[str | None] = mapped_column(String(64))
    app_user_id: Mapped[str | None] = mapped_column(String(64))
    channels: Mapped[list[Any]] = mapped_column(default=list)
    language: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(100))
    # Sensitive: AES-256-GCM at rest (kith.db.crypto), masked for most roles.
    id_number: Mapped[str | None] = mapped_column(
        EncryptedString(ENCRYPTED_WIDTH, "contact.id_number")
    )
    bank_account: Mapped[str | None] = mapped_column(
        EncryptedString(ENCRYPTED_WIDTH, "contact.bank_account")
    )


class Lead(RecordMixin, Base):
    __tablename__ = "leads"
    __table_args__ = (
        _external_id_index("leads"),
        Index("ix_leads_email", "tenant_id", "email"),
        Index("ix_leads_email_lower", "tenant_id", func.lower(text("email"))),
    )

    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(String(64))
    industry: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    description: Mapped[str | None] = mapped_column(Text)
    converted_at: Mapped[datetime | None] = mapped_column(default=None)
    converted_account_id: Mapped[str | None] = mapped_column(ID)
    converted_contact_id: Mapped[str | None] = mapped_column(ID)
    converted_deal_id: Mapped[str | None] = mapped_column(ID)


class Pipeline(RecordMixin, Base):
    __tablename__ = "pipelines"
    __table_args__ = (_external_id_index("pipelines"),)

    name: Mapped[str] = mapped_column(String(200))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)


class PipelineStage(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "pipeline_stages"

    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8), default="open")  # open | won | lost


class Deal(RecordMixin, Base):
    __tablename__ = "deals"
    __table_args__ = (
        _external_id_index("deals"),
        Index("ix_deals_pipeline_stage", "tenant_id", "pipeline_id", "stage_id"),
    )

    name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    pipeline_id: Mapped[str] = mapped_column(ForeignKey("pipelines.id"))
    stage_id: Mapped[str] = mapped_column(ForeignKey("pipeline_stages.id"))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | won | lost
    amount: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    probability: Mapped[int | None] = mapped_column(Integer)
    expected_close: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    stage_entered_at: Mapped[datetime | None] = mapped_column(default=None)
    lost_reason: Mapped[str | None] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)


class DealStageChange(IdMixin, TenantMixin, Base):
    """Stage history as data: forecasting and stalled-deal detection read it."""

    __tablename__ = "deal_stage_changes"

    deal_id: Mapped[str] = mapped_column(ForeignKey("deals.id"), index=True)
    from_stage_id: Mapped[str | None] = mapped_column(ID)
    to_stage_id: Mapped[str] = mapped_column(ID)
    changed_at: Mapped[datetime]
    seconds_in_previous: Mapped[int | None] = mapped_column(Integer)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)


class SlaPolicy(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "sla_policies"

    priority: Mapped[str] = mapped_column(String(8))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)


class Ticket(RecordMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        _external_id_index("tickets"),
        Index("uq_tickets_number", "tenant_id", "number", unique=True),
        Index("ix_tickets_status", "tenant_id", "status", "resolution_due_at"),
    )

    number: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    order_id: Mapped[str | None] = mapped_column(ForeignKey("orders.id"))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    severity: Mapped[str] = mapped_column(String(4), default="s3")
    category: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="new")
    channel: Mapped[str | None] = mapped_column(String(16))
    assignee_id: Mapped[str | None] = mapped_column(ID, index=True)
    team_id: Mapped[str | None] = mapped_column(ID)
    first_response_due_at: Mapped[datetime | None] = mapped_column(default=None)
    resolution_due_at: Mapped[datetime | None] = mapped_column(default=None)
    first_responded_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)


class TicketStatusChange(IdMixin, TenantMixin, Base):
    __tablename__ = "ticket_status_changes"

    ticket_id: Mapped[str] = mapped_column(ForeignKey("tickets.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    changed_at: Mapped[datetime]
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)


class Activity(RecordMixin, Base):
    """Tasks, notes, calls and meetings (calendar events with attendees)."""

    __tablename__ = "activities"
    __table_args__ = (
        _external_id_index("activities"),
        Index("ix_activities_assignee_due", "tenant_id", "assignee_id", "due_at"),
    )

    kind: Mapped[str] = mapped_column(String(8))  # task | note | call | meeting
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done | cancelled
    assignee_id: Mapped[str | None] = mapped_column(ID)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    starts_at: Mapped[datetime | None] = mapped_column(default=None)
    ends_at: Mapped[datetime | None] = mapped_column(default=None)
    location: Mapped[str | None] = mapped_column(String(200))
    attendees: Mapped[list[Any]] = mapped_column(default=list)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    deal_id: Mapped[str | None] = mapped_column(ForeignKey("deals.id"), index=True)
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    lead_id: Mapped[str | None] = mapped_column(ForeignKey("leads.id"))


class Interaction(RecordMixin, Base):
    """Every inbound or outbound customer message or event, on any channel."""

    __tablename__ = "interactions"
    __table_args__ = (
        _external_id_index("interactions"),
        Index("ix_interactions_contact_at", "tenant_id", "contact_id", "occurred_at"),
        Index("ix_interactions_account_at", "tenant_id", "account_id", "occurred_at"),
    )

    channel: Mapped[str] = mapped_column(String(12))
    direction: Mapped[str] = mapped_column(String(8))  # inbound | outbound
    occurred_at: Mapped[datetime]
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"))
    deal_id: Mapped[str | None] = mapped_column(ForeignKey("deals.id"))
    ticket_id: Mapped[str | None] = mapped_column(ForeignKey("tickets.id"))
    subject: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)


class Product(RecordMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        _external_id_index("products"),
        Index("uq_products_sku", "tenant_id", "sku", unique=True),
    )

    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(64))
    price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)


class Order(RecordMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        _external_id_index("orders"),
        Index("uq_orders_number", "tenant_id", "number", unique=True),
    )

    number: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[str | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[str | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="placed")
    ordered_at: Mapped[datetime]
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    lines: Mapped[list[Any]] = mapped_column(default=list)


class FieldDefinition(IdMixin, TenantMixin, TimestampMixin, Base):
    """A custom field declared for an object type; values live in ``record.custom``."""

    __tablename__ = "field_definitions"
    __table_args__ = (
        Index("uq_field_definitions_name", "tenant_id", "object_type", "name", unique=True),
    )

    object_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(8))  # text | number | date | enum | bool
    label_en: Mapped[str] = mapped_column(String(200))
    label_zh: Mapped[str | None] = mapped_column(String(200))
    options: Mapped[list[Any]] = mapped_column(default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)


class RecordSequence(TenantMixin, Base):
    """Per-tenant counters for human-readable numbers (ticket T-000123)."""

    __tablename__ = "record_sequences"

    tenant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
