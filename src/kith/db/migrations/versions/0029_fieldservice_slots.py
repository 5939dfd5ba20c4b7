"""fieldservice: bay reservations in time slots (capacity per slot)

Providers get opening hours and a slot length (their ``bays`` is the capacity of each
slot); a reservation names its first and last minute of the local day, or none for a
whole-day hold (what every reservation was before: it takes a bay in every slot).

Revision ID: 0029_fieldservice_slots
Revises: 0028_inbox
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_fieldservice_slots"
down_revision = "0028_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("field_providers") as batch:
        batch.add_column(
            sa.Column("slot_minutes", sa.Integer(), nullable=False, server_default="60")
        )
        batch.add_column(
            sa.Column("opens", sa.String(length=5), nullable=False, server_default="08:00")
        )
        batch.add_column(
            sa.Column("closes", sa.String(length=5), nullable=False, server_default="18:00")
        )
    with op.batch_alter_table("field_bay_reservations") as batch:
        batch.add_column(sa.Column("start_min", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("end_min", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("field_bay_reservations") as batch:
        batch.drop_column("end_min")
        batch.drop_column("start_min")
    with op.batch_alter_table("field_providers") as batch:
        batch.drop_column("closes")
        batch.drop_column("opens")
        batch.drop_column("slot_minutes")
