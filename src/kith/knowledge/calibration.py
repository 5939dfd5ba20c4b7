"""Choosing the answer threshold by cross-validation on the development set.

Every question of the set is asked once with threshold 0, which gives, per question,
the confidence and whether the answer it would give is right. For a threshold ``t`` a
question is answered when it would be answered and its confidence is at least ``t``;
otherwise it abstains. The threshold is chosen on ``k - 1`` folds and measured on the
fold left out (folds by a hash of the question id, so they do not depend on the
order of the file); the figures of the left-out folds say what to expect of the
threshold, the threshold chosen on the whole set is the one to use. The held-out or
independent sets are never used here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

GRID = tuple(round(0.2 + 0.01 * i, 2) for i in range(71))  # 0.20 … 0.90
# Objective: correct answers, with a wrong answer or an unanswerable question answered
# costing three times what a correct answer earns (a wrong answer to a customer is worse
# than a handover to a person).
ERROR_COST = 3.0


@dataclass(frozen=True)
class Record:
    qid: str
    answerable: bool
    confidence: float
    would_answer: bool  # answered (or a conflict) at threshold 0
    right: bool  # that answer is right (answerable questions)


def outcome(records: list[Record], threshold: float) -> dict[str, float]:
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]

    def answers(r: Record) -> bool:
        return r.would_answer and r.confidence >= threshold

    correct = sum(answers(r) and r.right for r in answerable)
    wrong = sum(answers(r) and not r.right for r in answerable)
    answered_none = sum(answers(r) for r in unanswerable)
    return {
        "correct": correct / max(len(answerable), 1),
        "wrong": wrong / max(len(answerable), 1),
        "abstention": 1 - answered_none / max(len(unanswerable), 1),
    }


def _objective(records: list[Record], threshold: float) -> float:
    answerable = sum(r.answerable for r in records) or 1
    unanswerable = sum(not r.answerable for r in records) or 1
    o = outcome(records, threshold)
    return o["correct"] - ERROR_COST * (
        o["wrong"] + (1 - o["abstention"]) * unanswerable / answerable
    )


def choose(records: list[Record]) -> float:
    """The middle of the widest run of grid thresholds with the best objective (a
    threshold with the most margin on either side)."""
    values = [_objective(records, t) for t in GRID]
    best = max(values)
    runs: list[list[float]] = []
    for t, v in zip(GRID, values, strict=True):
        if abs(v - best) < 1e-9:
            if runs and abs(runs[-1][-1] - (t - 0.01)) < 1e-6:
                runs[-1].append(t)
            else:
                runs.append([t])
    widest = max(runs, key=len)
    return round(widest[len(widest) // 2], 2)


def fold_of(qid: str, k: int) -> int:
    return int(hashlib.sha256(qid.encode()).hexdigest(), 16) % k


def cross_validate(records: list[Record], k: int = 5) -> dict[str, Any]:
    folds = []
    for f in range(k):
        train = [r for r in records if fold_of(r.qid, k) != f]
        test = [r for r in records if fold_of(r.qid, k) == f]
        t = choose(train)
        folds.append({"fold": f, "threshold": t, "questions": len(test), **outcome(test, t)})
    n = sum(int(f["questions"]) for f in folds) or 1
    mean = {
        key: round(sum(float(f[key]) * int(f["questions"]) for f in folds) / n, 4)
        for key in ("correct", "wrong", "abstention")
    }
    chosen = choose(records)
    return {
        "folds": k,
        "cross_validated": mean,
        "fold_thresholds": [f["threshold"] for f in folds],
        "threshold": chosen,
        "at_threshold": {key: round(v, 4) for key, v in outcome(records, chosen).items()},
    }
