"""``build_plan``: the whole demo dataset as a deterministic plan.

Same seed, scale and anchor → the same plan, step for step. The order of the
generator calls below is part of that contract (they share one random
source), so append new generators at the end rather than in between.
"""

from __future__ import annotations

from datetime import datetime

from kith.demo import customers, org, personas, sales, service_desk, signals
from kith.demo.plan import Plan, PlanBuilder, scaled


def build_plan(seed: int, scale: float, anchor: datetime) -> Plan:
    b = PlanBuilder(seed, scale, anchor)
    pipelines = org.pipelines(b)
    org.plan_products(b)
    personas.plan_personas(b)
    plan_customers(b)
    sales.generate_deals(b, scaled("deal", scale))
    service_desk.generate_tickets(b, scaled("ticket", scale))
    customers.generate_leads(b, scaled("lead", scale))
    signals.generate_telemetry(b)
    signals.fill_interactions(b, scaled("interaction", scale))
    sales.fill_activities(b, scaled("activity", scale))
    return Plan(
        seed=seed,
        scale=scale,
        anchor=b.anchor,
        start=b.start,
        users=org.USERS,
        teams=org.TEAMS,
        integrations=org.INTEGRATIONS,
        pipelines=pipelines,
        admin=org.ADMIN,
        steps=b.steps,
        deals=b.deals,
        tickets=b.tickets,
        late=b.late,
    )


def plan_customers(b: PlanBuilder) -> None:
    """Accounts, then their people, then private owners, each up to its share of the total."""
    customers.generate_accounts(b, scaled("account", b.scale))
    contacts = scaled("contact", b.scale)
    individuals = round(contacts * customers.INDIVIDUAL_SHARE)
    persona_individuals = sum(1 for c in b.contacts if c.account is None)
    persona_business = len(b.contacts) - persona_individuals
    ordinary_accounts = sum(1 for a in b.accounts if not a.persona)
    business = max(2 * ordinary_accounts, contacts - individuals - persona_business)
    customers.generate_business_contacts(b, business)
    # A few ordinary owners even at tiny scales, so random signals have someone to come from.
    customers.generate_individuals(b, max(3, individuals - persona_individuals))
