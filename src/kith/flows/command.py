"""``kith flow list|show|validate|save|publish|retire|run|runs|run-show|simulate|draft``:
flows from the command line, acting as a person of the workspace (``--as EMAIL``,
default its first administrator): a flow's tool steps run with its owner's rights, so a
flow is always owned by a person. ``kith.cli`` imports this module while it is being
imported itself, so the services are imported inside the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, fail, fail_kith, open_container, report
from kith.core.errors import KithError

flow_app = typer.Typer(
    help="Flows: automations as data — list, show, validate, publish, run, runs, simulate.",
    no_args_is_help=True,
)
AsOpt = Annotated[
    str | None, typer.Option("--as", help="Act as this user (email); default: the first admin.")
]
KeyArg = Annotated[str, typer.Argument(help="The flow's key, e.g. s1_escalation")]


def _load(value: str, what: str) -> Any:
    text = value
    if not value.lstrip().startswith("{"):
        path = Path(value)
        if not path.is_file():
            fail(f"{what}: no such file {value!r} (give a file or the JSON itself)")
        text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")


def _principal(uow: Any, tenant: str, email: str | None) -> Any:
    from kith.access.repository import AccessRepository
    from kith.access.service import principal_for_user
    from kith.clikit import acting_person, workspace_id

    tenant_id = workspace_id(uow, tenant)
    if email:
        return acting_person(uow, tenant_id, email)
    repo = AccessRepository(uow.session)
    admins = [
        u for u in repo.users(tenant_id) if any(r.name == "admin" for r in repo.roles_of(u.id))
    ]
    if not admins:
        fail(f"workspace {tenant!r} has no administrator; pass --as EMAIL")
    return principal_for_user(uow.session, min(admins, key=lambda u: (u.created_at, u.id)))


def _run(action: Any, tenant: str, email: str | None, *, commit: bool = True) -> Any:
    from kith.flows.engine import FlowEngine
    from kith.flows.service import FlowService
    from kith.gateway.gateway import gateway_of

    container = open_container(migrated=True)
    try:
        with container.uow() as uow:
            principal = _principal(uow, tenant, email)
            engine = FlowEngine(gateway_of(container), container.clock)
            result = action(FlowService(uow, principal, engine, container.clock), container)
            if commit:
                uow.commit()
            return result
    except KithError as exc:
        fail_kith(exc)


@flow_app.command("list")
def list_command(
    tenant: TenantOpt = "default", as_: AsOpt = None, as_json: JsonFlag = False
) -> None:
    """Every flow, its published version and its versions' states."""
    from kith.flows.schemas import flow_out

    rows = _run(
        lambda s, c: [flow_out(f, v).model_dump(mode="json") for f, v in s.list_flows()],
        tenant,
        as_,
        commit=False,
    )
    human = "\n".join(
        f"{r['key']:<28} v{r['published'] or '-':<4} {r['name']}  "
        f"[{', '.join(str(v['version']) + ':' + v['status'] for v in r['versions'])}]"
        for r in rows
    )
    report(rows, as_json, human or "no flows")


@flow_app.command("show")
def show_command(
    key: KeyArg, tenant: TenantOpt = "default", as_: AsOpt = None, as_json: JsonFlag = False
) -> None:
    """A flow with its versions (definitions included)."""
    from kith.flows.schemas import flow_out

    out = _run(
        lambda s, c: flow_out(*s.get(key)).model_dump(mode="json"), tenant, as_, commit=False
    )
    report(out, as_json, json.dumps(out, ensure_ascii=False, indent=2))


DefinitionArg = Annotated[str, typer.Argument(help="A JSON file, or the JSON itself")]


@flow_app.command("validate")
def validate_command(
    definition: DefinitionArg,
    tenant: TenantOpt = "default",
    as_: AsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Check a definition: every problem with its path (exit 2), nothing saved."""
    raw = _load(definition, "definition")
    flow = _run(lambda s, c: s.validate(raw), tenant, as_, commit=False)
    report(
        {"valid": True, "key": flow.key, "nodes": len(flow.nodes)},
        as_json,
        f"valid: {flow.key} ({len(flow.nodes)} nodes)",
    )


@flow_app.command("save")
def save_command(
    definition: DefinitionArg,
    tenant: TenantOpt = "default",
    as_: AsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Save a definition as the flow's draft (the caller owns a new flow)."""
    raw = _load(definition, "definition")
    version = _run(lambda s, c: s.save_draft(raw)[1].version, tenant, as_)
    report(
        {"key": raw.get("key"), "version": version, "status": "draft"},
        as_json,
        f"saved {raw.get('key')} v{version} (draft)",
    )


@flow_app.command("publish")
def publish_command(
    key_or_file: Annotated[str, typer.Argument(help="A flow key, or a definition to save first")],
    tenant: TenantOpt = "default",
    as_: AsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Publish the flow's draft after a full validation (a file is saved as the draft first)."""
    raw = _load(key_or_file, "definition") if not _is_key(key_or_file) else None

    def action(s: Any, c: Any) -> int:
        key = key_or_file
        if raw is not None:
            key = s.save_draft(raw)[0].key
        return int(s.publish(key).version)

    version = _run(action, tenant, as_)
    key = raw.get("key") if raw else key_or_file
    report(
        {"key": key, "version": version, "status": "published"},
        as_json,
        f"published {key} v{version}",
    )


def _is_key(value: str) -> bool:
    import re

    return re.fullmatch(r"[a-z][a-z0-9_]{0,63}", value) is not None and not Path(value).is_file()


@flow_app.command("retire")
def retire_command(
    key: KeyArg, tenant: TenantOpt = "default", as_: AsOpt = None, as_json: JsonFlag = False
) -> None:
    """Retire the published version: no new runs start; running ones finish."""
    version = _run(lambda s, c: s.retire(key).version, tenant, as_)
    report(
        {"key": key, "version": version, "status": "retired"}, as_json, f"retired {key} v{version}"
    )


@flow_app.command("run")
def run_command(
    key: KeyArg,
    payload: Annotated[str, typer.Option("--payload", help="The event's payload (JSON)")] = "{}",
    tenant: TenantOpt = "default",
    as_: AsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Start a run of the published version now and drive it to its first wait or its end."""
    from kith.flows.engine import FlowEngine
    from kith.flows.schemas import run_detail_out
    from kith.flows.service import drive
    from kith.gateway.gateway import gateway_of

    body = _load(payload, "--payload")
    if not isinstance(body, dict):
        fail("--payload: a JSON object")
    run_id = _run(lambda s, c: s.start(key, body).id, tenant, as_)
    container = open_container(migrated=True)
    drive(container, run_id, FlowEngine(gateway_of(container), container.clock))

    def detail(s: Any, c: Any) -> dict[str, Any]:
        run, steps = s.run(run_id)
        return run_detail_out(run, key, steps).model_dump(mode="json")

    out = _run(detail, tenant, as_, commit=False)
    path = " → ".join(out["path"])
    report(out, as_json, f"run {run_id}: {out['status']}  {path}")


@flow_app.command("runs")
def runs_command(
    key: KeyArg,
    status: Annotated[
        str | None, typer.Option(help="running|waiting|completed|failed|cancelled")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    tenant: TenantOpt = "default",
    as_: AsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """A flow's runs, newest first, with why a waiting run waits."""
    from kith.flows.schemas import run_out

    rows = _run(
        lambda s, c: [run_out(r, key).model_dump(mode="json") for r in s.runs(key, status, limit)],
        tenant,
        as_,
        commit=False,
    )
    human = "\n".join(
        f"{r['id']}  v{r['version']}  {r['status']:<9} {r['started_at']}  "
        f"{(r['waiting'] or {}).get('reason') or r['error'] or ''}"
        for r in rows
    )
    report(rows, as_json, human or "no runs")


@flow_app.command("simulate")
def simulate_command(
    key_or_file: Annotated[
        str, typer.Argument(help="A flow key (its latest version) or a definition")
    ],
    last: Annotated[int, typer.Option(min=1, max=1000, help="How many recent events")] = 100,
    tenant: TenantOpt = "default",
    as_: AsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """Dry-run over the last N real events of the trigger's type: runs, branches, tools,
    approvals — nothing written."""
    from kith.flows.engine import definition_of
    from kith.flows.simulate import simulate
    from kith.flows.validate import validate_definition
    from kith.gateway.gateway import gateway_of

    raw = None if _is_key(key_or_file) else _load(key_or_file, "definition")

    def action(s: Any, c: Any) -> dict[str, Any]:
        if raw is not None:
            definition = validate_definition(raw, s.principal)
        else:
            _, versions = s.get(key_or_file)
            definition = definition_of(versions[-1])
        return simulate(s.uow, gateway_of(c), s.principal, definition, last).as_dict()

    out = _run(action, tenant, as_, commit=False)
    human = (
        f"{out['events']} events, {out['runs']} runs, {out['tool_calls']} tool calls, "
        f"{out['approvals']} approvals, outcomes {out['outcomes']}, branches {out['branches']}"
    )
    report(out, as_json, human)


@flow_app.command("draft")
def draft_command(
    text: Annotated[str, typer.Argument(help="The automation in a sentence (zh or en)")],
    tenant: TenantOpt = "default",
    as_: AsOpt = None,
    as_json: JsonFlag = False,
) -> None:
    """A draft flow from a sentence (pattern-based: the sentence shapes in docs/flows.md);
    nothing is saved — review it, then ``kith flow save``."""
    from kith.flows.drafting import draft_from_text

    try:
        out = draft_from_text(text)
    except KithError as exc:
        fail_kith(exc)
    report(out, as_json, json.dumps(out, ensure_ascii=False, indent=2))
