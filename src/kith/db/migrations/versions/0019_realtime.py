"""realtime: rule-set versions, decision routes, the reload generation, risk lists,
the decision log and shipment holds (kith.realtime, scenario S4)

Also gives the built-in roles of existing workspaces their ``risk_rule`` and
``risk_decision`` grants (new workspaces get them from ``access.roles``).

Revision ID: 0019_realtime
Revises: 0018_identity
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_realtime"
down_revision = "0018_identity"
branch_labels = None
depends_on = None

# Kept literal: a migration must not change when the application code does.
ALL: tuple[tuple[str, str], ...] = (
    ("read", "all"),
    ("create", "all"),
    ("update", "all"),
    ("delete", "all"),
)
ROLE_GRANTS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "admin": {"risk_rule": ALL, "risk_decision": ALL},
    "manager": {"risk_rule": (("read", "all"),)},
    "analyst": {"risk_rule": (("read", "all"),)},
}


def upgrade() -> None:
    op.create_table(
        "realtime_decisions",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=12), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("fallback", sa.String(length=16), nullable=True),
        sa.Column("customer_id", sa.String(length=64), nullable=True),
        sa.Column("order_id", sa.String(length=64), nullable=True),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=True),
        sa.Column("fired", sa.JSON(), nullable=False),
        sa.Column("shadow_version", sa.Integer(), nullable=True),
        sa.Column("shadow_outcome", sa.String(length=16), nullable=True),
        sa.Column("passport_id", sa.String(length=32), nullable=True),
        sa.Column("label", sa.String(length=16), nullable=True),
        sa.Column("actions_done", sa.Boolean(), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_realtime_decisions")),
    )
    with op.batch_alter_table("realtime_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_realtime_decisions_key_at", ["tenant_id", "decision_key", "at"], unique=False
        )
        batch_op.create_index(
            "ix_realtime_decisions_order", ["tenant_id", "order_id"], unique=False
        )
        batch_op.create_index(
            "ix_realtime_decisions_customer", ["tenant_id", "customer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_realtime_decisions_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "realtime_generations",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_realtime_generations")),
    )
    op.create_table(
        "realtime_list_entries",
        sa.Column("list_name", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_realtime_list_entries")),
    )
    with op.batch_alter_table("realtime_list_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_realtime_list_entries_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_realtime_list_entries", ["tenant_id", "list_name", "kind", "value"], unique=True
        )

    op.create_table(
        "realtime_routes",
        sa.Column("decision_key", sa.String(length=64), nullable=False),
        sa.Column("champion", sa.Integer(), nullable=True),
        sa.Column("previous_champion", sa.Integer(), nullable=True),
        sa.Column("challenger", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("split_key", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_realtime_routes")),
    )
    with op.batch_alter_table("realtime_routes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_realtime_routes_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index("uq_realtime_routes_key", ["tenant_id", "decision_key"], unique=True)

    op.create_table(
        "realtime_rulesets",
        sa.Column("decision_key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_realtime_rulesets")),
    )
    with op.batch_alter_table("realtime_rulesets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_realtime_rulesets_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            "uq_realtime_rulesets_key_version",
            ["tenant_id", "decision_key", "version"],
            unique=True,
        )

    op.create_table(
        "realtime_shipment_holds",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_realtime_shipment_holds")),
    )
    with op.batch_alter_table("realtime_shipment_holds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_realtime_shipment_holds_order_id"), ["order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_realtime_shipment_holds_tenant_id"), ["tenant_id"], unique=False
        )

    _grant_existing_roles()


def _grant_existing_roles() -> None:
    conn = op.get_bind()
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


def downgrade() -> None:
    op.execute(
        sa.text("DELETE FROM role_permissions WHERE object_type IN ('risk_rule', 'risk_decision')")
    )
    with op.batch_alter_table("realtime_shipment_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_realtime_shipment_holds_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_realtime_shipment_holds_order_id"))

    op.drop_table("realtime_shipment_holds")
    with op.batch_alter_table("realtime_rulesets", schema=None) as batch_op:
        batch_op.drop_index("uq_realtime_rulesets_key_version")
        batch_op.drop_index(batch_op.f("ix_realtime_rulesets_tenant_id"))

    op.drop_table("realtime_rulesets")
    with op.batch_alter_table("realtime_routes", schema=None) as batch_op:
        batch_op.drop_index("uq_realtime_routes_key")
        batch_op.drop_index(batch_op.f("ix_realtime_routes_tenant_id"))

    op.drop_table("realtime_routes")
    with op.batch_alter_table("realtime_list_entries", schema=None) as batch_op:
        batch_op.drop_index("uq_realtime_list_entries")
        batch_op.drop_index(batch_op.f("ix_realtime_list_entries_tenant_id"))

    op.drop_table("realtime_list_entries")
    op.drop_table("realtime_generations")
    with op.batch_alter_table("realtime_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_realtime_decisions_tenant_id"))
        batch_op.drop_index("ix_realtime_decisions_customer")
        batch_op.drop_index("ix_realtime_decisions_order")
        batch_op.drop_index("ix_realtime_decisions_key_at")

    op.drop_table("realtime_decisions")
