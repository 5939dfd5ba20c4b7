"""audit retention: anchors where a tenant's log starts after a prune

Revision ID: 0012_audit_retention
Revises: 0010

``kith audit prune`` deletes entries older than the retention and records the last
pruned position and its hash here, so ``kith audit verify`` can start the chain
from it and still tell a prune from a removal.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_audit_retention"
down_revision = "0010"
branch_labels = None
depends_on = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "audit_chain_anchors",
        _id("id"),
        _id("tenant_id"),
        sa.Column("through_seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.Column("before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        _id("actor_id", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_anchors")),
    )
    op.create_index(op.f("ix_audit_chain_anchors_tenant_id"), "audit_chain_anchors", ["tenant_id"])
    op.create_index(
        "ix_audit_chain_anchors_tenant_seq",
        "audit_chain_anchors",
        ["tenant_id", "through_seq"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_chain_anchors_tenant_seq", table_name="audit_chain_anchors")
    op.drop_index(op.f("ix_audit_chain_anchors_tenant_id"), table_name="audit_chain_anchors")
    op.drop_table("audit_chain_anchors")
