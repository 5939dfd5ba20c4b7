"""identity graph online: stored models and thresholds, blocking-key index, merge records

Revision ID: 0022_identity_online
Revises: 0021_knowledge_feedback
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_identity_online"
down_revision = "0021_knowledge_feedback"
branch_labels = None
depends_on = None


def _id_columns() -> list[sa.Column[str]]:
    return [
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "identity_models",
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("frequencies", sa.JSON(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("identities", sa.Integer(), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        *_id_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_models")),
    )
    op.create_index(
        op.f("ix_identity_models_tenant_id"), "identity_models", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_identity_models_trained", "identity_models", ["tenant_id", "trained_at"], unique=False
    )
    op.create_table(
        "identity_keys",
        sa.Column("rule", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=32), nullable=False),
        *_id_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_keys")),
    )
    op.create_index(
        op.f("ix_identity_keys_tenant_id"), "identity_keys", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_identity_keys_lookup", "identity_keys", ["tenant_id", "rule", "key"], unique=False
    )
    op.create_index(
        "ix_identity_keys_node", "identity_keys", ["tenant_id", "node_id"], unique=False
    )
    op.create_table(
        "identity_merges",
        sa.Column("survivor_id", sa.String(length=32), nullable=False),
        sa.Column("absorbed_id", sa.String(length=32), nullable=False),
        sa.Column("moved_node_ids", sa.JSON(), nullable=False),
        sa.Column("link_states", sa.JSON(), nullable=False),
        sa.Column("survivor_before", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("decided_by_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.String(length=32), nullable=True),
        *_id_columns(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_merges")),
    )
    op.create_index(
        op.f("ix_identity_merges_tenant_id"), "identity_merges", ["tenant_id"], unique=False
    )
    op.create_index(
        "ix_identity_merges_person", "identity_merges", ["tenant_id", "survivor_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("identity_merges")
    op.drop_table("identity_keys")
    op.drop_table("identity_models")
