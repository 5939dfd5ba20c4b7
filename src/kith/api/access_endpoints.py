"""HTTP routes: sign-in, the current principal, users, teams, roles, API keys."""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Form, Path, Request, Response
from fastapi.responses import JSONResponse

from kith.access import admin, oauth, policy, signin
from kith.access import schemas as s
from kith.access import service as access
from kith.access.models import User
from kith.access.principal import Principal
from kith.access.repository import AccessRepository
from kith.api.deps import (
    SESSION_COOKIE,
    CurrentPrincipal,
    UoW,
    any_principal,
    credential_from,
    get_container,
    limit_sign_in,
    public_route,
    requires_scope,
)
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.clock import utcnow
from kith.core.domain import Actor
from kith.core.errors import KithError, NotFound, PermissionDenied

router = APIRouter(prefix="/api/v1", default_response_class=KithJSON)
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContainerDep = Annotated[Container, Depends(get_container)]


def _context(request: Request, container: Container) -> signin.SignInContext:
    address = request.client.host if request.client else "unknown"
    return signin.SignInContext.of(container.settings, container.now(), address)


def _signed_in(
    response: Response, uow: UoW, container: Container, result: access.LoginResult
) -> s.LoginOut:
    """Audit the sign-in, commit, and hand out the session (bearer token and cookie)."""
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


@contextlib.contextmanager
def _committing_refusals(uow: UoW) -> Iterator[None]:
    """A refused attempt still keeps what it recorded (the failure, its audit entries)."""
    try:
        yield
    except KithError:
        uow.commit()
        raise


@router.post(
    "/auth/login",
    tags=["Auth"],
    response_model=s.LoginOut | s.SecondStepOut,
    dependencies=[public_route()],
)
def login(
    body: s.LoginIn,
    request: Request,
    response: Response,
    uow: UoW,
    container: ContainerDep,
) -> s.LoginOut | s.SecondStepOut:
    """Exchange email + password for a bearer token (also set as an HttpOnly cookie).

    With two-factor sign-in (or a role that requires it) the answer is a pending token
    for the second step instead. Repeated failures are throttled: 429 with Retry-After.
    """
    limit_sign_in(request, body.email)
    with _committing_refusals(uow):
        result = signin.sign_in(
            uow.session, body.email, body.password, body.tenant, _context(request, container)
        )
    if isinstance(result, signin.PendingSignIn):
        uow.commit()
        status = "second_factor_required" if result.step == "totp" else "enrolment_required"
        return s.SecondStepOut(
            status=status, pending_token=result.token, expires_at=result.expires_at
        )
    return _signed_in(response, uow, container, result)


@router.post(
    "/oauth/token",
    tags=["Auth"],
    response_model=None,
    dependencies=[public_route()],
    responses={
        200: {"description": "access_token, token_type, expires_in, scope (RFC 6749 §5.1)"},
        400: {"description": "invalid_request, unsupported_grant_type, invalid_scope"},
        401: {"description": "invalid_client"},
    },
)
def oauth_token(
    request: Request,
    uow: UoW,
    grant_type: Annotated[str, Form(max_length=64)] = "",
    client_id: Annotated[str, Form(max_length=64)] = "",
    client_secret: Annotated[str, Form(max_length=256)] = "",
    scope: Annotated[str, Form(max_length=2000)] = "",
) -> JSONResponse:
    """OAuth 2.1 client credentials: an API key (client_id = its prefix, client_secret =
    the key, in the form or with HTTP Basic) gets a bearer token for one hour with the
    scopes asked for, a subset of the key's. Errors follow RFC 6749 §5.2."""
    basic_id, basic_secret = _basic_credentials(request)
    client_id, client_secret = client_id or basic_id, client_secret or basic_secret
    headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
    try:
        if grant_type != "client_credentials":
            raise oauth.OAuthError(
                "unsupported_grant_type", "only client_credentials is offered", 400
            )
        if not client_id or not client_secret:
            raise oauth.OAuthError("invalid_request", "client_id and client_secret are needed")
        limit_sign_in(request, f"oauth:{client_id}")
        issued = oauth.issue(uow.session, client_id, client_secret, scope or None, utcnow())
    except oauth.OAuthError as exc:
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Basic realm="kith"'
        error = {"error": exc.error, "error_description": exc.description}
        return JSONResponse(error, status_code=exc.status, headers=headers)
    body: dict[str, str | int] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return JSONResponse(body, headers=headers)


def _basic_credentials(request: Request) -> tuple[str, str]:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return "", ""
    try:
        decoded = base64.b64decode(value.strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return "", ""
    user, _, password = decoded.partition(":")
    return unquote(user), unquote(password)


@router.post(
    "/auth/login/2fa", tags=["Auth"], response_model=s.LoginOut, dependencies=[public_route()]
)
def login_second_factor(
    body: s.SecondFactorIn,
    request: Request,
    response: Response,
    uow: UoW,
    container: ContainerDep,
) -> s.LoginOut:
    """The second step: the pending token and a current code (or one recovery code)."""
    with _committing_refusals(uow):
        result = signin.second_factor(
            uow.session,
            body.pending_token,
            body.code,
            body.recovery_code,
            _context(request, container),
        )
    return _signed_in(response, uow, container, result)


@router.post(
    "/auth/login/enrol", tags=["Auth"], response_model=s.EnrolmentOut, dependencies=[public_route()]
)
def login_enrol(
    body: s.PendingTokenIn, request: Request, uow: UoW, container: ContainerDep
) -> s.EnrolmentOut:
    """Enrolment required by a role, during sign-in: a new secret and its otpauth:// URI."""
    enrolment = signin.start_enrolment_at_sign_in(
        uow.session, body.pending_token, _context(request, container)
    )
    uow.commit()
    return s.EnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post(
    "/auth/login/enrol/confirm",
    tags=["Auth"],
    response_model=s.EnrolledSignInOut,
    dependencies=[public_route()],
)
def login_enrol_confirm(
    body: s.EnrolConfirmIn,
    request: Request,
    response: Response,
    uow: UoW,
    container: ContainerDep,
) -> s.EnrolledSignInOut:
    """Confirm the new secret with a first code: signed in, with ten recovery codes."""
    with _committing_refusals(uow):
        result, codes = signin.confirm_enrolment_at_sign_in(
            uow.session, body.pending_token, body.code, _context(request, container)
        )
    out = _signed_in(response, uow, container, result)
    return s.EnrolledSignInOut(**out.model_dump(), recovery_codes=codes)


# --- two-factor sign-in of the signed-in user ------------------------------------------------


def _own_user(uow: UoW, principal: Principal) -> User:
    if principal.kind != "user":
        raise PermissionDenied("only a signed-in user manages their two-factor sign-in")
    user = AccessRepository(uow.session).user(principal.tenant_id, principal.user_id or "")
    if user is None:
        raise NotFound("no user behind this principal")
    return user


def _two_factor_out(uow: UoW, user: User) -> s.TwoFactorOut:
    st = signin.state(uow.session, user)
    return s.TwoFactorOut(
        enabled=st.enabled,
        required=st.required,
        pending_enrolment=st.pending_enrolment,
        recovery_codes_left=st.recovery_codes_left,
    )


@router.get(
    "/auth/2fa", tags=["Auth"], response_model=s.TwoFactorOut, dependencies=[any_principal()]
)
def two_factor_state(uow: UoW, principal: CurrentPrincipal) -> s.TwoFactorOut:
    return _two_factor_out(uow, _own_user(uow, principal))


@router.post(
    "/auth/2fa/enrol", tags=["Auth"], response_model=s.EnrolmentOut, dependencies=[any_principal()]
)
def two_factor_enrol(
    uow: UoW, principal: CurrentPrincipal, container: ContainerDep
) -> s.EnrolmentOut:
    """Start enrolment: a new secret (shown once) and its otpauth:// URI."""
    user = _own_user(uow, principal)
    enrolment = signin.start_enrolment(uow.session, user, container.settings.totp_issuer)
    uow.commit()
    return s.EnrolmentOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post(
    "/auth/2fa/confirm",
    tags=["Auth"],
    response_model=s.RecoveryCodesOut,
    dependencies=[any_principal()],
)
def two_factor_confirm(
    body: s.CodeIn,
    request: Request,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> s.RecoveryCodesOut:
    """Turn two-factor sign-in on with a first code; returns ten recovery codes."""
    user = _own_user(uow, principal)
    with _committing_refusals(uow):
        codes = signin.confirm_enrolment(
            uow.session, user, body.code, _context(request, container), principal.actor
        )
    uow.commit()
    return s.RecoveryCodesOut(recovery_codes=codes)


@router.post("/auth/2fa/disable", tags=["Auth"], status_code=204, dependencies=[any_principal()])
def two_factor_disable(
    body: s.CodeOrRecoveryIn,
    request: Request,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> Response:
    """Turn two-factor sign-in off with a current code or a recovery code."""
    user = _own_user(uow, principal)
    with _committing_refusals(uow):
        signin.disable(
            uow.session,
            user,
            body.code,
            body.recovery_code,
            _context(request, container),
            principal.actor,
        )
    uow.commit()
    return Response(status_code=204)


@router.post(
    "/auth/2fa/recovery-codes",
    tags=["Auth"],
    response_model=s.RecoveryCodesOut,
    dependencies=[any_principal()],
)
def two_factor_recovery_codes(
    body: s.CodeIn,
    request: Request,
    uow: UoW,
    principal: CurrentPrincipal,
    container: ContainerDep,
) -> s.RecoveryCodesOut:
    """Replace the recovery codes (the old ones stop working); needs a current code."""
    user = _own_user(uow, principal)
    with _committing_refusals(uow):
        codes = signin.regenerate_recovery_codes(
            uow.session, user, body.code, _context(request, container), principal.actor
        )
    uow.commit()
    return s.RecoveryCodesOut(recovery_codes=codes)


@router.post("/auth/logout", tags=["Auth"], status_code=204, dependencies=[any_principal()])
def logout(request: Request, uow: UoW, principal: CurrentPrincipal) -> Response:
    credential = credential_from(request)
    if credential:
        access.logout(uow.session, credential)
    uow.commit()
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/me", tags=["Auth"], response_model=s.MeOut, dependencies=[any_principal()])
def me(uow: UoW, principal: CurrentPrincipal) -> s.MeOut:
    repo = AccessRepository(uow.session)
    user = repo.user(principal.tenant_id, principal.user_id or "")
    if user is None:
        raise NotFound("no user behind this principal")
    return admin.me_out(repo, user, principal)


# --- users ---------------------------------------------------------------------------


@router.get(
    "/users",
    tags=["Users"],
    response_model=list[s.UserOut],
    dependencies=[requires_scope("users:read")],
)
def list_users(uow: UoW, principal: CurrentPrincipal) -> list[s.UserOut]:
    policy.require(principal, "user", "read")
    repo = AccessRepository(uow.session)
    return [admin.user_out(repo, u) for u in repo.users(principal.tenant_id)]


@router.post(
    "/users",
    tags=["Users"],
    status_code=201,
    response_model=s.UserOut,
    dependencies=[requires_scope("users:write")],
)
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


@router.patch(
    "/users/{user_id}",
    tags=["Users"],
    response_model=s.UserOut,
    dependencies=[requires_scope("users:write")],
)
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


@router.get(
    "/teams",
    tags=["Teams"],
    response_model=list[s.TeamOut],
    dependencies=[requires_scope("teams:read")],
)
def list_teams(uow: UoW, principal: CurrentPrincipal) -> list[s.TeamOut]:
    policy.require(principal, "team", "read")
    repo = AccessRepository(uow.session)
    return [
        s.TeamOut(id=t.id, name=t.name, manager_id=t.manager_id, member_ids=repo.team_members(t.id))
        for t in repo.teams(principal.tenant_id)
    ]


@router.post(
    "/teams",
    tags=["Teams"],
    status_code=201,
    response_model=s.TeamOut,
    dependencies=[requires_scope("teams:write")],
)
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


@router.get(
    "/roles",
    tags=["Roles"],
    response_model=list[s.RoleOut],
    dependencies=[requires_scope("roles:read")],
)
def list_roles(uow: UoW, principal: CurrentPrincipal) -> list[s.RoleOut]:
    policy.require(principal, "role", "read")
    repo = AccessRepository(uow.session)
    return [admin.role_out(repo, r) for r in repo.roles(principal.tenant_id)]


@router.post(
    "/roles",
    tags=["Roles"],
    status_code=201,
    response_model=s.RoleOut,
    dependencies=[requires_scope("roles:write")],
)
def create_role(body: s.RoleIn, uow: UoW, principal: CurrentPrincipal) -> s.RoleOut:
    policy.require(principal, "role", "create")
    role = admin.create_role(uow.session, principal.tenant_id, body)
    uow.audit(principal.tenant_id, principal.actor, "role.created", "role", role.id, name=role.name)
    out = admin.role_out(AccessRepository(uow.session), role)
    uow.commit()
    return out


@router.patch(
    "/roles/{role_id}",
    tags=["Roles"],
    response_model=s.RoleOut,
    dependencies=[requires_scope("roles:write")],
)
def update_role(role_id: Id, body: s.RoleIn, uow: UoW, principal: CurrentPrincipal) -> s.RoleOut:
    """Set or remove (scope/access null) the listed permissions and field rules."""
    policy.require(principal, "role", "update")
    repo = AccessRepository(uow.session)
    role = next((r for r in repo.roles(principal.tenant_id) if r.id == role_id), None)
    if role is None:
        raise NotFound("no such role")
    admin.check_objects(body)
    admin.apply_permissions(uow.session, role, body.permissions, body.field_rules)
    if body.requires_2fa is not None:
        role.requires_2fa = body.requires_2fa
    uow.audit(
        principal.tenant_id,
        principal.actor,
        "role.updated",
        "role",
        role.id,
        permissions=[p.model_dump() for p in body.permissions],
        field_rules=[r.model_dump() for r in body.field_rules],
        requires_2fa=body.requires_2fa,
    )
    out = admin.role_out(repo, role)
    uow.commit()
    return out


# --- API keys --------------------------------------------------------------------------


@router.get(
    "/api-keys",
    tags=["API keys"],
    response_model=list[s.ApiKeyOut],
    dependencies=[requires_scope("api_keys:read")],
)
def list_api_keys(uow: UoW, principal: CurrentPrincipal) -> list[s.ApiKeyOut]:
    repo = AccessRepository(uow.session)
    return [
        s.ApiKeyOut.model_validate(k, from_attributes=True)
        for k in repo.api_keys_of(principal.user_id or "")
    ]


@router.post(
    "/api-keys",
    tags=["API keys"],
    status_code=201,
    response_model=s.ApiKeyCreated,
    dependencies=[requires_scope("api_keys:write")],
)
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


@router.delete(
    "/api-keys/{key_id}",
    tags=["API keys"],
    status_code=204,
    dependencies=[requires_scope("api_keys:write")],
)
def revoke_api_key(key_id: Id, uow: UoW, principal: CurrentPrincipal) -> Response:
    repo = AccessRepository(uow.session)
    key = next((k for k in repo.api_keys_of(principal.user_id or "") if k.id == key_id), None)
    if key is None:
        raise NotFound("no such key")
    key.revoked_at = utcnow()
    uow.audit(principal.tenant_id, principal.actor, "api_key.revoked", "api_key", key.id)
    uow.commit()
    return Response(status_code=204)
