"""The effective principal of a delegated call, and the gateway's tool-level checks."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from kith.access import policy
from kith.access.principal import Principal
from kith.gateway.authz import Refusal, authorise, effective_principal
from kith.gateway.registry import ToolRegistry, ToolSpec, tool


def _principal(**overrides: object) -> Principal:
    base: dict[str, object] = {
        "kind": "user",
        "id": "u1",
        "tenant_id": "t1",
        "name": "Li Na",
        "user_id": "u1",
        "roles": frozenset({"sales"}),
        "grants": {},
    }
    base.update(overrides)
    return Principal(**base)  # type: ignore[arg-type]


AGENT = _principal(
    kind="agent",
    id="agent-1",
    name="Sales agent",
    user_id=None,
    roles=frozenset({"manager"}),
    grants={
        ("deal", "read"): "all",
        ("deal", "update"): "all",
        ("contact", "read"): "all",
        ("lead", "delete"): "all",
    },
    field_rules={"contact": {"id_number": "read_only"}},
)
REP = _principal(
    grants={("deal", "read"): "team", ("deal", "update"): "own", ("contact", "read"): "all"},
    field_rules={"contact": {"id_number": "hidden"}, "deal": {"amount": "read_only"}},
    team_user_ids=frozenset({"u1", "u2"}),
)


def test_an_agent_for_a_person_gets_the_narrower_of_both() -> None:
    acting = effective_principal(AGENT, REP)
    assert (acting.kind, acting.id) == ("agent", "agent-1")
    assert policy.scope_for(acting, "deal", "update") == "own"
    assert policy.scope_for(acting, "deal", "read") == "team"
    assert policy.scope_for(acting, "lead", "delete") is None  # the rep cannot
    # "own" now means the rep's records: the agent works the rep's deals, nobody else's.
    assert policy.may_act_on(acting, "deal", "update", "u1")
    assert not policy.may_act_on(acting, "deal", "update", "u2")
    assert acting.field_rules["contact"]["id_number"] == "hidden"
    assert acting.field_rules["deal"]["amount"] == "read_only"


def test_only_a_person_of_the_same_workspace_can_delegate() -> None:
    with pytest.raises(Refusal):
        effective_principal(AGENT, _principal(kind="agent", id="agent-2"))
    with pytest.raises(Refusal):
        effective_principal(AGENT, _principal(tenant_id="t2"))


def test_gateway_objects_are_granted_by_role_until_roles_carry_them() -> None:
    assert policy.scope_for(effective_principal(REP, None), "coupon", "create") == "all"
    viewer = effective_principal(_principal(roles=frozenset({"viewer"})), None)
    assert policy.scope_for(viewer, "coupon", "create") is None


class _In(BaseModel):
    deal_id: str


class _Out(BaseModel):
    ok: bool


def _spec(**annotations: object) -> ToolSpec:
    registry = ToolRegistry()

    @tool("deals.demo", registry=registry, **annotations)  # type: ignore[arg-type]
    def demo(ctx: object, args: _In) -> _Out:
        return _Out(ok=True)

    spec = registry.get("deals.demo")
    assert spec is not None
    return spec


def test_purpose_and_touched_objects_and_fields_are_checked() -> None:
    spec = _spec(purposes=("sales",), touches=("deal.stage_id",))
    args = _In(deal_id="d1")
    authorise(spec, REP, "sales", args)
    with pytest.raises(Refusal, match="serves sales"):
        authorise(spec, REP, "marketing", args)
    with pytest.raises(Refusal, match="may not change deal"):
        authorise(spec, _principal(grants={("deal", "read"): "all"}), "sales", args)
    amount = _spec(purposes=("sales",), touches=("deal.amount",))
    with pytest.raises(Refusal, match=r"deal\.amount is read-only"):
        authorise(amount, REP, "sales", args)
