"""Indexes the import and list benchmarks asked for (docs/benchmarks.md, findings 1 and 4).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Upserts by email compare lower(email): without these each import batch scans the tenant.
    op.execute("CREATE INDEX ix_contacts_email_lower ON contacts (tenant_id, lower(email))")
    op.execute("CREATE INDEX ix_leads_email_lower ON leads (tenant_id, lower(email))")
    # Contact lists filtered by city and sorted by name read the index in order.
    op.create_index("ix_contacts_city_name", "contacts", ["tenant_id", "city", "name", "id"])
    op.create_index("ix_contacts_tenant_name_id", "contacts", ["tenant_id", "name", "id"])


def downgrade() -> None:
    op.drop_index("ix_contacts_tenant_name_id", "contacts")
    op.drop_index("ix_contacts_city_name", "contacts")
    op.execute("DROP INDEX ix_leads_email_lower")
    op.execute("DROP INDEX ix_contacts_email_lower")
