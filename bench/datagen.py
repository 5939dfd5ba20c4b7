"""Deterministic, realistic bilingual contacts: Chinese and English names, emails, mobiles.

About 65% of contacts are Chinese (common surnames, one- or two-character
given names, pinyin emails on Chinese and company domains, mainland mobiles)
and 35% English. Cities follow a skewed distribution (上海 about 16%), so a
city filter selects a realistic share of rows.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from pathlib import Path

SURNAMES = {
    "王": "wang", "李": "li", "张": "zhang", "刘": "liu", "陈": "chen", "杨": "yang",
    "黄": "huang", "赵": "zhao", "吴": "wu", "周": "zhou", "徐": "xu", "孙": "sun",
    "马": "ma", "朱": "zhu", "胡": "hu", "郭": "guo", "何": "he", "高": "gao",
    "林": "lin", "罗": "luo", "郑": "zheng", "梁": "liang", "谢": "xie", "宋": "song",
    "唐": "tang", "许": "xu", "韩": "han", "冯": "feng", "邓": "deng", "曹": "cao",
    "彭": "peng", "曾": "zeng", "肖": "xiao", "田": "tian", "董": "dong", "袁": "yuan",
    "潘": "pan", "蒋": "jiang", "蔡": "cai", "余": "yu", "杜": "du", "叶": "ye",
    "程": "cheng", "苏": "su", "魏": "wei", "吕": "lv", "丁": "ding", "沈": "shen",
}  # fmt: skip
GIVEN = {
    "伟": "wei", "芳": "fang", "娜": "na", "敏": "min", "静": "jing", "丽": "li",
    "强": "qiang", "磊": "lei", "军": "jun", "洋": "yang", "勇": "yong", "艳": "yan",
    "杰": "jie", "娟": "juan", "涛": "tao", "明": "ming", "超": "chao", "秀": "xiu",
    "霞": "xia", "平": "ping", "刚": "gang", "桂": "gui", "英": "ying", "华": "hua",
    "建": "jian", "国": "guo", "文": "wen", "辉": "hui", "玲": "ling", "鹏": "peng",
    "宇": "yu", "浩": "hao", "婷": "ting", "欣": "xin", "晨": "chen", "雪": "xue",
    "佳": "jia", "琳": "lin", "博": "bo", "凯": "kai", "思": "si", "雨": "yu",
}  # fmt: skip
FIRST_NAMES = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
    "David", "Elizabeth", "William", "Susan", "Richard", "Jessica", "Thomas", "Sarah",
    "Daniel", "Karen", "Emily", "Olivia", "Lucas", "Sophie", "Kevin", "Grace",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Walker",
    "Clark", "Lewis", "Young", "King", "Wright", "Scott", "Green", "Baker",
)  # fmt: skip
CN_DOMAINS = ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "shunda-logistics.cn",
              "huachen-tech.com", "mingde-med.cn", "aliyun.com")  # fmt: skip
EN_DOMAINS = ("gmail.com", "outlook.com", "acme-medical.com", "nordicfleet.se",
              "lioncity.sg", "example.org")  # fmt: skip
CITIES = (("上海", 16), ("北京", 14), ("深圳", 10), ("广州", 9), ("杭州", 8), ("成都", 6),
          ("南京", 5), ("武汉", 5), ("苏州", 5), ("西安", 4), ("天津", 4), ("重庆", 4),
          ("Singapore", 3), ("Hong Kong", 3), ("London", 2), ("San Francisco", 2))  # fmt: skip
CN_TITLES = ("总经理", "副总经理", "采购经理", "销售总监", "运营总监", "财务经理",
             "工程师", "项目经理", "车队经理", "IT 主管")  # fmt: skip
EN_TITLES = ("CEO", "CTO", "Procurement Manager", "Head of Operations", "Engineer",
             "Sales Director", "Fleet Manager")  # fmt: skip
MOBILE_PREFIXES = ("133", "135", "136", "137", "138", "139", "150", "151", "152", "158",
                   "159", "177", "180", "181", "186", "187", "188", "189")  # fmt: skip
HEADER = ["external_id", "name", "family_name", "given_name", "email", "mobile", "city", "title",
          "language"]  # fmt: skip


def contacts(count: int, seed: int = 2026) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    city_names = [c for c, _ in CITIES]
    city_weights = [w for _, w in CITIES]
    for i in range(count):
        city = rng.choices(city_names, city_weights)[0]
        row = _chinese(rng, i) if rng.random() < 0.65 else _english(rng, i)
        row["external_id"] = f"CRM-{i:08d}"
        row["city"] = city
        yield row


def _chinese(rng: random.Random, i: int) -> dict[str, str]:
    surname = rng.choice(list(SURNAMES))
    given = "".join(rng.choice(list(GIVEN)) for _ in range(rng.choice((1, 1, 2))))
    pinyin = "".join(GIVEN[c] for c in given)
    return {
        "name": surname + given,
        "family_name": surname,
        "given_name": given,
        "email": f"{pinyin}.{SURNAMES[surname]}{i}@{rng.choice(CN_DOMAINS)}",
        "mobile": rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
        "title": rng.choice(CN_TITLES),
        "language": "zh",
    }


def _english(rng: random.Random, i: int) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    mobile = (
        f"+1 415 {rng.randrange(200, 999)} {rng.randrange(10**4):04d}"
        if rng.random() < 0.4
        else rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
    )
    return {
        "name": f"{first} {last}",
        "family_name": last,
        "given_name": first,
        "email": f"{first.lower()}.{last.lower()}{i}@{rng.choice(EN_DOMAINS)}",
        "mobile": mobile,
        "title": rng.choice(EN_TITLES),
        "language": "en",
    }


def write_csv(path: Path, count: int, seed: int = 2026) -> Path:
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, HEADER)
        writer.writeheader()
        writer.writerows(contacts(count, seed))
    return path
