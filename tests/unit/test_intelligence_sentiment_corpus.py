"""The in-domain sentiment corpus, the hand-written dev set (``sentiment_holdout.jsonl``,
"dev (looked at)") and the business sets' held-out split: sizes, labels by intent,
determinism, and the wall between them (no held-out message in the corpus, in any rule,
cue or prompt file, or in a training split); then the shipped model's figures."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from kith.intelligence.scoring.sentiment import Analyser, analyse, analyse_rules
from kith.intelligence.scoring.sentiment_corpus import PER_LANGUAGE, corpus, generate

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT = ROOT / "tests/data/sentiment_holdout.jsonl"
RULE_FILES = (
    "src/kith/intelligence/scoring/sentiment.py",
    "src/kith/intelligence/scoring/sentiment_corpus.py",
    "src/kith/intelligence/scoring/sentiment_llm.py",
    "src/kith/bench/sentiment_training.py",
    "src/kith/bench/sentiment_business.py",
    "src/kith/agents/builtin/understanding.py",
    "bench/train_sentiment.py",
)


def _holdout() -> list[SimpleNamespace]:
    lines = HOLDOUT.read_text(encoding="utf-8").splitlines()
    return [SimpleNamespace(**json.loads(line)) for line in lines if line.strip()]


def _norm(text: str) -> str:
    return "".join(text.lower().split())


def test_the_corpus_has_enough_messages_of_every_class_in_both_languages() -> None:
    for language in ("zh", "en"):
        messages = generate(language)
        assert len(messages) == PER_LANGUAGE >= 1000
        assert len({m.text for m in messages}) == len(messages)
        labels = Counter(m.label for m in messages)
        assert min(labels.values()) >= 250, labels
        assert sum(m.anger for m in messages) >= 80
        assert sum(m.urgency for m in messages) >= 150


def test_labels_follow_the_generators_intent() -> None:
    for m in corpus():
        if m.intent in ("churn_threat", "refund_demand", "double_charge"):
            assert (m.label, m.urgency) == ("negative", True), m
        if m.intent in ("invoice", "address", "contract", "meeting", "order_change"):
            assert (m.label, m.anger) == ("neutral", False), m
        if m.anger:
            assert m.label == "negative", m


def test_the_corpus_is_deterministic() -> None:
    assert generate("zh", 50) == generate("zh", 50)
    assert generate("en", 50, seed=1) != generate("en", 50, seed=2)


def test_the_held_out_set_is_hand_written_and_labelled() -> None:
    held = _holdout()
    for language in ("zh", "en"):
        rows = [h for h in held if h.language == language]
        assert len(rows) >= 150
        assert set(Counter(h.label for h in rows)) == {"negative", "neutral", "positive"}
        assert all(h.label == "negative" for h in rows if h.anger)


def test_no_held_out_message_is_in_the_corpus_or_in_a_rule_file() -> None:
    held = {_norm(h.text) for h in _holdout()}
    messages = corpus()
    assert not held & {_norm(m.text) for m in messages}

    # nor a near copy: character 3-gram Jaccard with the closest corpus message stays low
    def grams(text: str) -> set[str]:
        flat = _norm(text)
        return {flat[i : i + 3] for i in range(len(flat) - 2)}

    corpus_grams = [grams(m.text) for m in messages]
    for text in held:
        own = grams(text)
        closest = max(len(own & g) / len(own | g) for g in corpus_grams)
        assert closest < 0.6, text
    for name in RULE_FILES:
        source = _norm((ROOT / name).read_text(encoding="utf-8"))
        leaked = [text for text in held if text in source]
        assert not leaked, (name, leaked[:3])


def test_no_business_held_out_message_is_in_the_corpus_or_in_a_rule_file() -> None:
    """The independently written business sets' held-out split (sha256 of the id) is
    never trained on: not in the generated corpus, not in a rule, cue or prompt file,
    not in their own training split."""
    from kith.bench.sentiment_business import load, split

    sets = load(ROOT)
    if not sets:
        pytest.skip("tests/data/sentiment_business_*.jsonl not present")
    held: set[str] = set()
    trained: set[str] = set()
    for messages in sets.values():
        train, held_out = split(messages)
        held |= {_norm(m.text) for m in held_out}
        trained |= {_norm(m.text) for m in train}
    assert len(held) >= 0.25 * sum(len(v) for v in sets.values())
    assert not held & {_norm(m.text) for m in corpus()}
    assert not held & trained  # a text written twice sits on one side only
    for name in RULE_FILES:
        source = _norm((ROOT / name).read_text(encoding="utf-8"))
        leaked = [text for text in held if len(text) >= 8 and text in source]
        assert not leaked, (name, leaked[:3])


def _macro_f1(pairs: list[tuple[str, str]]) -> float:
    scores = []
    for label in ("negative", "neutral", "positive"):
        tp = sum(1 for y, p in pairs if y == p == label)
        fp = sum(1 for y, p in pairs if p == label != y)
        fn = sum(1 for y, p in pairs if y == label != p)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / 3


@pytest.mark.parametrize(("language", "floor"), [("zh", 0.72), ("en", 0.70)])
def test_the_shipped_model_beats_the_cue_lists_on_the_looked_at_dev_set(
    language: str, floor: float
) -> None:
    """``sentiment_holdout.jsonl`` is a dev set now ("dev (looked at)": same author as
    the generator, figures looked at many times); floors at the /3 figures. The figure
    that counts is the business held-out split (test below)."""
    rows = [h for h in _holdout() if h.language == language]
    model = _macro_f1([(h.label, analyse(h.text).label) for h in rows])
    rules = _macro_f1([(h.label, analyse_rules(h.text).label) for h in rows])
    assert model >= floor
    assert model > rules + 0.2
    urgent = [h for h in rows if h.label == "negative" and h.urgency]
    assert sum(analyse(h.text).urgency for h in urgent) / len(urgent) >= 0.75


def test_requests_churn_threats_and_refund_demands_read_as_the_issue_asks() -> None:
    assert analyse("收货地址变更为北京市朝阳区建国路88号，联系人不变。").label == "neutral"
    assert analyse("附件是我们这边盖章后的合同扫描件，请查收。").label == "neutral"
    refund = analyse("We were charged twice for the annual subscription and I want a refund today.")
    assert (refund.label, refund.urgency) == ("negative", True)
    threat = analyse("If this isn't fixed by Friday we will have to look at other vendors.")
    assert (threat.label, threat.urgency) == ("negative", True)
    assert analyse("培训讲得很清楚，同事们都说收获很大。").label == "positive"


def test_a_document_without_flag_heads_still_scores() -> None:
    from kith.intelligence.scoring.sentiment import features

    weights = {g: [0.5] for g in features("blue", "en")}
    model = {"classes": ["negative", "positive"], "bias": [0.0], "weights": weights}
    reading = Analyser({"languages": {"en": {**model, "rules": {"neutral_band": 0.0}}}}).analyse(
        "blue"
    )
    assert (reading.label, reading.anger, reading.urgency) == ("positive", False, False)


@pytest.mark.parametrize(("language", "floor"), [("zh", 0.73), ("en", 0.72)])
def test_the_shipped_model_on_the_business_held_out_split(language: str, floor: float) -> None:
    """Floors just under the figures measured when /4 was shipped (0.742 / 0.730,
    docs/intelligence.md; issue 22's 0.80 is not reached): a retraining that reads the
    independent messages worse fails here. Nothing is tuned on this split."""
    from kith.bench.sentiment_business import load, split

    sets = load(ROOT)
    if language not in sets:
        pytest.skip("tests/data/sentiment_business_*.jsonl not present")
    _, held = split(sets[language])
    model = _macro_f1([(m.label, analyse(m.text).label) for m in held])
    rules = _macro_f1([(m.label, analyse_rules(m.text).label) for m in held])
    assert model >= floor
    assert model > rules + 0.25
