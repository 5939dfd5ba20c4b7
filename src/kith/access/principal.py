"""Principals: who is acting. A user, an API key and an agent are all principals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from kith.core.domain import Actor, ActorKind

Scope = Literal["own", "team", "all"]
Action = Literal["read", "create", "update", "delete"]
FieldAccess = Literal["hidden", "read_only"]

SCOPE_RANK: dict[str, int] = {"own": 1, "team": 2, "all": 3}


def api_scope_grants(held: frozenset[str], needed: str) -> bool:
    """Whether an API key holding ``held`` has ``needed`` (``<resource>:read|write``).

    ``*`` holds everything, ``<resource>:*`` both actions, and write implies read.
    """
    resource, _, action = needed.partition(":")
    wanted = {"*", needed, f"{resource}:*"}
    if action == "read":
        wanted.add(f"{resource}:write")
    return bool(wanted & held)


@dataclass(frozen=True)
class Principal:
    """The resolved rights of whoever is acting, computed once per request.

    ``grants`` maps (object_type, action) to the widest scope any role grants.
    ``field_rules`` maps object_type to field to the restriction that applies
    (a field is restricted only if *every* role restricts it).
    ``api_scopes`` narrows an API key; ``None`` means not narrowed.
    """

    kind: ActorKind
    id: str
    tenant_id: str
    name: str
    user_id: str | None
    roles: frozenset[str]
    grants: Mapping[tuple[str, str], Scope]
    field_rules: Mapping[str, Mapping[str, FieldAccess]] = field(default_factory=dict)
    team_user_ids: frozenset[str] = frozenset()
    api_scopes: frozenset[str] | None = None

    @property
    def actor(self) -> Actor:
        return Actor(self.kind, self.id, self.name)

    def has_api_scope(self, *needed: str) -> bool:
        """True when not narrowed by an API key, or the key holds one of ``needed``."""
        scopes = self.api_scopes
        return scopes is None or any(api_scope_grants(scopes, n) for n in needed)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles
