"""privacy rights: restriction of processing (append-only), a log of every data-subject
request, and flags on contacts created with the identifiers of an erased person

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def _at(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "processing_restrictions",
        _id("id"),
        _id("tenant_id"),
        _id("contact_id"),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        _at("until", nullable=True),
        _at("at"),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        _id("actor_id", nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processing_restrictions")),
    )
    op.create_index(
        "ix_processing_restrictions_contact",
        "processing_restrictions",
        ["tenant_id", "contact_id", "at"],
    )
    op.create_index(
        op.f("ix_processing_restrictions_tenant_id"), "processing_restrictions", ["tenant_id"]
    )

    op.create_table(
        "privacy_requests",
        _id("id"),
        _id("tenant_id"),
        _id("contact_id"),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        _id("actor_id", nullable=True),
        _at("at"),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_requests")),
    )
    op.create_index(
        "ix_privacy_requests_contact", "privacy_requests", ["tenant_id", "contact_id", "at"]
    )
    op.create_index(op.f("ix_privacy_requests_tenant_id"), "privacy_requests", ["tenant_id"])

    op.create_table(
        "reimport_flags",
        _id("id"),
        _id("tenant_id"),
        _id("contact_id"),
        sa.Column("tombstone_ids", sa.JSON(), nullable=False),
        sa.Column("matched", sa.JSON(), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        _id("actor_id", nullable=True),
        _at("at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimport_flags")),
    )
    op.create_index("ix_reimport_flags_tenant_at", "reimport_flags", ["tenant_id", "at"])
    op.create_index(op.f("ix_reimport_flags_contact_id"), "reimport_flags", ["contact_id"])
    op.create_index(op.f("ix_reimport_flags_tenant_id"), "reimport_flags", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("reimport_flags")
    op.drop_table("privacy_requests")
    op.drop_table("processing_restrictions")
