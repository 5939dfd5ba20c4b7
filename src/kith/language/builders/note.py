"""Add a note to a contact, account or deal."""

from __future__ import annotations

from kith.language.builders.context import BuildContext
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
    deal = ctx.entities(hit, "deal")
    if deal:
        args["deal_id"] = deal[0].record_id
    ctx.new_step("notes.add", args, ctx.deps(), "note")
