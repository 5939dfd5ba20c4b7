"""Use cases of the identity graph: its quality, the review inbox (proposals and
their confirmation, rejection or "never link"), and person merges caused by a
confirmation. Never commits; the entry point does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.errors import Conflict, NotFound
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.identity.models import (
    IdentityKey,
    IdentityLink,
    IdentityModel,
    IdentityNode,
    IdentityPerson,
)
from kith.identity.repository import IdentityRepository

Decision = Literal["reject", "never_link"]
EXACT_KEYS = ("phone", "email", "device_id", "wechat_id", "card_no")
DORMANT_DAYS = 180  # a person with no activity for this long is dormant
SUSPICIOUS_SIZE = 10  # a person with more identities than this is listed for a look
SIZE_BUCKETS = ((1, "1"), (2, "2"), (5, "3-5"), (10, "6-10"), (50, "11-50"))


def _bucket(size: int) -> str:
    for upper, label in SIZE_BUCKETS:
        if size <= upper:
            return label
    return ">50"


class IdentityService:
    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = IdentityRepository(uow.session, principal)

    # --- quality ------------------------------------------------------------------

    def quality(self) -> dict[str, Any]:
        """Resolution rate (share of identities linked to a person that has another
        identity), cluster size distribution with the suspicious large clusters,
        the review backlog, and precision estimated from reviewed proposals."""
        policy.require(self.principal, "contact", "read")
        counts = self.repo.node_counts_by_person()
        identities = sum(n for _, n in counts)
        unattached = sum(n for person, n in counts if person is None)
        persons = [(p, n) for p, n in counts if p is not None]
        linked = sum(n for _, n in persons if n > 1)
        distribution = Counter(_bucket(n) for _, n in persons)
        states = self.repo.link_counts_by_state()
        confirmed, rejected = states.get("confirmed", 0), states.get("rejected", 0)
        reviewed = confirmed + rejected + states.get("never_link", 0)
        ghosts, dormant = self._ghosts()
        exact = self._exact_key_rate()
        return {
            "resolution_rate_exact_keys": exact,
            "identities": identities,
            "persons": len(persons),
            "ghost_identities": ghosts,
            "dormant_persons": dormant,
            "dormant_after_days": DORMANT_DAYS,
            "unattached_identities": unattached,
            "resolution_rate": round(linked / identities, 4) if identities else None,
            "cluster_sizes": {
                label: distribution.get(label, 0) for _, label in (*SIZE_BUCKETS, (0, ">50"))
            },
            "suspicious_clusters": [
                {"person_id": p, "identities": n}
                for p, n in sorted(persons, key=lambda c: (-c[1], c[0]))
                if n > SUSPICIOUS_SIZE
            ][:20],
            "review_backlog": states.get("proposed", 0),
            "links": {state: states.get(state, 0) for state in sorted(states)},
            "estimated_precision": round(confirmed / reviewed, 4) if reviewed else None,
        }

    def _exact_key_rate(self) -> float | None:
        """What exact keys alone would resolve (the share of identities sharing a phone,
        e-mail, device, WeChat id or card with another, directly or through others):
        the figure before probabilistic linking."""
        from kith.identity.clustering import cluster

        rows = self.repo.node_features()
        if not rows:
            return None
        first: dict[tuple[str, Any], str] = {}
        edges = []
        for node_id, feats in rows:
            for key in EXACT_KEYS:
                value = feats.get(key)
                if value:
                    seen = first.setdefault((key, value), node_id)
                    if seen != node_id:
                        edges.append((1.0, seen, node_id))
        cluster_of = cluster([i for i, _ in rows], edges, 10**9)[0]
        sizes = Counter(cluster_of.values())
        return round(sum(1 for c in cluster_of.values() if sizes[c] > 1) / len(rows), 4)

    def _ghosts(self) -> tuple[int, int]:
        """Identities with activity whose person has no contact or lead (nobody knows
        who they are), and persons with no activity for ``DORMANT_DAYS``."""
        from datetime import timedelta

        rows = self.repo.node_activity()
        known = {p for p, kind, _ in rows if kind in ("contact", "lead")}
        ghosts = sum(1 for p, _, at in rows if at is not None and p not in known)
        cutoff = self.clock() - timedelta(days=DORMANT_DAYS)
        latest: dict[str, Any] = {}
        for person, _, at in rows:
            if person is not None:
                latest[person] = max(latest.get(person) or at, at) if at else latest.get(person)
        dormant = sum(1 for at in latest.values() if at is None or at < cutoff)
        return ghosts, dormant

    # --- batch -------------------------------------------------------------------

    def store_batch(
        self, rows: list[dict[str, Any]], kind: str = "import", max_cluster: int = 50
    ) -> dict[str, Any]:
        """Link ``rows`` (identity fields, ``record_id`` required) with the model and
        store the result: one person per cluster, a node per row (``kind``,
        ``ref`` = record id), links auto-linked inside clusters and proposed for
        review otherwise. Rows already in the graph are refused, not overwritten."""
        from kith.identity.ingest import blocking_keys, thresholds_data, workspace_model
        from kith.identity.model import features, frequencies, link
        from kith.identity.online import TF_COLUMNS, score

        policy.require(self.principal, "contact", "update")
        refs = [str(r["record_id"]) for r in rows]
        if len(set(refs)) != len(refs):
            raise Conflict("record ids repeat in the batch; each row needs its own")
        present = self.repo.existing_refs(kind, refs)
        if present:
            sample = ", ".join(sorted(present)[:5])
            raise Conflict(f"{len(present)} rows are already in the graph (e.g. {sample})")
        thresholds = workspace_model(self.repo).thresholds
        result = link(rows, max_cluster=max_cluster, thresholds=thresholds)
        now = self.clock()
        tenant = self.principal.tenant_id
        segment_of = {str(r["record_id"]): str(r.get("segment") or "other") for r in rows}
        persons: dict[str, IdentityPerson] = {}
        for cluster_id, members in sorted(result.clusters().items()):
            high = any(segment_of[m] == "high_value" for m in members)
            person = IdentityPerson(
                tenant_id=tenant, segment="high_value" if high else "other", created_at=now
            )
            self.uow.session.add(person)
            persons[cluster_id] = person
        self.uow.session.flush()
        feats = {str(r["record_id"]): features(r, r.get("region") or "CN") for r in rows}
        nodes = {}
        for ref in refs:
            node = IdentityNode(
                tenant_id=tenant,
                kind=kind,
                ref=ref,
                person_id=persons[result.cluster_of[ref]].id,
                features=feats[ref],
                created_at=now,
            )
            self.uow.session.add(node)
            nodes[ref] = node
        self.uow.session.flush()
        for ref, node in nodes.items():
            for rule, key in blocking_keys(feats[ref]):
                self.uow.session.add(
                    IdentityKey(tenant_id=tenant, rule=rule, key=key, node_id=node.id)
                )
        tf = frequencies(list(feats.values()), result.parameters.prior)
        self.uow.session.add(
            IdentityModel(
                tenant_id=tenant,
                parameters={"prior": result.parameters.prior, "levels": result.parameters.levels},
                frequencies={
                    column: dict(sorted(tf[column].items(), key=lambda kv: -kv[1])[:500])
                    for column in TF_COLUMNS
                },
                thresholds=thresholds_data(thresholds),
                identities=len(rows),
                trained_at=now,
            )
        )
        states: Counter[str] = Counter()
        for pair in result.pairs:
            left, right = pair["unique_id_l"], pair["unique_id_r"]
            same = result.cluster_of[left] == result.cluster_of[right]
            state = "auto_linked" if pair["decision"] == "link" and same else "proposed"
            states[state] += 1
            explained = score(feats[left], feats[right], result.parameters, tf)
            self.uow.session.add(
                IdentityLink(
                    tenant_id=tenant,
                    node_id=nodes[left].id,
                    other_node_id=nodes[right].id,
                    probability=pair["match_probability"],
                    match_weight=explained.match_weight,
                    explanation=explained.as_dict(),
                    state=state,
                    created_at=now,
                )
            )
        linked_persons = 0
        for cluster_id, members in result.clusters().items():
            if len(members) < 2:
                continue
            linked_persons += 1
            person = persons[cluster_id]
            self.uow.emit(
                DomainEvent(
                    type=EventType.IDENTITY_LINKED,
                    tenant_id=tenant,
                    subject_type="identity_person",
                    subject_id=person.id,
                    actor=self.principal.actor,
                    payload={"person_id": person.id, "refs": sorted(members)[:50], "kind": kind},
                    summary=f"{len(members)} identities linked to one person",
                    occurred_at=now,
                )
            )
        return {
            "identities": len(rows),
            "persons": len(persons),
            "linked_persons": linked_persons,
            "links": dict(states),
            "suspicious_clusters": result.suspicious,
        }

    # --- thresholds -------------------------------------------------------------------

    def thresholds(self) -> dict[str, Any]:
        from kith.identity.ingest import thresholds_data, workspace_model

        policy.require(self.principal, "contact", "read")
        model = workspace_model(self.repo)
        return {**thresholds_data(model.thresholds), "model": model.source}

    def set_thresholds(self, data: dict[str, Any]) -> dict[str, Any]:
        """Thresholds as data: kept on the workspace's newest model row (a row without
        parameters when nothing was trained yet, so the shipped model scores)."""
        from kith.identity.ingest import thresholds_data, validate_thresholds

        policy.require(self.principal, "contact", "update")
        thresholds = validate_thresholds(data)
        row = self.repo.latest_model()
        if row is None:
            row = IdentityModel(
                tenant_id=self.principal.tenant_id, identities=0, trained_at=self.clock()
            )
            self.repo.add(row)
        before = dict(row.thresholds or {})
        row.thresholds = thresholds_data(thresholds)
        self.uow.emit(
            DomainEvent(
                type=EventType.IDENTITY_THRESHOLDS_CHANGED,
                tenant_id=self.principal.tenant_id,
                subject_type="identity_model",
                subject_id=row.id,
                actor=self.principal.actor,
                payload={"before": before, "after": row.thresholds},
                summary="identity thresholds changed",
                occurred_at=self.clock(),
            )
        )
        return self.thresholds()

    # --- persons ------------------------------------------------------------------

    def person(self, person_id: str) -> dict[str, Any]:
        """A person by any id it ever had (redirects followed), its identities with
        their last activity, the links between them and its merges."""
        from kith.identity.merges import MergeService, merge_view

        policy.require(self.principal, "contact", "read")
        person = MergeService(self.uow, self.principal, self.clock).resolve(person_id)
        nodes = sorted(self.repo.nodes_of(person.id), key=lambda n: (n.created_at, n.id))
        ids = {n.id for n in nodes}
        links = [
            link
            for link in self.repo.links_of(sorted(ids))
            if link.state in ("auto_linked", "confirmed")
            and link.node_id in ids
            and link.other_node_id in ids
        ]
        return {
            "id": person.id,
            "requested_id": person_id,
            "redirected": person.id != person_id,
            "segment": person.segment,
            "created_at": person.created_at,
            "identities": [
                redact(
                    self.principal,
                    {
                        "id": n.id,
                        "kind": n.kind,
                        "ref": n.ref,
                        "features": n.features,
                        "last_activity_at": n.last_activity_at,
                        "created_at": n.created_at,
                    },
                )
                for n in nodes
            ],
            "links": [
                {
                    "id": link.id,
                    "node_id": link.node_id,
                    "other_node_id": link.other_node_id,
                    "state": link.state,
                    "probability": link.probability,
                    "explanation": link.explanation,
                }
                for link in links
            ],
            "merges": [merge_view(m) for m in self.repo.merges_of([person.id])[:50]],
        }

    def person_of_contact(self, contact_id: str) -> dict[str, Any] | None:
        """The person of a contact the principal may read (NotFound otherwise)."""
        from kith.crm.repository import RecordRepository
        from kith.crm.specs import SPECS

        if (
            RecordRepository(self.uow.session, self.principal).find(SPECS["contact"], contact_id)
            is None
        ):
            raise NotFound(f"no contact {contact_id}")
        return self.person_of("contact", contact_id)

    def person_of(self, kind: str, ref: str) -> dict[str, Any] | None:
        policy.require(self.principal, "contact", "read")
        node = self.repo.node_by_ref(kind, ref)
        if node is None or node.person_id is None:
            return None
        return self.person(node.person_id)

    # --- review inbox -------------------------------------------------------------

    def proposals(self, limit: int = 50) -> list[dict[str, Any]]:
        policy.require(self.principal, "contact", "read")
        links = self.repo.links("proposed", limit)
        nodes = self.repo.nodes([i for link in links for i in (link.node_id, link.other_node_id)])
        return [self._proposal(link, nodes) for link in links]

    def _proposal(self, link: IdentityLink, nodes: dict[str, IdentityNode]) -> dict[str, Any]:
        def side(node_id: str) -> dict[str, Any]:
            node = nodes.get(node_id)
            if node is None:
                return {"id": node_id}
            return redact(
                self.principal,
                {
                    "id": node.id,
                    "kind": node.kind,
                    "ref": node.ref,
                    "person_id": node.person_id,
                    "features": node.features,
                },
            )

        return {
            "id": link.id,
            "probability": link.probability,
            "match_weight": link.match_weight,
            "explanation": link.explanation,
            "state": link.state,
            "left": side(link.node_id),
            "right": side(link.other_node_id),
            "created_at": link.created_at,
        }

    def proposal(self, link_id: str) -> dict[str, Any]:
        policy.require(self.principal, "contact", "read")
        link = self.repo.link(link_id)
        if link is None:
            raise NotFound(f"no identity link {link_id}")
        return self._proposal(link, self.repo.nodes([link.node_id, link.other_node_id]))

    def decide(self, link_id: str, decision: Decision) -> dict[str, Any]:
        """Reject or never link a proposal. (Confirming one merges two persons: the
        gateway tool ``identity.merge`` with ``link_id``.)"""
        policy.require(self.principal, "contact", "update")
        link = self.repo.link(link_id, lock=True)
        if link is None:
            raise NotFound(f"no identity link {link_id}")
        if link.state != "proposed":
            raise Conflict(f"identity link {link_id} is {link.state}, not proposed")
        now = self.clock()
        link.state = {"reject": "rejected", "never_link": "never_link"}[decision]
        link.decided_by_id = self.principal.id
        link.decided_at = now
        nodes = self.repo.nodes([link.node_id, link.other_node_id])
        self.uow.emit(
            DomainEvent(
                type=EventType.IDENTITY_UNLINKED,
                tenant_id=self.principal.tenant_id,
                subject_type="identity_link",
                subject_id=link.id,
                actor=self.principal.actor,
                payload={
                    "link_id": link.id,
                    "state": link.state,
                    "node_ids": [link.node_id, link.other_node_id],
                    "probability": link.probability,
                },
                summary=f"identity link {link.state}",
                occurred_at=now,
            )
        )
        out = self._proposal(link, nodes)
        out["merged"] = None
        return out


# A contact field hidden from a person hides what the graph keeps of it: the features
# compared and the identities that are that value (a phone node's ref is the number).
HIDDEN_FIELD_FEATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "phone": (("phone",), ("phone",)),
    "mobile": (("phone",), ("phone",)),
    "email": (("email",), ("email",)),
    "wechat_id": (("wechat_id",), ("wechat_id",)),
    "name": (("name_key", "surname", "given", "initial", "name_partial"), ()),
    "city": (("city",), ()),
    "id_number": (("birth_date",), ()),
    "birthday": (("birth_date",), ()),
}
HIDDEN = "***"


def redact(principal: Principal, node: dict[str, Any]) -> dict[str, Any]:
    """``node`` without what the principal's field rules hide on contacts."""
    hidden = policy.hidden_fields(principal, "contact")
    if not hidden:
        return node
    features: set[str] = set()
    kinds: set[str] = set()
    for field in hidden:
        names, node_kinds = HIDDEN_FIELD_FEATURES.get(field, ((), ()))
        features.update(names)
        kinds.update(node_kinds)
    out = dict(node)
    if isinstance(out.get("features"), dict):
        out["features"] = {k: v for k, v in out["features"].items() if k not in features}
    if out.get("kind") in kinds:
        out["ref"] = HIDDEN
    return out
