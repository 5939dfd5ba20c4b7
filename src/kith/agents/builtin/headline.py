"""A short title for a longer text: the subject of a ticket opened from a customer's message.

The title is the text's first sentence (Chinese or Western punctuation, or the
first line); when that is still long it is cut at the last clause break or word
that fits and ends with an ellipsis. The whole text belongs in the body, not
twice in one record.
"""

from __future__ import annotations

import re

HEADLINE_LIMIT = 60  # characters; a ticket list shows about this much
MIN_SENTENCE = 6  # shorter first sentences are greetings ("您好！", "Hi,")
# Ends a sentence, as a line break does: full stops, question and exclamation marks,
# semicolons; a Western full stop only before whitespace (not 3.5 kWh, example.com).
_SENTENCE_END = re.compile(r"[。！？!?；;…]|\.(?=\s|$)")
_CLAUSE_BREAK = re.compile(r"[，,、：:—]")
# Trailing marks a title does without (a question keeps its question mark).
_DROPPED_END = "。.；;，,、：:…"


def headline(text: str, limit: int = HEADLINE_LIMIT) -> str:
    """The first sentence of ``text``, at most ``limit`` characters (with "…" when cut).

    A greeting before it ("您好！", "Hi,") is skipped: the first sentence of at
    least ``MIN_SENTENCE`` characters is the title, or the first one when all are short.
    """
    sentences = [s for s in _sentences(text) if s]
    flat = next((s for s in sentences if len(s) >= MIN_SENTENCE), sentences[0] if sentences else "")
    if len(flat) <= limit:
        return flat
    room = flat[: limit - 1]
    breaks = [m.start() for m in _CLAUSE_BREAK.finditer(room)]
    cut = breaks[-1] if breaks and breaks[-1] >= limit // 3 else room.rfind(" ")
    if cut < limit // 3:
        cut = len(room)  # no break worth keeping (Chinese runs without spaces)
    return room[:cut].rstrip(_DROPPED_END + " ") + "…"


def _sentences(text: str) -> list[str]:
    """Sentences and lines of ``text``, whitespace collapsed, without their final full stop."""
    found: list[str] = []
    for line in text.splitlines():
        start = 0
        for end in _SENTENCE_END.finditer(line):
            found.append(line[start : end.end()])
            start = end.end()
        found.append(line[start:])
    return [" ".join(s.split()).rstrip(_DROPPED_END).strip() for s in found]
