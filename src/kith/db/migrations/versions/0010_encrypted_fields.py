"""Sensitive fields encrypted at rest: room for the stored form.

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-21

The values themselves are encrypted as they are written; rows written before
this revision stay readable (plaintext passes through) until
``kith privacy rotate-keys`` encrypts them. SQLite does not enforce VARCHAR
lengths, so only PostgreSQL needs the wider columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = (
    ("contacts", "id_number", 32),
    ("contacts", "bank_account", 64),
    ("accounts", "bank_account", 64),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, _ in COLUMNS:
        op.alter_column(table, column, type_=sa.String(255), existing_nullable=True)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, width in COLUMNS:
        op.alter_column(table, column, type_=sa.String(width), existing_nullable=True)
