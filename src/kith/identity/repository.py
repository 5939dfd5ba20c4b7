"""Every query of the identity graph, scoped to the principal's workspace."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.identity.models import IdentityLink, IdentityNode, IdentityPerson


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

    def add(self, row: IdentityPerson | IdentityNode | IdentityLink) -> None:
        if row.tenant_id != self.tenant_id:
            raise ValueError("a row of another workspace")
        self.session.add(row)
        self.session.flush()
