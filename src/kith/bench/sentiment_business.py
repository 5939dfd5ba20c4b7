"""The independently written business-message sets and their fixed split.

``tests/data/sentiment_business_zh.jsonl`` and ``..._en.jsonl`` (one JSON object a line:
``id``, ``language``, ``text``, ``label`` negative|neutral|positive, ``anger``,
``urgency``, ``category``) were written and labelled by people who had not seen the
sentiment model, its generator or its cue lists, following the labelling guidelines
quoted in docs/intelligence.md.

The split is fixed by the message's ``id`` alone — sha256 of the id, first 8 hex digits
as a number, modulo 1,000: buckets 0–299 are held out (30 %), the rest is training — so
it never depends on the file's order, on the text, on the other messages or on the
machine, and a message added later does not move any other one (a training message
whose text repeats a held-out one is dropped from training). Inside the training
part a second hash (salted with ``validation:``) sets 20 % aside as the validation
fold the trainer chooses its settings and thresholds on; the held-out part is read
only to report figures.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

HELD_OUT_SHARE = 0.3
VALIDATION_SHARE = 0.2  # of the training part
LABELS = ("negative", "neutral", "positive")
FILES = {
    "zh": Path("tests/data/sentiment_business_zh.jsonl"),
    "en": Path("tests/data/sentiment_business_en.jsonl"),
}


@dataclass(frozen=True)
class BusinessMessage:
    id: str
    language: str
    text: str
    label: str
    anger: bool
    urgency: bool
    category: str


def bucket(key: str, salt: str = "") -> int:
    """0..999 from sha256(salt + key): the same on every run, machine and Python."""
    return int(hashlib.sha256(f"{salt}{key}".encode()).hexdigest()[:8], 16) % 1000


def is_held_out(message_id: str, share: float = HELD_OUT_SHARE) -> bool:
    return bucket(message_id) < round(share * 1000)


def is_validation(message_id: str, share: float = VALIDATION_SHARE) -> bool:
    """Whether a *training* message is in the validation fold (a second, salted hash)."""
    return bucket(message_id, "validation:") < round(share * 1000)


def split(
    messages: list[BusinessMessage], share: float = HELD_OUT_SHARE
) -> tuple[list[BusinessMessage], list[BusinessMessage]]:
    """(train, held_out), each in the input's order. A training message whose text (case
    and spacing aside) is also a held-out message's is left out of training, so a text
    written twice under two ids is never trained on and tested on."""
    held = [m for m in messages if is_held_out(m.id, share)]
    held_texts = {_norm(m.text) for m in held}
    train = [
        m for m in messages if not is_held_out(m.id, share) and _norm(m.text) not in held_texts
    ]
    return train, held


def _norm(text: str) -> str:
    return "".join(text.lower().split())


def validation_fold(
    train: list[BusinessMessage],
) -> tuple[list[BusinessMessage], list[BusinessMessage]]:
    """(fit, validation) inside the training part."""
    return [m for m in train if not is_validation(m.id)], [m for m in train if is_validation(m.id)]


def parse(line: str) -> BusinessMessage:
    row = json.loads(line)
    label = str(row["label"])
    if label not in LABELS:
        raise ValueError(f"{row.get('id')}: label {label!r} is not one of {LABELS}")
    return BusinessMessage(
        id=str(row["id"]),
        language=str(row["language"]),
        text=str(row["text"]),
        label=label,
        anger=bool(row.get("anger", False)),
        urgency=bool(row.get("urgency", False)),
        category=str(row.get("category", "")),
    )


def load(root: Path, languages: tuple[str, ...] = ("zh", "en")) -> dict[str, list[BusinessMessage]]:
    """{language: messages} for the sets present under ``root`` (absent files are left
    out, so the trainer runs before the sets exist); ids are unique within a file."""
    out: dict[str, list[BusinessMessage]] = {}
    for language in languages:
        path = root / FILES[language]
        if not path.exists():
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        messages = [parse(line) for line in lines if line.strip()]
        seen: set[str] = set()
        for m in messages:
            if m.id in seen:
                raise ValueError(f"duplicate id {m.id!r} in {path}")
            seen.add(m.id)
        out[language] = messages
    return out
