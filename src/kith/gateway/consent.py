"""The consent seam. The privacy issue installs the consent ledger behind ``ConsentHook``;
until then every call is allowed and the decision record says why."""

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
