"""Normal forms of the identifiers a person leaves behind, so that records written by
different channels compare: names (simplified/traditional, pinyin with or without
tones, either order, honorifics, English nicknames), phones (E.164 with the tenant's or
the contact's region), e-mail addresses (case, provider rules) and company names
(legal suffixes).

Pure functions, no database. Every function takes raw text (or None) and returns a
normal form, or None/"" when nothing usable is left.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import phonenumbers

# --- Chinese script ------------------------------------------------------------------


@cache
def _t2s() -> Any:
    import opencc  # heavy-ish: loads its dictionaries once

    return opencc.OpenCC("t2s")


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def has_cjk(text: str) -> bool:
    return bool(_CJK.search(text))


def to_simplified(text: str) -> str:
    """Traditional characters as simplified (張建國 → 张建国); other text unchanged."""
    if not has_cjk(text):
        return text
    return str(_t2s().convert(text))


# --- names ---------------------------------------------------------------------------

# Titles written after a Chinese surname (张总, 王经理, 李老师), longest first.
CN_HONORIFICS = (
    "董事长",
    "总经理",
    "副总",
    "经理",
    "主任",
    "老师",
    "医生",
    "大夫",
    "院长",
    "老板",
    "先生",
    "女士",
    "小姐",
    "总监",
    "教授",
    "律师",
    "总",
    "工",
    "哥",
    "姐",
)
CN_PREFIXES = ("老", "小", "阿")
EN_TITLES = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mme", "herr", "frau"}
)

# Two-character surnames (复姓): kept together so 欧阳娜娜 is ouyang + nana.
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "司徒",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "夏侯",
        "长孙",
        "宇文",
        "轩辕",
        "端木",
        "南宫",
        "西门",
    }
)
# Surnames whose reading differs from the character's common reading.
SURNAME_READINGS = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "朴": "piao",
    "盖": "ge",
    "缪": "miao",
    "翟": "zhai",
    "乐": "yue",
    "覃": "qin",
    "尉迟": "yuchi",
    "长孙": "zhangsun",
    "万俟": "moqi",
}

# Common English nicknames → the given name they stand for (a small table, not a corpus).
NICKNAMES = {
    "bob": "robert",
    "rob": "robert",
    "bobby": "robert",
    "robbie": "robert",
    "bill": "william",
    "will": "william",
    "billy": "william",
    "liam": "william",
    "jim": "james",
    "jimmy": "james",
    "jamie": "james",
    "mike": "michael",
    "mick": "michael",
    "mikey": "michael",
    "tom": "thomas",
    "tommy": "thomas",
    "dick": "richard",
    "rick": "richard",
    "rich": "richard",
    "ricky": "richard",
    "tony": "anthony",
    "dave": "david",
    "davy": "david",
    "dan": "daniel",
    "danny": "daniel",
    "joe": "joseph",
    "joey": "joseph",
    "chris": "christopher",
    "kit": "christopher",
    "steve": "stephen",
    "ed": "edward",
    "eddie": "edward",
    "ted": "edward",
    "ned": "edward",
    "andy": "andrew",
    "drew": "andrew",
    "ben": "benjamin",
    "sam": "samuel",
    "matt": "matthew",
    "nick": "nicholas",
    "alex": "alexander",
    "pete": "peter",
    "greg": "gregory",
    "jeff": "jeffrey",
    "jon": "jonathan",
    "johnny": "john",
    "jack": "john",
    "hank": "henry",
    "harry": "henry",
    "charlie": "charles",
    "chuck": "charles",
    "larry": "lawrence",
    "ken": "kenneth",
    "kenny": "kenneth",
    "fred": "frederick",
    "frank": "francis",
    "liz": "elizabeth",
    "beth": "elizabeth",
    "betty": "elizabeth",
    "lizzie": "elizabeth",
    "eliza": "elizabeth",
    "kate": "katherine",
    "katie": "katherine",
    "kathy": "katherine",
    "cathy": "catherine",
    "maggie": "margaret",
    "meg": "margaret",
    "peggy": "margaret",
    "jenny": "jennifer",
    "jen": "jennifer",
    "sue": "susan",
    "susie": "susan",
    "patty": "patricia",
    "pat": "patricia",
    "trish": "patricia",
    "becky": "rebecca",
    "vicky": "victoria",
    "mandy": "amanda",
    "debbie": "deborah",
    "abby": "abigail",
    "sandy": "sandra",
    "annie": "anne",
    "nancy": "anne",
    "molly": "mary",
    "polly": "mary",
}


@cache
def pinyin_syllables() -> frozenset[str]:
    """Toneless pinyin syllables (from pypinyin's dictionary), to split 'Jianguo'."""
    from pypinyin import Style, pinyin_dict
    from pypinyin.style import convert

    found: set[str] = set()
    for readings in pinyin_dict.pinyin_dict.values():
        for reading in readings.split(","):
            syllable = convert(reading, Style.NORMAL, strict=True)
            if re.fullmatch(r"[a-z]*[aeiouv][a-z]*", syllable):
                found.add(syllable)
    return frozenset(found | {"lv", "nv", "lue", "nue"})


def split_pinyin(word: str) -> list[str] | None:
    """'jianguo' → ['jian', 'guo']; None when the word is not pinyin (Michael).
    Longest syllable first, backtracking; 'xian' stays one syllable."""
    syllables = pinyin_syllables()
    word = word.replace("'", "").replace("ü", "v")

    def walk(start: int) -> list[str] | None:
        if start == len(word):
            return []
        for end in range(min(len(word), start + 6), start, -1):
            head = word[start:end]
            if head in syllables:
                rest = walk(end)
                if rest is not None:
                    return [head, *rest]
        return None

    return walk(0) if word else None


def strip_tones(text: str) -> str:
    """'Zhāng Jiànguó' → 'Zhang Jianguo'; 'zhang1 jian4guo2' → 'zhang jianguo'."""
    decomposed = unicodedata.normalize("NFKD", text)
    decomposed = decomposed.replace("u\u0308", "v").replace("U\u0308", "V")
    without = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"(?<=[a-zA-Z])[1-5]\b|(?<=[a-zA-Z])[1-5](?=[a-zA-Z])", "", without)


@dataclass(frozen=True)
class NameForm:
    """A name reduced for comparison.

    ``key``: surname and given name, tone-free, script-free and sorted, so that
    张建国, 張建國, Zhang Jianguo, Jianguo Zhang and zhāng jiànguó share 'jianguo zhang'.
    ``surname``: the family name as pinyin or lower-case Latin ('' when unknown).
    ``given``: the given name's syllables joined ('jianguo'), '' for '张总'.
    ``initial``: first letter of the given name ('j'), for 'J. Zhang'.
    ``partial``: only a surname (+ title) or an initial was written.
    """

    key: str
    surname: str
    given: str
    initial: str
    partial: bool
    honorific: str = ""


EMPTY_NAME = NameForm("", "", "", "", True)


def _cjk_name(name: str) -> NameForm:
    from pypinyin import Style, lazy_pinyin

    honorific = ""
    core = name
    for title in CN_HONORIFICS:
        if core.endswith(title) and len(core) > len(title):
            honorific, core = title, core[: -len(title)]
            break
    if not honorific and len(core) == 2 and core[0] in CN_PREFIXES:
        honorific, core = core[0], core[1:]
    surname_chars = core[:2] if core[:2] in COMPOUND_SURNAMES else core[:1]
    given_chars = core[len(surname_chars) :]
    surname = SURNAME_READINGS.get(surname_chars) or "".join(
        lazy_pinyin(surname_chars, style=Style.NORMAL)
    )
    given_syllables = [s for s in lazy_pinyin(given_chars, style=Style.NORMAL) if s.isalpha()]
    given = "".join(given_syllables)
    return NameForm(
        key=" ".join(sorted(p for p in (surname, given) if p)),
        surname=surname,
        given=given,
        initial=given[:1],
        partial=not given,
        honorific=honorific,
    )


def _latin_name(name: str) -> NameForm:
    text = strip_tones(name).lower()
    comma_order = "," in text  # 'Zhang, Jianguo': surname first, explicitly
    words = [w for w in re.split(r"[^a-z']+", text.replace("-", "")) if w]
    honorific = ""
    while words and words[0].rstrip(".") in EN_TITLES:
        honorific = words.pop(0).rstrip(".")
    if not words:
        return EMPTY_NAME
    # Pinyin? Every word splits into syllables: 'jian guo zhang', 'jianguo zhang'.
    split = [split_pinyin(w) for w in words]
    is_pinyin = all(s is not None for s in split) and len(words) > 1
    initials = [w for w in words if len(w) == 1]
    full = [w for w in words if len(w) > 1]
    if comma_order:
        surname, given_words = words[0], words[1:]
    elif is_pinyin and len(words) == 3 and all(len(s or []) == 1 for s in split):
        # 'Zhang Jian Guo' vs 'Jian Guo Zhang': the surname is the odd one out.
        surname, given_words = (
            (words[0], words[1:])
            if _surname_first(words)
            else (
                words[-1],
                words[:-1],
            )
        )
    elif len(full) == 1 and initials:  # 'J. Zhang', 'Zhang J.'
        surname, given_words = full[0], initials
    elif is_pinyin and len(words) == 2 and _surname_first(words):
        surname, given_words = words[0], words[1:]
    else:  # Western order: given names first, surname last
        surname, given_words = words[-1], words[:-1]
    adopted = _adopted_english(surname, given_words)
    given_words = [NICKNAMES.get(w, w) for w in given_words]
    given = "".join(given_words)
    partial = len(full) <= 1 or adopted  # a surname alone, with initials, or adopted name
    return NameForm(
        key=surname if partial else " ".join(sorted((surname, given))),
        surname=surname,
        given="" if partial else given,
        initial="" if adopted else given[:1],
        partial=partial,
        honorific=honorific,
    )


# English given names that also split into pinyin syllables (an-na, lin-da).
PINYIN_LIKE_ENGLISH = frozenset({"anna", "linda", "tina", "nina", "gina", "lena", "dana"})


def _adopted_english(surname: str, given_words: list[str]) -> bool:
    """'Cindy Gao', 'Tony Zhao': an English given name a Chinese person adopted, with
    their Chinese surname. It says nothing of the Chinese given name (高嘉 is Cindy
    Gao), so only the surname is compared, as for 高总 or 'J. Gao'."""
    if not given_words or surname not in _common_surnames():
        return False
    return any(
        len(w) > 1 and (w in PINYIN_LIKE_ENGLISH or split_pinyin(w) is None) for w in given_words
    )


@cache
def _common_surnames() -> frozenset[str]:
    from pypinyin import Style, lazy_pinyin

    chars = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
    return frozenset(lazy_pinyin(chars, style=Style.NORMAL)) | frozenset(SURNAME_READINGS.values())


def _surname_first(words: list[str]) -> bool:
    surnames = _common_surnames()
    first, last = words[0] in surnames, words[-1] in surnames
    return first or not last


def normalise_name(raw: str | None) -> NameForm:
    """The comparable form of a person's name in any of the scripts Kith meets."""
    if not raw:
        return EMPTY_NAME
    return _normalise_name(raw)


@lru_cache(maxsize=65_536)
def _normalise_name(raw: str) -> NameForm:
    name = unicodedata.normalize("NFKC", raw).strip()
    if not name:
        return EMPTY_NAME
    if has_cjk(name):
        cjk = "".join(_CJK.findall(to_simplified(name)))
        return _cjk_name(cjk)
    return _latin_name(name)


# --- phones --------------------------------------------------------------------------


_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")
_CN_MOBILE = re.compile(r"(?:\+86|0086)?(1[3-9]\d{9})")


def normalise_phone(raw: str | None, region: str = "CN") -> str | None:
    """E.164 ('+8613900001234') of a phone written in any local or international
    form, read with ``region`` (the contact's, else the tenant's) when it has no
    country code; None when it is not a possible number."""
    if not raw:
        return None
    digits = _PHONE_PUNCTUATION.sub("", raw)
    if region.upper() == "CN" and (mobile := _CN_MOBILE.fullmatch(digits)):
        return "+86" + mobile.group(1)  # the common case, without a full parse
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region.upper() or "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# --- e-mail --------------------------------------------------------------------------

# Providers that deliver 'a.b+tag@' to 'ab@': dots ignored (Gmail), '+tag' ignored.
_DOTS_IGNORED = frozenset({"gmail.com", "googlemail.com"})
_PLUS_TAGS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "proton.me",
        "protonmail.com",
        "fastmail.com",
    }
)
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}


def normalise_email(raw: str | None) -> str | None:
    """The address as its mailbox: case-insensitive, with the provider's own rules
    (Gmail ignores dots and '+tags'; Outlook, iCloud, Proton, Fastmail ignore
    '+tags'); None when it is not an address."""
    if not raw:
        return None
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    if text.startswith("mailto:"):
        text = text[7:]
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    domain = _DOMAIN_ALIASES.get(domain, domain)
    if domain in _PLUS_TAGS:
        local = local.split("+", 1)[0]
    if domain in _DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}" if local else None


# --- companies -----------------------------------------------------------------------

_CN_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "总公司",
    "分公司",
    "公司",
    "集团",
)
_EN_SUFFIXES = frozenset(
    {
        "co",
        "company",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "bv",
        "nv",
        "srl",
        "spa",
        "pte",
        "pty",
        "kk",
        "oy",
        "ab",
        "group",
        "holdings",
    }
)


def normalise_company(raw: str | None) -> str:
    """A company name without its legal form: '北京字节跳动科技有限公司' → '北京字节跳动科技',
    'Acme Co., Ltd.' → 'acme'; traditional characters simplified, case and punctuation
    ignored."""
    if not raw:
        return ""
    text = to_simplified(unicodedata.normalize("NFKC", raw)).strip().lower()
    if has_cjk(text):
        text = re.sub(r"[()\[\]【】]", "", text)
    changed = True
    while changed:
        changed = False
        stripped = text.rstrip(" .,")
        if stripped in _CN_SUFFIXES or stripped in {"有限", "股份", "股份有限", "有限责任"}:
            break
        for suffix in _CN_SUFFIXES:
            if stripped.endswith(suffix) and len(stripped) > len(suffix):
                text, changed = stripped[: -len(suffix)], True
                break
    words = re.split(r"[\s.,&()\-/]+", text.replace("s.a.", "sa").replace("b.v.", "bv"))
    words = [w for w in words if w]
    while len(words) > 1 and words[-1] in _EN_SUFFIXES:
        words.pop()
    return " ".join(words) if not has_cjk(text) else "".join(words)
