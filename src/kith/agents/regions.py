"""Where a customer's phone numbers come from, for masking before a model call."""

from __future__ import annotations

from kith.agents.sdk import StepContext
from kith.core.errors import KithError


def account_regions(ctx: StepContext, account_id: str | None) -> tuple[str, ...]:
    """The account's country, tried first when phone numbers in the situation are masked."""
    if not account_id:
        return ()
    try:
        country = ctx.records.get("account", account_id).get("country")
    except KithError:  # unreadable or gone: the configured regions alone
        return ()
    return (str(country).upper(),) if country else ()
