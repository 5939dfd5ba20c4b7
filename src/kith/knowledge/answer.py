"""Extractive answers: the sentences or table rows that answer, cited, with a confidence.

No model is needed: the answer is quoted from the passages (so every claim carries
its citation by construction). The confidence combines how much of the question
the best passage and the quoted sentence cover (IDF-weighted) and whether every
number, unit and standard code the question names is there; it was calibrated on
the builder-written evaluation set (docs/knowledge.md). Below ``threshold`` the
answer abstains: a clarifying question when the question is too short to decide
between passages, otherwise a handover to a person. Passages of two documents that
say different numbers about the same thing are returned as a conflict, not merged.
Sentences that read like instructions to an assistant are never quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kith.knowledge.retrieval import Hit, Index, Passage
from kith.knowledge.tokens import is_exact, match_form, match_tokens, tokenize

THRESHOLD = 0.47  # cross-validated on the development set: kith bench knowledge --calibrate
MAX_QUOTES = 3

_SENTENCE = re.compile(r"(?<=[。！？；!?])|(?<=\.)\s+(?=[A-Z\d(])|\n+")
INJECTION = re.compile(
    r"ignore (all |any |your |the )*(previous |prior )?(rules|instructions)|"
    r"disregard (all |your |the )*(rules|instructions)|"
    r"reveal (the |your )?(system|internal|secret)|system prompt|you are now|"
    r"忽略(之前|以上|你的|所有)?.{0,4}(规则|指令|指示)|泄露|透露.{0,6}(内部|机密)|"
    r"无视.{0,6}(规则|指令)",
    re.IGNORECASE,
)

MESSAGES = {
    "language": (
        "抱歉,目前只能用中文或英文回答。请用中文或英文提问,或由同事为您解答。",
        "Sorry, I can answer in Chinese or English only. Please ask in one of them, "
        "or a colleague will help you.",
    ),
    "handover": (
        "知识库中没有足够可靠的内容回答这个问题,已转交同事处理。",
        "The knowledge base has nothing reliable enough to answer this; a colleague will "
        "take it over.",
    ),
    "clarify": ("请问您想了解的是:{options}?", "Do you mean: {options}?"),
    "conflict": (
        "知识库中的资料说法不一致,请以人工确认为准:",
        "The knowledge base disagrees with itself on this; a person should confirm:",
    ),
    "empty": ("问题为空。", "The question is empty."),
}


def message(key: str, language: str, **values: str) -> str:
    zh, en = MESSAGES[key]
    return (zh if language == "zh" else en).format(**values)


@dataclass(frozen=True)
class Quote:
    text: str
    passage: Passage
    coverage: float


@dataclass(frozen=True)
class Answer:
    status: str  # answered | conflict | clarify | handover
    text: str
    confidence: float
    language: str
    quotes: tuple[Quote, ...] = ()
    conflicts: tuple[Quote, ...] = ()
    found: tuple[Hit, ...] = ()  # what retrieval found (for a handover's context)
    reason: str | None = None  # why it abstained
    options: tuple[str, ...] = field(default=())
    engine: str = "extractive"  # or "llm:<model>" for a grounded answer

    @property
    def abstained(self) -> bool:
        return self.status in ("clarify", "handover")


def _units(passage: Passage) -> list[str]:
    if passage.kind == "table":
        lines = passage.text.split("\n")
        header = lines[:2] if len(lines) > 1 and "---" in lines[1] else lines[:1]
        return ["\n".join([*header, row]) for row in lines[len(header) :]] or [passage.text]
    return [u.strip() for u in _SENTENCE.split(passage.text) if u and u.strip()]


def _weighted(index: Index, tokens: list[str], have: set[str]) -> float:
    total = sum(index.weight(t) for t in tokens) or 1.0
    return sum(index.weight(t) for t in tokens if t in have) / total


def compose(
    index: Index,
    question: str,
    tokens: list[str],
    hits: list[Hit],
    language: str,
    threshold: float = THRESHOLD,
) -> Answer:
    if not tokens:
        return Answer("handover", message("empty", language), 0.0, language, reason="empty")
    words = [t for t in tokens if not is_exact(t)]
    if len(words) <= 1 and len(words) == len(tokens) and hits:
        # One bare word ("费用") that several sections match fully: ask which one.
        sections = list(dict.fromkeys(h.passage.heading_path for h in hits if h.coverage >= 0.9))
        if len(sections) >= 2:
            return _clarify(hits, language, 0.0, "the question matches several sections", sections)
    candidates: list[tuple[float, Quote, set[str], Hit]] = []
    for rank, hit in enumerate(hits[:6]):
        for unit in _units(hit.passage):
            if INJECTION.search(unit):
                continue  # instruction-like text in a document is never quoted
            have = set(match_tokens(unit)) | hit.passage.heading_terms
            coverage = _weighted(index, tokens, have)
            if coverage <= 0:
                continue
            score = coverage + 0.5 * hit.coverage - 0.02 * rank
            if unit.rstrip().endswith(("?", "？")):
                score -= 0.3  # a question in a FAQ is not its answer
            candidates.append((score, Quote(unit, hit.passage, coverage), have, hit))
    if not candidates:
        return _abstain(index, tokens, hits, language, 0.0, "nothing matched")
    candidates.sort(key=lambda c: -c[0])
    _, best, best_have, best_hit = candidates[0]
    exact = [t for t in tokens if is_exact(t)]
    # Other passages that cover what the best quote leaves out (multi-passage answers).
    quotes = [best]
    covered = set(best_have)
    total = sum(index.weight(t) for t in tokens) or 1.0
    for _score, quote, have, hit in candidates[1:]:
        if len(quotes) >= MAX_QUOTES:
            break
        gain = sum(index.weight(t) for t in tokens if t not in covered and t in have) / total
        if gain >= 0.1 and quote.coverage >= 0.3 and not hit.exact_missing:
            quotes.append(quote)
            covered |= have
    union = _weighted(index, tokens, covered)
    confidence = 0.4 * best_hit.coverage + 0.6 * union
    unknown = index.unknown(tokens)
    if unknown:
        confidence *= 0.5
    if best_hit.exact_missing:
        confidence *= 0.4
    confidence = round(min(max(confidence, 0.0), 1.0), 3)
    if confidence < threshold:
        if best_hit.exact_missing:
            missing = ", ".join(t[1:] for t in best_hit.exact_missing)
            reason = f"a number, unit or code of the question is in no passage ({missing})"
        elif unknown:
            asked = {match_form(t): t for t in tokenize(question)}  # the words as asked
            named = ", ".join(dict.fromkeys(asked.get(u, u) for u in unknown))
            reason = f"words of the question are in no passage ({named})"
        else:
            reason = f"confidence {confidence} below {threshold}"
        return _abstain(index, tokens, hits, language, confidence, reason)
    conflicts = _conflicting(best, best_have, candidates, exact, set(tokens))
    if conflicts:
        return Answer(
            "conflict",
            message("conflict", language),
            confidence,
            language,
            quotes=(best,),
            conflicts=tuple(conflicts),
            found=tuple(hits),
            reason="passages of different documents disagree",
        )
    return Answer(
        "answered",
        "\n".join(q.text for q in quotes),
        confidence,
        language,
        quotes=tuple(quotes),
        found=tuple(hits),
    )


def _numbers(tokens: set[str]) -> set[str]:
    return {t for t in tokens if t.startswith("#")}


def _conflicting(
    best: Quote,
    best_have: set[str],
    candidates: list[tuple[float, Quote, set[str], Hit]],
    exact: list[str],
    question_words: set[str],
) -> list[Quote]:
    """Quotes of other documents about the same thing that state other numbers."""
    mine = _numbers(best_have) - set(exact)
    if not mine:
        return []
    asked = {t for t in best_have if not is_exact(t) and t in question_words}
    out = []
    for _score, quote, have, _hit in candidates[1:]:
        other = quote.passage
        if not asked <= have:
            continue
        if other.document_id == best.passage.document_id or other.language != best.passage.language:
            continue
        if quote.coverage < 0.9 * best.coverage:
            continue
        theirs = _numbers(have) - set(exact)
        if theirs and not (theirs & mine):
            out.append(quote)
    return out[:2]


def _abstain(
    index: Index, tokens: list[str], hits: list[Hit], language: str, confidence: float, reason: str
) -> Answer:
    words = [t for t in tokens if not is_exact(t)]
    sections = list(dict.fromkeys(h.passage.heading_path for h in hits if h.coverage >= 0.3))
    if len(words) <= 2 and len(sections) >= 2:
        return _clarify(hits, language, confidence, reason, sections)
    return Answer(
        "handover",
        message("handover", language),
        confidence,
        language,
        found=tuple(hits),
        reason=reason,
    )


def _clarify(
    hits: list[Hit], language: str, confidence: float, reason: str, sections: list[str]
) -> Answer:
    options = tuple(sections[:3])
    joined = "」还是「".join(options) if language == "zh" else " or ".join(options)
    if language == "zh":
        joined = f"「{joined}」"
    return Answer(
        "clarify",
        message("clarify", language, options=joined),
        confidence,
        language,
        found=tuple(hits),
        reason=reason,
        options=options,
    )


def unsupported_language(language: str) -> Answer:
    return Answer(
        "handover",
        message("language", "zh") + "\n" + message("language", "en"),
        0.0,
        language,
        reason="the question is not in Chinese or English",
    )
