"""Web: the dispatch page (``/dispatch``) and the embeddable dispatch panel — the script
``/embed/dispatch.js`` (the ``<kith-dispatch>`` custom element) and the routes it calls,
``/embed/api/dispatch/{work_order_id}`` (+ ``/recommendation``, ``/assign``).

The embed routes take no session or API key: the ``X-Kith-Embed-Token`` header carries
a short-lived embed token of the open platform (``kith.platform.embed``, component
``dispatch``) naming the tenant, who minted it (a person or an API key) and the one work
order it opens; the routes act as that minter. They answer cross-origin (the host page is another
system's) and go through the same service and gateway calls as ``/api/v1/work-orders``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from kith.access.principal import Principal
from kith.api.deps import UoW, get_container, public_route
from kith.api.problems import problem, problem_headers
from kith.api.responses import KithJSON
from kith.container import Container
from kith.core.errors import KithError
from kith.fieldservice import embed as dispatch_component
from kith.fieldservice.schemas import AssignIn, RecommendIn
from kith.fieldservice.service import FieldService
from kith.gateway.deps import GatewayDep
from kith.platform import embed
from kith.web.i18n import MESSAGES

STATIC = FilePath(__file__).parent / "static"
PURPOSE = "crm_ui"
CORS = {
    "Access-Control-Allow-Origin": "*",  # token-bound, no cookies: any host page may call
    "Access-Control-Allow-Headers": "Content-Type, X-Kith-Embed-Token",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Max-Age": "600",
}
Id = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ContainerDep = Annotated[Container, Depends(get_container)]
TokenHeader = Annotated[str, Header(alias="X-Kith-Embed-Token", min_length=1, max_length=2000)]

router = APIRouter(default_response_class=KithJSON, include_in_schema=False)


def embed_script() -> str:
    """The panel module and the element as one classic script, messages bundled."""
    panel = (STATIC / "dispatch-panel.js").read_text(encoding="utf-8")
    panel = panel.replace("export function ", "function ").replace(
        "export async function ", "async function "
    )
    element = (STATIC / "embed-dispatch.js").read_text(encoding="utf-8")
    messages = {
        locale: {k: v for k, v in table.items() if k.startswith("dispatch.")}
        for locale, table in MESSAGES.items()
    }
    bundled = json.dumps(messages, ensure_ascii=False)
    css = json.dumps((STATIC / "dispatch.css").read_text(encoding="utf-8"))
    return (
        f"(function () {{\nconst MESSAGES = {bundled};\nconst PANEL_CSS = {css};\n"
        f"{panel}\n{element}\n}})();\n"
    )


@router.get("/embed/dispatch.js", dependencies=[public_route()])
def dispatch_script() -> Response:
    return Response(
        embed_script(),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


def _acting(uow: Any, container: Container, token: str, work_order_id: str) -> Principal:
    return embed.acting(
        uow, container.settings, token, dispatch_component.NAME, work_order_id, container.clock()
    )


def _cors(response: Response) -> None:
    response.headers.update(CORS)


def _answer(request: Request, uow: Any, action: Callable[[], Any]) -> Any:
    """The action's answer, or its error as problem+json the host page can read (CORS)."""
    try:
        return action()
    except KithError as exc:
        uow.commit()  # a refused or failed gateway call keeps its decision record
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            [e.as_dict() for e in exc.errors],
            request.url.path,
            {**(problem_headers(exc) or {}), **CORS},
        )


@router.options("/embed/api/dispatch/{work_order_id}{rest:path}", dependencies=[public_route()])
def preflight(work_order_id: str, rest: str) -> Response:
    return Response(status_code=204, headers=CORS)


@router.get("/embed/api/dispatch/{work_order_id}", dependencies=[public_route()])
def embed_detail(
    work_order_id: Id,
    token: TokenHeader,
    uow: UoW,
    container: ContainerDep,
    request: Request,
    response: Response,
) -> Any:
    _cors(response)

    def action() -> Any:
        principal = _acting(uow, container, token, work_order_id)
        return FieldService(uow, principal, container.clock).detail(work_order_id)

    return _answer(request, uow, action)


@router.post("/embed/api/dispatch/{work_order_id}/recommendation", dependencies=[public_route()])
def embed_recommend(
    work_order_id: Id,
    body: RecommendIn,
    token: TokenHeader,
    uow: UoW,
    container: ContainerDep,
    gateway: GatewayDep,
    request: Request,
    response: Response,
) -> Any:
    _cors(response)
    args = {"work_order_id": work_order_id, **body.model_dump(exclude_none=True)}
    return _answer(
        request, uow, lambda: _execute(uow, container, gateway, token, "dispatch.recommend", args)
    )


@router.post("/embed/api/dispatch/{work_order_id}/assign", dependencies=[public_route()])
def embed_assign(
    work_order_id: Id,
    body: AssignIn,
    token: TokenHeader,
    uow: UoW,
    container: ContainerDep,
    gateway: GatewayDep,
    request: Request,
    response: Response,
) -> Any:
    _cors(response)
    args = {"work_order_id": work_order_id, **body.model_dump(mode="json", exclude_none=True)}
    return _answer(
        request, uow, lambda: _execute(uow, container, gateway, token, "workorders.assign", args)
    )


def _execute(
    uow: Any, container: Container, gateway: Any, token: str, tool: str, args: dict[str, Any]
) -> dict[str, Any]:
    principal = _acting(uow, container, token, args["work_order_id"])
    result = gateway.execute(uow, principal, tool, args, purpose=PURPOSE)
    uow.commit()
    result.raise_for_outcome()
    return {**(result.output or {}), "decision_id": result.decision_id}
