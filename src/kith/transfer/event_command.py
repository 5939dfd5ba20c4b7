"""``kith events send``: an inbound event from the command line (a JSON argument or
file), exactly as ``POST /api/v1/events`` would receive it, acting as a user like an
import. Registered under ``kith events`` by ``kith.cli``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, open_container
from kith.clikit import fail as _fail
from kith.core.errors import KithError


def send(
    event_type: Annotated[str, typer.Argument(help="Event type, e.g. web.visit.")],
    data: Annotated[str, typer.Option("--data", help="The event's data as JSON, or @file.")],
    idempotency_key: Annotated[
        str | None, typer.Option(help="Your id for this event; sent twice, it is accepted once.")
    ] = None,
    acting_as: Annotated[
        str | None, typer.Option("--as", help="Email of the sender (default: first admin).")
    ] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Send an inbound event, exactly as POST /api/v1/events would receive it."""
    from kith.clikit import fail_kith, report
    from kith.crm.inbound import InboundService, Rejected
    from kith.transfer.acting import acting_principal
    from kith.transfer.errors import UnusableInput

    body: dict[str, Any] = {"type": event_type, "data": _json_argument(data)}
    if idempotency_key:
        body["idempotency_key"] = idempotency_key
    with open_container().uow() as uow:
        try:
            principal = acting_principal(uow.session, tenant, acting_as)
            outcome = InboundService(uow, principal).receive(json.dumps(body).encode())
        except UnusableInput as exc:
            _fail(str(exc))
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    if isinstance(outcome, Rejected):
        fail_kith(outcome.error)
    report(
        outcome.model_dump(),
        as_json,
        f"{outcome.status}: {outcome.type} -> interaction {outcome.interaction_id}"
        + (f" (contact {outcome.contact_id})" if outcome.contact_id else " (no contact matched)"),
    )


def _json_argument(value: str) -> Any:
    text = value
    if value.startswith("@"):
        try:
            text = Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot read {value[1:]}: {exc.strerror}")
    try:
        return json.loads(text)
    except ValueError as exc:
        _fail(f"--data is not valid JSON: {exc}")
