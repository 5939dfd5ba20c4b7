"""access generation: a counter per workspace raised by every change to roles, grants,
field rules, teams or a user's active flag, so that resolved principals can be cached
between requests and dropped the moment access changes (issue 23: reads must not cost
six authentication queries)

Revision ID: 0020_access_generation
Revises: 0019_realtime
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_access_generation"
down_revision = "0019_realtime"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_generations",
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_access_generations")),
    )


def downgrade() -> None:
    op.drop_table("access_generations")
