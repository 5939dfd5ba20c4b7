"""Whose request an agent's work answers: the origin of a causal chain.

A person or an API client may ask an agent something (``agents.request_analysis``);
the answer is published and other agents act on it. Those actions must never reach
further than the requester could: the hub puts the requester in the event it
publishes (``requested_by``), the runtime bounds every step that event causes by the
requester's rights (``on_behalf_of`` at the gateway: the agent's scope ∩ the
requester's), and the decision records carry it on, so records those actions create
keep the chain bounded for the agents that react to them in turn.

The origin also makes the chain idempotent: ``chain`` is a fingerprint of the
requester and what was asked, so asking the same thing again leads every agent to
the same idempotency key for the same action on the same target, and the gateway
answers the repeat with the first outcome instead of acting twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.access.principal import Principal
from kith.agents.models import AgentAction
from kith.events.envelope import Envelope
from kith.gateway.authz import DELEGATING_KINDS
from kith.gateway.models import DecisionRecord

REQUESTED_BY = "requested_by"  # the key in event payloads and rationale inputs


@dataclass(frozen=True)
class Origin:
    """The person or API client at the start of a chain, and the chain's fingerprint."""

    kind: str
    id: str
    name: str
    chain: str

    def as_payload(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "chain": self.chain}

    @classmethod
    def from_payload(cls, value: Any) -> Origin | None:
        """Only a well-formed person origin: anything else bounds nothing."""
        if not isinstance(value, Mapping):
            return None
        kind, id_, name, chain = (value.get(k) for k in ("kind", "id", "name", "chain"))
        if not (
            isinstance(kind, str)
            and kind in DELEGATING_KINDS
            and isinstance(id_, str)
            and isinstance(name, str)
            and isinstance(chain, str)
            and id_
            and chain
        ):
            return None
        return cls(kind, id_, name, chain)

    def action_key(self, agent_id: str, tool: str, target: str) -> str:
        """One idempotency key per (requester, chain, agent, tool, target)."""
        raw = "\x1f".join((self.kind, self.id, self.chain, agent_id, tool, target))
        return f"chain:{hashlib.sha256(raw.encode()).hexdigest()}"


def origin_of_request(
    requester: Principal, on_behalf_of: Principal | None, asked: Mapping[str, Any]
) -> Origin | None:
    """The origin of a request to an agent: the person asking, or the person an asking
    agent works for; an agent's own request (no person behind it) has none."""
    person = on_behalf_of if on_behalf_of is not None else requester
    if person.kind not in DELEGATING_KINDS:
        return None
    return Origin(person.kind, person.id, person.name, _fingerprint(person, requester, asked))


def _fingerprint(person: Principal, requester: Principal, asked: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        {"person": [person.kind, person.id], "asker": requester.id, "asked": asked},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def origin_of_event(session: Session, envelope: Envelope) -> Origin | None:
    """The origin an event carries: the hub names it in what it publishes; an event an
    agent's bounded action caused inherits it from that action's decision record."""
    carried = Origin.from_payload(envelope.payload.get(REQUESTED_BY))
    if carried is not None or envelope.actor_kind != "agent":
        return carried
    decision_id = envelope.payload.get("decision_id") or _decision_of_record(session, envelope)
    if not isinstance(decision_id, str):
        return None
    rationale = session.scalar(
        select(DecisionRecord.rationale).where(
            DecisionRecord.tenant_id == envelope.tenant_id, DecisionRecord.id == decision_id
        )
    )
    inputs = (rationale or {}).get("inputs") or {}
    return Origin.from_payload(inputs.get(REQUESTED_BY)) if isinstance(inputs, dict) else None


def _decision_of_record(session: Session, envelope: Envelope) -> str | None:
    """The decision of the agent action that created or changed the event's record."""
    return session.scalar(
        select(AgentAction.decision_id)
        .where(
            AgentAction.tenant_id == envelope.tenant_id,
            AgentAction.record_id == envelope.subject_id,
            AgentAction.decision_id.is_not(None),
        )
        .limit(1)
    )
