"""flows: flows, their versions, runs and steps (kith.flows, issue 15, scenario S13)

Also gives the built-in roles of existing workspaces their ``flow`` grants (new
workspaces get them from ``access.roles``).

Revision ID: 0024_flows
Revises: 0023_playbooks
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0024_flows"
down_revision = "0023_playbooks"
branch_labels = None
depends_on = None

# Kept literal: a migration must not change when the application code does.
READ = (("read", "all"),)
WRITE = (("read", "all"), ("create", "all"), ("update", "all"))
ROLE_GRANTS: dict[str, tuple[tuple[str, str], ...]] = {
    "admin": (*WRITE, ("delete", "all")),
    "manager": WRITE,
    "sales": READ,
    "service": READ,
    "marketing": READ,
    "analyst": READ,
}


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def _at(name: str, nullable: bool = True) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _id("owner_id"),
        _at("created_at", False),
        _id("id"),
        _id("tenant_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flows")),
    )
    op.create_index(op.f("ix_flows_tenant_id"), "flows", ["tenant_id"])
    op.create_index("uq_flows_key", "flows", ["tenant_id", "key"], unique=True)
    op.create_table(
        "flow_versions",
        _id("flow_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("trigger_event", sa.String(length=64), nullable=True),
        _at("created_at", False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        _at("published_at"),
        _at("retired_at"),
        _id("id"),
        _id("tenant_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_versions")),
    )
    op.create_index(op.f("ix_flow_versions_tenant_id"), "flow_versions", ["tenant_id"])
    op.create_index(
        "uq_flow_versions_flow_version", "flow_versions", ["flow_id", "version"], unique=True
    )
    op.create_index(
        "ix_flow_versions_trigger", "flow_versions", ["tenant_id", "status", "trigger_event"]
    )
    op.create_table(
        "flow_runs",
        _id("flow_id"),
        _id("version_id"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cursor", sa.String(length=64), nullable=True),
        sa.Column("start_key", sa.String(length=80), nullable=False),
        _id("trigger_event_id", True),
        sa.Column("context", sa.JSON(), nullable=False),
        sa.Column("wait_kind", sa.String(length=16), nullable=True),
        sa.Column("wait_event", sa.String(length=64), nullable=True),
        sa.Column("wait_key", sa.String(length=64), nullable=True),
        sa.Column("wait_reason", sa.String(length=500), nullable=True),
        _at("waiting_since"),
        _at("due_at"),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_by", sa.String(length=200), nullable=True),
        _at("started_at", False),
        _at("finished_at"),
        sa.Column("revision", sa.Integer(), nullable=False),
        _id("id"),
        _id("tenant_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_runs")),
    )
    op.create_index(op.f("ix_flow_runs_tenant_id"), "flow_runs", ["tenant_id"])
    op.create_index("ix_flow_runs_flow", "flow_runs", ["tenant_id", "flow_id", "started_at"])
    op.create_index("ix_flow_runs_due", "flow_runs", ["status", "due_at"])
    op.create_index("ix_flow_runs_wait_event", "flow_runs", ["tenant_id", "status", "wait_event"])
    op.create_index("ix_flow_runs_wait_key", "flow_runs", ["tenant_id", "wait_key"])
    op.create_index("uq_flow_runs_start", "flow_runs", ["version_id", "start_key"], unique=True)
    op.create_table(
        "flow_steps",
        _id("run_id"),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("input", sa.JSON(), nullable=True),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("branch", sa.JSON(), nullable=True),
        sa.Column("next_node", sa.String(length=64), nullable=True),
        _id("decision_id", True),
        _id("approval_id", True),
        sa.Column("error", sa.Text(), nullable=True),
        _at("started_at", False),
        _at("finished_at"),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        _id("id"),
        _id("tenant_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_flow_steps")),
    )
    op.create_index(op.f("ix_flow_steps_tenant_id"), "flow_steps", ["tenant_id"])
    op.create_index("uq_flow_steps_run_seq", "flow_steps", ["run_id", "seq"], unique=True)
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
                    "AND object_type = 'flow' AND action = :a"
                ),
                {"r": role_id, "a": action},
            ).first()
            if exists is None:
                conn.execute(
                    sa.text(
                        "INSERT INTO role_permissions (role_id, object_type, action, scope, "
                        "tenant_id) VALUES (:r, 'flow', :a, :s, :t)"
                    ),
                    {"r": role_id, "a": action, "s": scope, "t": tenant_id},
                )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM role_permissions WHERE object_type = 'flow'"))
    for table in ("flow_steps", "flow_runs", "flow_versions", "flows"):
        op.drop_table(table)
