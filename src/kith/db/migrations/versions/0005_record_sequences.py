"""Per-tenant record sequences (ticket numbers without a count()+1 race).

Revision ID: 0005
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_sequences",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "name", name=op.f("pk_record_sequences")),
    )
    # Existing tickets keep their numbers: start each tenant's counter after its count.
    op.execute(
        "INSERT INTO record_sequences (tenant_id, name, value) "
        "SELECT tenant_id, 'ticket', COUNT(*) FROM tickets GROUP BY tenant_id"
    )


def downgrade() -> None:
    op.drop_table("record_sequences")
