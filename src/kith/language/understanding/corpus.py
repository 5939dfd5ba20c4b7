"""The generated intent corpus: every frame of ``templates_zh``/``templates_en`` filled
many times from ``fillers``, wrapped in the politeness people add, with mixed zh/en
words and typos. Deterministic (seeded), so the shipped weights can be checked against
the corpus they came from (``fingerprint``)."""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass

from kith.language.understanding import fillers as f
from kith.language.understanding.templates_en import EN
from kith.language.understanding.templates_zh import ZH

PER_FRAME = 36
SEED = 20261207
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Example:
    lang: str
    label: str
    text: str
    frame: int = 0  # the template's position among its intent's frames


def corpus(per_frame: int = PER_FRAME, seed: int = SEED) -> list[Example]:
    rng = random.Random(seed)
    out: list[Example] = []
    for lang, frames in (("zh", ZH), ("en", EN)):
        for label, templates in frames.items():
            for frame, template in enumerate(templates):
                seen: set[str] = set()
                for _ in range(per_frame):
                    text = _dress(_fill(template, lang, rng), lang, rng)
                    if text not in seen:
                        seen.add(text)
                        out.append(Example(lang, label, text, frame))
    return out


def fingerprint(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for e in examples:
        digest.update(f"{e.lang}\t{e.label}\t{e.text}\n".encode())
    return digest.hexdigest()[:16]


def _fill(template: str, lang: str, rng: random.Random) -> str:
    zh = lang == "zh"
    field = rng.choice(f.FIELDS_ZH if zh else f.FIELDS_EN)
    values = {
        "c": lambda: f.person_zh(rng) if zh else f.person_en(rng),
        "u": lambda: f.person_zh(rng) if zh else f.person_en(rng),
        "title": lambda: rng.choice(f.TITLES_ZH if zh else f.TITLES_EN),
        "t": lambda: rng.choice(f.TIMES_ZH if zh else f.TIMES_EN),
        "topic": lambda: rng.choice(f.TOPICS_ZH if zh else f.TOPICS_EN),
        "msg": lambda: rng.choice(f.MESSAGES_ZH if zh else f.MESSAGES_EN),
        "problem": lambda: rng.choice(f.PROBLEMS_ZH if zh else f.PROBLEMS_EN),
        "co": lambda: rng.choice(f.COMPANIES_ZH if zh else f.COMPANIES_EN),
        "ch": lambda: rng.choice(f.CHANNELS_ZH if zh else f.CHANNELS_EN),
        "deal": lambda: f.deal(rng, lang),
        "tk": lambda: f.ticket(rng, lang),
        "stage": lambda: rng.choice(f.STAGES_ZH if zh else f.STAGES_EN),
        "f": lambda: field[0],
        "v": lambda: field[1],
        "amt": lambda: rng.choice(f.AMOUNTS_ZH if zh else f.AMOUNTS_EN),
        "camp": lambda: rng.choice(f.CAMPAIGNS_ZH if zh else f.CAMPAIGNS_EN),
    }
    return _SLOT.sub(lambda m: values[m.group(1)](), template)


def _dress(text: str, lang: str, rng: random.Random) -> str:
    if lang == "zh":
        text = rng.choice(f.PREFIX_ZH) + text + rng.choice(f.SUFFIX_ZH)
        if rng.random() < 0.12:
            for word, english in f.MIXED.items():
                text = text.replace(word, english)
    else:
        text = rng.choice(f.PREFIX_EN) + text + rng.choice(f.SUFFIX_EN)
        if rng.random() < 0.3:
            text = text[:1].upper() + text[1:]
    if rng.random() < 0.06 and len(text) > 6:
        i = rng.randrange(1, len(text) - 1)
        text = text[:i] + text[i + 1 :]  # a dropped character: a typo
    return " ".join(text.split())
