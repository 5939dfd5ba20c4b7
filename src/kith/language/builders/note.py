"""Add a note to a contact, account or deal."""

from __future__ import annotations

from kith.language.builders.context import BuildContext
from kith.language.dealdesc import DEAL_WORDS
from kith.language.intents import IntentHit
from kith.language.lexicon import (
    after_colon,
)


def build_note(ctx: BuildContext, hit: IntentHit) -> None:
    contact = ctx.contact(hit)
    body = after_colon(hit.clause.text) or hit.clause.text
    args = {
        "body": body,
        "contact_id": contact.record_id if contact else None,
        "account_id": ctx.account_id(hit),
    }
    deal = ctx.entities(hit, "deal", whole=False)
    head = hit.clause.text.split("：")[0].split(":")[0]
    if deal:
        args["deal_id"] = deal[0].record_id
    elif DEAL_WORDS.search(head):  # "港城快运那单…备注一下": the account's open deal
        found = ctx.deal(hit)
        args["deal_id"] = found.record_id if found else None
    tickets = ctx.entities(hit, "ticket", whole=False)  # "在T-000013上加个备注"
    if tickets:
        args["ticket_id"] = tickets[0].record_id
    ctx.new_step("notes.add", args, ctx.deps(), "note")
