"""``kith concepts ...`` (business concepts: list, show, draft, publish, retire, preview,
recompute, distribution, movers, sources) and ``kith health show CUSTOMER`` (a
customer's value with each indicator's contribution). Bad input exits 2 with the
message and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from kith.clikit import JsonFlag, TenantOpt, fail, fail_kith, open_container, report
from kith.core.errors import KithError

concepts_app = typer.Typer(
    help="Business concepts (customer health): versions, publish, preview, recompute.",
    no_args_is_help=True,
)
health_app = typer.Typer(
    help="A customer's health with each indicator's contribution.", no_args_is_help=True
)

AsUser = Annotated[str | None, typer.Option("--as", help="Act as this user (email).")]
Key = Annotated[str, typer.Argument(help="Concept key, e.g. customer_health.")]
Subject = Annotated[str, typer.Option("--subject", help="contact or account.")]


def _principal(uow: Any, tenant: str, as_user: str | None) -> Any:
    from kith.clikit import person_or_system

    return person_or_system(uow, tenant, as_user, "kith concepts")


def _service(uow: Any, principal: Any, container: Any) -> Any:
    from kith.concepts.service import ConceptService

    return ConceptService(uow, principal, clock=container.clock)


def _version(row: Any) -> dict[str, Any]:
    from kith.concepts.endpoints import version_out

    return version_out(row).model_dump(mode="json")


def _counts(r: dict[str, Any]) -> str:
    return f"{r['computed']} computed, {r['changed']} changed, {r['band_changes']} crossed a band"


def _subject(value: str) -> str:
    if value not in ("contact", "account"):
        fail("--subject must be contact or account")
    return value


def _read_definition(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(f"no such file: {path}")
    except (OSError, ValueError) as exc:
        fail(f"{path}: not JSON ({exc})")
    if not isinstance(data, dict):
        fail(f"{path}: expected a JSON object")
    return data


def _invalid(exc: ValidationError) -> NoReturn:
    lines = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
    fail("invalid concept:\n" + "\n".join(lines))


@concepts_app.command("list")
def list_command(
    tenant: TenantOpt = "default", as_user: AsUser = None, as_json: JsonFlag = False
) -> None:
    """Every concept version (draft, published, retired)."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            rows = [
                _version(r)
                for r in _service(uow, _principal(uow, tenant, as_user), container).versions()
            ]
        except KithError as exc:
            fail_kith(exc)
    lines = [
        f"{r['concept_key']} v{r['version']} {r['status']} — {r['label_en']} / {r['label_zh']}"
        for r in rows
    ]
    report(rows, as_json, "\n".join(lines) or "no concepts")


@concepts_app.command("show")
def show_command(
    key: Key,
    version: Annotated[
        int | None, typer.Option(help="Default: the published one.", min=1, max=1_000_000)
    ] = None,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """One version with its indicators and weights."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        service = _service(uow, _principal(uow, tenant, as_user), container)
        try:
            row = service.get_version(key, version) if version else service.published(key)
        except KithError as exc:
            fail_kith(exc)
        data = _version(row)
    lines = [f"{data['concept_key']} v{data['version']} ({data['status']})"]
    for ind in data["definition"]["indicators"]:
        norm = ind["normalisation"]["method"]
        lines.append(
            f"  {ind['weight']:>5} × {ind['key']} ← {ind['source']} "
            f"({norm}, fresh ≤ {ind['freshness_days']}d)"
        )
    report(data, as_json, "\n".join(lines))


@concepts_app.command("draft")
def draft_command(
    path: Annotated[
        Path, typer.Argument(help="JSON: {concept_key, label_en, label_zh, definition}.")
    ],
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Save a new draft version from a JSON file (weights must sum to 1)."""
    from kith.concepts.schemas import ConceptDraftIn

    data = _read_definition(path)
    try:
        body = ConceptDraftIn.model_validate(data)
    except ValidationError as exc:
        _invalid(exc)
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            row = _service(uow, _principal(uow, tenant, as_user), container).draft(body)
        except KithError as exc:
            fail_kith(exc)
        out = _version(row)
        uow.commit()
    report(out, as_json, f"{out['concept_key']} v{out['version']} saved as a draft")


@concepts_app.command("default")
def default_command(
    publish: Annotated[bool, typer.Option(help="Publish it at once.")] = False,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Draft the built-in "customer health" concept (CSAT, NPS, MTBF, renewal, usage, sentiment)."""
    from kith.concepts.defaults import DEFAULT_DRAFT

    container = open_container(migrated=True)
    with container.uow() as uow:
        service = _service(uow, _principal(uow, tenant, as_user), container)
        try:
            row = service.draft(DEFAULT_DRAFT)
            recompute = (
                service.publish(row.concept_key, row.version)[1].model_dump() if publish else None
            )
        except KithError as exc:
            fail_kith(exc)
        out = {"version": _version(row), "recompute": recompute}
        uow.commit()
    report(out, as_json, f"customer_health v{row.version} {'published' if publish else 'drafted'}")


@concepts_app.command("publish")
def publish_command(
    key: Key,
    version: Annotated[int, typer.Argument(min=1, max=1_000_000)],
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Publish a draft; the previous version retires; every customer is recomputed."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            row, recompute = _service(uow, _principal(uow, tenant, as_user), container).publish(
                key, version
            )
        except KithError as exc:
            fail_kith(exc)
        out = {"version": _version(row), "recompute": recompute.model_dump()}
        uow.commit()
    r = out["recompute"]
    report(
        out,
        as_json,
        f"{key} v{version} published; {_counts(r)}",
    )


@concepts_app.command("retire")
def retire_command(
    key: Key,
    version: Annotated[int, typer.Argument(min=1, max=1_000_000)],
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Retire a version (its values stay in the history)."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            row = _service(uow, _principal(uow, tenant, as_user), container).retire(key, version)
        except KithError as exc:
            fail_kith(exc)
        out = _version(row)
        uow.commit()
    report(out, as_json, f"{key} v{version} retired")


@concepts_app.command("preview")
def preview_command(
    path: Annotated[Path, typer.Argument(help="JSON: a draft or just its definition.")],
    subject: Subject = "contact",
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """What a definition gives on 20 real customers, before publishing (nothing saved)."""
    from kith.concepts.schemas import ConceptDefinition

    data = _read_definition(path)
    try:
        definition = ConceptDefinition.model_validate(data.get("definition", data))
    except ValidationError as exc:
        _invalid(exc)
    container = open_container(migrated=True)
    with container.uow() as uow:
        service = _service(uow, _principal(uow, tenant, as_user), container)
        try:
            out = service.preview(data.get("concept_key", "preview"), definition, _subject(subject))
        except KithError as exc:
            fail_kith(exc)
    rows = out.model_dump(mode="json")
    lines = [
        f"{r['name'][:24]:<24} {'—' if r['value'] is None else r['value']:>6} {r['band']}"
        + (" (degraded)" if r["degraded"] else "")
        for r in rows["rows"]
    ]
    report(rows, as_json, "\n".join(lines) or "no customers")


@concepts_app.command("recompute")
def recompute_command(
    key: Key = "customer_health",
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """Recompute the published version for every customer now (the batch)."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            out = _service(uow, _principal(uow, tenant, as_user), container).recompute(
                key, trigger="cli"
            )
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
    data = out.model_dump()
    report(
        data,
        as_json,
        f"{key} v{data['version']}: {_counts(data)}",
    )


@concepts_app.command("distribution")
def distribution_command(
    key: Key = "customer_health",
    subject: Subject = "contact",
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """How customers spread over the bands."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            data = _service(uow, _principal(uow, tenant, as_user), container).distribution(
                key, _subject(subject)
            )
        except KithError as exc:
            fail_kith(exc)
    lines = [f"{b['label_en']:<10} {b['count']}" for b in data["bands"]]
    lines.append(
        f"{'unknown':<10} {data['unknown']}  (degraded: {data['degraded']} of {data['total']})"
    )
    report(data, as_json, "\n".join(lines))


@concepts_app.command("movers")
def movers_command(
    key: Key = "customer_health",
    subject: Subject = "contact",
    days: Annotated[int, typer.Option(min=1, max=3650)] = 30,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 20,
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """The customers whose value moved most in the last N days."""
    container = open_container(migrated=True)
    with container.uow() as uow:
        try:
            rows = _service(uow, _principal(uow, tenant, as_user), container).movers(
                key, _subject(subject), days, limit
            )
        except KithError as exc:
            fail_kith(exc)
    lines = [f"{r['name'][:24]:<24} {r['before']} → {r['after']} ({r['delta']:+})" for r in rows]
    report(rows, as_json, "\n".join(lines) or "no movers")


@health_app.command("show")
def health_show(
    customer: Annotated[str, typer.Argument(help="Contact or account id, or a contact's e-mail.")],
    concept: Annotated[str, typer.Option(help="Concept key.")] = "customer_health",
    tenant: TenantOpt = "default",
    as_user: AsUser = None,
    as_json: JsonFlag = False,
) -> None:
    """A customer's value, band, each indicator's contribution and what is missing, why."""
    from kith.concepts.health import health
    from kith.concepts.lookup import find_customer

    container = open_container(migrated=True)
    with container.uow() as uow:
        principal = _principal(uow, tenant, as_user)
        try:
            subject_type, subject_id = find_customer(uow, principal.tenant_id, customer)
            out = health(uow, principal, subject_type, subject_id, concept)
        except KithError as exc:
            fail_kith(exc)
    data = out.model_dump(mode="json")
    current = data["current"]
    if current is None:
        report(data, as_json, f"{subject_type} {subject_id}: no {concept} computed yet")
        return
    value = "unknown" if current["value"] is None else f"{current['value']:g}"
    lines = [
        f"{concept} v{current['version']}: {value} "
        f"({current['band_label_en']} / {current['band_label_zh']})"
    ]
    for c in current["contributions"]:
        raw = "—" if c["raw"] is None else f"{c['raw']:g}"
        lines.append(f"  {c['points']:>6.2f}  {c['label_en']:<28} raw {raw:<8} {c['status']}")
    lines += [f"  ! {r}" for r in current["reasons"]]
    report(data, as_json, "\n".join(lines))
