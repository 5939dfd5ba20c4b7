"""The optional model path: a fake OpenAI-compatible provider proposes the plan; the
offline checks decide whether it stands, and the offline plan is the fallback."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from kith.agents.llm import LLMSettings, OpenAICompatibleEngine
from kith.api.deps import Container
from kith.demo.loader import load_demo
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


def engine(reply: Any, seen: list[str]) -> OpenAICompatibleEngine:
    def handler(request: httpx.Request) -> httpx.Response:
        body = request.content.decode()
        seen.append(body)
        if reply == "error":
            return httpx.Response(500, json={"error": "down"})
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
        return httpx.Response(200, json={"choices": [{"message": {"tool_calls": calls}}]})

    client = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://llm.test")
    return OpenAICompatibleEngine(LLMSettings(base_url="http://llm.test", model="fake"), client)


def test_model_plan_is_validated_and_used(demo: Container) -> None:
    seen: list[str] = []
    fake = engine(
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
        out = LanguageService(uow, person(uow, "wang.qiang@kith.demo"), model=fake).plan(
            TEXT, None, NOW
        )
    assert out["engine"] == "llm:fake"
    (step,) = out["steps"]
    assert step["tool"] == "tasks.create" and step["args"]["contact_id"]
    assert "张建国" not in seen[0]  # names are masked before they leave Kith


def test_failure_falls_back_to_the_offline_plan(demo: Container) -> None:
    with demo.uow() as uow:
        out = LanguageService(
            uow, person(uow, "wang.qiang@kith.demo"), model=engine("error", [])
        ).plan(TEXT, None, NOW)
    assert out["engine"].startswith("rules")
    assert [s["tool"] for s in out["steps"]] == ["tasks.create"]
    assert any("offline" in w or "离线" in w for w in out["warnings"])


def test_a_refused_model_step_never_reaches_the_plan(demo: Container) -> None:
    # a sales rep may not delete contacts: the model's proposal is dropped as a whole
    delete = {"object_type": "contact", "record_id": "@CONTACT", "version": 1}
    fake = engine([("records.delete", delete)], [])
    with demo.uow() as uow:
        out = LanguageService(uow, person(uow, "wang.qiang@kith.demo"), model=fake).plan(
            TEXT, None, NOW
        )
    assert [s["tool"] for s in out["steps"]] == ["tasks.create"]
    assert out["engine"].startswith("rules")
    (warning,) = [w for w in out["warnings"] if "records.delete" in w]
    assert "may not" in warning  # refused for the user's rights, not for a typo
