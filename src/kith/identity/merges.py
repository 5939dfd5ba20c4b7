"""Merging two persons and undoing it, with a decision record (``identity_merges``).

A merge keeps the survivor's id (the older person, or the one the caller picks) and
points the absorbed person at it (``merged_into``: every later read of the absorbed
id follows the redirect, ``resolve``). The record keeps what an unmerge needs to put
everything back exactly: the nodes that moved, the states of the links the merge
changed (a confirmed proposal goes back to ``proposed``), the survivor's segment
before, and the match evidence (each link between the two persons with the fields
that agreed and their weights).

A merge is high-risk — it needs a person's approval, through the gateway tool
``identity.merge_high_risk`` — when either person is high-value or their contacts
have different owners (``risk_facts``); ``identity.merge`` refuses those. A merge
that would make a person of more than ``MAX_PERSON_SIZE`` identities is refused.

Never commits; the gateway's caller does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.errors import Conflict, NotFound
from kith.crm.models import Contact
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.identity import survivorship
from kith.identity.models import IdentityMerge, IdentityNode, IdentityPerson
from kith.identity.repository import IdentityRepository

MAX_PERSON_SIZE = 50  # identities a merge may put in one person
MAX_EVIDENCE = 20  # links kept as the merge's evidence
MAX_REDIRECTS = 100


class MergeService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = IdentityRepository(uow.session, principal)

    # --- reading -------------------------------------------------------------------

    def resolve(self, person_id: str) -> IdentityPerson:
        """The person an id names today, following merge redirects."""
        person = self.repo.person(person_id)
        for _ in range(MAX_REDIRECTS):
            if person is None:
                raise NotFound(f"no person {person_id}")
            if person.merged_into is None:
                return person
            person = self.repo.person(person.merged_into)
        raise Conflict(f"person {person_id} redirects in a loop")

    def risk_facts(self, a: IdentityPerson, b: IdentityPerson) -> list[str]:
        """Why merging ``a`` and ``b`` is high-risk (empty: it is not)."""
        reasons = []
        if "high_value" in (a.segment, b.segment):
            reasons.append("a high-value customer")
        owners = set()
        for person in (a, b):
            for node in self.repo.nodes_of(person.id):
                if node.kind == "contact":
                    contact = self.uow.session.get(Contact, node.ref)
                    if contact is not None and contact.tenant_id == self.principal.tenant_id:
                        owners.add(contact.owner_id)
        if len({o for o in owners if o}) > 1:
            reasons.append("contacts with different owners")
        return reasons

    # --- merge ---------------------------------------------------------------------

    def merge(
        self,
        person_id: str | None,
        other_person_id: str | None,
        *,
        link_id: str | None = None,
        survivor_id: str | None = None,
        reason: str = "",
        high_risk_allowed: bool = False,
        rules: Mapping[str, str] | None = None,
        picks: Mapping[str, str] | None = None,
    ) -> IdentityMerge | None:
        """The merge's record, or None when a confirmed link's ends were one person
        already (the link is confirmed, nothing moves)."""
        policy.require(self.principal, "contact", "update")
        now = self.clock()
        link_states: dict[str, str] = {}
        if link_id is not None:
            link = self.repo.link(link_id, lock=True)
            if link is None:
                raise NotFound(f"no identity link {link_id}")
            if link.state != "proposed":
                raise Conflict(f"identity link {link_id} is {link.state}, not proposed")
            nodes = self.repo.nodes([link.node_id, link.other_node_id])
            person_id = nodes[link.node_id].person_id
            other_person_id = nodes[link.other_node_id].person_id
            link_states[link.id] = link.state
            link.state = "confirmed"
            link.decided_by_id = self.principal.id
            link.decided_at = now
        if not person_id or not other_person_id:
            raise Conflict("name two persons, or a proposed link between them")
        first, second = self.resolve(person_id), self.resolve(other_person_id)
        if first.id == second.id and link_id is not None:
            self._linked(first.id, link_id, now)
            return None
        if first.id == second.id:
            raise Conflict(f"these are already one person ({first.id})")
        reasons = self.risk_facts(first, second)
        if reasons and not high_risk_allowed:
            raise Conflict(
                "merging " + " and ".join(reasons) + " needs approval: use identity.merge_high_risk"
            )
        if survivor_id is not None:
            picked = self.resolve(survivor_id)
            if picked.id not in (first.id, second.id):
                raise Conflict(f"survivor {survivor_id} is neither of the two persons")
            survivor = picked
            absorbed = second if picked.id == first.id else first
        else:
            survivor, absorbed = sorted((first, second), key=lambda p: (p.created_at, p.id))
        moving = list(self.repo.nodes_of(absorbed.id))
        staying = list(self.repo.nodes_of(survivor.id))
        if len(moving) + len(staying) > MAX_PERSON_SIZE:
            raise Conflict(
                f"the merge would make one person of {len(moving) + len(staying)} identities "
                f"(more than {MAX_PERSON_SIZE}); nothing was merged"
            )
        evidence_links = [
            link
            for link in self.repo.links_of([n.id for n in moving])
            if {link.node_id, link.other_node_id} & {n.id for n in staying}
        ]
        evidence = {
            "links": [
                {
                    "link_id": link.id,
                    "probability": link.probability,
                    "match_weight": link.match_weight,
                    "fields": link.explanation.get("fields", []),
                }
                for link in sorted(evidence_links, key=lambda k: -k.match_weight)[:MAX_EVIDENCE]
            ],
            "risk": reasons,
        }
        survived = self._survive(staying, moving, rules, picks)
        before: dict[str, Any] = {"segment": survivor.segment}
        if survived is not None:
            before["contact"] = survived
        record = IdentityMerge(
            tenant_id=self.principal.tenant_id,
            survivor_id=survivor.id,
            absorbed_id=absorbed.id,
            moved_node_ids=sorted(n.id for n in moving),
            link_states=link_states,
            survivor_before=before,
            evidence=evidence,
            reason=reason[:2000],
            decided_by_id=self.principal.id,
            created_at=now,
        )
        for node in moving:
            node.person_id = survivor.id
        absorbed.merged_into = survivor.id
        if absorbed.segment == "high_value":
            survivor.segment = "high_value"
        self.repo.add(record)
        self.uow.emit(
            DomainEvent(
                type=EventType.IDENTITY_MERGED,
                tenant_id=self.principal.tenant_id,
                subject_type="identity_person",
                subject_id=survivor.id,
                actor=self.principal.actor,
                payload={
                    "person_id": survivor.id,
                    "merged_person_id": absorbed.id,
                    "merge_id": record.id,
                    "identities_moved": len(moving),
                    "link_id": link_id,
                },
                summary=f"person {absorbed.id} merged into {survivor.id}",
                occurred_at=now,
            )
        )
        if link_id is not None:
            self._linked(survivor.id, link_id, now)
        return record

    # --- survivorship ---------------------------------------------------------------

    def _contacts(self, nodes: Sequence[IdentityNode]) -> list[Contact]:
        ids = [n.ref for n in nodes if n.kind == "contact"]
        if not ids:
            return []
        c = Contact
        return list(
            self.uow.session.scalars(
                select(c).where(
                    c.tenant_id == self.principal.tenant_id, c.id.in_(ids), c.deleted_at.is_(None)
                )
            )
        )

    def _survive(
        self,
        staying: Sequence[IdentityNode],
        moving: Sequence[IdentityNode],
        rules: Mapping[str, str] | None,
        picks: Mapping[str, str] | None,
    ) -> dict[str, Any] | None:
        """Survivorship of the contact fields when both persons hold contacts: the
        survivor's oldest contact takes each field's winning value (``survivorship``)."""
        kept, joining = self._contacts(staying), self._contacts(moving)
        if not kept or not joining:
            if picks:
                raise Conflict("a manual pick needs contacts on both sides of the merge")
            return None
        primary = min(kept, key=lambda c: (c.created_at, c.id))
        others = [c for c in (*kept, *joining) if c.id != primary.id]
        choices = survivorship.plan(primary, others, rules, picks)
        self._write(primary, {c.field: c.value for c in choices})
        return survivorship.record(primary, choices)

    def _write(self, contact: Contact, values: Mapping[str, Any]) -> None:
        if not values:
            return
        patch = PATCH_SCHEMAS["contact"](version=contact.version, **values)
        RecordService(self.uow, self.principal, clock=self.clock).update(
            "contact", contact.id, patch
        )

    def _linked(self, person_id: str, link_id: str, now: datetime) -> None:
        self.uow.emit(
            DomainEvent(
                type=EventType.IDENTITY_LINKED,
                tenant_id=self.principal.tenant_id,
                subject_type="identity_person",
                subject_id=person_id,
                actor=self.principal.actor,
                payload={"person_id": person_id, "link_id": link_id, "state": "confirmed"},
                summary="identity link confirmed",
                occurred_at=now,
            )
        )

    # --- unmerge -------------------------------------------------------------------

    def unmerge(self, merge_id: str, reason: str = "") -> IdentityMerge:
        """Put back every node, link state and the survivor's segment as they were."""
        policy.require(self.principal, "contact", "update")
        record = self.repo.merge(merge_id, lock=True)
        if record is None:
            raise NotFound(f"no merge {merge_id}")
        if record.undone_at is not None:
            raise Conflict(f"merge {merge_id} was already undone")
        survivor = self.repo.person(record.survivor_id)
        absorbed = self.repo.person(record.absorbed_id)
        if survivor is None or absorbed is None or absorbed.merged_into != survivor.id:
            raise Conflict(f"merge {merge_id} no longer describes the graph")
        if survivor.merged_into is not None:
            raise Conflict(
                f"person {survivor.id} was merged into {survivor.merged_into} since: "
                "undo that merge first"
            )
        nodes = self.repo.nodes(record.moved_node_ids)
        moved_on = [i for i in record.moved_node_ids if nodes.get(i) is None]
        moved_on += [n.id for n in nodes.values() if n.person_id != survivor.id]
        if moved_on:
            raise Conflict(f"{len(moved_on)} identities of this merge have moved since")
        kept = record.survivor_before.get("contact")
        if kept and kept.get("fields"):
            contact = self.uow.session.get(Contact, kept["id"])
            if contact is None or contact.tenant_id != self.principal.tenant_id:
                raise Conflict(f"contact {kept['id']} of this merge is gone")
            self._write(contact, survivorship.restore(contact, kept))
        now = self.clock()
        for node in nodes.values():
            node.person_id = absorbed.id
        absorbed.merged_into = None
        survivor.segment = str(record.survivor_before.get("segment", survivor.segment))
        for link_id, state in record.link_states.items():
            link = self.repo.link(link_id, lock=True)
            if link is not None:
                link.state = state
                link.decided_by_id = None
                link.decided_at = None
        record.undone_at = now
        record.undone_by_id = self.principal.id
        self.uow.emit(
            DomainEvent(
                type=EventType.IDENTITY_UNLINKED,
                tenant_id=self.principal.tenant_id,
                subject_type="identity_person",
                subject_id=absorbed.id,
                actor=self.principal.actor,
                payload={
                    "merge_id": record.id,
                    "person_id": absorbed.id,
                    "split_from": survivor.id,
                    "identities_restored": len(nodes),
                    "reason": reason[:500],
                },
                summary=f"person {absorbed.id} split again from {survivor.id}",
                occurred_at=now,
            )
        )
        return record


def merge_view(record: IdentityMerge) -> dict[str, Any]:
    return {
        "id": record.id,
        "survivor_id": record.survivor_id,
        "absorbed_id": record.absorbed_id,
        "moved_node_ids": list(record.moved_node_ids),
        "evidence": record.evidence,
        "reason": record.reason,
        "decided_by_id": record.decided_by_id,
        "created_at": record.created_at,
        "undone_at": record.undone_at,
    }
