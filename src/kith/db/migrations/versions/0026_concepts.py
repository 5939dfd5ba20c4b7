"""concepts: concept versions, each customer's current value with its contributions, and
the history of values (kith.concepts, scenario S14)

Also gives the built-in roles of existing workspaces their ``concept`` grants (new
workspaces get them from ``access.roles``).

Revision ID: 0026_concepts
Revises: 0025_fieldservice
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026_concepts"
down_revision = "0025_fieldservice"
branch_labels = None
depends_on = None

# Kept literal: a migration must not change when the application code does.
ALL: tuple[tuple[str, str], ...] = (
    ("read", "all"),
    ("create", "all"),
    ("update", "all"),
    ("delete", "all"),
)
WRITE: tuple[tuple[str, str], ...] = (("read", "all"), ("create", "all"), ("update", "all"))
READ: tuple[tuple[str, str], ...] = (("read", "all"),)
ROLE_GRANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "admin": ALL,
    "manager": WRITE,
    "analyst": WRITE,
    "sales": READ,
    "service": READ,
    "marketing": READ,
    "viewer": READ,
}


def upgrade() -> None:
    op.create_table(
        "concept_value_history",
        sa.Column("concept_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=32), nullable=False),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept_value_history")),
    )
    with op.batch_alter_table("concept_value_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concept_value_history_subject",
            ["tenant_id", "concept_key", "subject_type", "subject_id", "computed_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_concept_value_history_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "concept_values",
        sa.Column("concept_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("band", sa.String(length=32), nullable=False),
        sa.Column("coverage", sa.Float(), nullable=False),
        sa.Column("degraded", sa.Boolean(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept_values")),
    )
    with op.batch_alter_table("concept_values", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concept_values_band", ["tenant_id", "concept_key", "band"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_concept_values_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_concept_values_subject",
            ["tenant_id", "concept_key", "subject_type", "subject_id"],
            unique=True,
        )

    op.create_table(
        "concept_versions",
        sa.Column("concept_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("label_zh", sa.String(length=200), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("population", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concept_versions")),
    )
    with op.batch_alter_table("concept_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_concept_versions_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_concept_versions_key_version", ["tenant_id", "concept_key", "version"], unique=True
        )

    _grant_existing_roles()


def _grant_existing_roles() -> None:
    conn = op.get_bind()
    roles = conn.execute(
        sa.text("SELECT id, tenant_id, name FROM roles WHERE builtin = :yes"), {"yes": True}
    ).all()
    for role_id, tenant_id, name in roles:
        for action, scope in ROLE_GRANTS.get(name, ()):
            exists = conn.execute(
                sa.text(
                    "SELECT 1 FROM role_permissions WHERE role_id = :r "
                    "AND object_type = 'concept' AND action = :a"
                ),
                {"r": role_id, "a": action},
            ).first()
            if exists is None:
                conn.execute(
                    sa.text(
                        "INSERT INTO role_permissions (role_id, object_type, action, scope, "
                        "tenant_id) VALUES (:r, 'concept', :a, :s, :t)"
                    ),
                    {"r": role_id, "a": action, "s": scope, "t": tenant_id},
                )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM role_permissions WHERE object_type = 'concept'"))
    op.drop_table("concept_versions")
    op.drop_table("concept_values")
    op.drop_table("concept_value_history")
