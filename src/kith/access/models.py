"""Access-control tables. Permissions are rows, not code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kith.core.clock import utcnow
from kith.db.base import ID, Base, IdMixin, TenantMixin, TimestampMixin
from kith.db.crypto import EncryptedString

# Room for the encrypted stored form (prefix, key id, base64 of nonce, text and tag).
ENCRYPTED_WIDTH = 255


class Tenant(IdMixin, TimestampMixin, Base):
    __tablename__ = "tenants"

    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh-CN")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    # Two-factor sign-in (TOTP): the secret is encrypted at rest; it exists from the
    # start of enrolment and counts once ``totp_enabled_at`` is set (first code confirmed).
    totp_secret: Mapped[str | None] = mapped_column(
        EncryptedString(ENCRYPTED_WIDTH, "user.totp_secret"), default=None
    )
    totp_enabled_at: Mapped[datetime | None] = mapped_column(default=None)
    # The last time step a code was accepted for: a code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)


class Team(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    manager_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class TeamMember(TenantMixin, Base):
    __tablename__ = "team_members"

    team_id: Mapped[str] = mapped_column(ForeignKey("teams.id"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)


class Role(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "roles"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(500))
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)
    # Members must sign in with a second factor; unenrolled members are made to enrol.
    requires_2fa: Mapped[bool] = mapped_column(Boolean, default=False)


class UserRole(TenantMixin, Base):
    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id"), primary_key=True)


class RolePermission(TenantMixin, Base):
    """What a role may do with an object type, and over which records.

    ``scope`` is one of ``own`` (records the principal owns), ``team`` (owned by
    anyone in a team the principal belongs to or manages) or ``all``.
    """

    __tablename__ = "role_permissions"

    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id"), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    action: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope: Mapped[str] = mapped_column(String(8))


class FieldRule(TenantMixin, Base):
    """Field-level restriction for a role: ``hidden`` or ``read_only``."""

    __tablename__ = "field_rules"

    role_id: Mapped[str] = mapped_column(ForeignKey("roles.id"), primary_key=True)
    object_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    field: Mapped[str] = mapped_column(String(64), primary_key=True)
    access: Mapped[str] = mapped_column(String(16))


class ApiKey(IdMixin, TenantMixin, TimestampMixin, Base):
    """An integration credential. Acts as its owning user, narrowed by ``scopes``."""

    __tablename__ = "api_keys"

    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    scopes: Mapped[list[Any]]
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)


class AuthSession(IdMixin, TenantMixin, TimestampMixin, Base):
    """A login session; only the SHA-256 of the bearer token is stored."""

    __tablename__ = "auth_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class RecoveryCode(IdMixin, TenantMixin, Base):
    """A one-time two-factor recovery code; only its SHA-256 is stored (80 random bits)."""

    __tablename__ = "user_recovery_codes"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class SignInChallenge(IdMixin, TenantMixin, Base):
    """The short-lived pending token between a correct password and the second factor.

    ``purpose`` is ``totp`` (enter a code) or ``enrol`` (the role requires 2FA and the
    user has none yet). Only the SHA-256 of the token is stored; it is used once.
    """

    __tablename__ = "auth_challenges"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignInFailure(IdMixin, Base):
    """One failed sign-in (password or code), for the sliding-window throttle.

    Keys are SHA-256 of the normalised e-mail and of the client address, so the table
    holds no address book of typed e-mails; rows older than the window are pruned.
    Not tenant-scoped: an attempt happens before any tenant is known.
    """

    __tablename__ = "auth_failures"
    __table_args__ = (
        Index("ix_auth_failures_account_at", "account_key", "at"),
        Index("ix_auth_failures_ip_at", "ip_key", "at"),
        Index("ix_auth_failures_at", "at"),
    )

    account_key: Mapped[str] = mapped_column(String(64))
    ip_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class AccountLock(Base):
    """Per-account lockout state: until when, and how many lockouts in a row (``level``;
    each doubles the next). Its row is locked for the length of every sign-in attempt on
    that account, so concurrent workers count failures one at a time."""

    __tablename__ = "auth_account_locks"

    account_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    level: Mapped[int] = mapped_column(Integer, default=0)


class AccessGeneration(Base):
    """A counter per workspace, raised in the transaction of every change to who may do
    what (roles, grants, field rules, teams, a user switched off): a cached principal
    is reused only while its workspace's generation is the one it was built at."""

    __tablename__ = "access_generations"

    tenant_id: Mapped[str] = mapped_column(ID, primary_key=True)
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
