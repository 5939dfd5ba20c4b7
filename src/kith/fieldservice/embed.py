"""The dispatch panel as an embeddable component of the open platform
(``kith.platform.embed``): ``<kith-dispatch work-order=… token=…>`` from
``/embed/dispatch.js`` opens one work order. ``kith.bootstrap.wire`` registers it; a
token for it is minted with ``POST /api/v1/embed/tokens`` (component ``dispatch``) by a
signed-in person or an API key holding ``work_orders:write``."""

from __future__ import annotations

from kith.access.principal import Principal
from kith.db.uow import UnitOfWork
from kith.fieldservice.service import FieldService

NAME = "dispatch"
RECORD_TYPE = "work_order"
SCOPE = "work_orders:write"
SCRIPT = "/embed/dispatch.js"
ELEMENT = "kith-dispatch"


def check_work_order(uow: UnitOfWork, principal: Principal, record_id: str) -> None:
    """The minter may read this work order (``NotFound`` otherwise)."""
    FieldService(uow, principal).work_order(record_id)
