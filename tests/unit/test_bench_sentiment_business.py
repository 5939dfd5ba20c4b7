"""The business sentiment sets' fixed split: a message's side depends on its id alone
(sha256), 30 % held out, the validation fold inside the training part, the same on
every run; the loader skips absent files and refuses bad labels and repeated ids."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from pathlib import Path

import pytest

from kith.bench.sentiment_business import (
    FILES,
    BusinessMessage,
    bucket,
    is_held_out,
    load,
    split,
    validation_fold,
)


def _message(i: int, text: str | None = None) -> BusinessMessage:
    text = text or f"请问第{i}张发票的抬头怎么改？"
    return BusinessMessage(f"zh-{i:04d}", "zh", text, "neutral", False, False, "request")


def test_the_side_of_a_message_is_fixed_by_the_sha256_of_its_id() -> None:
    # pinned: changing the hash or the share moves messages between train and held-out
    assert [bucket(i) for i in ("zh-0001", "en-0002", "en-0003")] == [226, 549, 752]
    assert int(hashlib.sha256(b"en-0002").hexdigest()[:8], 16) % 1000 == 549
    assert is_held_out("zh-0001") and not is_held_out("en-0002")
    assert bucket("en-0002", "validation:") == 781


def test_the_split_ignores_order_text_and_the_other_messages() -> None:
    messages = [_message(i) for i in range(1, 2001)]
    train, held = split(messages)
    assert not {m.id for m in train} & {m.id for m in held}
    assert len(train) + len(held) == len(messages)
    assert 0.27 <= len(held) / len(messages) <= 0.33

    shuffled = random.Random(3).sample(messages, len(messages))
    reworded = [replace(m, text=m.text + "谢谢") for m in shuffled[:1500]]
    _, held_again = split(reworded)
    assert {m.id for m in held_again} == {m.id for m in held if m.id in {r.id for r in reworded}}


def test_a_text_written_twice_is_never_on_both_sides() -> None:
    messages = [_message(i, f"第{i}条") for i in range(1, 201)]
    held_id = next(m.id for m in messages if is_held_out(m.id))
    train_id = next(m.id for m in messages if not is_held_out(m.id))
    twice = [replace(m, text="请问 发票抬头怎么改？") if m.id in (held_id, train_id) else m
             for m in messages]  # fmt: skip
    train, held = split(twice)
    assert held_id in {m.id for m in held}
    assert train_id not in {m.id for m in train}
    assert len(train) + len(held) == len(messages) - 1


def test_the_validation_fold_is_a_part_of_the_training_split() -> None:
    train, held = split([_message(i) for i in range(1, 2001)])
    fit, validation = validation_fold(train)
    assert {m.id for m in fit} | {m.id for m in validation} == {m.id for m in train}
    assert not {m.id for m in validation} & {m.id for m in held}
    assert 0.15 <= len(validation) / len(train) <= 0.25


def _write(root: Path, language: str, rows: list[dict[str, object]]) -> None:
    path = root / FILES[language]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")


def _row(id_: str, label: str = "negative") -> dict[str, object]:
    return {
        "id": id_,
        "language": "en",
        "text": "We were charged twice; please refund one charge.",
        "label": label,
        "anger": False,
        "urgency": True,
        "category": "refund",
    }


def test_the_loader_reads_the_sets_present_and_refuses_bad_rows(tmp_path: Path) -> None:
    assert load(tmp_path) == {}  # before the sets exist, the trainer runs without them
    _write(tmp_path, "en", [_row("en-0001"), _row("en-0002", "neutral")])
    loaded = load(tmp_path)
    assert list(loaded) == ["en"]
    assert [(m.id, m.label, m.urgency) for m in loaded["en"]] == [
        ("en-0001", "negative", True),
        ("en-0002", "neutral", True),
    ]
    _write(tmp_path, "en", [_row("en-0001", "angry")])
    with pytest.raises(ValueError, match="label"):
        load(tmp_path)
    _write(tmp_path, "en", [_row("en-0001"), _row("en-0001")])
    with pytest.raises(ValueError, match="duplicate"):
        load(tmp_path)
