"""segments: saved, refreshable segments, their members and refresh log

Also gives the built-in roles of existing workspaces their ``segment`` grants
(new workspaces get them from ``access.roles``) and the risk rule that sends
large segment enrollments to a person (new workspaces get it from
``gateway.risk.DEFAULT_RULES``).

Revision ID: 0014_segments
Revises: 0008
"""

from __future__ import annotations

import json
import os
import time

import sqlalchemy as sa
from alembic import op

revision = "0014_segments"
down_revision = "0008"
branch_labels = None
depends_on = None

# Kept literal: a migration must not change when the application code does.
ROLE_GRANTS = {
    "admin": (("read", "all"), ("create", "all"), ("update", "all"), ("delete", "all")),
    "manager": (("read", "all"),),
    "marketing": (("read", "all"), ("create", "all"), ("update", "own"), ("delete", "own")),
    "sales": (("read", "all"), ("create", "all"), ("update", "own"), ("delete", "own")),
    "analyst": (("read", "all"),),
}
RULE_NAME = "segment_enrollment_over_limit"
RULE_CONDITION = {">": [{"var": "args.members"}, 200]}


def _id() -> str:
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("label_zh", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("owner_id", sa.String(length=32), nullable=True),
        sa.Column("refresh_policy", sa.String(length=16), nullable=False),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("last_refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segments")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_segments_tenant_id_name")),
    )
    with op.batch_alter_table("segments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_segments_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "segment_members",
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_members")),
        sa.UniqueConstraint(
            "segment_id", "record_id", name=op.f("uq_segment_members_segment_id_record_id")
        ),
    )
    with op.batch_alter_table("segment_members", schema=None) as batch_op:
        batch_op.create_index(
            "ix_segment_members_tenant_record", ["tenant_id", "record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_segment_members_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "segment_refreshes",
        sa.Column("segment_id", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_segment_refreshes")),
    )
    with op.batch_alter_table("segment_refreshes", schema=None) as batch_op:
        batch_op.create_index("ix_segment_refreshes_segment_at", ["segment_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_segment_refreshes_tenant_id"), ["tenant_id"], unique=False
        )

    _grant_existing_roles()
    _add_risk_rule_to_existing_tenants()


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
                    "AND object_type = 'segment' AND action = :a"
                ),
                {"r": role_id, "a": action},
            ).first()
            if exists is None:
                conn.execute(
                    sa.text(
                        "INSERT INTO role_permissions (role_id, object_type, action, scope, "
                        "tenant_id) VALUES (:r, 'segment', :a, :s, :t)"
                    ),
                    {"r": role_id, "a": action, "s": scope, "t": tenant_id},
                )


def _add_risk_rule_to_existing_tenants() -> None:
    """Only tenants that already have rules: the others are seeded on first use.

    The table comes from 0003, another branch: on a fresh database it may not
    exist yet, and then there is no tenant to update either.
    """
    conn = op.get_bind()
    if not sa.inspect(conn).has_table("risk_rules"):
        return
    tenants = conn.execute(
        sa.text(
            "SELECT DISTINCT tenant_id FROM risk_rules WHERE tenant_id NOT IN "
            "(SELECT tenant_id FROM risk_rules WHERE name = :n)"
        ),
        {"n": RULE_NAME},
    ).all()
    for (tenant_id,) in tenants:
        conn.execute(
            sa.text(
                "INSERT INTO risk_rules (id, tenant_id, name, description, tool_pattern, "
                "condition, level, approver_role, expires_after_minutes, enabled, builtin, "
                "created_at) VALUES (:id, :t, :n, :d, :p, :c, 'high', 'manager', "
                "1440, :yes, :yes, CURRENT_TIMESTAMP)"
            ),
            {
                "id": _id(),
                "t": tenant_id,
                "n": RULE_NAME,
                "d": "Enrolling more than 200 segment members in a campaign",
                "p": "campaigns.enroll_segment",
                "c": json.dumps(RULE_CONDITION),
                "yes": True,
            },
        )


def downgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("risk_rules"):
        op.execute(sa.text("DELETE FROM risk_rules WHERE name = :n").bindparams(n=RULE_NAME))
    op.execute(sa.text("DELETE FROM role_permissions WHERE object_type = 'segment'"))
    op.drop_table("segment_refreshes")
    op.drop_table("segment_members")
    op.drop_table("segments")
