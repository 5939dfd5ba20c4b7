"""The optional LLM sentiment reader, against a local OpenAI-compatible server the test
starts (its answers are the test's, not a model's): it returns the offline reader's three
labels from the model's JSON, sends the text only after masking, falls back to the
offline model on any failure, and runs in the benchmark's comparison."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from kith.agents.llm import LLMSettings
from kith.bench.sentiment_training import evaluate
from kith.intelligence.scoring.sentiment import Sentiment
from kith.intelligence.scoring.sentiment_llm import LLMSentimentReader, configured_reader
from tests.integration.test_language_llm import Provider


class Model:
    """What the fake model replies (None: HTTP 500), and every request it received."""

    def __init__(self, provider: Provider) -> None:
        self.reply: str | None = None
        self.seen: list[dict[str, Any]] = []
        provider.answer = self._answer

    def _answer(self, body: str) -> tuple[int, dict[str, Any]]:
        self.seen.append(json.loads(body))
        if self.reply is None:
            return 500, {"error": "down"}
        return 200, {"choices": [{"message": {"role": "assistant", "content": self.reply}}]}

    def sent(self) -> str:
        return str(self.seen[-1]["messages"][1]["content"])


@pytest.fixture
def provider() -> Iterator[Provider]:
    import threading

    server = Provider()
    thread = threading.Thread(target=server.serve_forever, name="fake-provider")
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def model(provider: Provider) -> Model:
    return Model(provider)


def _offline(text: str | None) -> Sentiment:
    return Sentiment("neutral", 0.0, False, True, ("offline",))


@pytest.fixture
def reader(provider: Provider) -> Iterator[LLMSentimentReader]:
    settings = LLMSettings(base_url=provider.base_url, model="test-model", timeout_s=5)
    llm = LLMSentimentReader(settings, fallback=_offline)
    yield llm
    llm.close()


def test_the_models_labels_are_the_readers(model: Model, reader: LLMSentimentReader) -> None:
    model.reply = '```json\n{"label": "negative", "anger": true, "urgency": true}\n```'
    result = reader.analyse("你们到底怎么回事？重复扣费两次，今天必须退款！")
    assert (result.label, result.anger, result.urgency) == ("negative", True, True)
    assert result.score < 0
    body = model.seen[-1]
    assert body["model"] == "test-model" and body["temperature"] == 0
    assert "urgency" in body["messages"][0]["content"]  # the guidelines go with every call


def test_anger_is_kept_only_on_a_negative_reading(model: Model, reader: LLMSentimentReader) -> None:
    model.reply = '{"label": "neutral", "anger": true, "urgency": true}'
    result = reader.analyse("Please send the signed contract today, finance closes at 5pm.")
    assert (result.label, result.anger, result.urgency) == ("neutral", False, True)


def test_private_values_are_masked_before_the_text_leaves(
    model: Model, reader: LLMSentimentReader
) -> None:
    model.reply = '{"label": "negative", "anger": false, "urgency": true}'
    text = "我是陈晓峰，电话 13912345678，邮箱 chen@example.com，账单多扣了一次，请退款。"
    reader.analyse(text, known={"private_name": "陈晓峰"})
    sent = model.sent()
    for value in ("陈晓峰", "13912345678", "chen@example.com"):
        assert value not in sent
    assert "<NAME_1>" in sent and "<PHONE_1>" in sent and "<EMAIL_1>" in sent
    assert "账单多扣了一次" in sent

    reader.analyse("Call me on (956) 316-8859 about the refund.", regions=["US"])
    assert "316-8859" not in model.sent()


@pytest.mark.parametrize(
    "reply",
    [None, "not json", '{"label": "furious", "anger": true, "urgency": true}', '{"label": "x"}'],
)
def test_any_failure_falls_back_to_the_offline_model(
    model: Model, reader: LLMSentimentReader, reply: str | None
) -> None:
    model.reply = reply
    result = reader.analyse("The invoice address changed, see attached.")
    assert result.cues == ("offline",)
    assert reader.failures == 1


def test_the_benchmark_compares_it_on_labelled_messages(
    model: Model, reader: LLMSentimentReader
) -> None:
    model.reply = '{"label": "negative", "anger": false, "urgency": true}'
    rows = [
        SimpleNamespace(text="We were charged twice; refund one.", label="negative",
                        anger=False, urgency=True),
        SimpleNamespace(text="Please change the invoice title.", label="neutral",
                        anger=False, urgency=False),
    ]  # fmt: skip
    result = evaluate(reader, rows)
    assert result["examples"] == 2 and result["accuracy"] == 0.5
    assert result["per_class"]["negative"] == {
        "support": 1,
        "precision": 0.5,
        "recall": 1.0,
        "f1": 0.667,
    }
    assert result["urgency"]["recall_on_complaints"] == 1.0
    assert len(model.seen) == 2


def test_without_a_provider_there_is_no_llm_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KITH_LLM_BASE_URL", raising=False)
    assert configured_reader() is None
