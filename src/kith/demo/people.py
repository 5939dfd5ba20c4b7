"""Made-up but well-formed personal data: names, e-mails, phones, VINs, ID and tax numbers.

Check digits are computed the official way (GB 11643 for resident ID numbers,
GB 32100 for unified social credit codes), so PII detectors and validators
treat the demo data like real data.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass

from kith.demo.vocab import ENGLISH_FIRST_NAMES, ENGLISH_LAST_NAMES, FAMILY_NAMES, GIVEN_NAMES


@dataclass(frozen=True)
class PersonName:
    name: str
    family: str
    given: str
    email_local: str


def chinese_name(
    rng: random.Random, reject: Callable[[str, str], bool] = lambda family, given: False
) -> PersonName:
    """A family + given name, skewed to common family names; ``reject`` vetoes combinations."""
    while True:
        # Squaring a uniform draw favours the front of the frequency-ordered list.
        family, family_py = FAMILY_NAMES[int(rng.random() ** 2 * len(FAMILY_NAMES))]
        given, given_py = rng.choice(GIVEN_NAMES)
        if not reject(family, given):
            return PersonName(family + given, family, given, f"{given_py}.{family_py}")


def english_name(rng: random.Random) -> PersonName:
    first = rng.choice(ENGLISH_FIRST_NAMES)
    last = rng.choice(ENGLISH_LAST_NAMES)
    local = f"{first}.{last}".lower().replace(" ", "").replace("ü", "ue")
    return PersonName(f"{first} {last}", last, first, local)


def mobile(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + "".join(rng.choices(string.digits, k=9))


def landline(rng: random.Random, area_code: str) -> str:
    digits = "".join(rng.choices(string.digits, k=7))
    return f"{area_code}-{rng.randint(5, 8)}{digits[:3]} {digits[3:]}"


def foreign_phone(rng: random.Random, prefix: str) -> str:
    return f"{prefix} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"


_VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # VINs never use I, O or Q


def vin(rng: random.Random, model_code: str) -> str:
    return "LHC" + model_code[:2].upper().ljust(2, "0") + "".join(rng.choices(_VIN_CHARS, k=12))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def resident_id(rng: random.Random, area: str, birth_year: int) -> str:
    """An 18-digit resident ID number with a valid check digit."""
    body = f"{area}{birth_year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    body += f"{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code(rng: random.Random, area: str) -> str:
    """A unified social credit code (统一社会信用代码) with a valid check character."""
    body = "91" + area + "".join(rng.choices(_USCC_CHARS, k=9))
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body, _USCC_WEIGHTS, strict=True))
    return body + _USCC_CHARS[(31 - total % 31) % 31]


def bank_account(rng: random.Random) -> str:
    digits = "6222" + "".join(rng.choices(string.digits, k=15))
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


# Administrative area codes (first six ID digits) of the demo cities.
AREA_CODES: dict[str, str] = {
    "上海": "310115", "北京": "110105", "广州": "440106", "深圳": "440305", "杭州": "330108",
    "苏州": "320506", "南京": "320115", "宁波": "330212", "成都": "510107", "重庆": "500112",
    "武汉": "420111", "西安": "610113", "天津": "120116", "青岛": "370211", "沈阳": "210112",
    "哈尔滨": "230103", "长沙": "430104", "郑州": "410105", "合肥": "340104", "厦门": "350203",
}  # fmt: skip
