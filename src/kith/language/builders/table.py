"""Intent name (``intents.RULES``) → the builder that turns a hit into steps.

Listed explicitly (nothing registers itself on import): adding an intent means a
rule in ``intents.py``, a module in this package with its builder, and a line here.
"""

from __future__ import annotations

from kith.language.builders.campaign import build_campaign
from kith.language.builders.context import Builder
from kith.language.builders.coupon import build_coupon
from kith.language.builders.create_record import build_create_record
from kith.language.builders.delete import build_delete
from kith.language.builders.draft_email import build_draft_email
from kith.language.builders.escalate import build_escalate
from kith.language.builders.log import build_log
from kith.language.builders.meeting import build_meeting
from kith.language.builders.note import build_note
from kith.language.builders.reassign import build_reassign
from kith.language.builders.refund import build_refund
from kith.language.builders.send import build_send
from kith.language.builders.share import build_share
from kith.language.builders.stage import build_stage
from kith.language.builders.task import build_task
from kith.language.builders.ticket_assign import build_ticket_assign
from kith.language.builders.ticket_create import build_ticket_create
from kith.language.builders.update import build_update

BUILDERS: dict[str, Builder] = {
    "refund": build_refund,
    "coupon": build_coupon,
    "campaign": build_campaign,
    "escalate": build_escalate,
    "ticket_assign": build_ticket_assign,
    "reassign": build_reassign,
    "ticket_create": build_ticket_create,
    "stage": build_stage,
    "delete": build_delete,
    "update": build_update,
    "create_record": build_create_record,
    "log": build_log,
    "draft_email": build_draft_email,
    "send": build_send,
    "share": build_share,
    "meeting": build_meeting,
    "note": build_note,
    "task": build_task,
}
