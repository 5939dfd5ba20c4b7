"""Queries of the access context."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from kith.access.cache import access_changed
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


class AccessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def tenant_by_slug(self, slug: str) -> Tenant | None:
        return self.session.scalars(select(Tenant).where(Tenant.slug == slug)).first()

    def tenants(self) -> Sequence[Tenant]:
        return self.session.scalars(select(Tenant).order_by(Tenant.created_at)).all()

    def users_by_email(self, email: str) -> Sequence[User]:
        return self.session.scalars(select(User).where(User.email == email.lower())).all()

    def user_in_tenant(self, tenant_id: str, email: str) -> User | None:
        stmt = select(User).where(User.tenant_id == tenant_id, User.email == email.lower())
        return self.session.scalars(stmt).first()

    def users(self, tenant_id: str) -> Sequence[User]:
        stmt = select(User).where(User.tenant_id == tenant_id).order_by(User.name)
        return self.session.scalars(stmt).all()

    def roles(self, tenant_id: str) -> Sequence[Role]:
        return self.session.scalars(select(Role).where(Role.tenant_id == tenant_id)).all()

    def role_by_name(self, tenant_id: str, name: str) -> Role | None:
        stmt = select(Role).where(Role.tenant_id == tenant_id, Role.name == name)
        return self.session.scalars(stmt).first()

    def roles_of(self, user_id: str) -> Sequence[Role]:
        stmt = (
            select(Role)
            .join(UserRole, UserRole.role_id == Role.id)
            .where(UserRole.user_id == user_id)
        )
        return self.session.scalars(stmt).all()

    def permissions_of(self, role_ids: Sequence[str]) -> Sequence[RolePermission]:
        stmt = select(RolePermission).where(RolePermission.role_id.in_(role_ids))
        return self.session.scalars(stmt).all()

    def field_rules_of(self, role_ids: Sequence[str]) -> Sequence[FieldRule]:
        return self.session.scalars(select(FieldRule).where(FieldRule.role_id.in_(role_ids))).all()

    def team_user_ids(self, user_id: str) -> set[str]:
        """Members of every team the user belongs to or manages."""
        member_of = select(TeamMember.team_id).where(TeamMember.user_id == user_id)
        managed = select(Team.id).where(Team.manager_id == user_id)
        stmt = select(TeamMember.user_id).where(
            TeamMember.team_id.in_(member_of) | TeamMember.team_id.in_(managed)
        )
        return set(self.session.scalars(stmt))

    def session_by_token_hash(self, token_hash: str) -> AuthSession | None:
        stmt = select(AuthSession).where(AuthSession.token_hash == token_hash)
        return self.session.scalars(stmt).first()

    def api_key_by_prefix(self, prefix: str) -> ApiKey | None:
        return self.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()

    def teams(self, tenant_id: str) -> Sequence[Team]:
        return self.session.scalars(select(Team).where(Team.tenant_id == tenant_id)).all()

    def role_permissions(self, role_id: str) -> Sequence[RolePermission]:
        return self.session.scalars(
            select(RolePermission).where(RolePermission.role_id == role_id)
        ).all()

    def role_field_rules(self, role_id: str) -> Sequence[FieldRule]:
        return self.session.scalars(select(FieldRule).where(FieldRule.role_id == role_id)).all()

    def team_members(self, team_id: str) -> list[str]:
        stmt = select(TeamMember.user_id).where(TeamMember.team_id == team_id)
        return list(self.session.scalars(stmt))

    def api_keys_of(self, user_id: str) -> Sequence[ApiKey]:
        stmt = select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at)
        return self.session.scalars(stmt).all()

    def replace_user_roles(self, user: User, roles: Sequence[Role]) -> None:
        self.session.execute(delete(UserRole).where(UserRole.user_id == user.id))
        access_changed(self.session, user.tenant_id)  # the ORM does not see a Core delete
        self.session.add_all(
            UserRole(tenant_id=user.tenant_id, user_id=user.id, role_id=r.id) for r in roles
        )

    def user(self, tenant_id: str, user_id: str) -> User | None:
        user = self.session.get(User, user_id)
        return user if user is not None and user.tenant_id == tenant_id else None
