"""Request and response schemas of the access context."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    tenant: str | None = None


class LoginOut(BaseModel):
    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    expires_at: datetime
    user_id: str


class UserOut(BaseModel):
    id: str
    email: str
    name: str
    title: str | None
    locale: str
    timezone: str
    is_active: bool
    roles: list[str] = Field(default_factory=list)


class MeOut(UserOut):
    tenant_id: str
    principal_kind: str
    grants: dict[str, dict[str, str]]
    hidden_fields: dict[str, list[str]]
    read_only_fields: dict[str, list[str]]


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: EmailStr
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    title: Annotated[str, StringConstraints(max_length=200)] | None = None
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    roles: list[RoleName] = Field(min_length=1)
    locale: Literal["zh-CN", "en"] = "zh-CN"


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    title: Annotated[str, StringConstraints(max_length=200)] | None = None
    is_active: bool | None = None
    roles: list[RoleName] | None = Field(default=None, min_length=1)
    locale: Literal["zh-CN", "en"] | None = None


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    manager_id: str | None = None
    member_ids: list[str] = Field(default_factory=list)


class TeamOut(BaseModel):
    id: str
    name: str
    manager_id: str | None
    member_ids: list[str]


class PermissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: str
    action: Literal["read", "create", "update", "delete"]
    scope: Literal["own", "team", "all"] | None = Field(description="None removes the permission")


class FieldRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    object_type: str
    field: str
    access: Literal["hidden", "read_only"] | None = Field(description="None removes the rule")


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: RoleName
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    permissions: list[PermissionIn] = Field(default_factory=list)
    field_rules: list[FieldRuleIn] = Field(default_factory=list)


class RoleOut(BaseModel):
    id: str
    name: str
    description: str | None
    builtin: bool
    permissions: list[PermissionIn]
    field_rules: list[FieldRuleIn]


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    scopes: list[Annotated[str, StringConstraints(pattern=r"^(\*|[a-z_]+:(read|write|\*))$")]] = (
        Field(min_length=1)
    )
    expires_at: datetime | None = None


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyOut):
    secret: str = Field(description="Shown once; store it now.")
