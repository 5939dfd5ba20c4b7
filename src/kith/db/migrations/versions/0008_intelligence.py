"""intelligence: model registry, scores, drift checks

Revision ID: 0008
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("algorithm", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("baseline", sa.JSON(), nullable=False),
        sa.Column("importance", sa.JSON(), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("training_seconds", sa.Float(), nullable=False),
        sa.Column("artifact", sa.LargeBinary(), nullable=False),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=False),
        sa.Column("artifact_format", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promoted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
        sa.UniqueConstraint(
            "tenant_id", "name", "number", name=op.f("uq_model_versions_tenant_id_name_number")
        ),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_versions_tenant_name_status", ["tenant_id", "name", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_model_versions_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "scores",
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("band", sa.String(length=12), nullable=False),
        sa.Column("model_version_id", sa.String(length=32), nullable=True),
        sa.Column("model_version", sa.String(length=120), nullable=False),
        sa.Column("factors", sa.JSON(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scores")),
        sa.UniqueConstraint(
            "tenant_id",
            "object_type",
            "record_id",
            "kind",
            name=op.f("uq_scores_tenant_id_object_type_record_id_kind"),
        ),
    )
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scores_tenant_kind_score", ["tenant_id", "kind", "score"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_scores_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "model_drift_checks",
        sa.Column("model_version_id", sa.String(length=32), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("psi", sa.JSON(), nullable=False),
        sa.Column("max_psi", sa.Float(), nullable=False),
        sa.Column("alert", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_drift_checks")),
    )
    with op.batch_alter_table("model_drift_checks", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_drift_checks_version", ["tenant_id", "model_version_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_model_drift_checks_tenant_id"), ["tenant_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("model_drift_checks")
    op.drop_table("scores")
    op.drop_table("model_versions")
