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
_LABEL = re.compile(r"(?<![\w.-])[a-z]{2,}-\d{1,3}(?![\w.%-])")
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


def is_dictionary_word(word: str) -> bool:
    """Whether jieba's dictionary lists ``word`` (a real word, not a segmentation glue
    such as "水中铁")."""
    import jieba

    _ensure_jieba()
    return bool(jieba.dt.FREQ.get(word))


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
    labels: list[str] = []

    def label(match: re.Match[str]) -> str:
        labels.append(match.group(0))  # "tier-2" names a tier, it is not the number 2
        return " "

    exact, rest = exact_terms(_LABEL.sub(label, normalise(text)))
    words = list(labels)
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

# Question framing: general words people wrap a question in ("could you explain",
# "想了解一下…的情况", "what value must … meet"). When no passage uses one, it says
# nothing about the subject, so it is dropped instead of counting as an unknown
# subject. General language only: never a parameter, a clause topic or a place.
_FILLER_TEXT = (
    "value values meet meets must need needs follow follows followed explain know like "
    "want wants would tell give contain contains have has put down up out else "
    "someone somebody anyone level specific specifically detail details exactly actual "
    "actually current currently situation work works arrange arranged handle handled "
    "happen happens okay ok hi hello thank thanks under according accordance regarding "
    "concerning mean means let just also both all each every some one ones other others "
    "sort way ways thing things info information question answer big small "
    "standard standards requirement requirements require requires apply applies applied "
    "under upon whether exist exists existing general usually normally typically "
    "里 内 最 多 多大 什么 怎样 怎么样 具体 一下 了解 想 想要 知道 关于 情况 安排 指标 数值 "
    "达到 讲 讲的是 哪个 哪些 有没有 没有 能不能 可不可以 一般 大概 大约 左右 目前 现在 "
    "告诉 我们 你们 他们 别人 这个 那个 方面 内容 相关 信息 问题 回答 帮 帮忙 麻烦 "
    "具体是 怎样的 是怎么 时候 之前 之后 以后 以内 以上 以下 达到 满足 符合 遵循 按照 "
    "依照 根据 对于 关于 一下子 还有 同时 另外 其他 其它 所有 每个 依据 以及 各 各是 分别 "
    "和 与 跟 同 还是 或者 并且 而且 要交 要付 需交 需付 送 寄 送检 送样 提交 办理 怎么办 "
    "有多 多长 多高 哪里 哪儿 什么样 呢 啦 吧 嘛 哦 呀 一些 有些 是不是 对不对 能否 可否 "
    "必须 一定 应该 应当 得 我 咱们 您 贵司 请教 咨询 问问 问一下 大 小 长 高 "
    "show list find check ask wonder wondering curious interested interest possible "
    "possibly able exact approximately roughly around typical often overall "
    "i'd i'm it's what's how's there's let's get gets got getting take takes taken make "
    "makes made go goes going come comes new old soon early late quick quickly fast "
    "receive receives obtain before after again still only really "
    "拿 拿到 得到 收到 给 做 办 弄 搞 出 多快 尽快 新 老 早 晚 快 慢 大概要 一共 总共 "
    # a unit asked about without a number ("多少度", "how many degrees")
    "少 度 少度 degree degrees"
)

# Synonyms of general words, folded to one form on both sides (passages and
# questions), so "上限", "最多", "不超过", "maximum" all meet a table headed "限值" /
# "Limit". General vocabulary of questions about limits, fees, methods, durations
# and sizes, in zh and en; never an entity of a particular knowledge base.
_SYNONYM_TEXT = {
    "limit": (
        "limit maximum max most exceed exceeds allowed allow allows permitted permissible "
        "cap ceiling highest high upper 上限 最大 最多 最高 不超过 超过 限值 限量 允许 最大值 "
        "最高值 限度"
    ),
    "minimum": "minimum min least lowest 最低 最少 最小 不少于 不小于 不低于 至少 下限",
    "fee": (
        "fee cost costs price prices charge charges pay paid payment money expense "
        "费用 钱 价格 收费 价钱 花费 付费 付款 多少钱 要钱 交钱 收 收取 花 花钱"
    ),
    "method": "method methods procedure procedures 方法 检测方法 测试方法 标准方法 检验方法 做法",
    "duration": ("duration period turnaround long 多久 多长时间 周期 时长 期限 工期 天数"),
    "size": "size area 面积 大小 尺寸",
    "range": "range scope radius far distance 范围 半径 距离 多远",
    "store": "store stores shop shops outlet outlets 门店 店铺 店面 开店 店",
    "deposit": "deposit deposits 保证金 押金 押",
    "tap water": "tap drinking 自来水 饮用水 生活饮用水",
}
_FOLD: dict[str, str] = {
    word: f"~{name.replace(' ', '_')}"
    for name, words in _SYNONYM_TEXT.items()
    for word in words.split()
}
FILLERS = frozenset(_FILLER_TEXT.split()) - frozenset(_FOLD)
# Groups that name the kind of value asked for (a limit, a fee, a duration…), not a
# subject: when no passage uses any of their words they frame the question, like
# "多久" in "资质审核需要多久?" over "资质审核需 7 个工作日".
_VALUE_KINDS = frozenset(
    f"~{name}" for name in ("limit", "minimum", "fee", "method", "duration", "size", "range")
)


def _lemma(word: str) -> str:
    """A light English lemma on top of ``_stem``: "tested"/"testing"/"tests" → "test".
    Applied the same way to passages and questions, so it need not be a dictionary
    form, only a consistent one."""
    if not word.isascii() or not word.isalpha() or len(word) <= 4:
        return word
    word = _stem(word)
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if len(base) >= 2 and base[-1] == base[-2] and base[-1] not in "sl":
                base = base[:-1]  # "stopped" → "stop"
            return base
    if word.endswith("e") and len(word) > 4:
        return word[:-1]  # "charge" and "charging" meet at "charg"
    return word


def match_form(token: str) -> str:
    """The form a token is matched in: exact terms as they are, general synonyms folded
    to their group (``~limit``), English words lemmatised."""
    if is_exact(token):
        return token
    folded = _FOLD.get(token)
    if folded is not None:
        return folded
    lemma = _lemma(token)
    return _FOLD.get(lemma, lemma)


def match_tokens(text: str) -> list[str]:
    """``tokenize`` then ``match_form``: what retrieval and answers compare."""
    return list(dict.fromkeys(match_form(t) for t in tokenize(text)))


_NON_CONTENT: frozenset[str] = frozenset()


def is_filler(token: str) -> bool:
    """A framing or function word (in any of the forms ``match_form`` gives it)."""
    global _NON_CONTENT
    if not _NON_CONTENT:
        words = FILLERS | GENERIC | STOPWORDS
        _NON_CONTENT = frozenset(words | {_lemma(w) for w in words}) - frozenset(_FOLD)
    return token in _NON_CONTENT or token in _VALUE_KINDS or (len(token) == 1 and token.isascii())


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
