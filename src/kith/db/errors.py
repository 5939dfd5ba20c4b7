"""Database errors as the problems callers see: never the SQL, its parameters or the driver's text.

A driver's message repeats the statement and its bound values (internal ids,
ciphertexts of sensitive fields); it belongs in no response, decision record or
log line. ``domain_error`` turns it into the ``kith.core.errors`` error the
REST API answers with, so a tool call through the gateway fails exactly like
the same write through a route.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from kith.core.errors import Conflict, KithError

CONFLICT_DETAIL = (
    "The change conflicts with an existing record "
    "(a unique value such as external_id, number or sku is taken)."
)
DATABASE_FAILURE_DETAIL = "The database could not make the change; nothing was written."


def domain_error(error: BaseException) -> BaseException:
    """``error`` with any database error replaced by a clean domain error (409 or 500)."""
    if isinstance(error, IntegrityError):
        return Conflict(CONFLICT_DETAIL)
    if isinstance(error, SQLAlchemyError):
        return KithError(DATABASE_FAILURE_DETAIL, 500, "Database error")
    return error
