"""An OpenAI-compatible reasoning engine (OpenAI, DeepSeek, Qwen, Ollama, vLLM, ...).

It drafts text and chooses tool calls through ``POST {base_url}/chat/completions``.
Everything sent is PII-masked first (known customer values and identifier
patterns become placeholders such as ``<PHONE_1>``) and restored in the reply.
It never acts: the runtime validates its tool calls against the tools' schemas
and the gateway decides. Any failure — network, timeout, malformed reply —
falls back to the rules engine.

Plain ``httpx`` rather than an agent framework: the runtime already owns the
loop (perceive, decide, act through the gateway), so all this needs is one
request with tools and strict handling of what comes back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from kith.agents.reasoning import (
    Draft,
    DraftRequest,
    RulesEngine,
    ToolCall,
    ToolChoice,
    ToolChoiceRequest,
    ToolSchema,
    render,
)
from kith.core.lazy import lazy_module
from kith.crm.masking import Masker

if TYPE_CHECKING:
    import httpx
else:
    httpx = lazy_module("httpx")  # only an engine with a provider configured needs it

PROMPT_VERSION = "kith-agents/1"
_SYSTEM_CHOOSE = (
    "You are the {agent} agent of a CRM. Decide which tools to call for the situation "
    "below. Use only the tools given, with arguments that satisfy their schemas. Values "
    "like <NAME_1> or <PHONE_1> are placeholders for private data: copy them unchanged."
)
_SYSTEM_DRAFT = (
    "You write short, warm customer messages for a company. Improve the draft's wording in "
    "the same language without changing its facts, offers or placeholders such as "
    '<NAME_1>. Reply with JSON only: {"subject": "...", "text": "..."}.'
)


class LLMSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KITH_LLM_", extra="ignore")

    base_url: str | None = None
    model: str = "gpt-4o-mini"
    api_key: SecretStr | None = None
    timeout_s: float = 8.0


def http_client(settings: LLMSettings) -> httpx.Client:
    """A client for the provider's OpenAI-compatible API (base URL, key, timeout)."""
    if not settings.base_url:
        raise ValueError("KITH_LLM_BASE_URL is not set")
    headers = {}
    if settings.api_key is not None:
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    return httpx.Client(
        base_url=settings.base_url.rstrip("/"), timeout=settings.timeout_s, headers=headers
    )


class OpenAICompatibleEngine:
    chooses_tools = True

    def __init__(self, settings: LLMSettings, client: httpx.Client | None = None) -> None:
        if not settings.base_url:
            raise ValueError("KITH_LLM_BASE_URL is not set")
        self.settings = settings
        self.name = f"llm:{settings.model}"
        self.version = PROMPT_VERSION
        self._client = client or http_client(settings)
        self._rules = RulesEngine()

    def close(self) -> None:
        self._client.close()

    def draft(self, request: DraftRequest) -> Draft:
        base = render(request.template, request.language, request.variables)
        masker = Masker(request.private, regions=request.regions)
        draft = json.dumps({"subject": base.subject, "text": base.text}, ensure_ascii=False)
        try:
            message = self._complete(
                [_message("system", _SYSTEM_DRAFT), _message("user", masker.mask(draft))]
            )
            reply = json.loads(_text_of(message))
            subject, text = reply["subject"], reply["text"]
            if not (isinstance(subject, str) and isinstance(text, str) and text.strip()):
                raise ValueError("draft reply without subject and text")
        except (httpx.HTTPError, ValueError, KeyError, TypeError):
            return self._rules.draft(request)
        return Draft(masker.restore(subject), masker.restore(text), self.name)

    def choose(self, request: ToolChoiceRequest) -> ToolChoice | None:
        masker = Masker(request.private, regions=request.regions)
        user = masker.mask(
            f"Situation: {request.situation}\nWhat the rules would do: "
            + ("; ".join(request.rules_plan) or "nothing")
        )
        messages = [
            _message("system", _SYSTEM_CHOOSE.format(agent=request.agent)),
            _message("user", user),
        ]
        try:
            message = self._complete(messages, tools=request.tools)
        except (httpx.HTTPError, ValueError) as exc:
            return ToolChoice((), "", self.name, error=f"{type(exc).__name__}: {exc}"[:300])
        raw = json.dumps(message, ensure_ascii=False)
        calls = tuple(_tool_call(call, masker) for call in message.get("tool_calls") or ())
        return ToolChoice(calls, raw, self.name)

    def _complete(
        self, messages: list[dict[str, str]], tools: Sequence[ToolSchema] = ()
    ) -> Mapping[str, Any]:
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": 0,
        }
        if tools:
            body["tools"] = [_tool_spec(t) for t in tools]
        response = self._client.post("/chat/completions", json=body)
        response.raise_for_status()
        message = response.json()["choices"][0]["message"]
        if not isinstance(message, dict):
            raise ValueError("reply without a message")
        return message


def _message(role: str, content: str) -> dict[str, str]:
    return {"role": role, "content": content}


def _text_of(message: Mapping[str, Any]) -> str:
    content = message.get("content")
    if not isinstance(content, str):
        raise ValueError("reply without text")
    # Some models wrap JSON in a fenced block.
    return content.strip().removeprefix("```json").removeprefix("```").removesuffix("```")


# OpenAI function names allow [a-zA-Z0-9_-] only; Kith tool names contain dots.
def _function_name(tool: str) -> str:
    return tool.replace(".", "__")


def _tool_name(function: str) -> str:
    return function.replace("__", ".")


def _tool_spec(tool: ToolSchema) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": _function_name(tool.name),
            "description": tool.description,
            "parameters": dict(tool.parameters),
        },
    }


def _tool_call(call: Any, masker: Masker) -> ToolCall:
    """The call with placeholders restored; arguments that are not JSON stay a string
    (the runtime's validation then rejects them)."""
    function = call.get("function") if isinstance(call, dict) else None
    if not isinstance(function, dict):
        return ToolCall("", call)
    name = _tool_name(str(function.get("name", "")))
    arguments = function.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            return ToolCall(name, arguments)
    return ToolCall(name, masker.restore_value(arguments))
