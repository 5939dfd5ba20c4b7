"""Use cases of the access context: tenants, users, login, tokens, API keys, principals."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from kith.access import cache as access_cache
from kith.access import oauth
from kith.access.models import (
    ApiKey,
    AuthSession,
    FieldRule,
    Role,
    RolePermission,
    Team,
    TeamMember,
    Tenant,
    User,
    UserRole,
)
from kith.access.principal import SCOPE_RANK, FieldAccess, Principal, Scope
from kith.access.repository import AccessRepository
from kith.access.roles import BUILTIN_ROLES
from kith.core.clock import as_utc, utcnow
from kith.core.errors import Conflict, FieldError, Unauthenticated, ValidationFailed

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
SESSION_PREFIX = "kss_"
API_KEY_PREFIX = "kak_"


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so timing does not reveal which emails
    exist. Made on first use: an argon2 hash costs ~0.1 s, which every process paid at
    import when this was a module constant."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return (
            _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_password_strength(password: str) -> None:
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"at least {MIN_PASSWORD_LENGTH} characters")
    if password.isdigit() or password.isalpha():
        problems.append("letters and digits or symbols")
    if problems:
        raise ValidationFailed(
            "Password too weak",
            [FieldError(["body", "password"], "needs " + " and ".join(problems))],
        )


# --- tenants and roles -------------------------------------------------------


# Defaults other contexts give a new workspace (the gateway's risk rules), installed by
# kith.bootstrap: seeded with the workspace, a first request never has to write them
# (on SQLite a request that upgrades to a writer can fail when others commit first).
TENANT_SEEDERS: list[Callable[[Session, str], None]] = []


def use_tenant_seeder(seeder: Callable[[Session, str], None]) -> None:
    if seeder not in TENANT_SEEDERS:
        TENANT_SEEDERS.append(seeder)


def ensure_tenant(session: Session, slug: str, name: str) -> Tenant:
    repo = AccessRepository(session)
    tenant = repo.tenant_by_slug(slug)
    if tenant is None:
        tenant = Tenant(slug=slug, name=name)
        session.add(tenant)
        session.flush()
    seed_roles(session, tenant.id)
    for seed in TENANT_SEEDERS:
        seed(session, tenant.id)
    return tenant


def seed_roles(session: Session, tenant_id: str) -> None:
    repo = AccessRepository(session)
    for name, (description, grants, field_rules) in BUILTIN_ROLES.items():
        if repo.role_by_name(tenant_id, name) is not None:
            continue
        role = Role(tenant_id=tenant_id, name=name, description=description, builtin=True)
        session.add(role)
        session.flush()
        session.add_all(
            RolePermission(tenant_id=tenant_id, role_id=role.id, object_type=o, action=a, scope=s)
            for (o, a), s in grants.items()
        )
        session.add_all(
            FieldRule(tenant_id=tenant_id, role_id=role.id, object_type=o, field=f, access=acc)
            for o, fields in field_rules.items()
            for f, acc in fields.items()
        )
    session.flush()


# --- users and teams ----------------------------------------------------------


def create_user(
    session: Session,
    tenant_id: str,
    *,
    email: str,
    name: str,
    password: str | None,
    roles: list[str],
    title: str | None = None,
    locale: str = "zh-CN",
    enforce_strength: bool = True,
) -> User:
    repo = AccessRepository(session)
    email = email.strip().lower()
    if repo.user_in_tenant(tenant_id, email) is not None:
        raise Conflict(
            f"a user with email {email} exists", [FieldError(["body", "email"], "already in use")]
        )
    role_rows = []
    for i, role_name in enumerate(roles):
        role = repo.role_by_name(tenant_id, role_name)
        if role is None:
            raise ValidationFailed(
                f"unknown role {role_name}", [FieldError(["body", "roles", i], "no such role")]
            )
        role_rows.append(role)
    if password is not None and enforce_strength:
        check_password_strength(password)
    user = User(
        tenant_id=tenant_id,
        email=email,
        name=name,
        title=title,
        locale=locale,
        password_hash=hash_password(password) if password else None,
    )
    session.add(user)
    session.flush()
    session.add_all(UserRole(tenant_id=tenant_id, user_id=user.id, role_id=r.id) for r in role_rows)
    session.flush()
    return user


def add_team(
    session: Session, tenant_id: str, name: str, manager: User | None, members: list[User]
) -> Team:
    team = Team(tenant_id=tenant_id, name=name, manager_id=manager.id if manager else None)
    session.add(team)
    session.flush()
    session.add_all(TeamMember(tenant_id=tenant_id, team_id=team.id, user_id=u.id) for u in members)
    session.flush()
    return team


# --- principals ---------------------------------------------------------------


def principal_for_user(
    session: Session,
    user: User,
    *,
    kind: str = "user",
    principal_id: str | None = None,
    name: str | None = None,
    api_scopes: frozenset[str] | None = None,
) -> Principal:
    repo = AccessRepository(session)
    roles = repo.roles_of(user.id)
    role_ids = [r.id for r in roles]
    grants: dict[tuple[str, str], Scope] = {}
    for perm in repo.permissions_of(role_ids):
        key = (perm.object_type, perm.action)
        if key not in grants or SCOPE_RANK[perm.scope] > SCOPE_RANK[grants[key]]:
            grants[key] = perm.scope  # type: ignore[assignment]
    return Principal(
        kind=kind,  # type: ignore[arg-type]
        id=principal_id or user.id,
        tenant_id=user.tenant_id,
        name=name or user.name,
        user_id=user.id,
        roles=frozenset(r.name for r in roles),
        grants=grants,
        field_rules=_combined_field_rules(repo, role_ids),
        team_user_ids=frozenset(repo.team_user_ids(user.id)),
        api_scopes=api_scopes,
    )


def _combined_field_rules(
    repo: AccessRepository, role_ids: list[str]
) -> dict[str, dict[str, FieldAccess]]:
    """A field is restricted only if every role restricts it; the mildest rule wins."""
    per_role: dict[str, dict[tuple[str, str], str]] = {rid: {} for rid in role_ids}
    for rule in repo.field_rules_of(role_ids):
        per_role[rule.role_id][(rule.object_type, rule.field)] = rule.access
    if not per_role:
        return {}
    common = set.intersection(*(set(rules) for rules in per_role.values()))
    out: dict[str, dict[str, FieldAccess]] = {}
    for key in common:
        accesses = {rules[key] for rules in per_role.values()}
        access: FieldAccess = "read_only" if "read_only" in accesses else "hidden"
        out.setdefault(key[0], {})[key[1]] = access
    return out


# --- login, sessions and API keys -------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    token: str
    user: User
    expires_at: datetime


def open_session(session: Session, user: User, ttl_hours: int) -> LoginResult:
    """A new bearer session for a fully signed-in user (``kith.access.signin`` decides when).
    Its expiry is wall-clock time, like the check in ``authenticate``."""
    token = SESSION_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=ttl_hours)
    session.add(
        AuthSession(
            tenant_id=user.tenant_id, token_hash=sha256(token), user_id=user.id, expires_at=expires
        )
    )
    session.flush()
    return LoginResult(token, user, expires)


def logout(session: Session, token: str) -> None:
    row = AccessRepository(session).session_by_token_hash(sha256(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()


def create_api_key(
    session: Session, user: User, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """Returns the key row and the secret, which is shown once and never stored."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        tenant_id=user.tenant_id,
        name=name,
        prefix=prefix,
        key_hash=sha256(secret),
        user_id=user.id,
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, f"{API_KEY_PREFIX}{prefix}_{secret}"


def authenticate(session: Session, credential: str) -> Principal:
    """Resolve a bearer credential (session token or API key) to a principal."""
    now = utcnow()
    if credential.startswith(API_KEY_PREFIX):
        return _authenticate_api_key(session, credential, now)
    if credential.startswith(oauth.TOKEN_PREFIX):
        return _authenticate_oauth_token(session, credential, now)
    row = AccessRepository(session).session_by_token_hash(sha256(credential))
    if row is None or row.revoked_at is not None or as_utc(row.expires_at) <= now:
        raise Unauthenticated("Session expired or unknown; sign in again")
    return _user_principal(session, row.tenant_id, row.user_id, "User disabled")


def _user_principal(session: Session, tenant_id: str, user_id: str, disabled: str) -> Principal:
    """The user's principal, from the cache while the workspace's access is unchanged
    (a switched-off user raises the generation, so the cache never outlives that)."""
    generation = access_cache.generation_of(session, tenant_id)
    key = access_cache.cache_key(session, user_id)
    cached = access_cache.CACHE.get(key, generation)
    if cached is not None:
        return cached
    user = session.get(User, user_id)
    if user is None or not user.is_active or user.tenant_id != tenant_id:
        raise Unauthenticated(disabled)
    principal = principal_for_user(session, user)
    access_cache.CACHE.put(key, generation, principal)
    return principal


def _authenticate_api_key(session: Session, credential: str, now: datetime) -> Principal:
    body = credential.removeprefix(API_KEY_PREFIX)
    prefix, _, secret = body.partition("_")
    key = AccessRepository(session).api_key_by_prefix(prefix)
    if key is None or not hmac.compare_digest(key.key_hash, sha256(secret)):
        raise Unauthenticated("Unknown API key")
    if key.revoked_at is not None or (key.expires_at and as_utc(key.expires_at) <= now):
        raise Unauthenticated("API key revoked or expired")
    owner = _user_principal(session, key.tenant_id, key.user_id, "API key owner disabled")
    key.last_used_at = now
    return replace(
        owner,
        kind="api_key",
        id=key.id,
        name=f"API key {key.name}",
        api_scopes=frozenset(key.scopes),
    )


def _authenticate_oauth_token(session: Session, credential: str, now: datetime) -> Principal:
    """An OAuth client-credentials token: its key's principal, narrowed to its scopes."""
    try:
        key, scopes = oauth.verified_key(session, credential, now)
    except LookupError as exc:
        raise Unauthenticated(str(exc)) from exc
    owner = _user_principal(session, key.tenant_id, key.user_id, "OAuth client owner disabled")
    as_key = replace(owner, kind="api_key", id=key.id, api_scopes=frozenset(key.scopes))
    return oauth.narrowed(as_key, scopes, key)


def system_principal(tenant_id: str, name: str = "system") -> Principal:
    """Kith itself (migrations, seeding, scheduled jobs): every grant, no user."""
    from kith.access.roles import ACTIONS, ADMIN_OBJECTS, RECORD_OBJECTS

    grants: dict[tuple[str, str], Scope] = {
        (o, a): "all" for o in RECORD_OBJECTS + ADMIN_OBJECTS for a in ACTIONS
    }
    return Principal(
        kind="system",
        id="system",
        tenant_id=tenant_id,
        name=name,
        user_id=None,
        roles=frozenset({"system"}),
        grants=grants,
    )
