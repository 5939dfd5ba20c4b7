"""Retrieval tokens: jieba words for Chinese, words for English, exact terms for the rest.

Numbers, numbers with units and standard codes must match exactly ("0.5 mg/L" is
not "5 mg/L"; "GB/T 31467.3-2015" is not "GB/T 31467.2"), so they are pulled out
before segmentation and become single tokens: ``#0.5``, ``#0.5mg/l``,
``§gb/t31467.3-2015`` (plus its prefixes ``§gb/t31467.3`` and ``§gb/t31467``, so a
question naming the standard without its year still matches).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata

_jieba_ready = threading.Lock()

CODE_PREFIXES = (
    "gb/t|gb/z|gbz|gb|hj/t|hj|qc/t|sn/t|dl/t|nb/t|jb/t|yy/t|yy|jjg|jjf|db\\d{2}/t|"
    "iso/iec|iso|iec|astm|en|ul|sae|ansi"
)
_CODE = re.compile(
    rf"(?<![a-z])({CODE_PREFIXES})\s*([a-z]?\d{{2,6}}(?:\.\d+)*)(?:\s*[-—–]\s*(\d{{4}}))?"
)
UNITS = (
    "mg/l|mg/kg|mg/m3|mg/m³|μg/l|ug/l|µg/l|ng/l|cfu/ml|cfu/100ml|mpn/100ml|ntu|"
    "mω|mohm|ω/v|kω|ω|kv|mv|v|kwh|kw|w|mah|ah|a|°c|℃|%|ppm|db|"
    "万元|亿元|元|rmb|cny|yuan|平方米|m²|㎡|sqm|公里|km|mm|cm|ml|kg|g|l|m|"
    "秒|seconds?|小时|分钟|个工作日|工作日|个月|天|日|年|周|hours?|minutes?|days?|business days?|"
    "months?|years?|weeks?"
)
_NUMBER = re.compile(rf"(?<![\w.])(\d+(?:[.,]\d+)*)(?:\s*({UNITS}))?(?![\w])|(\d+(?:\.\d+)*)")
_WORD = re.compile(r"\w", re.UNICODE)
_DIGIT = re.compile(r"\d")
_STOP_TEXT = (
    "的 了 是 在 我 有 和 就 不 都 也 很 到 要 你 会 着 这 那 吗 呢 吧 啊 么 什么 多少 怎么 如何 "
    "是否 哪些 哪个 几 请问 请 用 对 为 与 及 或 其 该 由 按 于 中 需 需要 可以 能 吗 上 下 个 "
    "a an the is are was were be been to of and or in on at for with by from as it its "
    "this that these those i you we my your our what which who whom how much many does do "
    "did can could should would will shall may might please tell me about there any if "
    "when where why than then per"
)
STOPWORDS = frozenset(_STOP_TEXT.split())


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _ensure_jieba() -> None:
    import jieba

    if jieba.dt.initialized:
        return
    with _jieba_ready:
        if not jieba.dt.initialized:
            jieba.setLogLevel(logging.WARNING)
            jieba.initialize()


def _stem(word: str) -> str:
    if not word.isascii() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def code_tokens(code: str, number: str, year: str | None) -> list[str]:
    prefix = code.replace(" ", "")
    base = f"§{prefix}{number}"
    out = [base]
    if year:
        out.insert(0, f"{base}-{year}")
    parts = number.split(".")
    out.extend(f"§{prefix}{'.'.join(parts[:i])}" for i in range(len(parts) - 1, 0, -1))
    return out


def exact_terms(text: str) -> tuple[list[str], str]:
    """The exact tokens of ``text`` (already normalised) and the text with them blanked."""
    terms: list[str] = []

    def code(match: re.Match[str]) -> str:
        terms.extend(code_tokens(match.group(1), match.group(2), match.group(3)))
        return " "

    text = _CODE.sub(code, text)

    def number(match: re.Match[str]) -> str:
        value = (match.group(1) or match.group(3) or "").replace(",", "")
        if not value:
            return " "
        terms.append(f"#{value}")
        unit = match.group(2)
        if unit:
            terms.append(f"#{value}{_unit(unit)}")
            if len(unit) > 1 and unit.replace(" ", "").isalpha():
                terms.append(_stem(unit.replace(" ", "")))  # "多少公里" still finds "公里"
        return " "

    return terms, _NUMBER.sub(number, text)


def _unit(unit: str) -> str:
    unit = unit.replace(" ", "")
    if unit.isascii() and unit.isalpha() and unit.endswith("s") and len(unit) > 3:
        unit = unit[:-1]
    return {"µg/l": "μg/l", "ug/l": "μg/l", "℃": "°c", "mohm": "mω", "㎡": "m²"}.get(unit, unit)


def tokenize(text: str) -> list[str]:
    """Every retrieval token of ``text`` (words, then exact terms), lower-cased."""
    import jieba

    _ensure_jieba()
    exact, rest = exact_terms(normalise(text))
    words = []
    for raw in jieba.cut_for_search(rest):
        token = raw.strip()
        if not token or not _WORD.search(token) or _DIGIT.search(token) or token in STOPWORDS:
            continue
        words.append(_stem(token))
        if len(token) >= 2 and token[-1] in _PARTICLES and "\u3400" <= token[0] <= "\u9fff":
            words.append(token[:-1])  # "值为" also as "值": jieba glues the verb on
    return words + exact


_GENERIC_TEXT = (
    "use used using uses say says said rule rules tell require required requirement "
    "requirements regulate regulation kind type much long large clause section about "
    "规定 要求 使用 情况 标准 多久 分别 条 条款 节 交 缴纳 需要交"
)
GENERIC = frozenset(_GENERIC_TEXT.split())


_PARTICLES = frozenset("为是的在了")


def is_exact(token: str) -> bool:
    return token[:1] in ("#", "§")


_OTHER_SCRIPTS = re.compile(
    "[\u0400-\u04ff\u0600-\u06ff\u0590-\u05ff\u0e00-\u0e7f\u0900-\u097f"
    "\u3040-\u30ff\uac00-\ud7af\u0370-\u03ff]"
)
_CJK = re.compile("[\u3400-\u4dbf\u4e00-\u9fff]")
_LATIN = re.compile("[a-zA-Z]")


def language_of(text: str) -> str:
    """``zh``, ``en`` or ``other`` (a script Kith does not answer in: Cyrillic, kana…)."""
    if len(_OTHER_SCRIPTS.findall(text)) >= 2:
        return "other"
    cjk, latin = len(_CJK.findall(text)), len(_LATIN.findall(text))
    if cjk == 0 and latin == 0:
        return "other"
    return "zh" if cjk * 3 >= latin else "en"
