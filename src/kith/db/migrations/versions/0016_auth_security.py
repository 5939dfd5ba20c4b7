"""auth security: sign-in throttling, lockouts, TOTP two-factor sign-in

Adds the sliding-window failure log (``auth_failures``), per-account lockouts
(``auth_account_locks``), pending second-step tokens (``auth_challenges``),
one-time recovery codes (``user_recovery_codes``), the encrypted TOTP secret and its
state on ``users`` and the ``requires_2fa`` flag on ``roles``.

Revision ID: 0016_auth_security
Revises: 0014_segments
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_auth_security"
down_revision = "0015_governance_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requires_2fa", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.create_table(
        "user_recovery_codes",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_recovery_codes")),
    )
    with op.batch_alter_table("user_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_recovery_codes_tenant_id"), ["tenant_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_user_recovery_codes_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "auth_challenges",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("tenant_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_challenges_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_challenges")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_challenges_token_hash")),
    )
    with op.batch_alter_table("auth_challenges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_challenges_tenant_id"), ["tenant_id"])
        batch_op.create_index(batch_op.f("ix_auth_challenges_user_id"), ["user_id"])

    op.create_table(
        "auth_failures",
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("ip_key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_failures")),
    )
    with op.batch_alter_table("auth_failures", schema=None) as batch_op:
        batch_op.create_index("ix_auth_failures_account_at", ["account_key", "at"])
        batch_op.create_index("ix_auth_failures_ip_at", ["ip_key", "at"])
        batch_op.create_index("ix_auth_failures_at", ["at"])

    op.create_table(
        "auth_account_locks",
        sa.Column("account_key", sa.String(length=64), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_auth_account_locks")),
    )


def downgrade() -> None:
    op.drop_table("auth_account_locks")
    with op.batch_alter_table("auth_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_failures_at")
        batch_op.drop_index("ix_auth_failures_ip_at")
        batch_op.drop_index("ix_auth_failures_account_at")
    op.drop_table("auth_failures")
    with op.batch_alter_table("auth_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_challenges_user_id"))
        batch_op.drop_index(batch_op.f("ix_auth_challenges_tenant_id"))
    op.drop_table("auth_challenges")
    with op.batch_alter_table("user_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_recovery_codes_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_recovery_codes_tenant_id"))
    op.drop_table("user_recovery_codes")
    with op.batch_alter_table("roles", schema=None) as batch_op:
        batch_op.drop_column("requires_2fa")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enabled_at")
        batch_op.drop_column("totp_secret")
