"""The MCP door: Kith's gateway tools, records and decision passports for outside agents.

Built on the official ``mcp`` SDK's low-level server, because Kith's tools are data (a
registry of JSON schemas), not Python functions to decorate. Two transports:
streamable HTTP at ``/mcp`` (stateless JSON: every request stands alone, so any
process of a scaled-out deployment can answer it) and stdio (``kith mcp``).

Every request is authenticated on its own — an API key or a session token in
``Authorization: Bearer``, or for stdio the key in ``KITH_API_KEY`` — so a key revoked
mid-session stops working at its next call. What a caller may do is exactly what the
REST API lets the same credential do:

- ``tools/list`` needs the key scope ``tools:read`` and shows only the tools whose
  objects the principal may touch (a narrow key sees a short list);
- ``tools/call`` needs ``tools:write`` and runs ``Gateway.execute`` as the principal
  with ``origin="mcp"``: permissions, field rules, consent, the risk policy (a
  high-risk call answers ``pending_approval`` with its approval id and does not run),
  the decision record and the audit chain, as for every other caller;
- resources (``kith://contacts/{id}``, ``…/timeline``, ``kith://decisions/{id}``) read
  through ``RecordService`` and ``DecisionReader`` with the record scopes
  (``contacts:read``…, ``decisions:read``) and the principal's field rules.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from pydantic import AnyUrl
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from kith import __version__
from kith.access import policy
from kith.access.principal import Principal
from kith.access.service import authenticate
from kith.api.deps import bearer_from
from kith.container import Container
from kith.core.errors import KithError, NotFound, PermissionDenied, Unauthenticated
from kith.crm.service import RecordService
from kith.crm.specs import SPECS, SPECS_BY_PLURAL
from kith.db.uow import UnitOfWork
from kith.gateway.authz import WRITE_ACTIONS, with_gateway_grants
from kith.gateway.decisions import DecisionReader, to_json
from kith.gateway.gateway import Gateway, GatewayResult, gateway_of
from kith.gateway.labels import tool_label
from kith.gateway.registry import ANY_OBJECT, ToolSpec

SERVER_NAME = "kith"
PURPOSE_ARG = "purpose"
_ID = r"[0-9a-f]{32}"
_RECORD_URI = re.compile(rf"^kith://(?P<plural>[a-z_]+)/(?P<id>{_ID})(?P<timeline>/timeline)?$")
_DECISION_URI = re.compile(rf"^kith://decisions/(?P<id>{_ID})$")

T = TypeVar("T")
Credential = Callable[[], str | None]


class McpError(Exception):
    """A request the door refuses before any tool runs (what the caller reads)."""


# --- what a principal sees ------------------------------------------------------------


def may_use(spec: ToolSpec, principal: Principal) -> bool:
    """Whether the principal holds the grants the tool needs on every object it touches
    (the gateway checks again, with the call's arguments, when it runs)."""
    actions = ("read",) if spec.read_only else WRITE_ACTIONS

    def may(object_type: str) -> bool:
        return any(policy.scope_for(principal, object_type, a) for a in actions)  # type: ignore[arg-type]

    for entry in spec.touches:
        object_type = entry.partition(".")[0]
        # a tool on any record (records.update…) is listed when some record type
        # allows it; the gateway decides for the call's own object type
        if not (any(map(may, SPECS)) if object_type == ANY_OBJECT else may(object_type)):
            return False
    return True


def _input_schema(spec: ToolSpec) -> dict[str, Any]:
    schema = spec.input_schema.model_json_schema()
    properties = schema.setdefault("properties", {})
    if PURPOSE_ARG not in properties:
        properties[PURPOSE_ARG] = {
            "type": "string",
            "enum": list(spec.purposes),
            "default": spec.purposes[0],
            "description": "Why the call is made; the gateway checks it against consent.",
        }
    return schema


def describe_tool(spec: ToolSpec) -> types.Tool:
    """The tool as MCP lists it: schema, annotations, and what it does in zh and en."""
    zh, en = tool_label(spec.name, "zh"), tool_label(spec.name, "en")
    return types.Tool(
        name=spec.name,
        title=en,
        description=f"{en} / {zh}. {spec.description}",
        inputSchema=_input_schema(spec),
        annotations=types.ToolAnnotations(
            title=en,
            readOnlyHint=spec.read_only,
            destructiveHint=spec.destructive,
            idempotentHint=spec.idempotent,
            openWorldHint=spec.external_effect,
        ),
    )


def result_payload(result: GatewayResult) -> dict[str, Any]:
    """What a caller reads of a gateway call, JSON-safe."""
    payload: dict[str, Any] = {
        "status": result.status,
        "decision_id": result.decision_id,
        "approval_id": result.approval_id,
        "reason": result.reason,
        "output": dict(result.output) if result.output is not None else None,
    }
    if result.errors:
        payload["errors"] = list(result.errors)
    return to_json(payload)  # type: ignore[no-any-return]


# --- the door -------------------------------------------------------------------------


class KithMcp:
    """One MCP server over one container; ``credential`` says where a request's bearer
    credential comes from (the HTTP request, or the environment for stdio)."""

    def __init__(self, container: Container, credential: Credential | None = None) -> None:
        self.container = container
        self.gateway: Gateway = gateway_of(container)
        self._credential = credential
        self.server: Server[Any, Request] = Server(
            SERVER_NAME,
            version=__version__,
            instructions=(
                "Kith CRM. Every tool runs through Kith's governed gateway as you: "
                "high-risk calls wait for a person's approval and answer pending_approval."
            ),
        )
        self._install()

    # The SDK's handlers are async; Kith's units of work are sync: run them in a thread.
    async def _in_thread(self, work: Callable[[UnitOfWork, Principal], T], scope: str) -> T:
        credential = self._credential_now()

        def run() -> T:
            with self.container.uow() as uow:
                principal = self._principal(uow, credential, scope)
                out = work(uow, principal)
                uow.commit()
                return out

        return await anyio.to_thread.run_sync(run)

    def _credential_now(self) -> str | None:
        if self._credential is not None:
            return self._credential()
        request = self.server.request_context.request
        return bearer_from(request) if request is not None else None

    @staticmethod
    def _principal(uow: UnitOfWork, credential: str | None, scope: str) -> Principal:
        if not credential:
            raise McpError("authentication required: Authorization: Bearer <API key or token>")
        try:
            principal = authenticate(uow.session, credential)
        except Unauthenticated as exc:
            raise McpError(exc.detail) from exc
        if not principal.has_api_scope(scope):
            raise McpError(f"this API key lacks the scope {scope}")
        return principal

    def _install(self) -> None:
        server = self.server

        @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
        async def list_tools() -> list[types.Tool]:
            return await self._in_thread(self._tools, "tools:read")

        @server.call_tool(validate_input=True)  # type: ignore[untyped-decorator]
        async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
            try:
                payload = await self._in_thread(
                    lambda uow, principal: self._call(uow, principal, name, arguments),
                    "tools:write",
                )
            except McpError as exc:
                return _error(str(exc))
            failed = payload["status"] in ("refused", "failed")
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=json.dumps(payload))],
                structuredContent=payload,
                isError=failed,
            )

        @server.list_resource_templates()  # type: ignore[no-untyped-call,untyped-decorator]
        async def list_templates() -> list[types.ResourceTemplate]:
            return resource_templates()

        @server.read_resource()  # type: ignore[no-untyped-call,untyped-decorator]
        async def read_resource(uri: AnyUrl) -> str:
            text = str(uri)
            return await self._in_thread(
                lambda uow, principal: json.dumps(read(uow, principal, text), ensure_ascii=False),
                _resource_scope(text),
            )

        @server.list_prompts()  # type: ignore[no-untyped-call,untyped-decorator]
        async def list_prompts() -> list[types.Prompt]:
            return [p.describe() for p in PROMPTS.values()]

        @server.get_prompt()  # type: ignore[no-untyped-call,untyped-decorator]
        async def get_prompt(name: str, arguments: dict[str, str] | None) -> types.GetPromptResult:
            prompt = PROMPTS.get(name)
            if prompt is None:
                raise ValueError(f"unknown prompt {name!r}")
            return prompt.render(arguments or {})

    def _tools(self, uow: UnitOfWork, principal: Principal) -> list[types.Tool]:
        widened = with_gateway_grants(principal)
        return [describe_tool(s) for s in self.gateway.registry if may_use(s, widened)]

    def _call(
        self, uow: UnitOfWork, principal: Principal, name: str, arguments: dict[str, Any]
    ) -> dict[str, Any]:
        spec = self.gateway.registry.get(name)
        if spec is None:
            raise McpError(f"unknown tool {name!r}")
        args = dict(arguments)
        purpose = str(args.pop(PURPOSE_ARG, spec.purposes[0]))
        if PURPOSE_ARG in spec.input_schema.model_fields:
            args[PURPOSE_ARG] = purpose
        result = self.gateway.execute(uow, principal, name, args, purpose=purpose, origin="mcp")
        return result_payload(result)

    # --- transports ---------------------------------------------------------------

    def http_app(self) -> McpHttp:
        return McpHttp(self)


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=True)


class McpHttp:
    """The streamable-HTTP endpoint as an ASGI app (mounted at ``/mcp``); the host's
    lifespan must enter ``running()``."""

    def __init__(self, door: KithMcp) -> None:
        self.door = door
        self.manager = self._new_manager()

    def _new_manager(self) -> StreamableHTTPSessionManager:
        return StreamableHTTPSessionManager(
            app=self.door.server, stateless=True, json_response=True
        )

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A session manager runs once; an app can be started again (tests, reloads).
        self.manager = self._new_manager()
        async with self.manager.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A request without a credential Kith accepts gets 401 at the door, before any
        MCP message is read (each call authenticates again: a key revoked between two
        requests stops at the next)."""
        problem = await anyio.to_thread.run_sync(
            self._credential_problem, bearer_from(Request(scope)) or ""
        )
        if problem is not None:
            response = JSONResponse(
                {"type": "about:blank", "title": "Unauthorized", "status": 401, "detail": problem},
                status_code=401,
                media_type="application/problem+json",
                headers={"WWW-Authenticate": 'Bearer realm="kith"'},
            )
            await response(scope, receive, send)
            return
        await self.manager.handle_request(scope, receive, send)

    def _credential_problem(self, credential: str) -> str | None:
        if not credential:
            return "authentication required: Authorization: Bearer <API key or token>"
        with self.door.container.uow() as uow:
            try:
                authenticate(uow.session, credential)
            except Unauthenticated as exc:
                return exc.detail
        return None


async def serve_stdio(container: Container, credential: str) -> None:
    """``kith mcp``: the same server over stdin/stdout, as the key's principal."""
    from mcp.server.stdio import stdio_server

    door = KithMcp(container, credential=lambda: credential)
    async with stdio_server() as (read_stream, write_stream):
        await door.server.run(
            read_stream, write_stream, door.server.create_initialization_options()
        )


def stdio_credential() -> str | None:
    return os.environ.get("KITH_API_KEY") or None


# --- resources ------------------------------------------------------------------------


def resource_templates() -> list[types.ResourceTemplate]:
    out: list[types.ResourceTemplate] = []
    for spec in sorted(SPECS.values(), key=lambda s: s.plural):
        out.append(
            types.ResourceTemplate(
                uriTemplate=f"kith://{spec.plural}/{{id}}",
                name=f"{spec.plural}",
                title=f"{spec.label_en or spec.plural} / {spec.label_zh or spec.plural}",
                description=f"One {spec.name} as the caller may see it (field rules applied).",
                mimeType="application/json",
            )
        )
        out.append(
            types.ResourceTemplate(
                uriTemplate=f"kith://{spec.plural}/{{id}}/timeline",
                name=f"{spec.plural}-timeline",
                description=f"The {spec.name}'s timeline, newest first.",
                mimeType="application/json",
            )
        )
    out.append(
        types.ResourceTemplate(
            uriTemplate="kith://decisions/{id}",
            name="decisions",
            title="Decision passport / 决策护照",
            description="Why a call was allowed, held or refused: checks, rationale, outcome.",
            mimeType="application/json",
        )
    )
    return out


def _resource_scope(uri: str) -> str:
    match = _RECORD_URI.match(uri)
    if match is not None:
        return f"{match['plural']}:read"
    return "decisions:read"


def read(uow: UnitOfWork, principal: Principal, uri: str) -> Any:
    """A resource's content as the principal may see it."""
    decision = _DECISION_URI.match(uri)
    if decision is not None:
        reader = DecisionReader(uow, principal)
        return to_json(reader.view(reader.get(decision["id"])))
    match = _RECORD_URI.match(uri)
    spec = SPECS_BY_PLURAL.get(match["plural"]) if match is not None else None
    if match is None or spec is None:
        raise NotFound(f"no resource {uri}")
    records = RecordService(uow, principal)
    try:
        if match["timeline"]:
            return to_json(records.timeline(spec.name, match["id"]))
        return to_json(records.get(spec.name, match["id"]))
    except PermissionDenied as exc:
        raise NotFound(f"no resource {uri}") from exc
    except KithError:
        raise


# --- prompts --------------------------------------------------------------------------


class _Prompt:
    def __init__(self, name: str, title: str, arguments: Iterable[str], zh: str, en: str) -> None:
        self.name, self.title, self.arguments = name, title, tuple(arguments)
        self.zh, self.en = zh, en

    def describe(self) -> types.Prompt:
        args = [types.PromptArgument(name=a, required=True) for a in self.arguments]
        args.append(types.PromptArgument(name="language", description="zh or en (default en)"))
        return types.Prompt(name=self.name, title=self.title, arguments=args)

    def render(self, arguments: dict[str, str]) -> types.GetPromptResult:
        missing = [a for a in self.arguments if not arguments.get(a)]
        if missing:
            raise ValueError(f"missing prompt arguments: {', '.join(missing)}")
        template = self.zh if arguments.get("language") == "zh" else self.en
        text = template.format(**{a: arguments[a] for a in self.arguments})
        return types.GetPromptResult(
            description=self.title,
            messages=[
                types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))
            ],
        )


PROMPTS = {
    p.name: p
    for p in (
        _Prompt(
            "prepare_meeting",
            "Brief me before a customer meeting / 会前准备",
            ["contact_id"],
            "读取 kith://contacts/{contact_id} 和它的时间线，用中文写一份会前简报：这位客户是谁、"
            "最近的互动、未结工单和商机、需要注意的风险，以及三个建议的谈话要点。",
            "Read kith://contacts/{contact_id} and its timeline, then write a short brief for "
            "a meeting with this person: who they are, recent interactions, open tickets and "
            "deals, risks to be aware of, and three suggested talking points.",
        ),
        _Prompt(
            "triage_ticket",
            "Triage a ticket / 工单分诊",
            ["ticket_id"],
            "读取 kith://tickets/{ticket_id}，判断优先级和应由谁处理；需要改动时，通过 Kith 的工具"
            "提出（高风险操作会等待审批）。",
            "Read kith://tickets/{ticket_id}, judge its priority and who should handle it; "
            "propose changes through Kith's tools (high-risk calls wait for approval).",
        ),
        _Prompt(
            "explain_decision",
            "Explain a decision / 解释一个决策",
            ["decision_id"],
            "读取 kith://decisions/{decision_id}，用通俗的中文解释这个操作为什么被允许、暂缓或拒绝。",
            "Read kith://decisions/{decision_id} and explain in plain words why the action "
            "was allowed, held for approval or refused.",
        ),
    )
}
