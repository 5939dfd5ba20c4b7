"""The optional model path: a local OpenAI-compatible server the test starts proposes the plan; the
offline checks decide whether it stands, and the offline plan is the fallback."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kith.agents.llm import LLMSettings, OpenAICompatibleEngine
from kith.container import Container
from kith.demo.loader import load_demo
from kith.gateway.gateway import gateway_of
from kith.language.resolve import clear_cache
from kith.language.service import LanguageService
from tests.integration.test_language_service import person

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
TEXT = "明天上午十点提醒我给张建国打电话"


@pytest.fixture
def demo(container: Container) -> Container:
    load_demo(container, tenant_slug="default", password="kith-demo-2026", seed=42, scale=0.05,
              anchor=datetime(2026, 11, 20, 1, 0, tzinfo=UTC))  # fmt: skip
    clear_cache()
    return container


class Provider(ThreadingHTTPServer):
    """A local OpenAI-compatible server: ``answer(body)`` gives (status, JSON)."""

    answer: Callable[[str], tuple[int, dict[str, Any]]]

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(BaseHTTPRequestHandler):
    server: Provider

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        status, payload = self.server.answer(body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    thread = threading.Thread(target=server.serve_forever, name="fake-provider")
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def engine(provider: Provider, reply: Any, seen: list[str]) -> OpenAICompatibleEngine:
    def answer(body: str) -> tuple[int, dict[str, Any]]:
        seen.append(body)
        if reply == "error":
            return 500, {"error": "down"}
        situation = json.loads(body)["messages"][1]["content"]
        found = re.search(r"'object_type': 'contact', 'record_id': '(\w+)'", situation)
        assert found is not None
        calls = [
            {
                "id": str(i),
                "type": "function",
                "function": {
                    "name": name.replace(".", "__"),
                    "arguments": json.dumps(args).replace("@CONTACT", found.group(1)),
                },
            }
            for i, (name, args) in enumerate(reply)
        ]
        return 200, {"choices": [{"message": {"tool_calls": calls}}]}

    provider.answer = answer
    return OpenAICompatibleEngine(LLMSettings(base_url=provider.base_url, model="fake"))


def test_model_plan_is_validated_and_used(demo: Container, provider: Provider) -> None:
    seen: list[str] = []
    fake = engine(
        provider,
        [
            (
                "tasks.create",
                {
                    "subject": "回电话",
                    "due_at": "2026-11-21T10:00:00+08:00",
                    "contact_id": "@CONTACT",
                },
            )
        ],
        seen,
    )
    with demo.uow() as uow:
        out = LanguageService(
            uow, person(uow, "wang.qiang@kith.demo"), gateway_of(demo), model=fake
        ).plan(TEXT, None, NOW)
    assert out["engine"] == "llm:fake"
    (step,) = out["steps"]
    assert step["tool"] == "tasks.create" and step["args"]["contact_id"]
    assert "张建国" not in seen[0]  # names are masked before they leave Kith


def test_failure_falls_back_to_the_offline_plan(demo: Container, provider: Provider) -> None:
    with demo.uow() as uow:
        out = LanguageService(
            uow,
            person(uow, "wang.qiang@kith.demo"),
            gateway_of(demo),
            model=engine(provider, "error", []),
        ).plan(TEXT, None, NOW)
    assert out["engine"].startswith("rules")
    assert [s["tool"] for s in out["steps"]] == ["tasks.create"]
    assert any("offline" in w or "离线" in w for w in out["warnings"])


def test_a_refused_model_step_never_reaches_the_plan(demo: Container, provider: Provider) -> None:
    # a sales rep may not delete contacts: the model's proposal is dropped as a whole
    delete = {"object_type": "contact", "record_id": "@CONTACT", "version": 1}
    fake = engine(provider, [("records.delete", delete)], [])
    with demo.uow() as uow:
        out = LanguageService(
            uow, person(uow, "wang.qiang@kith.demo"), gateway_of(demo), model=fake
        ).plan(TEXT, None, NOW)
    assert [s["tool"] for s in out["steps"]] == ["tasks.create"]
    assert out["engine"].startswith("rules")
    (warning,) = [w for w in out["warnings"] if "删除记录" in w]
    assert "你无权删除" in warning  # refused for the user's rights, not for a typo
