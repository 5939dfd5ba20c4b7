"""Request and response schemas of the access context."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

RoleName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,63}$")]


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    tenant: str | None = None


class LoginOut(BaseModel):
    status: Literal["signed_in"] = "signed_in"
    token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the scheme name
    expires_at: datetime
    user_id: str


class SecondStepOut(BaseModel):
    """The password was right; a second step follows with ``pending_token``.

    ``second_factor_required``: send a code to ``POST /auth/login/2fa``.
    ``enrolment_required``: the user's role requires two-factor sign-in and they have
    none yet: ``POST /auth/login/enrol`` then ``POST /auth/login/enrol/confirm``.
    """

    status: Literal["second_factor_required", "enrolment_required"]
    pending_token: str
    expires_at: datetime


PendingToken = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=200)
]
TotpCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
RecoveryCodeText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=40)
]


class CodeOrRecoveryIn(BaseModel):
    """Exactly one of a current authenticator ``code`` or an unused ``recovery_code``."""

    model_config = ConfigDict(extra="forbid")

    code: TotpCode | None = None
    recovery_code: RecoveryCodeText | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> CodeOrRecoveryIn:
        if (self.code is None) == (self.recovery_code is None):
            raise ValueError("give either code or recovery_code")
        return self


class SecondFactorIn(CodeOrRecoveryIn):
    pending_token: PendingToken


class PendingTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pending_token: PendingToken


class CodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: TotpCode


class EnrolConfirmIn(CodeIn):
    pending_token: PendingToken


class EnrolmentOut(BaseModel):
    secret: str = Field(description="Base32 TOTP secret, for typing into an authenticator.")
    otpauth_uri: str = Field(description="otpauth://totp/… URI (QR code or link).")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Ten one-time codes; shown once.")


class EnrolledSignInOut(LoginOut):
    recovery_codes: list[str] = Field(description="Ten one-time codes; shown once.")


class TwoFactorOut(BaseModel):
    enabled: bool
    required: bool = Field(description="A role of this user requires two-factor sign-in.")
    pending_enrolment: bool
    recovery_codes_left: int


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
    requires_2fa: bool | None = Field(
        default=None, description="Members must use two-factor sign-in; None leaves it as is."
    )


class RoleOut(BaseModel):
    id: str
    name: str
    description: str | None
    builtin: bool
    requires_2fa: bool = False
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
