"""Domain errors. Entry points map them: HTTP to problem+json, CLI to exit 2."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FieldError:
    path: list[str | int]
    message: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, Any]:
        return {"loc": self.path, "msg": self.message, "type": self.type}


@dataclass
class KithError(Exception):
    detail: str
    status: int = 400
    title: str = "Bad request"
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(KithError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, 422, "Validation failed", errors or [])


class NotFound(KithError):
    def __init__(self, detail: str) -> None:
        super().__init__(detail, 404, "Not found")


class Conflict(KithError):
    """``changed_by``: who changed the record since the caller read it (kind, id, name,
    at), so a person sees that an agent, not a colleague, got there first."""

    def __init__(
        self,
        detail: str,
        errors: list[FieldError] | None = None,
        changed_by: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail, 409, "Conflict", errors or [])
        self.changed_by = changed_by


class PermissionDenied(KithError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, 403, "Forbidden", errors or [])


class Unauthenticated(KithError):
    def __init__(self, detail: str = "Authentication required") -> None:
        super().__init__(detail, 401, "Unauthorized")


class BadRequest(KithError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail, 400, "Bad request", errors or [])


class TooManyRequests(KithError):
    """Throttled: ``retry_after`` seconds until the next attempt may succeed (``Retry-After``)."""

    def __init__(
        self, detail: str, retry_after: int, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail, 429, "Too many requests")
        self.retry_after = max(1, retry_after)
        self.headers = dict(headers or {})  # e.g. RateLimit-Limit/Remaining/Reset
