"""gateway: decision records, approvals, risk rules, idempotency keys, outbound
messages, notifications, coupons, refund requests, campaign enrollments

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("tool", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("requester_kind", sa.String(length=16), nullable=False),
        sa.Column("requester_id", sa.String(length=32), nullable=True),
        sa.Column("requester_name", sa.String(length=200), nullable=True),
        sa.Column("requester_user_id", sa.String(length=32), nullable=True),
        sa.Column("on_behalf_of_id", sa.String(length=32), nullable=True),
        sa.Column("on_behalf_of_name", sa.String(length=200), nullable=True),
        sa.Column("rationale", sa.JSON(), nullable=True),
        sa.Column("trigger_event_id", sa.String(length=32), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=False),
        sa.Column("risk_level", sa.String(length=8), nullable=False),
        sa.Column("risk_rule_id", sa.String(length=32), nullable=True),
        sa.Column("approver_role", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.String(length=32), nullable=True),
        sa.Column("decided_by_name", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("result_decision_id", sa.String(length=32), nullable=True),
        sa.Column("result_status", sa.String(length=20), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.create_index("ix_approval_requests_status", ["tenant_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_approval_requests_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "campaign_enrollments",
        sa.Column("campaign", sa.String(length=100), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("enrolled_by_kind", sa.String(length=16), nullable=False),
        sa.Column("enrolled_by_id", sa.String(length=32), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_enrollments")),
        sa.UniqueConstraint(
            "tenant_id",
            "campaign",
            "contact_id",
            name=op.f("uq_campaign_enrollments_tenant_id_campaign_contact_id"),
        ),
    )
    with op.batch_alter_table("campaign_enrollments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_enrollments_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_enrollments_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "coupons",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_by_kind", sa.String(length=16), nullable=False),
        sa.Column("issued_by_id", sa.String(length=32), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coupons")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_coupons_tenant_id_code")),
    )
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coupons_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_coupons_tenant_id"), ["tenant_id"], unique=False)

    op.create_table(
        "decision_overrides",
        sa.Column("decision_id", sa.String(length=32), nullable=False),
        sa.Column("by_kind", sa.String(length=16), nullable=False),
        sa.Column("by_id", sa.String(length=32), nullable=True),
        sa.Column("by_name", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_overrides")),
    )
    with op.batch_alter_table("decision_overrides", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_decision_overrides_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_decision_overrides_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "decision_records",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=32), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=True),
        sa.Column("on_behalf_of_id", sa.String(length=32), nullable=True),
        sa.Column("on_behalf_of_name", sa.String(length=200), nullable=True),
        sa.Column("trigger_event_id", sa.String(length=32), nullable=True),
        sa.Column("tool", sa.String(length=100), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("rationale", sa.JSON(), nullable=True),
        sa.Column("consent_allowed", sa.Boolean(), nullable=True),
        sa.Column("consent_reason", sa.String(length=500), nullable=True),
        sa.Column("consent_basis", sa.String(length=500), nullable=True),
        sa.Column("risk_level", sa.String(length=8), nullable=True),
        sa.Column("risk_rule_id", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("approval_id", sa.String(length=32), nullable=True),
        sa.Column("approver_id", sa.String(length=32), nullable=True),
        sa.Column("approver_name", sa.String(length=200), nullable=True),
        sa.Column("approver_decision", sa.String(length=16), nullable=True),
        sa.Column("approver_reason", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=True),
        sa.Column("duplicate_of", sa.String(length=32), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_records")),
    )
    with op.batch_alter_table("decision_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_decision_records_account", ["tenant_id", "account_id"], unique=False
        )
        batch_op.create_index("ix_decision_records_actor", ["tenant_id", "actor_id"], unique=False)
        batch_op.create_index(
            "ix_decision_records_contact", ["tenant_id", "contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_decision_records_subject", ["tenant_id", "subject_type", "subject_id"], unique=False
        )
        batch_op.create_index("ix_decision_records_tenant_at", ["tenant_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_decision_records_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "idempotency_keys",
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("tool", sa.String(length=100), nullable=False),
        sa.Column("args_digest", sa.String(length=64), nullable=False),
        sa.Column("decision_id", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("approval_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_keys")),
        sa.UniqueConstraint(
            "tenant_id",
            "principal_id",
            "key",
            name=op.f("uq_idempotency_keys_tenant_id_principal_id_key"),
        ),
    )
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_idempotency_keys_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "notifications",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("subject_type", sa.String(length=32), nullable=True),
        sa.Column("subject_id", sa.String(length=32), nullable=True),
        sa.Column("sender_kind", sa.String(length=16), nullable=False),
        sa.Column("sender_id", sa.String(length=32), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notifications_tenant_id"), ["tenant_id"], unique=False)
        batch_op.create_index(
            "ix_notifications_user", ["tenant_id", "user_id", "created_at"], unique=False
        )

    op.create_table(
        "outbound_messages",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("contact_id", sa.String(length=32), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("transport", sa.String(length=32), nullable=True),
        sa.Column("transport_id", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("interaction_id", sa.String(length=32), nullable=True),
        sa.Column("created_by_kind", sa.String(length=16), nullable=False),
        sa.Column("created_by_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_messages")),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_outbound_messages_recipient", ["tenant_id", "channel", "recipient"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "refund_requests",
        sa.Column("order_id", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by_kind", sa.String(length=16), nullable=False),
        sa.Column("requested_by_id", sa.String(length=32), nullable=True),
        sa.Column("decision_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refund_requests")),
    )
    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refund_requests_order_id"), ["order_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_refund_requests_tenant_id"), ["tenant_id"], unique=False
        )

    op.create_table(
        "risk_rules",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("tool_pattern", sa.String(length=100), nullable=False),
        sa.Column("condition", sa.JSON(), nullable=True),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("approver_role", sa.String(length=64), nullable=False),
        sa.Column("expires_after_minutes", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rules")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_risk_rules_tenant_id_name")),
    )
    with op.batch_alter_table("risk_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_rules_tenant_id"), ["tenant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("risk_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_risk_rules_tenant_id"))

    op.drop_table("risk_rules")
    with op.batch_alter_table("refund_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refund_requests_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_refund_requests_order_id"))

    op.drop_table("refund_requests")
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_messages_tenant_id"))
        batch_op.drop_index("ix_outbound_messages_recipient")
        batch_op.drop_index(batch_op.f("ix_outbound_messages_contact_id"))

    op.drop_table("outbound_messages")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user")
        batch_op.drop_index(batch_op.f("ix_notifications_tenant_id"))

    op.drop_table("notifications")
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_tenant_id"))

    op.drop_table("idempotency_keys")
    with op.batch_alter_table("decision_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_records_tenant_id"))
        batch_op.drop_index("ix_decision_records_tenant_at")
        batch_op.drop_index("ix_decision_records_subject")
        batch_op.drop_index("ix_decision_records_contact")
        batch_op.drop_index("ix_decision_records_actor")
        batch_op.drop_index("ix_decision_records_account")

    op.drop_table("decision_records")
    with op.batch_alter_table("decision_overrides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_decision_overrides_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_decision_overrides_decision_id"))

    op.drop_table("decision_overrides")
    with op.batch_alter_table("coupons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_coupons_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_coupons_contact_id"))

    op.drop_table("coupons")
    with op.batch_alter_table("campaign_enrollments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_enrollments_tenant_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_enrollments_contact_id"))

    op.drop_table("campaign_enrollments")
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_requests_tenant_id"))
        batch_op.drop_index("ix_approval_requests_status")

    op.drop_table("approval_requests")
