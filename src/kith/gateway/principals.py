"""Rebuilding a principal from what an approval request stored (kind + id).

An approved call re-authorises at execution time, with the rights its requester
has *now*: a disabled user, a revoked API key or a removed role is refused. Users,
API keys and the system are resolved here; the agent runtime registers how agent
principals are resolved with ``register_principal_resolver("agent", fn)``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from kith.access.cache import cached_principal
from kith.access.models import ApiKey, User
from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.core.clock import as_utc, utcnow

PrincipalResolver = Callable[[Session, str, str], Principal | None]


def _user(session: Session, tenant_id: str, user_id: str) -> Principal | None:
    """The user's principal (cached until the workspace's access changes: switching a user
    off or changing their roles raises it), or an API key's."""
    return cached_principal(
        session, tenant_id, user_id, lambda: _load_user(session, tenant_id, user_id)
    )


def _load_user(session: Session, tenant_id: str, user_id: str) -> Principal | None:
    user = session.get(User, user_id)
    if user is None:
        # An agent may act for a person's API key (``on_behalf_of``, stored as a person):
        # ids are unique across tables, so the key is found here, with its scopes.
        return _api_key(session, tenant_id, user_id)
    if user.tenant_id != tenant_id or not user.is_active:
        return None
    return principal_for_user(session, user)


def _api_key(session: Session, tenant_id: str, key_id: str) -> Principal | None:
    key = session.get(ApiKey, key_id)
    if key is None or key.tenant_id != tenant_id or key.revoked_at is not None:
        return None
    if key.expires_at is not None and as_utc(key.expires_at) <= utcnow():
        return None
    owner = session.get(User, key.user_id)
    if owner is None or not owner.is_active:
        return None
    return principal_for_user(
        session,
        owner,
        kind="api_key",
        principal_id=key.id,
        name=f"API key {key.name}",
        api_scopes=frozenset(key.scopes),
    )


def _system(session: Session, tenant_id: str, _id: str) -> Principal | None:
    return system_principal(tenant_id)


_RESOLVERS: dict[str, PrincipalResolver] = {"user": _user, "api_key": _api_key, "system": _system}


def register_principal_resolver(kind: str, resolver: PrincipalResolver) -> None:
    _RESOLVERS[kind] = resolver


def resolve_principal(
    session: Session, tenant_id: str, kind: str, principal_id: str | None
) -> Principal | None:
    """The principal as it stands now, or None if it no longer may act."""
    resolver = _RESOLVERS.get(kind)
    if resolver is None or principal_id is None:
        return None
    return resolver(session, tenant_id, principal_id)
