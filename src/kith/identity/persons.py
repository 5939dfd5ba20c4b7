"""The identity graph's answers to ``kith.crm.persons`` (installed by
``kith.bootstrap.wire``): which contacts are one person, the person shown on a
contact's read, and what an erasure removes from the graph.

A person's contacts are the ``contact`` nodes attached to it (a merge moves the
absorbed person's nodes to the survivor, so the survivor's nodes are the whole
person). A proposed link does not make one person: only attached identities count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.db.uow import UnitOfWork
from kith.identity.ingest import IdentityIngest
from kith.identity.merges import MAX_PERSON_SIZE
from kith.identity.models import IdentityKey, IdentityLink, IdentityNode, IdentityPerson
from kith.identity.service import redact


def _person_id(session: Session, tenant_id: str, contact_id: str) -> str | None:
    n = IdentityNode
    return session.scalars(
        select(n.person_id).where(
            n.tenant_id == tenant_id, n.kind == "contact", n.ref == contact_id
        )
    ).first()


def _nodes(session: Session, tenant_id: str, person_id: str) -> Sequence[IdentityNode]:
    n = IdentityNode
    return session.scalars(
        select(n)
        .where(n.tenant_id == tenant_id, n.person_id == person_id)
        .order_by(n.created_at, n.id)
        .limit(MAX_PERSON_SIZE * 4)
    ).all()


def record_fields(kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The identity fields of a contact's or lead's values (as the consumer reads them)."""
    phone = (
        values.get("mobile") or values.get("phone") if kind == "contact" else values.get("phone")
    )
    fields = {
        "name": values.get("name"),
        "phone": phone,
        "email": values.get("email"),
        "wechat_id": values.get("wechat_id") if kind == "contact" else None,
        "city": values.get("city") if kind == "contact" else None,
    }
    return {k: v for k, v in fields.items() if v}


def _outcome(found: Mapping[str, Any]) -> dict[str, Any]:
    explanation = found.get("explanation") or {}
    return {
        "decision": found.get("decision"),
        "person_id": found.get("person_id"),
        "probability": explanation.get("match_probability"),
    }


class GraphPersonLinks:
    """``kith.crm.persons.PersonLinks`` over the stored identity graph."""

    def linked_contacts(self, session: Session, tenant_id: str, contact_id: str) -> list[str]:
        person_id = _person_id(session, tenant_id, contact_id)
        if person_id is None:
            return [contact_id]
        n = IdentityNode
        others = session.scalars(
            select(n.ref)
            .where(
                n.tenant_id == tenant_id,
                n.person_id == person_id,
                n.kind == "contact",
                n.ref != contact_id,
            )
            .order_by(n.ref)
            .limit(MAX_PERSON_SIZE)
        ).all()
        return [contact_id, *others]

    def person_summary(
        self, session: Session, principal: Principal, contact_id: str
    ) -> dict[str, Any] | None:
        person_id = _person_id(session, principal.tenant_id, contact_id)
        if person_id is None:
            return None
        person = session.scalars(
            select(IdentityPerson).where(
                IdentityPerson.tenant_id == principal.tenant_id, IdentityPerson.id == person_id
            )
        ).first()
        nodes = _nodes(session, principal.tenant_id, person_id)
        return {
            "id": person_id,
            "segment": person.segment if person is not None else "other",
            "linked_contacts": [
                n.ref for n in nodes if n.kind == "contact" and n.ref != contact_id
            ],
            "identities": [
                redact(
                    principal,
                    {
                        "id": n.id,
                        "kind": n.kind,
                        "ref": n.ref,
                        "last_activity_at": n.last_activity_at,
                    },
                )
                for n in nodes
            ],
        }

    def person_ids(
        self, session: Session, tenant_id: str, kind: str, refs: Sequence[str]
    ) -> dict[str, str]:
        n = IdentityNode
        out: dict[str, str] = {}
        for first in range(0, len(refs), 500):
            rows = session.execute(
                select(n.ref, n.person_id).where(
                    n.tenant_id == tenant_id,
                    n.kind == kind,
                    n.ref.in_(list(refs[first : first + 500])),
                    n.person_id.is_not(None),
                )
            ).all()
            out.update({str(ref): str(person) for ref, person in rows})
        return out

    def match(
        self, uow: UnitOfWork, principal: Principal, kind: str, values: Mapping[str, Any]
    ) -> dict[str, Any]:
        found = IdentityIngest(uow, principal).match(record_fields(kind, values))
        return _outcome(found)

    def ingest(
        self,
        uow: UnitOfWork,
        principal: Principal,
        kind: str,
        record_id: str,
        values: Mapping[str, Any],
    ) -> dict[str, Any]:
        found = IdentityIngest(uow, principal).ingest(kind, record_id, record_fields(kind, values))
        return _outcome(found)

    def forget(self, session: Session, tenant_id: str, contact_ids: Sequence[str]) -> int:
        persons = {p for c in contact_ids if (p := _person_id(session, tenant_id, c)) is not None}
        n = IdentityNode
        node_ids = list(
            session.scalars(
                select(n.id).where(
                    n.tenant_id == tenant_id,
                    or_(
                        n.person_id.in_(sorted(persons)),
                        (n.kind == "contact") & n.ref.in_(list(contact_ids)),
                    ),
                )
            )
        )
        for first in range(0, len(node_ids), 500):
            chunk = node_ids[first : first + 500]
            session.execute(
                delete(IdentityKey).where(
                    IdentityKey.tenant_id == tenant_id, IdentityKey.node_id.in_(chunk)
                )
            )
            session.execute(
                delete(IdentityLink).where(
                    IdentityLink.tenant_id == tenant_id,
                    or_(IdentityLink.node_id.in_(chunk), IdentityLink.other_node_id.in_(chunk)),
                )
            )
            session.execute(delete(n).where(n.tenant_id == tenant_id, n.id.in_(chunk)))
        return len(node_ids)
