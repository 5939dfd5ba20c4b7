"""Audit entries. Changes are recorded as domain events (outbox + timeline);
this table records what events do not: sensitive reads, exports, logins, consent
enforcement, DSAR actions.

The log is hash-chained per tenant (``kith.audit.chain``): every entry stores the
hash of the entry before it and its own hash over its content, so altering or
removing any row breaks the chain at that row (``kith audit verify``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin


class AuditEntry(IdMixin, TenantMixin, Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_tenant_at", "tenant_id", "at"),
        Index("ix_audit_log_tenant_seq", "tenant_id", "seq", unique=True),
    )

    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[str | None] = mapped_column(ID)
    detail: Mapped[dict[str, Any]]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The chain: position in the tenant's log, the previous entry's hash, this entry's hash.
    seq: Mapped[int | None] = mapped_column(BigInteger, default=None)
    prev_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    hash: Mapped[str | None] = mapped_column(String(64), default=None)


class AuditChainHead(Base):
    """The last link of each tenant's chain. Appending locks this row (PostgreSQL
    ``SELECT … FOR UPDATE``; SQLite serialises writers anyway), so two transactions
    can never both extend the chain from the same entry. It also lets ``verify``
    notice entries removed from the end of the log."""

    __tablename__ = "audit_chain_heads"

    tenant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainAnchor(IdMixin, TenantMixin, Base):
    """Where a tenant's log starts after ``kith audit prune`` deleted the entries older
    than the retention: the last pruned position and its hash, which the first
    remaining entry links to. Each prune adds one (history); ``verify`` starts from the
    latest, and the prune's own ``audit.pruned`` entry, in the chain, vouches for it."""

    __tablename__ = "audit_chain_anchors"
    __table_args__ = (
        Index("ix_audit_chain_anchors_tenant_seq", "tenant_id", "through_seq", unique=True),
    )

    through_seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(BigInteger)
    before: Mapped[datetime]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(ID)
