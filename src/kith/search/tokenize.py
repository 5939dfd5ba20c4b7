"""Tokenisation shared by indexing and querying.

Chinese has no spaces, and names are two or three characters, so words from a
segmenter miss partial queries (查 "顺达" in "上海顺达物流"). Like Lucene's
CJK analyzer we index every character and every overlapping pair: a query of
one character matches a unigram, a longer query matches all its bigrams.
Latin words and digit runs are lower-cased and matched by prefix. Phone
numbers are also indexed as their full digit string, with and without +86.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN = re.compile(rf"[{_CJK}]+|[0-9a-z]+")
_PHONEISH = re.compile(r"^\+?[0-9()\-\s.]{5,}$")


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _is_cjk(run: str) -> bool:
    return "\u3400" <= run[0] <= "\ufaff"


def _cjk_grams(run: str) -> list[str]:
    grams = list(run)
    grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _phone_forms(text: str) -> list[str]:
    digits = re.sub(r"\D", "", text)
    forms = [digits]
    if digits.startswith("86") and len(digits) == 13:
        forms.append(digits[2:])
    return forms


# A long message is indexed by its beginning: where its subject matter is said, and
# the search document of an e-mail stays a bounded size.
INDEXED_CHARS = 4000


def index_terms(values: Iterable[str | None]) -> str:
    """The space-separated terms stored for a record."""
    terms: dict[str, None] = {}
    for value in values:
        if not value:
            continue
        text = _normalise(value[:INDEXED_CHARS])
        for run in _RUN.findall(text):
            for term in _cjk_grams(run) if _is_cjk(run) else [run]:
                terms[term] = None
        if _PHONEISH.match(text):
            for form in _phone_forms(text):
                terms[form] = None
    return " ".join(terms)


@dataclass(frozen=True)
class QueryTerm:
    text: str
    prefix: bool


def query_terms(query: str, max_terms: int = 12) -> list[QueryTerm]:
    """Terms that must all match. CJK runs become bigrams; latin/digits prefixes."""
    text = _normalise(query)
    out: dict[QueryTerm, None] = {}
    if _PHONEISH.match(text.strip()):
        out[QueryTerm(re.sub(r"\D", "", text), True)] = None
        return list(out)[:max_terms]
    for run in _RUN.findall(text):
        if _is_cjk(run):
            grams = [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]
            out.update((QueryTerm(g, False), None) for g in grams)
        else:
            out[QueryTerm(run, True)] = None
    return list(out)[:max_terms]
