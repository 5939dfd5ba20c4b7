"""Agreement between the two labelling passes of the business-message sentiment sets.

    python bench/sentiment_agreement.py [zh en]

Pass 1 is ``tests/data/sentiment_business_<lang>.jsonl`` (written and labelled by one
annotator); pass 2 is ``sentiment_business_<lang>_pass2.jsonl`` (labelled by a second
annotator from the texts alone, shuffled, without the first labels). Prints observed
agreement and Cohen's kappa per label as JSON.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def kappa(pairs: list[tuple[Any, Any]]) -> tuple[float, float]:
    """(observed agreement, Cohen's kappa) of two annotators' labels."""
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    chance = sum(first[k] * second[k] for k in set(first) | set(second)) / (n * n)
    return observed, (observed - chance) / (1 - chance) if chance < 1 else 1.0


def agreement(lang: str) -> dict[str, Any]:
    first = {row["id"]: row for row in _rows(DATA / f"sentiment_business_{lang}.jsonl")}
    second = _rows(DATA / f"sentiment_business_{lang}_pass2.jsonl")
    out: dict[str, Any] = {"messages": len(second)}
    for field in ("label", "anger", "urgency"):
        observed, k = kappa([(first[row["id"]][field], row[field]) for row in second])
        out[field] = {"agreement": round(observed, 3), "kappa": round(k, 3)}
    changed = Counter(
        f"{first[row['id']]['label']}->{row['label']}"
        for row in second
        if first[row["id"]]["label"] != row["label"]
    )
    out["label_disagreements"] = dict(sorted(changed.items()))
    return out


if __name__ == "__main__":
    langs = sys.argv[1:] or ["zh", "en"]
    print(json.dumps({lang: agreement(lang) for lang in langs}, ensure_ascii=False, indent=2))
