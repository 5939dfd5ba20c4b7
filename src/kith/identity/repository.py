"""Every query of the identity graph, scoped to the principal's workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.identity.models import (
    IdentityKey,
    IdentityLink,
    IdentityMerge,
    IdentityModel,
    IdentityNode,
    IdentityPerson,
)

BLOCK_CAP = 20  # nodes read per blocking key; a key shared by more is over-common


@dataclass(frozen=True)
class Candidate:
    """A node the online matcher compares an arrival with."""

    id: str
    person_id: str | None
    features: dict[str, Any]


class IdentityRepository:
    def __init__(self, session: Session, principal: Principal) -> None:
        self.session = session
        self.tenant_id = principal.tenant_id

    def node_counts_by_person(self) -> list[tuple[str | None, int]]:
        """(person id or None, nodes) for every person and the unattached nodes."""
        n = IdentityNode
        rows = self.session.execute(
            select(n.person_id, func.count())
            .where(n.tenant_id == self.tenant_id)
            .group_by(n.person_id)
        ).all()
        return [(person, int(count)) for person, count in rows]

    def node_activity(self) -> list[tuple[str | None, str, Any]]:
        """(person id, kind, last activity) of every node."""
        n = IdentityNode
        rows = self.session.execute(
            select(n.person_id, n.kind, n.last_activity_at).where(n.tenant_id == self.tenant_id)
        ).all()
        return [(p, k, at) for p, k, at in rows]

    def node_features(self) -> list[tuple[str, dict[str, Any]]]:
        n = IdentityNode
        rows = self.session.execute(
            select(n.id, n.features).where(n.tenant_id == self.tenant_id)
        ).all()
        return [(i, dict(f or {})) for i, f in rows]

    def link_counts_by_state(self) -> dict[str, int]:
        link = IdentityLink
        rows = self.session.execute(
            select(link.state, func.count())
            .where(link.tenant_id == self.tenant_id)
            .group_by(link.state)
        ).all()
        return {state: int(count) for state, count in rows}

    def links(self, state: str, limit: int) -> Sequence[IdentityLink]:
        link = IdentityLink
        stmt = (
            select(link)
            .where(link.tenant_id == self.tenant_id, link.state == state)
            .order_by(link.probability.desc(), link.created_at, link.id)
            .limit(limit)
        )
        return self.session.scalars(stmt).all()

    def link(self, link_id: str, *, lock: bool = False) -> IdentityLink | None:
        stmt = select(IdentityLink).where(
            IdentityLink.tenant_id == self.tenant_id, IdentityLink.id == link_id
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def nodes(self, ids: Sequence[str]) -> dict[str, IdentityNode]:
        rows = self.session.scalars(
            select(IdentityNode).where(
                IdentityNode.tenant_id == self.tenant_id, IdentityNode.id.in_(ids)
            )
        ).all()
        return {row.id: row for row in rows}

    def existing_refs(self, kind: str, refs: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(refs), 500):
            found.update(
                self.session.scalars(
                    select(IdentityNode.ref).where(
                        IdentityNode.tenant_id == self.tenant_id,
                        IdentityNode.kind == kind,
                        IdentityNode.ref.in_(refs[start : start + 500]),
                    )
                )
            )
        return found

    def nodes_of(self, person_id: str) -> Sequence[IdentityNode]:
        return self.session.scalars(
            select(IdentityNode).where(
                IdentityNode.tenant_id == self.tenant_id, IdentityNode.person_id == person_id
            )
        ).all()

    def person(self, person_id: str) -> IdentityPerson | None:
        return self.session.scalars(
            select(IdentityPerson).where(
                IdentityPerson.tenant_id == self.tenant_id, IdentityPerson.id == person_id
            )
        ).first()

    def node_by_ref(self, kind: str, ref: str) -> IdentityNode | None:
        return self.session.scalars(
            select(IdentityNode).where(
                IdentityNode.tenant_id == self.tenant_id,
                IdentityNode.kind == kind,
                IdentityNode.ref == ref,
            )
        ).first()

    def nodes_by_keys(
        self, keys: Sequence[tuple[str, str]], limit: int, block_cap: int = BLOCK_CAP
    ) -> list[Candidate]:
        """Nodes sharing one of the blocking ``keys`` ((rule, key) pairs, strongest rule
        first): the online matcher's candidates. One statement; each key's lookup goes
        through ``ix_identity_keys_lookup`` and reads at most ``block_cap + 1`` rows, and
        a key shared by more than ``block_cap`` nodes (a frequent name: its own term
        frequency says it tells nothing) is skipped, so the cost of an arrival does not
        grow with the graph."""
        if not keys:
            return []
        k = IdentityKey
        parts = [
            select(literal(i).label("i"), k.node_id)
            .where(k.tenant_id == self.tenant_id, k.rule == rule, k.key == key)
            .limit(block_cap + 1)
            .subquery()
            for i, (rule, key) in enumerate(dict.fromkeys(keys))
        ]
        rows = self.session.execute(union_all(*(select(p.c.i, p.c.node_id) for p in parts))).all()
        blocks: dict[int, list[str]] = {}
        for i, node_id in rows:
            blocks.setdefault(int(i), []).append(str(node_id))
        ids: dict[str, None] = {}
        for i in sorted(blocks):
            if len(blocks[i]) <= block_cap:
                ids.update(dict.fromkeys(blocks[i]))
        chosen = list(ids)[:limit]
        if not chosen:
            return []
        n = IdentityNode
        # Plain rows, not ORM objects: the matcher only reads these three columns.
        rows = self.session.execute(
            select(n.id, n.person_id, n.features).where(
                n.tenant_id == self.tenant_id, n.id.in_(chosen)
            )
        ).all()
        return [Candidate(str(i), p, dict(f or {})) for i, p, f in rows]

    def links_of(self, node_ids: Sequence[str]) -> Sequence[IdentityLink]:
        link = IdentityLink
        return self.session.scalars(
            select(link).where(
                link.tenant_id == self.tenant_id,
                or_(link.node_id.in_(node_ids), link.other_node_id.in_(node_ids)),
            )
        ).all()

    def latest_model(self) -> IdentityModel | None:
        return self.session.scalars(
            select(IdentityModel)
            .where(IdentityModel.tenant_id == self.tenant_id)
            .order_by(IdentityModel.trained_at.desc(), IdentityModel.id.desc())
            .limit(1)
        ).first()

    def merge(self, merge_id: str, *, lock: bool = False) -> IdentityMerge | None:
        stmt = select(IdentityMerge).where(
            IdentityMerge.tenant_id == self.tenant_id, IdentityMerge.id == merge_id
        )
        if lock:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def merges_of(self, person_ids: Sequence[str]) -> Sequence[IdentityMerge]:
        m = IdentityMerge
        return self.session.scalars(
            select(m)
            .where(
                m.tenant_id == self.tenant_id,
                or_(m.survivor_id.in_(person_ids), m.absorbed_id.in_(person_ids)),
            )
            .order_by(m.created_at.desc(), m.id.desc())
        ).all()

    def add(
        self,
        row: IdentityPerson
        | IdentityNode
        | IdentityLink
        | IdentityKey
        | IdentityMerge
        | IdentityModel,
    ) -> None:
        if row.tenant_id != self.tenant_id:
            raise ValueError("a row of another workspace")
        self.session.add(row)
        self.session.flush()
