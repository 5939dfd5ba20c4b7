"""identity graph: persons, identity nodes and scored links (issue 24)

Revision ID: 0018_identity
Revises: 0017_knowledge
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_identity"
down_revision = "0017_knowledge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_persons",
        sa.Column("segment", sa.String(length=32), nullable=False),
        sa.Column("merged_into", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_persons")),
    )
    op.create_index(
        op.f("ix_identity_persons_tenant_id"), "identity_persons", ["tenant_id"], unique=False
    )
    op.create_table(
        "identity_nodes",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=255), nullable=False),
        sa.Column("person_id", sa.String(length=32), nullable=True),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_nodes")),
    )
    op.create_index(
        op.f("ix_identity_nodes_tenant_id"), "identity_nodes", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_identity_nodes_ref", "identity_nodes", ["tenant_id", "kind", "ref"], unique=True
    )
    op.create_index(
        "ix_identity_nodes_person", "identity_nodes", ["tenant_id", "person_id"], unique=False
    )
    op.create_table(
        "identity_links",
        sa.Column("node_id", sa.String(length=32), nullable=False),
        sa.Column("other_node_id", sa.String(length=32), nullable=False),
        sa.Column("probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_links")),
    )
    op.create_index(
        op.f("ix_identity_links_tenant_id"), "identity_links", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_identity_links_state",
        "identity_links",
        ["tenant_id", "state", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_identity_links_pair",
        "identity_links",
        ["tenant_id", "node_id", "other_node_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_table("identity_links")
    op.drop_table("identity_nodes")
    op.drop_table("identity_persons")
