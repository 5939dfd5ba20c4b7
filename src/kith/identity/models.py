"""Tables of the identity graph: persons, the identity nodes that belong to them,
and the scored links between nodes with their review state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin

NODE_KINDS = (
    "contact",
    "lead",
    "app_user_id",
    "open_id",
    "device_id",
    "wechat_id",
    "phone",
    "email",
    "card",
)
LINK_STATES = ("auto_linked", "proposed", "confirmed", "rejected", "never_link")


class IdentityPerson(IdMixin, TenantMixin, Base):
    """One person (customer id). Its id is stable: it keeps it when the cluster grows;
    when two persons merge, the absorbed one points at the survivor (``merged_into``)."""

    __tablename__ = "identity_persons"

    segment: Mapped[str] = mapped_column(String(32), default="other")
    merged_into: Mapped[str | None] = mapped_column(ID, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdentityNode(IdMixin, TenantMixin, Base):
    """A record or inbound identifier (``kind``, ``ref``: a contact id, an open id…)
    with its normal-form features, belonging to one person (or none yet)."""

    __tablename__ = "identity_nodes"
    __table_args__ = (
        Index("ix_identity_nodes_ref", "tenant_id", "kind", "ref", unique=True),
        Index("ix_identity_nodes_person", "tenant_id", "person_id"),
    )

    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[str | None] = mapped_column(ID, default=None)
    features: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_activity_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdentityLink(IdMixin, TenantMixin, Base):
    """A scored pair of nodes: ``auto_linked`` (above the segment's threshold),
    ``proposed`` (between the review floor and the threshold), then ``confirmed``,
    ``rejected`` or ``never_link`` by a reviewer. ``explanation`` holds each field's
    level and match weight."""

    __tablename__ = "identity_links"
    __table_args__ = (
        Index("ix_identity_links_state", "tenant_id", "state", "created_at"),
        Index("ix_identity_links_pair", "tenant_id", "node_id", "other_node_id", unique=True),
    )

    node_id: Mapped[str] = mapped_column(ID)
    other_node_id: Mapped[str] = mapped_column(ID)
    probability: Mapped[float] = mapped_column(Float)
    match_weight: Mapped[float] = mapped_column(Float)
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16))
    decided_by_id: Mapped[str | None] = mapped_column(ID, default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdentityModel(IdMixin, TenantMixin, Base):
    """A workspace's trained model (λ and each level's m and u, the common names' and
    cities' frequencies) and its thresholds, as data: the online matcher scores with
    the newest row; without one, the model shipped with Kith."""

    __tablename__ = "identity_models"
    __table_args__ = (Index("ix_identity_models_trained", "tenant_id", "trained_at"),)

    parameters: Mapped[dict[str, Any]] = mapped_column(default=dict)
    frequencies: Mapped[dict[str, Any]] = mapped_column(default=dict)
    thresholds: Mapped[dict[str, Any]] = mapped_column(default=dict)
    identities: Mapped[int] = mapped_column(default=0)
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)


class IdentityKey(IdMixin, TenantMixin, Base):
    """A node's blocking key (one per rule of ``kith.identity.model.BLOCKING`` whose
    fields it has): the index the online matcher finds candidates through."""

    __tablename__ = "identity_keys"
    __table_args__ = (
        Index("ix_identity_keys_lookup", "tenant_id", "rule", "key"),
        Index("ix_identity_keys_node", "tenant_id", "node_id"),
    )

    rule: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))  # sha256 of the rule's values
    node_id: Mapped[str] = mapped_column(ID)


class IdentityMerge(IdMixin, TenantMixin, Base):
    """The decision record of a merge of two persons: who was absorbed into whom, the
    nodes that moved and the links whose state changed (so an unmerge restores them
    exactly), the match evidence, the reason; ``undone_at`` once unmerged."""

    __tablename__ = "identity_merges"
    __table_args__ = (Index("ix_identity_merges_person", "tenant_id", "survivor_id"),)

    survivor_id: Mapped[str] = mapped_column(ID)
    absorbed_id: Mapped[str] = mapped_column(ID)
    moved_node_ids: Mapped[list[Any]] = mapped_column(default=list)
    link_states: Mapped[dict[str, Any]] = mapped_column(default=dict)  # link id → state before
    survivor_before: Mapped[dict[str, Any]] = mapped_column(default=dict)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reason: Mapped[str] = mapped_column(String(2000), default="")
    decided_by_id: Mapped[str | None] = mapped_column(ID, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_by_id: Mapped[str | None] = mapped_column(ID, default=None)
