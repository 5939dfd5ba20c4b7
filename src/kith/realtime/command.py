"""``kith decide KEY --input FILE|JSON`` and ``kith rules ...``: decide from the
command line, and author, test, publish, roll back and experiment with rule sets and
their lists. Acts as the system for the workspace (audited as such). ``kith.cli``
imports this module while it is being imported itself, so the services are imported
inside the commands."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from kith.clikit import JsonFlag, TenantOpt, open_container
from kith.clikit import fail as _fail
from kith.clikit import fail_kith as _fail_kith
from kith.clikit import report as _report
from kith.core.errors import KithError

rules_app = typer.Typer(
    help="Real-time decision rule sets: list, show, draft, test, publish, rollback, experiment.",
    no_args_is_help=True,
)
lists_app = typer.Typer(help="Blocklists and allowlists the rules read.", no_args_is_help=True)
rules_app.add_typer(lists_app, name="lists")

InputOpt = Annotated[
    str, typer.Option("--input", help="A JSON file, or the JSON itself ('-' reads stdin).")
]


def _load_json(value: str, what: str) -> Any:
    import sys

    text = value
    if value == "-":
        text = sys.stdin.read()
    elif not value.lstrip().startswith(("{", "[")):
        path = Path(value)
        if not path.is_file():
            _fail(f"{what}: no such file {value!r} (give a file or the JSON itself)")
        text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")


def _service(uow: Any, tenant: str, container: Any) -> Any:
    from kith.access.repository import AccessRepository
    from kith.access.service import system_principal
    from kith.realtime.runtime import runtime_for
    from kith.realtime.service import RealtimeService

    workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
    if workspace is None:
        _fail(f"--tenant: no workspace {tenant!r}; run 'kith init' first")
    return RealtimeService(
        uow,
        system_principal(workspace.id, "kith rules"),
        runtime_for(container),
        clock=container.clock,
    )


def _run(action: Any, tenant: str) -> Any:
    container = open_container(migrated=True)
    try:
        with container.uow() as uow:
            result = action(_service(uow, tenant, container))
            uow.commit()
            return result
    except KithError as exc:
        _fail_kith(exc)


def decide_command(
    decision_key: Annotated[str, typer.Argument(help="e.g. payment_check")],
    given: InputOpt,
    budget_ms: Annotated[int | None, typer.Option(min=1, max=10_000)] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Decide now: outcome, score, reasons, actions, version, variant, latency."""
    body = _load_json(given, "--input")
    out = _run(lambda s: s.decide(decision_key, body, budget_ms=budget_ms), tenant)
    data = out.model_dump(mode="json")
    reasons = "; ".join(f"{r['zh']} / {r['en']}" for r in data["reasons"]) or "-"
    _report(
        data,
        as_json,
        f"{data['outcome']} (score {data['score']:g}, {decision_key} v{data['ruleset_version']} "
        f"{data['variant']}, {data['latency_ms']} ms)\nreasons: {reasons}\n"
        f"actions: {', '.join(data['actions']) or '-'}\ndecision: {data['decision_id']}",
    )


@rules_app.command("list")
def list_rules(tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Every decision key: its champion, experiment, and versions."""

    def action(s: Any) -> Any:
        routes = {r.decision_key: r for r in s.repo.routes()}
        out = []
        for v in s.versions():
            route = routes.get(v.decision_key)
            role = ""
            if route is not None:
                if route.champion == v.version:
                    role = "champion"
                elif route.challenger == v.version:
                    role = f"challenger ({route.mode} {route.percent:g}%)"
            out.append(
                {
                    "decision_key": v.decision_key,
                    "version": v.version,
                    "status": v.status,
                    "role": role,
                    "rules": len(v.definition.get("rules", [])),
                    "note": v.note,
                }
            )
        return out

    rows = _run(action, tenant)
    lines = [
        f"{r['decision_key']:<20} v{r['version']:<4} {r['status']:<10} {r['rules']:>3} rules  "
        f"{r['role']}"
        for r in rows
    ]
    _report(rows, as_json, "\n".join(lines) or "no rule sets yet")


@rules_app.command("show")
def show(
    decision_key: str,
    version: Annotated[int | None, typer.Option(help="Default: the champion.")] = None,
    diff: Annotated[int | None, typer.Option(help="Compare with this version.")] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """A version's rules, thresholds and actions (``--diff N``: what changed from N)."""

    def action(s: Any) -> Any:
        number = version or s.route(decision_key).champion
        if number is None:
            _fail(f"{decision_key} has no champion; give --version")
        row = s.version(decision_key, number)
        out: dict[str, Any] = {"version": number, "status": row.status, **row.definition}
        if diff is not None:
            from kith.realtime.diff import diff_definitions

            out["diff"] = diff_definitions(s.version(decision_key, diff).definition, row.definition)
        return out

    data = _run(action, tenant)
    lines = [f"{decision_key} v{data['version']} ({data['status']})"]
    for n, rule in enumerate(data["rules"], 1):
        effect = rule.get("outcome") or f"{rule.get('score', 0):+g}"
        lines.append(f"{n:>2}. {rule['name']:<28} {effect:<8} when {rule['when']}")
    thresholds = ", ".join(f"≥{t['min_score']:g} → {t['outcome']}" for t in data["thresholds"])
    lines.append(f"thresholds: {thresholds or '-'}; fallback: {data['fallback_outcome']}")
    if "diff" in data:
        lines.append("diff: " + json.dumps(data["diff"], ensure_ascii=False))
    _report(data, as_json, "\n".join(lines))


@rules_app.command("draft")
def draft(
    decision_key: str,
    definition: Annotated[str, typer.Option("--file", help="The rule set as JSON (file or text).")],
    note: Annotated[str | None, typer.Option(help="What changed.")] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Save a new draft version (it must compile; nothing is saved otherwise)."""
    from pydantic import ValidationError

    from kith.realtime.schemas import DraftIn

    given = _load_json(definition, "--file")
    try:
        body = DraftIn(definition=given, note=note)
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"--file: {'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
    row = _run(lambda s: s.draft(decision_key, body), tenant)
    _report(
        {"decision_key": decision_key, "version": row.version, "status": row.status},
        as_json,
        f"{decision_key} v{row.version} saved as a draft",
    )


@rules_app.command("test")
def run_tests(
    decision_key: str,
    version: int,
    last: Annotated[int, typer.Option(min=0, help="Replay the last N decisions.")] = 0,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Run a version's test cases (and replay the last N decisions through it)."""
    data = _run(lambda s: s.test(decision_key, version, last), tenant)
    lines = [
        f"{'ok ' if c['passed'] else 'FAIL'} {c['name']}: expected {c['expect']}, got {c['actual']}"
        for c in data["cases"]
    ]
    if data["replay"]:
        r = data["replay"]
        lines.append(f"last {r['decisions']} decisions: {r['changed']} would change {r['changes']}")
    _report(data, as_json, "\n".join(lines) or "no test cases")
    if not data["passed"]:
        raise typer.Exit(1)


@rules_app.command("publish")
def publish(
    decision_key: str, version: int, tenant: TenantOpt = "default", as_json: JsonFlag = False
) -> None:
    """Make a version the champion (its test cases must pass); live within a second."""
    route = _run(lambda s: s.publish(decision_key, version), tenant)
    _report(
        {"decision_key": decision_key, "champion": route.champion},
        as_json,
        f"{decision_key}: v{route.champion} published (previous v{route.previous_champion})",
    )


@rules_app.command("rollback")
def rollback(decision_key: str, tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Back to the previous champion; any experiment stops."""
    route = _run(lambda s: s.rollback(decision_key), tenant)
    _report(
        {"decision_key": decision_key, "champion": route.champion},
        as_json,
        f"{decision_key}: back to v{route.champion}",
    )


@rules_app.command("experiment")
def experiment(
    decision_key: str,
    mode: Annotated[str, typer.Option(help="ab, canary, shadow or off.")],
    challenger: Annotated[int | None, typer.Option(help="The challenger version.")] = None,
    percent: Annotated[float, typer.Option(min=0, max=100, help="Share to the challenger.")] = 0,
    split_key: Annotated[str, typer.Option(help="Hashed for the split.")] = "customer_id",
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Start, change (e.g. raise a canary) or stop an experiment."""
    from pydantic import ValidationError

    from kith.realtime.schemas import ExperimentIn

    try:
        body = ExperimentIn.model_validate(
            {"mode": mode, "challenger": challenger, "percent": percent, "split_key": split_key}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"--{'-'.join(str(p) for p in first['loc']).replace('_', '-')}: {first['msg']}")
    route = _run(lambda s: s.experiment(decision_key, body), tenant)
    _report(
        {
            "decision_key": decision_key,
            "mode": route.mode,
            "challenger": route.challenger,
            "percent": route.percent,
        },
        as_json,
        f"{decision_key}: {route.mode} v{route.challenger} {route.percent:g}% "
        f"(champion v{route.champion})",
    )


@rules_app.command("stats")
def stats(decision_key: str, tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Per version and variant: outcomes, latency, precision/recall of high risk."""
    data = _run(lambda s: s.stats(decision_key), tenant)
    lines = [
        f"v{v['version']} {v['variant']:<10} {v['decisions']:>7} decisions {v['outcomes']} "
        f"p50 {v['p50_ms']} ms p99 {v['p99_ms']} ms precision {v['precision']} "
        f"recall {v['recall']}"
        for v in data["variants"]
    ]
    _report(data, as_json, "\n".join(lines) or "no decisions yet")


@lists_app.command("add")
def list_add(
    list_name: Annotated[str, typer.Option("--list", help="blocklist or allowlist.")],
    kind: Annotated[str, typer.Option(help="ip, cidr, device or card.")],
    value: Annotated[str, typer.Option(help="The IP, range, fingerprint or card hash.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the entry).")],
    expires: Annotated[
        datetime | None, typer.Option(help="When it lapses (UTC, e.g. 2026-12-31T00:00).")
    ] = None,
    tenant: TenantOpt = "default",
    as_json: JsonFlag = False,
) -> None:
    """Add or renew an entry."""
    from datetime import UTC

    from pydantic import ValidationError

    from kith.realtime.schemas import ListEntryIn

    try:
        body = ListEntryIn.model_validate(
            {
                "list_name": list_name,
                "kind": kind,
                "value": value,
                "reason": reason,
                "expires_at": expires.replace(tzinfo=UTC) if expires else None,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        _fail(f"--{str(first['loc'][0]).replace('_name', '').replace('_', '-')}: {first['msg']}")
    row = _run(lambda s: s.add_entry(body), tenant)
    _report(
        {"id": row.id, "list_name": row.list_name, "kind": row.kind, "value": row.value},
        as_json,
        f"{row.list_name}: {row.kind} {row.value} ({row.id})",
    )


@lists_app.command("show")
def list_show(tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Every entry with its reason and expiry."""

    def action(s: Any) -> Any:
        return [
            {
                "id": e.id,
                "list_name": e.list_name,
                "kind": e.kind,
                "value": e.value,
                "reason": e.reason,
                "expires_at": e.expires_at.isoformat() if e.expires_at else None,
            }
            for e in s.entries()
        ]

    rows = _run(action, tenant)
    lines = [
        f"{r['id']}  {r['list_name']:<9} {r['kind']:<6} {r['value']:<40} {r['reason']}"
        f"{'  until ' + r['expires_at'] if r['expires_at'] else ''}"
        for r in rows
    ]
    _report(rows, as_json, "\n".join(lines) or "no entries")


@lists_app.command("remove")
def list_remove(entry_id: str, tenant: TenantOpt = "default", as_json: JsonFlag = False) -> None:
    """Remove an entry."""
    _run(lambda s: s.remove_entry(entry_id), tenant)
    _report({"removed": entry_id}, as_json, f"removed {entry_id}")
