"""HTTP routes: sign-in, the current principal, users, teams, roles, API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from kith.access import admin, policy
from kith.access import schemas as s
from kith.access import service as access
from kith.access.repository import AccessRepository
from kith.api.deps import (
    SESSION_COOKIE,
    CurrentPrincipal,
    UoW,
    credential_from,
    get_container,
)
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.domain import Actor
from kith.core.errors import NotFound, PermissionDenied

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON)
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


@router.post("/auth/login", tags=["Auth"], response_model=s.LoginOut)
def login(
    body: s.LoginIn,
    response: Response,
    uow: UoW,
    container: Annotated[Container, Depends(get_container)],
) -> s.LoginOut:
    """Exchange email + password for a bearer token (also set as an HttpOnly cookie)."""
    result = access.login(
        uow.session, body.email, body.password, body.tenant, container.settings.session_ttl_hours
    )
    uow.audit(result.user.tenant_id, Actor("user", result.user.id, result.user.name), "login")
    uow.commit()
    response.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        secure=not container.settings.is_demo,
        max_age=container.settings.session_ttl_hours * 3600,
    )
    return s.LoginOut(token=result.token, expires_at=result.expires_at, user_id=result.user.id)


@router.post("/auth/logout", tags=["Auth"], status_code=204)
def logout(request: Request, uow: UoW, principal: CurrentPrincipal) -> Response:
    credential = credential_from(request)
    if credential:
        access.logout(uow.session, credential)
    uow.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me", tags=["Auth"], response_model=s.MeOut)
def me(uow: UoW, principal: CurrentPrincipal) -> s.MeOut:
    repo = AccessRepository(uow.session)
    user = repo.user(principal.tenant_id, principal.user_id or "")
    if user is None:
        raise NotFound("no user behind this principal")
    return admin.me_out(repo, user, principal)


# --- users ---------------------------------------------------------------------------


@router.get("/users", tags=["Users"], response_model=list[s.UserOut])
def list_users(uow: UoW, principal: CurrentPrincipal) -> list[s.UserOut]:
    policy.require(principal, "user", "read")
    repo = AccessRepository(uow.session)
    return [admin.user_out(repo, u) for u in repo.users(principal.tenant_id)]


@router.post("/users", tags=["Users"], status_code=201, response_model=s.UserOut)
def create_user(body: s.UserIn, uow: UoW, principal: CurrentPrincipal) -> s.UserOut:
    policy.require(principal, "user", "create")
    user = access.create_user(
        uow.session,
        principal.tenant_id,
        email=body.email,
        name=body.name,
        password=body.password,
        roles=body.roles,
        title=body.title,
        locale=body.locale,
    )
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "user.created",
        "user",
        user.id,
        email=user.email,
        roles=body.roles,
    )
    out = admin.user_out(AccessRepository(uow.session), user)
    uow.commit()
    return out


@router.patch("/users/{user_id}", tags=["Users"], response_model=s.UserOut)
def update_user(user_id: Id, body: s.UserPatch, uow: UoW, principal: CurrentPrincipal) -> s.UserOut:
    """Rename, retitle, (de)activate or change the roles of a user."""
    policy.require(principal, "user", "update")
    repo = AccessRepository(uow.session)
    user = repo.user(principal.tenant_id, user_id)
    if user is None:
        raise NotFound("no such user")
    admin.update_user(uow.session, principal, user, body)
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "user.updated",
        "user",
        user.id,
        **body.model_dump(exclude_none=True),
    )
    out = admin.user_out(repo, user)
    uow.commit()
    return out


# --- teams ---------------------------------------------------------------------------


@router.get("/teams", tags=["Teams"], response_model=list[s.TeamOut])
def list_teams(uow: UoW, principal: CurrentPrincipal) -> list[s.TeamOut]:
    policy.require(principal, "team", "read")
    repo = AccessRepository(uow.session)
    return [
        s.TeamOut(id=t.id, name=t.name, manager_id=t.manager_id, member_ids=repo.team_members(t.id))
        for t in repo.teams(principal.tenant_id)
    ]


@router.post("/teams", tags=["Teams"], status_code=201, response_model=s.TeamOut)
def create_team(body: s.TeamIn, uow: UoW, principal: CurrentPrincipal) -> s.TeamOut:
    policy.require(principal, "team", "create")
    team = admin.create_team(uow.session, principal.tenant_id, body)
    uow.audit(principal.tenant_id, principal.actor, "team.created", "team", team.id)
    out = s.TeamOut(
        id=team.id, name=team.name, manager_id=team.manager_id, member_ids=body.member_ids
    )
    uow.commit()
    return out


# --- roles ---------------------------------------------------------------------------


@router.get("/roles", tags=["Roles"], response_model=list[s.RoleOut])
def list_roles(uow: UoW, principal: CurrentPrincipal) -> list[s.RoleOut]:
    policy.require(principal, "role", "read")
    repo = AccessRepository(uow.session)
    return [admin.role_out(repo, r) for r in repo.roles(principal.tenant_id)]


@router.post("/roles", tags=["Roles"], status_code=201, response_model=s.RoleOut)
def create_role(body: s.RoleIn, uow: UoW, principal: CurrentPrincipal) -> s.RoleOut:
    policy.require(principal, "role", "create")
    role = admin.create_role(uow.session, principal.tenant_id, body)
    uow.audit(principal.tenant_id, principal.actor, "role.created", "role", role.id, name=role.name)
    out = admin.role_out(AccessRepository(uow.session), role)
    uow.commit()
    return out


@router.patch("/roles/{role_id}", tags=["Roles"], response_model=s.RoleOut)
def update_role(role_id: Id, body: s.RoleIn, uow: UoW, principal: CurrentPrincipal) -> s.RoleOut:
    """Set or remove (scope/access null) the listed permissions and field rules."""
    policy.require(principal, "role", "update")
    repo = AccessRepository(uow.session)
    role = next((r for r in repo.roles(principal.tenant_id) if r.id == role_id), None)
    if role is None:
        raise NotFound("no such role")
    admin._check_objects(body)
    admin.apply_permissions(uow.session, role, body.permissions, body.field_rules)
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "role.updated",
        "role",
        role.id,
        permissions=[p.model_dump() for p in body.permissions],
        field_rules=[r.model_dump() for r in body.field_rules],
    )
    out = admin.role_out(repo, role)
    uow.commit()
    return out


# --- API keys --------------------------------------------------------------------------


@router.get("/api-keys", tags=["API keys"], response_model=list[s.ApiKeyOut])
def list_api_keys(uow: UoW, principal: CurrentPrincipal) -> list[s.ApiKeyOut]:
    repo = AccessRepository(uow.session)
    return [
        s.ApiKeyOut.model_validate(k, from_attributes=True)
        for k in repo.api_keys_of(principal.user_id or "")
    ]


@router.post("/api-keys", tags=["API keys"], status_code=201, response_model=s.ApiKeyCreated)
def create_api_key(body: s.ApiKeyIn, uow: UoW, principal: CurrentPrincipal) -> s.ApiKeyCreated:
    """A key acts as you, narrowed to its scopes. The secret is shown once."""
    if principal.kind != "user":
        raise PermissionDenied("only a signed-in user can create API keys")
    repo = AccessRepository(uow.session)
    user = repo.user(principal.tenant_id, principal.user_id or "")
    if user is None:
        raise NotFound("no user")
    key, secret = access.create_api_key(uow.session, user, body.name, body.scopes, body.expires_at)
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "api_key.created",
        "api_key",
        key.id,
        scopes=key.scopes,
    )
    out = s.ApiKeyCreated(
        **s.ApiKeyOut.model_validate(key, from_attributes=True).model_dump(), secret=secret
    )
    uow.commit()
    return out


@router.delete("/api-keys/{key_id}", tags=["API keys"], status_code=204)
def revoke_api_key(key_id: Id, uow: UoW, principal: CurrentPrincipal) -> Response:
    repo = AccessRepository(uow.session)
    key = next((k for k in repo.api_keys_of(principal.user_id or "") if k.id == key_id), None)
    if key is None:
        raise NotFound("no such key")
    key.revoked_at = utcnow()
    uow.audit(principal.tenant_id, principal.actor, "api_key.revoked", "api_key", key.id)
    uow.commit()
    return Response(status_code=204)
