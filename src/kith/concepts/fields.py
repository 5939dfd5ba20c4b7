"""Any numeric field as an indicator's source: ``field:<object>.<field>`` or
``field:<object>.custom.<name>`` for tickets, orders, contacts and accounts (built-in
numeric columns and custom fields of type ``number``; sensitive fields never).

Per customer: a ticket or order field is the mean over that customer's records created
(ordered) in the window; a contact's field is the contact's own value, or for an account
the mean over its contacts; an account's field is the account's value, for a contact
its account's. A field that does not exist or is not numeric gives no data, so the
indicator degrades with its reason instead of a wrong number."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kith.concepts.compute import Reading
from kith.crm.models import Account, Contact, FieldDefinition, Order, Ticket
from kith.crm.specs import SPECS

PREFIX = "field:"
OBJECTS = ("ticket", "order", "contact", "account")
PATTERN = re.compile(r"^field:(ticket|order|contact|account)\.(custom\.)?([a-z_][a-z0-9_]{0,63})$")
MODELS: dict[str, Any] = {"ticket": Ticket, "order": Order, "contact": Contact, "account": Account}
NUMERIC = (int, float, Decimal)
SKIP = frozenset({"version"})
# The built-in numeric columns' names in both languages (the editor never shows a raw
# column name in Chinese); another numeric column shows its name.
LABELS: dict[tuple[str, str], tuple[str, str]] = {
    ("order", "total"): ("Order total", "订单金额"),
    ("account", "annual_revenue"): ("Annual revenue", "年营收"),
    ("account", "employees"): ("Employees", "员工人数"),
}


@dataclass(frozen=True)
class FieldSource:
    source: str
    object_type: str
    field: str
    custom: bool
    label_en: str
    label_zh: str


def parse(source: str) -> tuple[str, str, bool] | None:
    """(object type, field name, custom?) of a field source, None for anything else."""
    found = PATTERN.match(source)
    if found is None:
        return None
    return found.group(1), found.group(3), bool(found.group(2))


def numeric_fields(session: Session, tenant_id: str) -> list[FieldSource]:
    """Every numeric field an indicator may map, built-in first, then custom."""
    out: list[FieldSource] = []
    for obj in OBJECTS:
        spec = SPECS[obj]
        for name in sorted(spec.columns):
            if name in spec.sensitive_fields or name in SKIP or name.endswith("_id"):
                continue
            if spec.python_type(name) in NUMERIC and spec.python_type(name) is not bool:
                en, zh = LABELS.get((obj, name), (name, name))
                out.append(
                    FieldSource(
                        f"{PREFIX}{obj}.{name}",
                        obj,
                        name,
                        False,
                        f"{spec.label_en or obj}: {en}",
                        f"{spec.label_zh or obj}:{zh}",
                    )
                )
    rows = session.scalars(
        select(FieldDefinition)
        .where(
            FieldDefinition.tenant_id == tenant_id,
            FieldDefinition.type == "number",
            FieldDefinition.object_type.in_(OBJECTS),
        )
        .order_by(FieldDefinition.object_type, FieldDefinition.name)
    )
    for d in rows:
        spec = SPECS[d.object_type]
        out.append(
            FieldSource(
                f"{PREFIX}{d.object_type}.custom.{d.name}",
                d.object_type,
                d.name,
                True,
                f"{spec.label_en or d.object_type}: {d.label_en}",
                f"{spec.label_zh or d.object_type}:{d.label_zh or d.label_en}",
            )
        )
    return out


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, NUMERIC):
        return None
    return float(value)


def read_field(
    session: Session,
    tenant_id: str,
    source: str,
    subject_type: str,
    since: datetime,
    now: datetime,
    subject_ids: Collection[str] | None,
) -> dict[str, Reading]:
    parsed = parse(source)
    if parsed is None:
        return {}
    obj, name, custom = parsed
    spec = SPECS[obj]
    if not custom and (
        name not in spec.columns
        or name in spec.sensitive_fields
        or spec.python_type(name) not in NUMERIC
    ):
        return {}
    model = MODELS[obj]
    column = model.custom if custom else getattr(model, name)
    at = {"ticket": Ticket.created_at, "order": Order.ordered_at}.get(obj, model.updated_at)
    if obj in ("ticket", "order"):
        subject = model.contact_id if subject_type == "contact" else model.account_id
        query = select(subject, column, at).where(at >= since, at <= now)
    elif obj == subject_type:
        subject = model.id
        query = select(subject, column, at)
    elif obj == "contact":  # a contact field for an account: over its contacts
        subject = Contact.account_id
        query = select(subject, column, at)
    else:  # an account field for a contact: its account's
        subject = Contact.id
        query = select(subject, column, at).join(Account, Account.id == Contact.account_id)
        query = query.where(Contact.deleted_at.is_(None))
    query = query.where(
        model.tenant_id == tenant_id, model.deleted_at.is_(None), subject.is_not(None)
    )
    if subject_ids is not None:
        query = query.where(subject.in_(list(subject_ids)))
    values: dict[str, list[float]] = defaultdict(list)
    newest: dict[str, datetime] = {}
    for who, raw, when in session.execute(query):
        value = _number(
            raw.get(name) if custom and isinstance(raw, dict) else None if custom else raw
        )
        if value is None:
            continue
        values[str(who)].append(value)
        newest[str(who)] = max(when, newest.get(str(who), when))
    return {
        who: Reading(statistics.fmean(nums), newest[who], len(nums)) for who, nums in values.items()
    }
