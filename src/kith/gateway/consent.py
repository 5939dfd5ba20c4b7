"""The consent seam. A gateway built without a hook uses the default consent hook the
composition root installs (``kith.bootstrap.wire``: the privacy context's ``ConsentLedger``);
``NoConsentLedger`` remains for callers that deliberately run without one (it allows
everything and says so)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from kith.access.principal import Principal
from kith.db.uow import UnitOfWork
from kith.gateway.contracts import ConsentDecision, ConsentHook

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

    def decide(
        self,
        uow: UnitOfWork,
        principal: Principal,
        tool_name: str,
        purpose: str,
        channel: str | None,
        subject: Mapping[str, Any],
    ) -> ConsentDecision:
        return self.check(uow, principal, tool_name, purpose, channel, subject)


ConsentHookFactory = Callable[[Callable[[], datetime]], ConsentHook]
_default: list[ConsentHookFactory] = []


def use_default_consent(factory: ConsentHookFactory) -> None:
    """The hook a gateway consults unless given one (set by the composition root)."""
    _default[:] = [factory]


def default_consent(clock: Callable[[], datetime]) -> ConsentHook:
    if not _default:
        # Never fall back to allowing everything: a gateway without the ledger is a bug.
        raise RuntimeError("no default consent hook installed (kith.bootstrap.wire)")
    return _default[0](clock)
