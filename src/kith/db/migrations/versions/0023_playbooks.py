"""playbooks: micro-practice units, their reviews, applications and quality gate;
value anchors and their daily readings (kith.playbooks, scenario S12)

Also gives the built-in roles of existing workspaces their ``practice`` and
``anchor`` grants (new workspaces get them from ``access.roles``).

Revision ID: 0023_playbooks
Revises: 0022_identity_online
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_playbooks"
down_revision = "0022_identity_online"
branch_labels = None
depends_on = None

# Kept literal: a migration must not change when the application code does.
READ = (("read", "all"),)
WRITE = (("read", "all"), ("create", "all"), ("update", "all"))
ALL = (*WRITE, ("delete", "all"))
ROLE_GRANTS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "admin": {"practice": ALL, "anchor": ALL},
    "manager": {"practice": WRITE, "anchor": WRITE},
    "sales": {"practice": WRITE, "anchor": READ},
    "service": {"practice": WRITE, "anchor": READ},
    "marketing": {"practice": READ, "anchor": READ},
    "analyst": {"practice": READ, "anchor": READ},
    "viewer": {"practice": READ, "anchor": READ},
}
TABLES = (
    "practice_reviews",
    "practice_applications",
    "anchor_readings",
    "value_anchors",
    "practices",
    "practice_gates",
)


def upgrade() -> None:
    op.create_table(
        "practice_gates",
        sa.Column("required_reviews", sa.Integer(), nullable=False),
        sa.Column("reviewer_roles", sa.JSON(), nullable=False),
        sa.Column("require_customer_value", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_gates")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_practice_gates_tenant_id")),
    )
    op.create_index(
        op.f("ix_practice_gates_tenant_id"), "practice_gates", ["tenant_id"], unique=False
    )
    op.create_table(
        "practices",
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("situation", sa.JSON(), nullable=False),
        sa.Column("free_tags", sa.JSON(), nullable=False),
        sa.Column("actions", sa.JSON(), nullable=False),
        sa.Column("verification", sa.JSON(), nullable=False),
        sa.Column("breaker", sa.JSON(), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("source_type", sa.String(length=16), nullable=True),
        sa.Column("source_id", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("value_confirmation", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practices")),
    )
    op.create_index(op.f("ix_practices_created_by"), "practices", ["created_by"], unique=False)
    op.create_index(op.f("ix_practices_tenant_id"), "practices", ["tenant_id"], unique=False)
    op.create_index("ix_practices_tenant_state", "practices", ["tenant_id", "state"], unique=False)
    op.create_table(
        "value_anchors",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("owner_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_value_anchors")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_value_anchors_tenant_id_name")),
    )
    op.create_index(
        op.f("ix_value_anchors_tenant_id"), "value_anchors", ["tenant_id"], unique=False
    )
    op.create_table(
        "anchor_readings",
        sa.Column("anchor_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("sample", sa.Integer(), nullable=False),
        sa.Column("expected", sa.Float(), nullable=False),
        sa.Column("on_track", sa.Boolean(), nullable=False),
        sa.Column("drivers", sa.JSON(), nullable=False),
        sa.Column("sentence_zh", sa.Text(), nullable=True),
        sa.Column("sentence_en", sa.Text(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["anchor_id"],
            ["value_anchors.id"],
            name=op.f("fk_anchor_readings_anchor_id_value_anchors"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anchor_readings")),
        sa.UniqueConstraint("anchor_id", "day", name=op.f("uq_anchor_readings_anchor_id_day")),
    )
    op.create_index(
        op.f("ix_anchor_readings_anchor_id"), "anchor_readings", ["anchor_id"], unique=False
    )
    op.create_index(
        op.f("ix_anchor_readings_tenant_id"), "anchor_readings", ["tenant_id"], unique=False
    )
    op.create_table(
        "practice_applications",
        sa.Column("practice_id", sa.String(length=32), nullable=False),
        sa.Column("deal_id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("applied_by", sa.String(length=32), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stage_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("points", sa.JSON(), nullable=False),
        sa.Column("task_ids", sa.JSON(), nullable=False),
        sa.Column("calls", sa.JSON(), nullable=False),
        sa.Column("breaker_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("breaker_cleared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stop_reason", sa.String(length=300), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_applications_practice_id_practices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_applications")),
        sa.UniqueConstraint(
            "practice_id", "deal_id", name=op.f("uq_practice_applications_practice_id_deal_id")
        ),
    )
    op.create_index(
        op.f("ix_practice_applications_deal_id"), "practice_applications", ["deal_id"], unique=False
    )
    op.create_index(
        op.f("ix_practice_applications_practice_id"),
        "practice_applications",
        ["practice_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_practice_applications_tenant_id"),
        "practice_applications",
        ["tenant_id"],
        unique=False,
    )
    op.create_index(
        "ix_practice_applications_tenant_status",
        "practice_applications",
        ["tenant_id", "status"],
        unique=False,
    )
    op.create_table(
        "practice_reviews",
        sa.Column("practice_id", sa.String(length=32), nullable=False),
        sa.Column("reviewer_id", sa.String(length=32), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("reviewer_roles", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practices.id"],
            name=op.f("fk_practice_reviews_practice_id_practices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practice_reviews")),
        sa.UniqueConstraint(
            "practice_id", "reviewer_id", name=op.f("uq_practice_reviews_practice_id_reviewer_id")
        ),
    )
    op.create_index(
        op.f("ix_practice_reviews_practice_id"), "practice_reviews", ["practice_id"], unique=False
    )
    op.create_index(
        op.f("ix_practice_reviews_tenant_id"), "practice_reviews", ["tenant_id"], unique=False
    )
    grant_existing_roles(op.get_bind())


def grant_existing_roles(conn: sa.Connection) -> int:
    """Give built-in roles their missing ``practice``/``anchor`` grants; how many added."""
    added = 0
    roles = conn.execute(
        sa.text("SELECT id, tenant_id, name FROM roles WHERE builtin = :yes"), {"yes": True}
    ).all()
    for role_id, tenant_id, name in roles:
        for object_type, grants in ROLE_GRANTS.get(name, {}).items():
            for action, scope in grants:
                exists = conn.execute(
                    sa.text(
                        "SELECT 1 FROM role_permissions WHERE role_id = :r "
                        "AND object_type = :o AND action = :a"
                    ),
                    {"r": role_id, "o": object_type, "a": action},
                ).first()
                if exists is None:
                    conn.execute(
                        sa.text(
                            "INSERT INTO role_permissions (role_id, object_type, action, scope, "
                            "tenant_id) VALUES (:r, :o, :a, :s, :t)"
                        ),
                        {"r": role_id, "o": object_type, "a": action, "s": scope, "t": tenant_id},
                    )
                    added += 1
    return added


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM role_permissions WHERE object_type IN ('practice', 'anchor')"))
    for table in TABLES:
        op.drop_table(table)
