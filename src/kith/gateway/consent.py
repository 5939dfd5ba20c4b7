"""The consent seam. ``Gateway()`` uses the privacy context's consent ledger
(``kith.privacy.ledger.ConsentLedger``) by default; ``NoConsentLedger`` remains for
callers that deliberately run without one (it allows everything and says so)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kith.access.principal import Principal
from kith.db.uow import UnitOfWork
from kith.gateway.contracts import ConsentDecision

NO_LEDGER_BASIS = "consent ledger not installed"


class NoConsentLedger:
    """Allows everything and records that no ledger was consulted."""

    def check(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
    ) -> ConsentDecision:
        return ConsentDecision(allowed=True, reason="no consent ledger", basis=NO_LEDGER_BASIS)
