"""scheduling: schedules and their runs; live model outcomes; model/schedule grants

Also gives the built-in admin and analyst roles of existing workspaces the
``model`` and ``schedule`` grants that ``access.roles`` gives new ones
(``seed_roles`` only creates missing roles, so older workspaces lack them).
Idempotent: a grant that exists (even edited) is left alone.

Revision ID: 0013_scheduling
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_scheduling"
down_revision = "0008"
branch_labels = None
depends_on = None

# Kept literal: a migration must not change when the application code does.
ALL = (("read", "all"), ("create", "all"), ("update", "all"), ("delete", "all"))
ROLE_GRANTS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "admin": {"model": ALL, "schedule": ALL},
    "analyst": {"model": (("read", "all"),), "schedule": (("read", "all"),)},
}


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("every_minutes", sa.Integer(), nullable=True),
        sa.Column("daily_at", sa.String(length=5), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=12), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedules")),
    )
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.create_index("ix_schedules_due", ["enabled", "next_run_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_schedules_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "schedule_runs",
        sa.Column("schedule_id", sa.String(length=32), nullable=False),
        sa.Column("job", sa.String(length=100), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("worker", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_runs")),
    )
    with op.batch_alter_table("schedule_runs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_schedule_runs_schedule", ["schedule_id", "started_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_schedule_runs_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "model_outcomes",
        sa.Column("model_version_id", sa.String(length=32), nullable=False),
        sa.Column("model_ref", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("outcome", sa.Integer(), nullable=False),
        sa.Column("outcome_label", sa.String(length=40), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_outcomes")),
        sa.UniqueConstraint("event_id", name=op.f("uq_model_outcomes_event_id")),
        sa.UniqueConstraint(
            "tenant_id",
            "kind",
            "object_type",
            "record_id",
            name=op.f("uq_model_outcomes_tenant_id_kind_object_type_record_id"),
        ),
    )
    with op.batch_alter_table("model_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_model_outcomes_version", ["tenant_id", "model_version_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_model_outcomes_tenant_id"), ["tenant_id"], unique=False
        )

    grant_existing_roles(op.get_bind())


def grant_existing_roles(conn: sa.Connection) -> int:
    """Add the missing model/schedule grants of built-in admin and analyst roles."""
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
    # The grants stay: they are what access.roles gives every workspace anyway.
    op.drop_table("model_outcomes")
    op.drop_table("schedule_runs")
    op.drop_table("schedules")
