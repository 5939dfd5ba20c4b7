"""``kith dsar export|erase|restrict|lift|rectify`` and ``kith consent show|record``.

The CLI has direct database access; it acts as the workspace's system principal,
and every export or erasure is audited like over HTTP.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from kith.access.principal import Principal
from kith.access.repository import AccessRepository
from kith.access.service import system_principal
from kith.clikit import JsonFlag, open_container
from kith.clikit import fail as _fail
from kith.clikit import fail_kith as _fail_kith
from kith.clikit import report as _report
from kith.core.errors import KithError
from kith.core.settings import get_settings
from kith.db.uow import UnitOfWork
from kith.privacy import dsar
from kith.privacy.rights import RightsService, changes_from_pairs
from kith.privacy.schemas import (
    ConsentIn,
    LiftIn,
    RectificationIn,
    RestrictionIn,
    RestrictionOut,
)
from kith.privacy.service import ConsentService

dsar_app = typer.Typer(
    help="Data subject requests: export, erasure, restriction, rectification.",
    no_args_is_help=True,
)
consent_app = typer.Typer(help="Read and record a person's consents.", no_args_is_help=True)

Tenant = Annotated[str, typer.Option(help="Workspace slug.")]
ContactArg = Annotated[str, typer.Argument(help="Contact id.")]


def _system(uow: UnitOfWork, slug: str, name: str) -> Principal:
    tenant = AccessRepository(uow.session).tenant_by_slug(slug)
    if tenant is None:
        _fail(f"no workspace {slug!r}; run 'kith init' first")
    return system_principal(tenant.id, name)


@dsar_app.command("export")
def dsar_export(
    contact_id: ContactArg,
    out: Annotated[Path, typer.Option("--out", help="Zip file to write.")],
    tenant: Tenant = "default",
) -> None:
    """Write everything Kith holds about the person to a zip (JSON + CSV + summary)."""
    with open_container().uow() as uow:
        principal = _system(uow, tenant, "dsar export")
        try:
            body = dsar.export_zip(uow, principal, contact_id)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
    out.write_bytes(body)
    typer.echo(f"wrote {out} ({len(body)} bytes)")


@dsar_app.command("erase")
def dsar_erase(
    contact_id: ContactArg,
    reason: Annotated[str, typer.Option(help="Why (kept on the tombstone).")],
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Anonymise the person everywhere and leave a tombstone."""
    if not reason.strip():
        _fail("--reason must not be empty")
    with open_container().uow() as uow:
        principal = _system(uow, tenant, "dsar erasure")
        try:
            tombstone = dsar.erase(uow, principal, get_settings(), contact_id, reason.strip())
        except KithError as exc:
            _fail_kith(exc)
        data = {
            "tombstone_id": tombstone.id,
            "contact_id": contact_id,
            "summary": tombstone.summary,
        }
        uow.commit()
    _report(data, as_json, f"erased {contact_id}; tombstone {data['tombstone_id']}")


Reason = Annotated[str, typer.Option(help="Why (kept in the history and the audit log).")]


def _validated(model: Any, data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))


def _restriction_line(contact_id: str, out: RestrictionOut) -> str:
    if not out.restricted:
        return f"{contact_id}: not restricted"
    until = f" until {out.until.isoformat()}" if out.until else ""
    return f"{contact_id}: restricted{until} ({out.reason}); cancelled {len(out.cancelled)}"


@dsar_app.command("restrict")
def dsar_restrict(
    contact_id: ContactArg,
    reason: Reason,
    until: Annotated[
        str | None, typer.Option(help="ISO time with zone when it ends by itself.")
    ] = None,
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Restrict the person's processing: no automated decisions about them."""
    data = _validated(RestrictionIn, {"reason": reason, "until": until})
    with open_container().uow() as uow:
        try:
            out = RightsService(uow, _system(uow, tenant, "dsar restrict")).restrict(
                contact_id, data
            )
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
    _report(out.model_dump(mode="json"), as_json, _restriction_line(contact_id, out))


@dsar_app.command("lift")
def dsar_lift(
    contact_id: ContactArg, reason: Reason, tenant: Tenant = "default", as_json: JsonFlag = False
) -> None:
    """Lift the restriction of the person's processing."""
    data = _validated(LiftIn, {"reason": reason})
    with open_container().uow() as uow:
        try:
            out = RightsService(uow, _system(uow, tenant, "dsar lift")).lift(contact_id, data)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
    _report(out.model_dump(mode="json"), as_json, _restriction_line(contact_id, out))


@dsar_app.command("rectify")
def dsar_rectify(
    contact_id: ContactArg,
    reason: Reason,
    set_: Annotated[
        list[str], typer.Option("--set", help="field=value (repeat); an empty value clears.")
    ],
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Correct the person's data (validated like any contact update)."""
    try:
        changes = changes_from_pairs(set_)
    except ValueError as exc:
        _fail(str(exc))
    data = _validated(RectificationIn, {"changes": changes, "reason": reason})
    with open_container().uow() as uow:
        try:
            out = RightsService(uow, _system(uow, tenant, "dsar rectify")).rectify(contact_id, data)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
    _report(
        out.model_dump(mode="json"),
        as_json,
        f"rectified {contact_id}: {', '.join(out.fields)} (request {out.request_id})",
    )


@consent_app.command("show")
def consent_show(
    contact_id: ContactArg, tenant: Tenant = "default", as_json: JsonFlag = False
) -> None:
    """Current consents and their history."""
    with open_container().uow() as uow:
        try:
            state = ConsentService(uow, _system(uow, tenant, "cli")).consents(contact_id)
        except KithError as exc:
            _fail_kith(exc)
    lines = [
        f"{c.purpose:<15} {c.channel:<9} {c.state:<8} {c.source} {c.at.isoformat()}"
        for c in state.current
    ]
    _report(state.model_dump(mode="json"), as_json, "\n".join(lines) or "no consents on record")


@consent_app.command("record")
def consent_record(
    contact_id: ContactArg,
    purpose: Annotated[str, typer.Option(help="marketing, sales_outreach, service, …")],
    state: Annotated[str, typer.Option(help="granted or revoked")],
    channel: Annotated[
        str, typer.Option(help='email, sms, phone, app_push, wechat, post or "*"')
    ] = "*",
    source: Annotated[
        str, typer.Option(help="form, call, import, preference_page, api, app")
    ] = "call",
    evidence: Annotated[str | None, typer.Option(help="What the person saw or said.")] = None,
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Append a grant or a revocation (a revocation cancels what it now forbids)."""
    try:
        data = ConsentIn.model_validate(
            {
                "purpose": purpose,
                "state": state,
                "channel": channel,
                "source": source,
                "evidence": evidence,
            }
        )
    except ValidationError as exc:
        _fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with open_container().uow() as uow:
        try:
            out = ConsentService(uow, _system(uow, tenant, "cli")).record(contact_id, data)
        except KithError as exc:
            _fail_kith(exc)
        uow.commit()
    _report(
        out.model_dump(mode="json"),
        as_json,
        f"recorded {purpose}/{channel} {state}; cancelled {len(out.cancelled)}",
    )


privacy_app = typer.Typer(help="Field encryption keys.", no_args_is_help=True)


@privacy_app.command("generate-key")
def generate_key_command(
    key_id: Annotated[str, typer.Option("--id", help="Key id to prefix.")] = "k1",
) -> None:
    """Print a new AES-256 key as a KITH_FIELD_KEYS entry (put the new one first)."""
    from kith.db.crypto import generate_key

    typer.echo(f"{key_id}:{generate_key()}")


@privacy_app.command("rotate-keys")
def rotate_keys_command(as_json: JsonFlag = False) -> None:
    """Re-encrypt every encrypted field with the primary key (and encrypt leftover
    plaintext); run after putting a new key first in KITH_FIELD_KEYS."""
    from kith.db.base import Base
    from kith.db.crypto import KeyMissing, current_keyring, encrypted_columns, rotate

    try:
        ring = current_keyring()
    except KeyMissing as exc:
        _fail(str(exc))
    columns = encrypted_columns(Base.metadata.sorted_tables)
    reports = []
    with open_container().uow() as uow:
        for table, column, context in columns:
            reports.append(rotate(uow.session, table, column, context, ring))
        uow.commit()
    data = {"primary": ring.primary, "columns": [r.__dict__ for r in reports]}
    human = "\n".join(
        f"{r.column}: {r.encrypted} encrypted, {r.re_encrypted} re-encrypted, {r.current} current"
        for r in reports
    )
    _report(data, as_json, human or "no column is declared EncryptedString yet")
