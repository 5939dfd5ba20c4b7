"""``kith plan`` and ``kith ask`` (``kith bench language`` is in ``kith.bench.command``)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from kith.core.errors import KithError

AsUser = Annotated[str, typer.Option("--as", help="Email of the person typing.")]
Now = Annotated[str | None, typer.Option("--now", help="ISO datetime that fixes 'today'.")]
Lang = Annotated[str | None, typer.Option("--lang", help="zh or en (detected if omitted).")]
Tenant = Annotated[str, typer.Option(help="Workspace slug.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def _now(value: str | None) -> datetime | None:
    from kith.clikit import fail

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"--now: not an ISO datetime: {value!r}")
    if parsed.tzinfo is None:
        fail("--now: give a time zone, e.g. 2026-11-20T09:00:00+08:00")
    return parsed


def _plan(text: str, lang: str | None, when: datetime | None) -> Any:
    from kith.language.llm import configured_engine
    from kith.language.service import LanguageService

    def work(uow: Any, principal: Any, gateway: Any) -> Any:
        model = configured_engine()  # offline unless KITH_LLM_BASE_URL is set
        try:
            return LanguageService(uow, principal, gateway, model=model).plan(text, lang, when)
        finally:
            if model is not None:
                model.close()

    return work


def _human(out: dict[str, Any]) -> str:
    lines = [f"{out['kind']} · {out['status']} · {out['lang']}"]
    for e in out["entities"]:
        lines.append(
            f"  {e['mention']} → {e['object_type']} {e['display'] or '?'} ({e['confidence']})"
        )
    for s in out["steps"]:
        mark = " [needs approval]" if s["needs_approval"] else ""
        lines.append(
            f"  {s['index'] + 1}. {s['tool']}{mark} "
            + json.dumps(s["args"], ensure_ascii=False)[:200]
        )
    for q in out["questions"]:
        lines.append(f"  ? {q['text']}")
        lines += [f"      - {o['value']}: {o['label']}" for o in q.get("options", [])]
    for w in out.get("warnings", []):
        lines.append(f"  ! {w}")
    if out.get("answer"):
        lines.append(f"  {out['answer']['sentence']}")
    return "\n".join(lines)


def _run(email: str, tenant: str, work: Any) -> Any:
    from kith.clikit import acting_person as _person
    from kith.clikit import fail, fail_kith, open_container
    from kith.clikit import workspace_id as _tenant_id
    from kith.gateway.gateway import gateway_of

    container = open_container()
    with container.uow() as uow:
        principal = _person(uow, _tenant_id(uow, tenant), email)
        try:
            result = work(uow, principal, gateway_of(container))
        except KithError as exc:
            fail_kith(exc)
        except ValueError as exc:
            fail(str(exc))
        uow.commit()
        return result


def plan_command(
    text: Annotated[str, typer.Argument(help="The command or question.")],
    as_user: AsUser,
    now: Now = None,
    lang: Lang = None,
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Print the plan for TEXT without executing it."""
    from kith.clikit import report

    when = _now(now)
    out = _run(as_user, tenant, _plan(text, lang, when))
    report(out, as_json, _human(out))


def ask_command(
    text: Annotated[str, typer.Argument(help="The command or question.")],
    as_user: AsUser,
    now: Now = None,
    lang: Lang = None,
    yes: Annotated[bool, typer.Option("--yes", help="Execute without asking.")] = False,
    tenant: Tenant = "default",
    as_json: JsonFlag = False,
) -> None:
    """Plan TEXT, show the preview and execute it on confirmation."""
    from kith.clikit import report
    from kith.language.service import LanguageService

    when = _now(now)
    out = _run(as_user, tenant, _plan(text, lang, when))
    if not as_json:
        typer.echo(_human(out))
    if out["kind"] == "question" or not out["steps"] or out["status"] != "planned":
        if as_json:
            report({"plan": out, "execution": None}, True, "")
        return
    if not yes and not (sys.stdin.isatty() and typer.confirm("Execute this plan?")):
        if as_json:
            report({"plan": out, "execution": None}, True, "")
        else:
            typer.echo("not executed")
        return
    result = _run(
        as_user, tenant, lambda uow, p, gateway: LanguageService(uow, p, gateway).execute(out["id"])
    )
    lines = [f"{result['status']}"] + [
        f"  {r['step'] + 1}. {r['status']}" for r in result["results"]
    ]
    report({"plan": out, "execution": result}, as_json, "\n".join(lines))
