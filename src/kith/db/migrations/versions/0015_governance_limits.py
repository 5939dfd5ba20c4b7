"""governance limits: currency-aware, cumulative coupon limit for existing workspaces

The built-in ``coupon_over_limit`` rule compared ``args.value`` with 500 only when
the currency was CNY, and one coupon at a time. New workspaces get the rules from
``gateway.risk.DEFAULT_RULES``; this gives existing ones the same: the coupon and
free-gift rules move to amounts converted to CNY (the coupon one to the contact's
30-day total), unless an administrator already edited them, and every workspace
gets ``amount_in_unknown_currency``. No schema change.

Revision ID: 0015_governance_limits
Revises: 0014_segments
"""

from __future__ import annotations

import os
import time
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0015_governance_limits"
down_revision = "0014_segments"
branch_labels = None
depends_on = ("0003",)  # risk_rules

# Kept literal: a migration must not change when the application code does.
_CONVERTED: dict[str, Any] = {"var": ["amount.converted", False]}
OLD_OVER_500_CNY: dict[str, Any] = {
    "and": [
        {"==": [{"var": ["args.currency", "CNY"]}, "CNY"]},
        {">": [{"var": "args.value"}, 500]},
    ]
}
CHANGED: dict[str, tuple[str, str, dict[str, Any]]] = {
    # name: (old description, new description, new condition)
    "coupon_over_limit": (
        "Coupons worth more than 500 CNY",
        "Coupons to one contact worth more than 500 CNY in 30 days, this one and those "
        "waiting for approval included (any currency, converted)",
        {"and": [_CONVERTED, {">": [{"var": "amount.contact_total_30d"}, 500]}]},
    ),
    "free_gift_over_limit": (
        "Free gifts worth more than 500 CNY",
        "Free gifts worth more than 500 CNY (any currency, converted)",
        {"and": [_CONVERTED, {">": [{"var": "amount.in_base"}, 500]}]},
    ),
}
ADDED = {
    "name": "amount_in_unknown_currency",
    "description": "Amounts that cannot be converted to CNY (no exchange rate for their "
    "currency, or for that of an earlier coupon they add up with)",
    "tool_pattern": "*",
    "condition": {"and": [{"!=": [{"var": "amount.currency"}, None]}, {"!": [_CONVERTED]}]},
}

rules = sa.table(
    "risk_rules",
    sa.column("id", sa.String),
    sa.column("tenant_id", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
    sa.column("tool_pattern", sa.String),
    sa.column("condition", sa.JSON),
    sa.column("level", sa.String),
    sa.column("approver_role", sa.String),
    sa.column("expires_after_minutes", sa.Integer),
    sa.column("enabled", sa.Boolean),
    sa.column("builtin", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def _id() -> str:
    return f"{time.time_ns() // 1_000_000:012x}{os.urandom(10).hex()}"


def _conditions(conn: sa.Connection, name: str) -> list[tuple[str, Any]]:
    query = sa.select(rules.c.id, rules.c.condition).where(rules.c.name == name)
    return [(rule_id, condition) for rule_id, condition in conn.execute(query)]


def update_existing_rules(conn: sa.Connection) -> int:
    """Rewrite the unedited built-in money rules and add the unknown-currency rule where
    missing; returns how many rows changed (0 when run again)."""
    if not sa.inspect(conn).has_table("risk_rules"):
        return 0  # a fresh database: workspaces are seeded with the new rules on first use
    changed = 0
    for name, (_, description, condition) in CHANGED.items():
        for rule_id, current in _conditions(conn, name):
            if current == OLD_OVER_500_CNY:  # an administrator's own condition is kept
                conn.execute(
                    rules.update()
                    .where(rules.c.id == rule_id)
                    .values(condition=condition, description=description)
                )
                changed += 1
    have = sa.select(rules.c.tenant_id).where(rules.c.name == ADDED["name"])
    tenants = conn.execute(
        sa.select(rules.c.tenant_id).where(rules.c.tenant_id.not_in(have)).distinct()
    ).scalars()
    for tenant_id in tenants.all():
        conn.execute(
            rules.insert().values(
                id=_id(),
                tenant_id=tenant_id,
                level="high",
                approver_role="manager",
                expires_after_minutes=24 * 60,
                enabled=True,
                builtin=True,
                created_at=sa.func.current_timestamp(),
                **ADDED,
            )
        )
        changed += 1
    return changed


def upgrade() -> None:
    update_existing_rules(op.get_bind())


def downgrade() -> None:
    conn = op.get_bind()
    if not sa.inspect(conn).has_table("risk_rules"):
        return
    conn.execute(rules.delete().where(rules.c.name == ADDED["name"], rules.c.builtin.is_(True)))
    for name, (description, _, condition) in CHANGED.items():
        for rule_id, current in _conditions(conn, name):
            if current == condition:
                conn.execute(
                    rules.update()
                    .where(rules.c.id == rule_id)
                    .values(condition=OLD_OVER_500_CNY, description=description)
                )
