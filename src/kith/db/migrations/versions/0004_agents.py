"""agents: agents, memory, requests, leases, actions

Revision ID: 0004
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("budget_per_hour", sa.Integer(), nullable=False),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["role_id"], ["roles.id"], name=op.f("fk_agents_role_id_roles")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_agents_tenant_id_name")),
    )
    op.create_index(op.f("ix_agents_tenant_id"), "agents", ["tenant_id"], unique=False)
    op.create_table(
        "agent_actions",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("agent_name", sa.String(length=64), nullable=False),
        sa.Column("phase", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("tool", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("event_id", sa.String(length=32), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("trace_id", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("record_id", sa.String(length=32), nullable=True),
        sa.Column("summary", sa.String(length=500), nullable=True),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_actions_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_actions")),
    )
    op.create_index(
        "ix_agent_actions_agent_at", "agent_actions", ["tenant_id", "agent_id", "at"], unique=False
    )
    op.create_index(
        "ix_agent_actions_contact_tool",
        "agent_actions",
        ["tenant_id", "contact_id", "tool", "at"],
        unique=False,
    )
    op.create_index(
        "ix_agent_actions_record", "agent_actions", ["tenant_id", "record_id"], unique=False
    )
    op.create_index(
        op.f("ix_agent_actions_tenant_id"), "agent_actions", ["tenant_id"], unique=False
    )
    op.create_index(op.f("ix_agent_actions_trace_id"), "agent_actions", ["trace_id"], unique=False)
    op.create_table(
        "agent_leases",
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_leases_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("object_type", "record_id", name=op.f("pk_agent_leases")),
    )
    op.create_index(op.f("ix_agent_leases_tenant_id"), "agent_leases", ["tenant_id"], unique=False)
    op.create_table(
        "agent_memories",
        sa.Column("agent_id", sa.String(length=32), nullable=False),
        sa.Column("namespace", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_agent_memories_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_memories")),
    )
    op.create_index(
        "ix_agent_memories_subject",
        "agent_memories",
        ["tenant_id", "subject_type", "subject_id", "agent_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_agent_memories_tenant_id"), "agent_memories", ["tenant_id"], unique=False
    )
    op.create_table(
        "agent_memory_shares",
        sa.Column("owner_agent_id", sa.String(length=32), nullable=False),
        sa.Column("grantee_agent_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["grantee_agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_memory_shares_grantee_agent_id_agents"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_agent_id"],
            ["agents.id"],
            name=op.f("fk_agent_memory_shares_owner_agent_id_agents"),
        ),
        sa.PrimaryKeyConstraint(
            "owner_agent_id", "grantee_agent_id", name=op.f("pk_agent_memory_shares")
        ),
    )
    op.create_index(
        op.f("ix_agent_memory_shares_tenant_id"), "agent_memory_shares", ["tenant_id"], unique=False
    )
    op.create_table(
        "agent_requests",
        sa.Column("requester_kind", sa.String(length=16), nullable=False),
        sa.Column("requester_id", sa.String(length=64), nullable=False),
        sa.Column("to_agent", sa.String(length=64), nullable=False),
        sa.Column("to_agent_id", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("trace_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["to_agent_id"], ["agents.id"], name=op.f("fk_agent_requests_to_agent_id_agents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_requests")),
    )
    op.create_index(
        op.f("ix_agent_requests_tenant_id"), "agent_requests", ["tenant_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_agent_requests_tenant_id"), table_name="agent_requests")
    op.drop_table("agent_requests")
    op.drop_index(op.f("ix_agent_memory_shares_tenant_id"), table_name="agent_memory_shares")
    op.drop_table("agent_memory_shares")
    op.drop_index(op.f("ix_agent_memories_tenant_id"), table_name="agent_memories")
    op.drop_index("ix_agent_memories_subject", table_name="agent_memories")
    op.drop_table("agent_memories")
    op.drop_index(op.f("ix_agent_leases_tenant_id"), table_name="agent_leases")
    op.drop_table("agent_leases")
    op.drop_index(op.f("ix_agent_actions_trace_id"), table_name="agent_actions")
    op.drop_index(op.f("ix_agent_actions_tenant_id"), table_name="agent_actions")
    op.drop_index("ix_agent_actions_record", table_name="agent_actions")
    op.drop_index("ix_agent_actions_contact_tool", table_name="agent_actions")
    op.drop_index("ix_agent_actions_agent_at", table_name="agent_actions")
    op.drop_table("agent_actions")
    op.drop_index(op.f("ix_agents_tenant_id"), table_name="agents")
    op.drop_table("agents")
