"""privacy: consent ledger, revocation cancellations, erasure tombstones; the audit
log becomes a hash chain (existing entries are chained in place, oldest first)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kith.audit.chain import GENESIS, entry_hash
from kith.db.base import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _id(name: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(name, sa.String(length=32), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "consent_events",
        _id("id"),
        _id("tenant_id"),
        _id("contact_id"),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("legal_basis", sa.String(length=32), nullable=False),
        sa.Column("evidence_hash", sa.String(length=64), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by_kind", sa.String(length=16), nullable=False),
        _id("recorded_by_id", nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
    )
    op.create_index(
        "ix_consent_events_contact", "consent_events", ["tenant_id", "contact_id", "at"]
    )
    op.create_index(op.f("ix_consent_events_tenant_id"), "consent_events", ["tenant_id"])

    op.create_table(
        "consent_cancellations",
        _id("id"),
        _id("tenant_id"),
        _id("contact_id"),
        _id("consent_event_id"),
        sa.Column("kind", sa.String(length=32), nullable=False),
        _id("target_id"),
        _id("decision_id", nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_cancellations")),
    )
    op.create_index(
        "ix_consent_cancellations_contact", "consent_cancellations", ["tenant_id", "contact_id"]
    )
    op.create_index(
        op.f("ix_consent_cancellations_tenant_id"), "consent_cancellations", ["tenant_id"]
    )

    op.create_table(
        "erasure_tombstones",
        _id("id"),
        _id("tenant_id"),
        _id("contact_id"),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_by_kind", sa.String(length=16), nullable=False),
        _id("erased_by_id", nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("identifier_hashes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_tombstones")),
    )
    op.create_index(op.f("ix_erasure_tombstones_contact_id"), "erasure_tombstones", ["contact_id"])
    op.create_index(op.f("ix_erasure_tombstones_tenant_id"), "erasure_tombstones", ["tenant_id"])

    op.create_table(
        "audit_chain_heads",
        _id("tenant_id"),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", name=op.f("pk_audit_chain_heads")),
    )
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_entries()
    op.create_index("ix_audit_log_tenant_seq", "audit_log", ["tenant_id", "seq"], unique=True)


def _chain_existing_entries() -> None:
    """Chain what was logged before this migration, per tenant, in (time, id) order."""
    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.String()),
        sa.column("tenant_id", sa.String()),
        sa.column("actor_kind", sa.String()),
        sa.column("actor_id", sa.String()),
        sa.column("action", sa.String()),
        sa.column("object_type", sa.String()),
        sa.column("record_id", sa.String()),
        sa.column("detail", sa.JSON()),
        sa.column("at", UTCDateTime()),
        sa.column("seq", sa.BigInteger()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )
    heads = sa.table(
        "audit_chain_heads",
        sa.column("tenant_id", sa.String()),
        sa.column("seq", sa.BigInteger()),
        sa.column("hash", sa.String()),
    )
    rows = bind.execute(sa.select(log).order_by(log.c.tenant_id, log.c.at, log.c.id)).all()
    state: dict[str, tuple[int, str]] = {}
    updates = []
    for row in rows:
        seq, prev = state.get(row.tenant_id, (0, GENESIS))
        seq += 1
        digest = entry_hash(
            prev,
            tenant_id=row.tenant_id,
            seq=seq,
            entry_id=row.id,
            at=row.at,
            actor_kind=row.actor_kind,
            actor_id=row.actor_id,
            action=row.action,
            object_type=row.object_type,
            record_id=row.record_id,
            detail=row.detail if row.detail is not None else {},
        )
        updates.append({"b_id": row.id, "seq": seq, "prev_hash": prev, "hash": digest})
        state[row.tenant_id] = (seq, digest)
    if updates:
        bind.execute(
            log.update()
            .where(log.c.id == sa.bindparam("b_id"))
            .values(
                seq=sa.bindparam("seq"),
                prev_hash=sa.bindparam("prev_hash"),
                hash=sa.bindparam("hash"),
            ),
            updates,
        )
    if state:
        bind.execute(
            heads.insert(),
            [{"tenant_id": t, "seq": s, "hash": h} for t, (s, h) in state.items()],
        )


def downgrade() -> None:
    op.drop_index("ix_audit_log_tenant_seq", "audit_log")
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_heads")
    op.drop_table("erasure_tombstones")
    op.drop_table("consent_cancellations")
    op.drop_table("consent_events")
