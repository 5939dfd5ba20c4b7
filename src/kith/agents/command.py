"""``kith agents list|pause|resume``: the workspace's agents, from the command line.

The CLI acts as Kith itself (the system principal) on the named workspace, like
the other administrative commands.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kith.access.repository import AccessRepository
from kith.access.service import system_principal
from kith.agents.builtin import builtin_registry
from kith.agents.schemas import AgentOut
from kith.agents.service import AgentAdmin
from kith.agents.wiring import agents_consumer  # noqa: F401 - registers the agents consumer
from kith.core.errors import KithError

agents_app = typer.Typer(help="List, pause and resume agents.", no_args_is_help=True)

Tenant = Annotated[str, typer.Option(help="Workspace slug.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
AgentName = Annotated[str, typer.Argument(help="Agent name, e.g. service.")]


def _admin_run(tenant: str, work: Any) -> Any:
    from kith.clikit import fail, fail_kith, open_container

    container = open_container()
    with container.uow() as uow:
        workspace = AccessRepository(uow.session).tenant_by_slug(tenant)
        if workspace is None:
            fail(f"no workspace {tenant!r}; run 'kith init' first")
        admin = AgentAdmin(uow, system_principal(workspace.id), builtin_registry())
        try:
            result = work(admin)
        except KithError as exc:
            fail_kith(exc)
        uow.commit()
        return result


def _line(agent: AgentOut) -> str:
    usage = f"{agent.actions_last_hour}/{agent.budget_per_hour}"
    return f"{agent.name:<16} {agent.status:<7} {usage:>9}  {agent.label_zh} {agent.label_en}"


@agents_app.command("list")
def list_command(tenant: Tenant = "default", as_json: JsonFlag = False) -> None:
    """List the agents with their status and actions in the last hour / hourly budget."""
    from kith.clikit import report

    agents: list[AgentOut] = _admin_run(tenant, lambda admin: admin.agents())
    report(
        [a.model_dump(mode="json") for a in agents],
        as_json,
        "\n".join(_line(a) for a in agents),
    )


def _set_status(name: str, status: str, tenant: str, as_json: bool) -> None:
    from kith.clikit import report

    agent: AgentOut = _admin_run(tenant, lambda admin: admin.set_status(name, status))
    report(agent.model_dump(mode="json"), as_json, f"{agent.name} is {agent.status}")


@agents_app.command("pause")
def pause_command(name: AgentName, tenant: Tenant = "default", as_json: JsonFlag = False) -> None:
    """Pause an agent: it does nothing until resumed."""
    _set_status(name, "paused", tenant, as_json)


@agents_app.command("resume")
def resume_command(name: AgentName, tenant: Tenant = "default", as_json: JsonFlag = False) -> None:
    """Resume a paused agent."""
    _set_status(name, "active", tenant, as_json)
