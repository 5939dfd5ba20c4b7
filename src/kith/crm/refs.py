"""Which customer a record belongs to (rules, the service, the gateway's decisions)."""

from __future__ import annotations

from kith.db.base import RecordMixin


def customer_refs(record: RecordMixin) -> tuple[str | None, str | None]:
    """(account_id, contact_id) a record belongs to, for per-customer timelines."""
    table = getattr(record, "__tablename__", "")
    if table == "accounts":
        return record.id, None
    if table == "contacts":
        return getattr(record, "account_id", None), record.id
    return getattr(record, "account_id", None), getattr(record, "contact_id", None)
