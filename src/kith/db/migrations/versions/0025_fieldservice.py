"""fieldservice: field engineers, service providers, bay reservations, work orders and
their status history (kith.fieldservice, scenario S5)

Also gives the built-in roles of existing workspaces their ``work_order`` and
``field_resource`` grants (new workspaces get them from ``access.roles``).

Revision ID: 0025_fieldservice
Revises: 0024_flows
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_fieldservice"
down_revision = "0024_flows"
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
ROLE_GRANTS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "admin": {"work_order": ALL, "field_resource": ALL},
    "manager": {"work_order": WRITE, "field_resource": WRITE},
    "service": {"work_order": WRITE, "field_resource": (("read", "all"), ("update", "all"))},
    "analyst": {"work_order": READ, "field_resource": READ},
}
TABLES = (
    "field_work_orders",
    "field_work_order_history",
    "field_providers",
    "field_engineers",
    "field_bay_reservations",
)


def upgrade() -> None:
    op.create_table(
        "field_bay_reservations",
        sa.Column("provider_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("work_order_id", sa.String(length=32), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_bay_reservations")),
    )
    with op.batch_alter_table("field_bay_reservations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_field_bay_reservations_day", ["tenant_id", "provider_id", "day"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_bay_reservations_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "field_engineers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("provider_id", sa.String(length=32), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("certifications", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=False),
        sa.Column("home_lat", sa.Float(), nullable=False),
        sa.Column("home_lon", sa.Float(), nullable=False),
        sa.Column("live_lat", sa.Float(), nullable=True),
        sa.Column("live_lon", sa.Float(), nullable=True),
        sa.Column("live_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("work_start", sa.String(length=5), nullable=False),
        sa.Column("work_end", sa.String(length=5), nullable=False),
        sa.Column("work_days", sa.JSON(), nullable=False),
        sa.Column("calendar", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_engineers")),
    )
    with op.batch_alter_table("field_engineers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_engineers_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "field_providers",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("bays", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_providers")),
    )
    with op.batch_alter_table("field_providers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_field_providers_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "field_work_order_history",
        sa.Column("work_order_id", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("engineer_id", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_work_order_history")),
    )
    with op.batch_alter_table("field_work_order_history", schema=None) as batch_op:
        batch_op.create_index(
            "ix_field_work_order_history_order", ["tenant_id", "work_order_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_work_order_history_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "field_work_orders",
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("asset_kind", sa.String(length=12), nullable=False),
        sa.Column("asset_serial", sa.String(length=64), nullable=False),
        sa.Column("asset_model", sa.String(length=100), nullable=True),
        sa.Column("address", sa.String(length=500), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("required_skills", sa.JSON(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("preferred_engineer_ids", sa.JSON(), nullable=False),
        sa.Column("engineer_id", sa.String(length=32), nullable=True),
        sa.Column("scheduled_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provider_id", sa.String(length=32), nullable=True),
        sa.Column("source", sa.JSON(), nullable=False),
        sa.Column("outcome_note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_work_orders")),
    )
    with op.batch_alter_table("field_work_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_field_work_orders_asset", ["tenant_id", "asset_serial"], unique=False
        )
        batch_op.create_index(
            "ix_field_work_orders_engineer",
            ["tenant_id", "engineer_id", "scheduled_start"],
            unique=False,
        )
        batch_op.create_index("ix_field_work_orders_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_field_work_orders_tenant_id"), ["tenant_id"], unique=False
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
    op.get_bind().execute(
        sa.text(
            "DELETE FROM role_permissions WHERE object_type IN ('work_order', 'field_resource')"
        )
    )
    for table in TABLES:
        op.drop_table(table)
