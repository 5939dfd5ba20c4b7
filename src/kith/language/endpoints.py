"""``/api/v1/commands``: plan (201), execute, undo — the Ctrl+K command bar's contract."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path

from kith.api.deps import CurrentPrincipal, UoW, requires_scope
from kith.api.responses import KithJSON
from kith.gateway.deps import GatewayDep
from kith.language.llm import configured_engine
from kith.language.schemas import CommandIn, CommandOut, ExecuteIn, ExecuteOut
from kith.language.service import LanguageService, present

router = APIRouter(default_response_class=KithJSON, tags=["Commands"])
CommandId = Annotated[str, Path(max_length=32)]


@router.post(
    "/api/v1/commands",
    status_code=201,
    response_model=CommandOut,
    dependencies=[requires_scope("commands:write")],
)
def plan_command(
    body: CommandIn, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> Any:
    """Plan a command or answer a question typed in Chinese or English; nothing runs."""
    model = configured_engine()  # None unless KITH_LLM_BASE_URL is set
    try:
        out = LanguageService(uow, principal, gateway, model=model).plan(
            body.text, body.lang, body.now
        )
    finally:
        if model is not None:
            model.close()
    uow.commit()
    return out


@router.get(
    "/api/v1/commands/{command_id}",
    response_model=CommandOut,
    dependencies=[requires_scope("commands:read")],
)
def get_command(
    command_id: CommandId, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> Any:
    """A command the caller typed earlier, with its plan and status."""
    return present(LanguageService(uow, principal, gateway).get(command_id))


@router.post(
    "/api/v1/commands/{command_id}/execute",
    response_model=ExecuteOut,
    dependencies=[requires_scope("commands:write")],
)
def execute_command(
    command_id: CommandId,
    uow: UoW,
    principal: CurrentPrincipal,
    gateway: GatewayDep,
    body: ExecuteIn | None = None,
) -> Any:
    """Run the plan once through the gateway; ``answers`` picks options of its questions."""
    out = LanguageService(uow, principal, gateway).execute(
        command_id, (body or ExecuteIn()).answers
    )
    uow.commit()
    return out


@router.post(
    "/api/v1/commands/{command_id}/undo",
    response_model=ExecuteOut,
    dependencies=[requires_scope("commands:write")],
)
def undo_command(
    command_id: CommandId, uow: UoW, principal: CurrentPrincipal, gateway: GatewayDep
) -> Any:
    """Undo what can be undone (created records deleted, stage/assignee/fields restored)."""
    out = LanguageService(uow, principal, gateway).undo(command_id)
    uow.commit()
    return out
