"""The OpenAI-compatible engine against a small server the test starts on 127.0.0.1:
masked requests, restored replies, and failures reported instead of raised."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from kith.agents.llm import LLMSettings, OpenAICompatibleEngine
from kith.agents.reasoning import DraftRequest, ToolChoiceRequest, ToolSchema


class FakeLLM(ThreadingHTTPServer):
    """POST /v1/chat/completions answers with the queued replies, in order, and keeps
    every request body. A reply ``{"sleep": s}`` answers after ``s`` seconds."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"

    def reply_with_tool_call(self, tool: str, arguments: Any) -> None:
        encoded = arguments if isinstance(arguments, str) else json.dumps(arguments)
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": tool.replace(".", "__"), "arguments": encoded},
        }
        self.replies.append({"role": "assistant", "content": None, "tool_calls": [call]})

    def reply_with_text(self, text: str) -> None:
        self.replies.append({"role": "assistant", "content": text})

    def sent(self) -> str:
        return json.dumps(self.requests, ensure_ascii=False)


class _Handler(BaseHTTPRequestHandler):
    server: FakeLLM

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(body)
        reply = self.server.replies.pop(0) if self.server.replies else {"status": 500}
        if "sleep" in reply:
            time.sleep(reply["sleep"])
            self.close_connection = True
            return  # the client gave up long ago
        if self.path != "/v1/chat/completions" or reply.get("status") == 500:
            self.send_response(500)
            self.end_headers()
            return
        data = json.dumps({"choices": [{"index": 0, "message": reply}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    server = FakeLLM()
    thread = threading.Thread(target=server.serve_forever, name="fake-llm")
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def engine_for(server: FakeLLM, timeout_s: float = 5.0) -> OpenAICompatibleEngine:
    settings = LLMSettings(base_url=server.base_url, model="test-model", timeout_s=timeout_s)
    return OpenAICompatibleEngine(settings)


TICKETS = ToolSchema(
    "tickets.create",
    "Open a service ticket",
    {"type": "object", "properties": {"subject": {"type": "string"}}, "required": ["subject"]},
)
PRIVATE = {"private_name": "陈晓峰", "private_mobile": "13912345678"}


def _choice_request() -> ToolChoiceRequest:
    return ToolChoiceRequest(
        agent="service",
        situation='{"seen": "陈晓峰 (13912345678): 冬季续航缩水严重"}',
        tools=[TICKETS],
        rules_plan=["tickets.create: open battery_range ticket"],
        private=PRIVATE,
    )


def test_tool_choice_is_asked_masked_and_restored(fake_llm: FakeLLM) -> None:
    fake_llm.reply_with_tool_call("tickets.create", {"subject": "<NAME_1> 冬季续航"})
    engine = engine_for(fake_llm)
    choice = engine.choose(_choice_request())
    engine.close()
    assert choice is not None and choice.error is None
    assert [(c.tool, c.arguments) for c in choice.calls] == [
        ("tickets.create", {"subject": "陈晓峰 冬季续航"})
    ]
    assert "<NAME_1>" in choice.raw and "陈晓峰" not in choice.raw
    sent = fake_llm.sent()
    assert "陈晓峰" not in sent and "13912345678" not in sent
    assert "冬季续航缩水严重" in sent
    (request,) = fake_llm.requests
    assert request["model"] == "test-model"
    assert request["tools"][0]["function"]["name"] == "tickets__create"


def test_arguments_that_are_not_json_are_passed_on_for_rejection(fake_llm: FakeLLM) -> None:
    fake_llm.reply_with_tool_call("tickets.create", "{subject: oops")
    choice = engine_for(fake_llm).choose(_choice_request())
    assert choice is not None and choice.calls[0].arguments == "{subject: oops"


def test_a_failing_or_slow_model_is_reported_not_raised(fake_llm: FakeLLM) -> None:
    fake_llm.replies.append({"status": 500})
    failed = engine_for(fake_llm).choose(_choice_request())
    assert failed is not None and failed.error is not None and "500" in failed.error
    fake_llm.replies.append({"sleep": 1.0})
    slow = engine_for(fake_llm, timeout_s=0.2).choose(_choice_request())
    assert slow is not None and slow.error is not None and "Timeout" in slow.error


def test_drafts_come_back_restored_or_fall_back_to_the_template(fake_llm: FakeLLM) -> None:
    request = DraftRequest("retention_offer", "zh", {"name": "陈晓峰"}, {"private_name": "陈晓峰"})
    fake_llm.reply_with_text('{"subject": "冬日关怀", "text": "<NAME_1>，祝您出行温暖。"}')
    engine = engine_for(fake_llm)
    draft = engine.draft(request)
    assert (draft.subject, draft.text, draft.engine) == (
        "冬日关怀",
        "陈晓峰，祝您出行温暖。",
        "llm:test-model",
    )
    assert "陈晓峰" not in fake_llm.sent()
    fake_llm.reply_with_text("sorry, I cannot help with that")
    fallback = engine.draft(request)
    assert fallback.engine == "rules" and fallback.text.startswith("陈晓峰您好")


def test_the_contacts_region_is_tried_when_masking_phone_numbers(fake_llm: FakeLLM) -> None:
    """A Berlin landline is no phone number in the configured regions (CN, US, GB): with
    the account's country it is recognised and never leaves in clear."""
    situation = '{"seen": "Bitte rufen Sie 030 901820 an, die Rechnung ist doppelt."}'
    request = ToolChoiceRequest("service", situation, [TICKETS], [], {}, regions=("DE",))
    engine = engine_for(fake_llm)
    fake_llm.reply_with_tool_call("tickets.create", {"subject": "Rechnung"})
    engine.choose(request)
    assert "030 901820" not in fake_llm.sent() and "<PHONE_1>" in fake_llm.sent()
    fake_llm.reply_with_tool_call("tickets.create", {"subject": "Rechnung"})
    engine.choose(ToolChoiceRequest("service", situation, [TICKETS], [], {}))
    assert "030 901820" in fake_llm.sent()
    engine.close()
