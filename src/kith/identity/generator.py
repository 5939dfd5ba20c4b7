"""A noisy Chinese/English identity benchmark with known truth (issue 24, S7).

``generate(persons, seed)`` makes people, then the records they leave in the app,
the mini-program, a branch, the call centre and a web form, each channel with its
own fields and its own noise:

* typos — one character of a Chinese given name swapped for a homophone (伟 → 玮),
  a letter dropped or doubled in pinyin and e-mail addresses, a digit of a phone
  mistyped;
* traditional characters (张建国 → 張建國), as a Hong Kong or Taiwan branch writes;
* pinyin spellings, with and without tones, either order (Zhang Jianguo / Jianguo
  Zhang / zhāng jiànguó / ZHANG JIAN GUO), an English name for some;
* surname + title from the call centre (张先生, 王女士, 李总);
* old phone numbers (a person changed number; older channels keep the old one);
* shared family devices (two people of one household on one tablet, one landline);
* case changes in e-mail addresses, Gmail dots and +tags.

Hard negatives are part of it: common names repeat (王伟, 李娜) across unrelated
people, and family members share a surname, a city, a device and sometimes a phone.
Deterministic for a seed (``random.Random(seed)``, no clock, no global state).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from kith.identity.normalise import SURNAME_READINGS

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Weights: the first ten surnames cover ~40% of people, as in the mainland.
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国文玉兰红志辉新春海燕云鹏飞"
    "宇浩晨欣怡婷雪梅琳颖慧佳俊凯博文斌帅鑫宁波丹萍晶晓东阳光荣德林峰琦瑶思雨嘉"
)
# Homophones used for typos (the same pinyin, a different character).
HOMOPHONES = {
    "伟": "玮",
    "芳": "方",
    "娜": "纳",
    "静": "晶",
    "丽": "莉",
    "军": "君",
    "洋": "阳",
    "杰": "洁",
    "涛": "韬",
    "明": "铭",
    "华": "化",
    "建": "健",
    "国": "果",
    "文": "雯",
    "玉": "钰",
    "红": "虹",
    "海": "凯",
    "燕": "艳",
    "云": "芸",
    "鹏": "朋",
    "飞": "菲",
    "宇": "羽",
    "浩": "昊",
    "欣": "新",
    "怡": "仪",
    "婷": "亭",
    "琳": "林",
    "颖": "莹",
    "慧": "惠",
    "佳": "嘉",
    "俊": "骏",
    "博": "波",
    "斌": "彬",
    "鑫": "新",
    "宁": "凝",
    "晓": "小",
    "东": "冬",
    "峰": "锋",
    "琦": "琪",
    "思": "丝",
    "雨": "语",
}
ENGLISH_NAMES = (
    "David",
    "Michael",
    "Kevin",
    "Jason",
    "Eric",
    "Tony",
    "Peter",
    "Vincent",
    "Jack",
    "Amy",
    "Grace",
    "Emily",
    "Helen",
    "Lily",
    "Cindy",
    "Vivian",
    "Linda",
    "Sophia",
)
CITIES = (
    "上海",
    "北京",
    "广州",
    "深圳",
    "杭州",
    "成都",
    "南京",
    "武汉",
    "西安",
    "苏州",
    "天津",
    "重庆",
    "香港",
    "台北",
)
PROVIDERS = ("qq.com", "163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com")
HONORIFICS_M = ("先生", "总", "经理")
HONORIFICS_F = ("女士", "小姐", "总", "经理")
CHANNELS = ("app", "mini_program", "branch", "call_centre", "web")
SEGMENTS = ("high_value", "other")


@dataclass
class Person:
    person_id: str
    surname: str
    given: str
    female: bool
    english: str | None
    phone: str
    old_phone: str | None
    email: str
    city: str
    birth_date: str
    segment: str
    household: str
    device: str
    wechat: str
    card: str | None
    shared_device: bool = False


@dataclass
class Identity:
    """One record as a channel wrote it; ``person_id`` is the truth, never a feature."""

    record_id: str
    source: str
    name: str | None
    phone: str | None
    email: str | None
    device_id: str | None
    wechat_id: str | None
    card_no: str | None
    city: str | None
    birth_date: str | None
    segment: str
    person_id: str
    noise: list[str] = field(default_factory=list)

    def row(self) -> dict[str, str | None]:
        data = asdict(self)
        data["noise"] = ",".join(self.noise)
        return data


@cache
def _pinyin(text: str) -> tuple[str, ...]:
    """Pinyin as people write it: a surname in its surname reading (曾 zeng, 单 shan)."""
    from pypinyin import Style, lazy_pinyin

    if text[:1] in SURNAME_READINGS:
        return (SURNAME_READINGS[text[0]], *lazy_pinyin(text[1:], style=Style.NORMAL))
    return tuple(lazy_pinyin(text, style=Style.NORMAL))


@cache
def _tone_pinyin(text: str) -> tuple[str, ...]:
    from pypinyin import Style, lazy_pinyin

    return tuple(lazy_pinyin(text, style=Style.TONE))


@cache
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def romanised(text: str, *, given_first: bool = False) -> str:
    """A Chinese name as a form written in pinyin: ``Zhang Jianguo`` (or ``Jianguo Zhang``)."""
    surname, given = "".join(_pinyin(text[:1])), "".join(_pinyin(text[1:]))
    parts = (given.title(), surname.title()) if given_first else (surname.title(), given.title())
    return " ".join(p for p in parts if p)


def traditional(text: str) -> str:
    """The text in traditional characters (张建国 → 張建國)."""
    return str(_s2t().convert(text))


@dataclass(frozen=True)
class Mix:
    """How often each kind of noise happens (probabilities per record or person).
    ``DEV`` is the set the model was developed on; ``HELD_OUT`` a different mix for
    an honest check (more typos, titles, old numbers, family devices, missing names)."""

    honorific: float = 0.35  # call centre: surname + title
    typo: float = 0.12  # a homophone in the given name
    pinyin: float = 0.45  # app / web: a romanised name
    traditional_branch: float = 0.1  # a branch writing traditional characters
    no_name: float = 0.3  # mini-program without a name
    old_phone: float = 0.6  # branch / call centre keeping an old number
    phone_typo: float = 0.04
    email_case: float = 0.2
    gmail_tag: float = 0.3
    email_typo: float = 0.03
    shared_device: float = 0.7  # a household member on the family device
    landline: float = 0.3  # a household sharing a landline
    moved_phone: float = 0.2  # a person with an old number at all


DEV = Mix()
HELD_OUT = Mix(
    honorific=0.45,
    typo=0.18,
    pinyin=0.55,
    traditional_branch=0.2,
    no_name=0.4,
    old_phone=0.7,
    phone_typo=0.06,
    email_case=0.35,
    gmail_tag=0.5,
    email_typo=0.05,
    shared_device=0.8,
    landline=0.4,
    moved_phone=0.25,
)


class Generator:
    def __init__(self, seed: int, mix: Mix = DEV) -> None:
        self.rng = random.Random(seed)
        self.mix = mix
        self._phones: set[str] = set()
        self._surname_weights = [12 if i < 10 else 3 if i < 30 else 1 for i in range(len(SURNAMES))]

    def _phone(self) -> str:
        while True:
            number = self.rng.choice("3456789") + "".join(self.rng.choices("0123456789", k=9))
            number = "1" + number
            if number not in self._phones:
                self._phones.add(number)
                return number

    def _id(self, prefix: str, k: int = 10) -> str:
        return prefix + "".join(self.rng.choices("0123456789abcdef", k=k))

    def people(self, count: int) -> list[Person]:
        rng = self.rng
        out: list[Person] = []
        while len(out) < count:
            # A household: one to three people sharing a surname, a city, a device.
            size = rng.choices((1, 2, 3), (70, 22, 8))[0]
            surname = rng.choices(SURNAMES, self._surname_weights)[0]
            city = rng.choice(CITIES)
            household = self._id("H", 8)
            device = self._id("dev-", 12)
            landline = self._phone() if size > 1 and rng.random() < self.mix.landline else None
            for _ in range(min(size, count - len(out))):
                shares = size > 1 and rng.random() < self.mix.shared_device
                given = "".join(rng.choices(GIVEN_CHARS, k=rng.choices((1, 2), (35, 65))[0]))
                phone = landline if landline and rng.random() < 0.5 else self._phone()
                pinyin = "".join(_pinyin(surname + given))
                local = rng.choice(
                    (
                        pinyin,
                        "".join(_pinyin(given)) + "." + "".join(_pinyin(surname)),
                        pinyin + str(rng.randint(1, 99)),
                        phone if rng.random() < 0.5 else pinyin + str(rng.randint(1960, 2005)),
                    )
                )
                year = rng.randint(1955, 2004)
                out.append(
                    Person(
                        person_id=f"P{len(out):06d}",
                        surname=surname,
                        given=given,
                        female=rng.random() < 0.5,
                        english=rng.choice(ENGLISH_NAMES) if rng.random() < 0.15 else None,
                        phone=phone,
                        old_phone=self._phone() if rng.random() < self.mix.moved_phone else None,
                        email=f"{local}@{rng.choice(PROVIDERS)}",
                        city=city,
                        birth_date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        segment="high_value" if rng.random() < 0.2 else "other",
                        household=household,
                        device=device if shares else self._id("dev-", 12),
                        wechat=self._id("wx_", 10),
                        card=self._id("C", 9) if rng.random() < 0.6 else None,
                        shared_device=shares,
                    )
                )
        return out

    # --- noise ------------------------------------------------------------------

    def _name(self, p: Person, source: str, noise: list[str]) -> str | None:
        rng = self.rng
        chinese = p.surname + p.given
        if source == "call_centre" and rng.random() < self.mix.honorific:
            noise.append("honorific")
            titles = HONORIFICS_F if p.female else HONORIFICS_M
            return p.surname + rng.choice(titles)
        if rng.random() < self.mix.typo:
            noise.append("typo")
            chars = list(p.given)
            i = rng.randrange(len(chars))
            chars[i] = HOMOPHONES.get(chars[i], chars[i])
            chinese = p.surname + "".join(chars)
        roll = rng.random()
        if source in ("app", "web") and roll < self.mix.pinyin:
            noise.append("pinyin")
            sur, giv = "".join(_pinyin(p.surname)), "".join(_pinyin(p.given))
            style = rng.randrange(5)
            if style == 0:
                return f"{sur.title()} {giv.title()}"
            if style == 1:
                noise.append("swapped")
                return f"{giv.title()} {sur.title()}"
            if style == 2:
                noise.append("tones")
                return " ".join(_tone_pinyin(p.surname + p.given))
            if style == 3:
                noise.append("case")
                return f"{sur.upper()} {' '.join(_pinyin(p.given)).upper()}"
            if p.english:
                noise.append("english")
                return f"{p.english} {sur.title()}"
            return f"{giv.title()} {sur.title()}"
        if p.city in ("香港", "台北") or (
            source == "branch" and roll < self.mix.traditional_branch
        ):
            noise.append("traditional")
            return str(_s2t().convert(chinese))
        if source == "mini_program" and roll < self.mix.no_name:
            noise.append("no_name")
            return None
        return chinese

    def _phone_of(self, p: Person, source: str, noise: list[str]) -> str | None:
        rng = self.rng
        if source == "mini_program" and rng.random() < 0.25:
            return None  # the user did not authorise their phone number
        if source == "web" and rng.random() < 0.2:
            return None
        number = p.phone
        if (
            p.old_phone
            and source in ("branch", "call_centre")
            and rng.random() < self.mix.old_phone
        ):
            noise.append("old_phone")
            number = p.old_phone
        if rng.random() < self.mix.phone_typo:
            noise.append("phone_typo")
            i = rng.randrange(3, 11)
            number = number[:i] + rng.choice("0123456789") + number[i + 1 :]
        form = rng.randrange(4)
        if form == 0:
            return f"+86 {number[:3]} {number[3:7]} {number[7:]}"
        if form == 1:
            return f"{number[:3]}-{number[3:7]}-{number[7:]}"
        return number

    def _email_of(self, p: Person, source: str, noise: list[str]) -> str | None:
        rng = self.rng
        if source in ("call_centre", "mini_program") or rng.random() < 0.3:
            return None
        email = p.email
        if rng.random() < self.mix.email_case:
            noise.append("case")
            email = email.upper() if rng.random() < 0.5 else email.title()
        if email.lower().endswith("@gmail.com") and rng.random() < self.mix.gmail_tag:
            noise.append("gmail_tag")
            local, domain = email.split("@")
            email = f"{local[:2]}.{local[2:]}+{source}@{domain}"
        if rng.random() < self.mix.email_typo:
            noise.append("email_typo")
            local, domain = email.split("@")
            i = rng.randrange(len(local))
            local = local[:i] + local[i + 1 :] if len(local) > 3 else local
            email = f"{local}@{domain}"
        return email

    def identities(self, person: Person, start: int) -> Iterator[Identity]:
        rng = self.rng
        count = rng.choices((1, 2, 3, 4, 5), (22, 33, 25, 13, 7))[0]
        sources = rng.sample(CHANNELS, k=min(count, len(CHANNELS)))
        for n, source in enumerate(sources):
            noise: list[str] = []
            device = person.device if source in ("app", "mini_program") else None
            if device and person.shared_device:
                noise.append("shared_device")
            yield Identity(
                record_id=f"R{start + n:07d}",
                source=source,
                name=self._name(person, source, noise),
                phone=self._phone_of(person, source, noise),
                email=self._email_of(person, source, noise),
                device_id=device,
                wechat_id=person.wechat
                if source == "mini_program" or (source == "call_centre" and rng.random() < 0.3)
                else None,
                card_no=person.card if source in ("branch", "call_centre") else None,
                city=person.city if source in ("branch", "web") else None,
                birth_date=person.birth_date
                if source == "branch" or (source == "app" and rng.random() < 0.5)
                else None,
                segment=person.segment,
                person_id=person.person_id,
                noise=noise,
            )


def generate(persons: int = 8_000, seed: int = 24, mix: Mix = DEV) -> list[Identity]:
    """``persons`` people and the 1–5 records each left (≈ 2.5 per person)."""
    gen = Generator(seed, mix)
    records: list[Identity] = []
    for person in gen.people(persons):
        records.extend(gen.identities(person, len(records)))
    return records


def generate_at_least(identities: int, seed: int = 24, mix: Mix = DEV) -> list[Identity]:
    """At least ``identities`` records (whole people: never a person cut in half)."""
    return generate(persons=max(1, int(identities / 2.45) + 1), seed=seed, mix=mix)
