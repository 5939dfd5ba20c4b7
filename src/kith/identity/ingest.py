"""Online matching against the stored graph: an identity arriving (a new contact or
lead, an inbound event's app user id, open id, device…) is matched at once.

Candidates come from the blocking-key index (``identity_keys``: one row per rule of
``kith.identity.model.BLOCKING`` whose fields a node has, keyed by a hash of the
values), each is scored with the workspace's trained model (the newest
``identity_models`` row, else the model shipped with Kith, trained on the
generator's seed-24 set) by ``kith.identity.online.score`` — the same levels and
m/u as the batch — and the best person decides, with the workspace's thresholds:

* ``attach`` at or above the pair's threshold (the stricter of the two segments'):
  the node joins that person, an ``auto_linked`` link records the evidence, and
  ``identity.linked`` is emitted;
* ``propose`` between the review floor and the threshold, or when attaching would
  put two different full names or birth dates in one person (the batch's refusal
  rule): the node gets its own person and a ``proposed`` link waits in the review
  inbox;
* ``leave`` below the floor: its own person, no link.

Pairs marked "never link" by a reviewer are never proposed again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from sqlalchemy.exc import IntegrityError

from kith.access import policy
from kith.access.principal import Principal
from kith.core.clock import utcnow
from kith.core.errors import FieldError, ValidationFailed
from kith.core.ids import new_id
from kith.db.uow import UnitOfWork
from kith.events.types import DomainEvent, EventType
from kith.identity.clustering import names_compatible
from kith.identity.model import BLOCKING, Parameters, Thresholds, features
from kith.identity.models import NODE_KINDS, IdentityKey, IdentityLink, IdentityNode, IdentityPerson
from kith.identity.online import TF_COLUMNS, score
from kith.identity.repository import Candidate, IdentityRepository

CANDIDATE_LIMIT = 60  # nodes compared per arrival (a shared family device is bounded)
Decision = str  # attach | propose | leave | known


def rule_name(rule: tuple[str, ...]) -> str:
    return "+".join(rule)


def blocking_keys(row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(rule, hash of the rule's values) for every blocking rule ``row`` has all fields of."""
    keys = []
    for rule in BLOCKING:
        values = [row.get(c) for c in rule]
        if all(v is not None for v in values):
            digest = hashlib.sha256("\x1f".join(str(v) for v in values).encode()).hexdigest()
            keys.append((rule_name(rule), digest))
    return keys


def _frequencies(data: Mapping[str, Any] | None) -> dict[str, dict[str, float]]:
    data = data or {}
    return {c: {str(k): float(v) for k, v in (data.get(c) or {}).items()} for c in TF_COLUMNS}


@dataclass(frozen=True)
class StoredModel:
    parameters: Parameters
    frequencies: dict[str, dict[str, float]]
    thresholds: Thresholds
    source: str  # "workspace" | "default"


@cache
def default_model() -> StoredModel:
    data = json.loads(files("kith.identity").joinpath("default_model.json").read_text("utf-8"))
    params = Parameters(
        prior=float(data["prior"]),
        levels={
            k: [(str(a), float(m), float(u)) for a, m, u in v] for k, v in data["levels"].items()
        },
    )
    return StoredModel(params, _frequencies(data["frequencies"]), Thresholds(), "default")


def thresholds_from(data: Mapping[str, Any]) -> Thresholds:
    base = Thresholds()
    by_segment = dict(data.get("by_segment") or base.by_segment)
    return Thresholds(
        by_segment=by_segment,
        default=float(data.get("default", by_segment.get("other", base.default))),
        review_floor=float(data.get("review_floor", base.review_floor)),
    )


def thresholds_data(thresholds: Thresholds) -> dict[str, Any]:
    return {
        "by_segment": dict(thresholds.by_segment),
        "default": thresholds.default,
        "review_floor": thresholds.review_floor,
    }


def workspace_model(repo: IdentityRepository) -> StoredModel:
    row = repo.latest_model()
    if row is None or not row.parameters:
        fallback = default_model()
        if row is not None and row.thresholds:  # thresholds set before any training
            return StoredModel(
                fallback.parameters,
                fallback.frequencies,
                thresholds_from(row.thresholds),
                "default",
            )
        return fallback
    params = Parameters(
        prior=float(row.parameters["prior"]),
        levels={
            k: [(str(a), float(m), float(u)) for a, m, u in v]
            for k, v in row.parameters["levels"].items()
        },
    )
    return StoredModel(
        params, _frequencies(row.frequencies), thresholds_from(row.thresholds), "workspace"
    )


def validate_thresholds(data: Mapping[str, Any]) -> Thresholds:
    """Thresholds from user input: probabilities in (0, 1], the floor below each."""
    errors = []
    floor = data.get("review_floor", 0.5)
    if not isinstance(floor, int | float) or not 0 < float(floor) < 1:
        errors.append(FieldError(["review_floor"], "a probability between 0 and 1", "range"))
    segments = data.get("by_segment") or {}
    for segment, value in segments.items():
        if not isinstance(value, int | float) or not 0 < float(value) <= 1:
            errors.append(FieldError(["by_segment", segment], "a probability in (0, 1]", "range"))
        elif isinstance(floor, int | float) and float(value) <= float(floor):
            errors.append(
                FieldError(["by_segment", segment], "must be above the review floor", "order")
            )
    if errors:
        raise ValidationFailed("The thresholds are not valid; nothing was changed", errors)
    return thresholds_from(data)


class IdentityIngest:
    """Puts arriving identities in the graph (see the module doc). Never commits."""

    def __init__(
        self, uow: UnitOfWork, principal: Principal, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.uow = uow
        self.principal = principal
        self.clock = clock
        self.repo = IdentityRepository(uow.session, principal)
        self._model: StoredModel | None = None

    @property
    def model(self) -> StoredModel:
        if self._model is None:
            self._model = workspace_model(self.repo)
        return self._model

    def match(self, record: Mapping[str, Any], *, exclude: str | None = None) -> dict[str, Any]:
        """Where ``record`` (identity fields) would go; writes nothing."""
        policy.require(self.principal, "contact", "read")
        row = features(record, str(record.get("region") or "CN"))
        return self._best(row, str(record.get("segment") or "other"), exclude)

    def ingest(
        self,
        kind: str,
        ref: str,
        record: Mapping[str, Any],
        *,
        activity_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Match one arriving identity and store the outcome (attach, propose, leave).
        An identity already in the graph (same kind and ref) only records its activity."""
        policy.require(self.principal, "contact", "update")
        if kind not in NODE_KINDS:
            raise ValidationFailed(
                "Unknown identity kind",
                [FieldError(["kind"], f"one of {', '.join(NODE_KINDS)}", "enum")],
            )
        if not ref or len(ref) > 255:
            raise ValidationFailed(
                "An identity needs a reference", [FieldError(["ref"], "1-255 characters", "length")]
            )
        now = self.clock()
        existing = self.repo.node_by_ref(kind, ref)
        if existing is not None:
            if activity_at is not None:
                existing.last_activity_at = max(
                    existing.last_activity_at or activity_at, activity_at
                )
            return {"decision": "known", "node_id": existing.id, "person_id": existing.person_id}
        segment = str(record.get("segment") or "other")
        row = features(record, str(record.get("region") or "CN"))
        found = self._best(row, segment, None)
        try:
            with self.uow.session.begin_nested():
                node = self._store(kind, ref, row, segment, found, activity_at, now)
        except IntegrityError:
            # Stored meanwhile by another worker (the consumer and an import at once).
            existing = self.repo.node_by_ref(kind, ref)
            if existing is None:
                raise
            return {"decision": "known", "node_id": existing.id, "person_id": existing.person_id}
        decision = found["decision"]
        if decision == "attach":
            self.uow.emit(
                DomainEvent(
                    type=EventType.IDENTITY_LINKED,
                    tenant_id=self.principal.tenant_id,
                    subject_type="identity_person",
                    subject_id=str(node.person_id),
                    actor=self.principal.actor,
                    payload={
                        "person_id": node.person_id,
                        "node_id": node.id,
                        "kind": kind,
                        "probability": found["explanation"]["match_probability"],
                        "online": True,
                    },
                    summary=f"{kind} linked to a person on arrival",
                    occurred_at=now,
                )
            )
        else:
            self.uow.emit(
                DomainEvent(
                    type=EventType.IDENTITY_RECEIVED,
                    tenant_id=self.principal.tenant_id,
                    subject_type="identity_person",
                    subject_id=str(node.person_id),
                    actor=self.principal.actor,
                    payload={
                        "person_id": node.person_id,
                        "node_id": node.id,
                        "kind": kind,
                        "decision": decision,
                        "proposed_person_id": found["person_id"] if decision == "propose" else None,
                    },
                    summary=f"{kind} received ({decision})",
                    occurred_at=now,
                )
            )
        return {**found, "node_id": node.id, "person_id": node.person_id, "kind": kind, "ref": ref}

    def _store(
        self,
        kind: str,
        ref: str,
        row: dict[str, Any],
        segment: str,
        found: Mapping[str, Any],
        activity_at: datetime | None,
        now: datetime,
    ) -> IdentityNode:
        session = self.uow.session
        node = IdentityNode(
            id=new_id(),
            tenant_id=self.principal.tenant_id,
            kind=kind,
            ref=ref,
            features=row,
            last_activity_at=activity_at,
            created_at=now,
        )
        decision = found["decision"]
        if decision == "attach":
            node.person_id = found["person_id"]
        else:
            person = IdentityPerson(
                id=new_id(), tenant_id=self.principal.tenant_id, segment=segment, created_at=now
            )
            session.add(person)
            node.person_id = person.id
        session.add(node)
        for rule, key in blocking_keys(row):
            session.add(
                IdentityKey(tenant_id=self.principal.tenant_id, rule=rule, key=key, node_id=node.id)
            )
        if decision in ("attach", "propose"):
            explanation = found["explanation"]
            session.add(
                IdentityLink(
                    tenant_id=self.principal.tenant_id,
                    node_id=found["node_id"],
                    other_node_id=node.id,
                    probability=explanation["match_probability"],
                    match_weight=explanation["match_weight"],
                    explanation=explanation,
                    state="auto_linked" if decision == "attach" else "proposed",
                    created_at=now,
                )
            )
        return node

    def touch(self, kind: str, ref: str, at: datetime) -> bool:
        """Record activity on a node already in the graph (False if it is not)."""
        node = self.repo.node_by_ref(kind, ref)
        if node is None:
            return False
        node.last_activity_at = max(node.last_activity_at or at, at)
        return True

    def _best(self, row: Mapping[str, Any], segment: str, exclude: str | None) -> dict[str, Any]:
        model = self.model
        candidates = [
            n
            for n in self.repo.nodes_by_keys(blocking_keys(row), CANDIDATE_LIMIT)
            if n.id != exclude
        ]
        blocked = self._never_linked(exclude, candidates)
        best: tuple[float, Candidate, Any] | None = None
        for node in candidates:
            if node.id in blocked or node.person_id is None:
                continue
            explanation = score(row, node.features, model.parameters, model.frequencies)
            if best is None or (explanation.match_weight, node.id) > (best[0], best[1].id):
                best = (explanation.match_weight, node, explanation)
        empty = {
            "decision": "leave",
            "person_id": None,
            "node_id": None,
            "explanation": None,
            "threshold": model.thresholds.auto(segment),
            "candidates": len(candidates),
            "model": model.source,
        }
        if best is None:
            return empty
        _, node, explanation = best
        person = self.repo.person(str(node.person_id))
        threshold = model.thresholds.pair(segment, person.segment if person else None)
        p = explanation.probability
        decision = (
            "attach"
            if p >= threshold
            else "propose"
            if p >= model.thresholds.review_floor
            else "leave"
        )
        refused = None
        if decision == "attach" and not self._compatible(row, str(node.person_id)):
            decision, refused = "propose", "another full name or birth date in this person"
        if decision == "leave":
            return empty
        return {
            **empty,
            "decision": decision,
            "person_id": node.person_id,
            "node_id": node.id,
            "explanation": explanation.as_dict(),
            "threshold": threshold,
            "refused": refused,
        }

    def _never_linked(self, node_id: str | None, candidates: list[Candidate]) -> set[str]:
        if node_id is None:
            return set()
        out = set()
        for link in self.repo.links_of([node_id]):
            if link.state in ("never_link", "rejected"):
                out.add(link.other_node_id if link.node_id == node_id else link.node_id)
        return out

    def _compatible(self, row: Mapping[str, Any], person_id: str) -> bool:
        """The batch's refusal rule: a person never holds two different full names or
        two birth dates."""
        names, births = set(), set()
        for other in self.repo.nodes_of(person_id):
            f = other.features
            if f.get("name_key") and not f.get("name_partial"):
                names.add(str(f["name_key"]))
            if f.get("birth_date"):
                births.add(str(f["birth_date"]))
        mine = row.get("name_key") if not row.get("name_partial") else None
        if mine and names and not names_compatible({str(mine)}, names):
            return False
        birth = row.get("birth_date")
        return not (birth and births and str(birth) not in births)
