"""The built-in roles and their default permissions, as data.

Admins can change these rows or add custom roles; ``seed_roles`` only creates
what is missing, so re-running ``kith init`` never overwrites an edit.
"""

from __future__ import annotations

from kith.access.principal import FieldAccess, Scope

RECORD_OBJECTS = (
    "account",
    "contact",
    "lead",
    "pipeline",
    "deal",
    "ticket",
    "activity",
    "interaction",
    "product",
    "order",
)
ADMIN_OBJECTS = (
    "user",
    "team",
    "role",
    "api_key",
    "field",
    "model",
    "segment",
    "schedule",
    "knowledge",
    "risk_rule",
    "risk_decision",
    "practice",
    "anchor",
    "work_order",
    "field_resource",
    "concept",
    "webhook",
    "mailbox",
    "conversation",
)
ACTIONS = ("read", "create", "update", "delete")

Grants = dict[tuple[str, str], Scope]


def _grant(objects: tuple[str, ...], actions: tuple[str, ...], scope: Scope) -> Grants:
    return {(o, a): scope for o in objects for a in actions}


def _merge(*parts: Grants) -> Grants:
    out: Grants = {}
    for part in parts:
        out.update(part)
    return out


READ_ONLY = ("read",)
WRITE = ("read", "create", "update")
REFERENCE = ("product", "pipeline")
PII_HIDDEN: dict[str, dict[str, FieldAccess]] = {
    "contact": {"id_number": "hidden", "bank_account": "hidden"},
    "account": {"bank_account": "hidden"},
}

BUILTIN_ROLES: dict[str, tuple[str, Grants, dict[str, dict[str, FieldAccess]]]] = {
    "admin": (
        "Everything, including users, roles and permissions",
        _merge(
            _grant(RECORD_OBJECTS + ADMIN_OBJECTS, ACTIONS, "all"),
            # inbound events from other systems (POST /events) and their rejections
            _grant(("event",), ("read", "create"), "all"),
        ),
        {},
    ),
    "manager": (
        "Reads everything; changes the team's records",
        _merge(
            _grant(RECORD_OBJECTS, READ_ONLY, "all"),
            _grant(RECORD_OBJECTS, ("create", "update", "delete"), "team"),
            _grant(("user", "team", "field"), READ_ONLY, "all"),
        ),
        {"contact": {"id_number": "hidden"}},
    ),
    "sales": (
        "Works own leads and deals; sees all customers",
        _merge(
            _grant(
                ("account", "contact", "interaction", "ticket", "order", *REFERENCE),
                READ_ONLY,
                "all",
            ),
            _grant(("account", "contact", "lead", "deal", "activity"), ("create",), "own"),
            _grant(("account", "contact", "lead", "deal", "activity"), ("update",), "own"),
            _grant(("lead", "deal", "activity"), READ_ONLY, "team"),
            _grant(("lead", "activity"), ("delete",), "own"),
            _grant(("interaction",), ("create",), "own"),
            _grant(("user", "team", "field"), READ_ONLY, "all"),
        ),
        {**PII_HIDDEN, "account": {"bank_account": "hidden", "tax_id": "read_only"}},
    ),
    "service": (
        "Works tickets; sees customers, orders and products",
        _merge(
            _grant(
                ("account", "contact", "order", "interaction", "deal", *REFERENCE), READ_ONLY, "all"
            ),
            _grant(("ticket",), WRITE, "all"),
            _grant(("activity", "interaction"), WRITE, "all"),
            _grant(("contact",), ("update",), "all"),
            _grant(("user", "team", "field"), READ_ONLY, "all"),
        ),
        {
            "contact": {"id_number": "read_only", "bank_account": "hidden"},
            "account": {"bank_account": "hidden"},
        },
    ),
    "marketing": (
        "Works leads and campaigns; reads customers",
        _merge(
            _grant(("account", "contact", "interaction", "product", "order"), READ_ONLY, "all"),
            _grant(("lead",), ACTIONS, "all"),
            _grant(("activity",), WRITE, "own"),
            # messages.send logs each outbound message as an interaction
            _grant(("interaction",), ("create",), "own"),
            _grant(("user", "team", "field"), READ_ONLY, "all"),
        ),
        PII_HIDDEN,
    ),
    "analyst": (
        "Reads everything, changes nothing",
        _grant((*RECORD_OBJECTS, "user", "team", "field", "model"), READ_ONLY, "all"),
        PII_HIDDEN,
    ),
    "viewer": (
        "Reads customers, deals and tickets",
        _grant(("account", "contact", "deal", "ticket", "product"), READ_ONLY, "all"),
        PII_HIDDEN,
    ),
}

# Saved segments (intelligence): marketing and sales build their own and read all;
# admins get everything through ADMIN_OBJECTS. Migration 0014 grants the same to
# the built-in roles of existing workspaces.
SEGMENT_GRANTS: dict[str, Grants] = {
    "manager": _grant(("segment",), READ_ONLY, "all"),
    "marketing": _merge(
        _grant(("segment",), ("read", "create"), "all"),
        _grant(("segment",), ("update", "delete"), "own"),
    ),
    "sales": _merge(
        _grant(("segment",), ("read", "create"), "all"),
        _grant(("segment",), ("update", "delete"), "own"),
    ),
    "analyst": _grant(("segment",), READ_ONLY, "all"),
}
for _role, _grants in SEGMENT_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)

# Schedules (kith.scheduling): admins manage them through ADMIN_OBJECTS; analysts
# may look. Migration 0013_scheduling grants the same (and ``model``) to the
# built-in roles of existing workspaces.
BUILTIN_ROLES["analyst"][1].update(_grant(("schedule",), READ_ONLY, "all"))

# Knowledge spaces and documents (kith.knowledge): admins manage them through
# ADMIN_OBJECTS; managers publish; every other role reads (which spaces a reader
# sees is decided per space by ``policy.may_read_knowledge_space``). Migration
# 0017_knowledge grants the same to the built-in roles of existing workspaces.
KNOWLEDGE_GRANTS: dict[str, Grants] = {
    "manager": _grant(("knowledge",), WRITE, "all"),
    "sales": _grant(("knowledge",), READ_ONLY, "all"),
    "service": _grant(("knowledge",), READ_ONLY, "all"),
    "marketing": _grant(("knowledge",), READ_ONLY, "all"),
    "analyst": _grant(("knowledge",), READ_ONLY, "all"),
    "viewer": _grant(("knowledge",), READ_ONLY, "all"),
}
for _role, _grants in KNOWLEDGE_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)

# Real-time decisions (kith.realtime): admins author rule sets and decide through
# ADMIN_OBJECTS; managers and analysts read rule sets, lists and figures. Migration
# 0019_realtime grants the same to the built-in roles of existing workspaces.
RISK_GRANTS: dict[str, Grants] = {
    "manager": _grant(("risk_rule",), READ_ONLY, "all"),
    "analyst": _grant(("risk_rule",), READ_ONLY, "all"),
}
for _role, _grants in RISK_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)

# Playbooks (kith.playbooks): micro-practices are captured and reviewed by the people
# who sell and serve (who sees a draft is decided by the playbooks repository); value
# anchors are set by managers and read by everyone. Migration 0023_playbooks grants
# the same to the built-in roles of existing workspaces.
PLAYBOOK_GRANTS: dict[str, Grants] = {
    "manager": _grant(("practice", "anchor"), WRITE, "all"),
    "sales": _merge(_grant(("practice",), WRITE, "all"), _grant(("anchor",), READ_ONLY, "all")),
    "service": _merge(_grant(("practice",), WRITE, "all"), _grant(("anchor",), READ_ONLY, "all")),
    "marketing": _grant(("practice", "anchor"), READ_ONLY, "all"),
    "analyst": _grant(("practice", "anchor"), READ_ONLY, "all"),
    "viewer": _grant(("practice", "anchor"), READ_ONLY, "all"),
}
for _role, _grants in PLAYBOOK_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)

# Flows (kith.flows): admins and managers author, publish, run, retry and cancel flows;
# the other roles read flows and their runs. Migration 0024_flows grants the same to
# the built-in roles of existing workspaces.
FLOW_GRANTS: dict[str, Grants] = {
    "admin": _grant(("flow",), ACTIONS, "all"),
    "manager": _grant(("flow",), WRITE, "all"),
    "sales": _grant(("flow",), READ_ONLY, "all"),
    "service": _grant(("flow",), READ_ONLY, "all"),
    "marketing": _grant(("flow",), READ_ONLY, "all"),
    "analyst": _grant(("flow",), READ_ONLY, "all"),
}
for _role, _grants in FLOW_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)

# Field service (kith.fieldservice): admins manage engineers, providers and work orders
# through ADMIN_OBJECTS; managers and service staff dispatch (work orders, engineers'
# calendars and locations, bay reservations); analysts read. Migration 0025_fieldservice
# grants the same to the built-in roles of existing workspaces.
FIELD_GRANTS: dict[str, Grants] = {
    "manager": _merge(
        _grant(("work_order",), WRITE, "all"), _grant(("field_resource",), WRITE, "all")
    ),
    "service": _merge(
        _grant(("work_order",), WRITE, "all"),
        _grant(("field_resource",), ("read", "update"), "all"),
    ),
    "analyst": _grant(("work_order", "field_resource"), READ_ONLY, "all"),
}
for _role, _grants in FIELD_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)

# Business concepts (kith.concepts): admins author and publish them through
# ADMIN_OBJECTS; managers and analysts draft and publish; every other role reads the
# definitions (a customer's value is read with the customer's record). Migration
# 0026_concepts grants the same to the built-in roles of existing workspaces.
CONCEPT_GRANTS: dict[str, Grants] = {
    "manager": _grant(("concept",), WRITE, "all"),
    "analyst": _grant(("concept",), WRITE, "all"),
    "sales": _grant(("concept",), READ_ONLY, "all"),
    "service": _grant(("concept",), READ_ONLY, "all"),
    "marketing": _grant(("concept",), READ_ONLY, "all"),
    "viewer": _grant(("concept",), READ_ONLY, "all"),
}
for _role, _grants in CONCEPT_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)

# Omnichannel inbox (kith.inbox): admins manage every mailbox and conversation through
# ADMIN_OBJECTS; managers, sales and service connect their own mailboxes (a shared one is
# for admins and managers: kith.inbox.service) and work conversations; analysts and viewers
# read conversations. Migration 0028_inbox grants the same to the built-in roles of
# existing workspaces.
INBOX_GRANTS: dict[str, Grants] = {
    "manager": _grant(("mailbox", "conversation"), WRITE, "all"),
    "sales": _grant(("mailbox", "conversation"), WRITE, "all"),
    "service": _grant(("mailbox", "conversation"), WRITE, "all"),
    "analyst": _grant(("conversation",), READ_ONLY, "all"),
    "viewer": _grant(("conversation",), READ_ONLY, "all"),
}
for _role, _grants in INBOX_GRANTS.items():
    BUILTIN_ROLES[_role][1].update(_grants)
