"""Normal forms of names, phones, e-mail addresses and company names (issue 24): the
variants one person leaves across channels reduce to the same form, and different
people do not."""

from __future__ import annotations

import pytest

from kith.identity.normalise import (
    normalise_company,
    normalise_email,
    normalise_name,
    normalise_phone,
    split_pinyin,
    strip_tones,
    to_simplified,
)

ZHANG_JIANGUO = [
    "张建国",
    "張建國",
    "Zhang Jianguo",
    "Jianguo Zhang",
    "ZHANG JIANGUO",
    "zhang jian guo",
    "Jian Guo Zhang",
    "Zhang, Jianguo",
    "zhāng jiànguó",
    "Zhāng Jiànguó",
    "zhang1 jian4guo2",
    "Zhang Jian-guo",
    " 张 建 国 ",
]


@pytest.mark.parametrize("variant", ZHANG_JIANGUO)
def test_every_spelling_of_zhang_jianguo_has_one_key(variant: str) -> None:
    form = normalise_name(variant)
    assert form.key == "jianguo zhang"
    assert (form.surname, form.given, form.initial) == ("zhang", "jianguo", "j")
    assert not form.partial


@pytest.mark.parametrize(
    ("variant", "surname", "honorific"),
    [
        ("张总", "zhang", "总"),
        ("王经理", "wang", "经理"),
        ("李老师", "li", "老师"),
        ("陈主任", "chen", "主任"),
        ("刘董事长", "liu", "董事长"),
        ("老王", "wang", "老"),
        ("小李", "li", "小"),
        ("Mr. Zhang", "zhang", "mr"),
        ("Mrs Wang", "wang", "mrs"),
        ("Dr. Li", "li", "dr"),
    ],
)
def test_a_surname_with_a_title_is_a_partial_name(
    variant: str, surname: str, honorific: str
) -> None:
    form = normalise_name(variant)
    assert (form.surname, form.honorific, form.partial, form.given) == (
        surname,
        honorific,
        True,
        "",
    )


@pytest.mark.parametrize(
    ("name", "chinese"),
    [
        ("Cindy Gao", "高总"),
        ("Tony Zhao", "赵先生"),
        ("Anna Li", "李女士"),
        ("David Wang", "王经理"),
    ],
)
def test_an_adopted_english_name_with_a_chinese_surname_is_the_surname_only(
    name: str, chinese: str
) -> None:
    form = normalise_name(name)
    assert form.partial and form.given == "" and form.initial == ""
    assert form.key == form.surname == normalise_name(chinese).surname


def test_pinyin_and_western_names_keep_their_given_name() -> None:
    assert not normalise_name("Jianguo Zhang").partial
    assert normalise_name("David Smith").key == "david smith"


def test_an_initial_and_a_surname_keep_the_initial() -> None:
    for variant in ("J. Zhang", "Zhang J.", "J Zhang"):
        form = normalise_name(variant)
        assert (form.surname, form.initial, form.partial) == ("zhang", "j", True)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("欧阳娜娜", "Ouyang Nana"),
        ("欧阳娜娜", "Nana Ouyang"),
        ("曾小贤", "Xiaoxian Zeng"),  # 曾 read zeng as a surname, not ceng
        ("单田芳", "Shan Tianfang"),
        ("陳偉", "Chen Wei"),
        ("李娜", "Na Li"),
        ("吕小军", "Lv Xiaojun"),
        ("Bob Smith", "Robert Smith"),
        ("Liz Taylor", "Dr. Elizabeth Taylor"),
        ("Bill Gates", "William Gates"),
        ("Katie Holmes", "Katherine Holmes"),
    ],
)
def test_variants_of_one_name_agree(a: str, b: str) -> None:
    assert normalise_name(a).key == normalise_name(b).key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("张建国", "张建军"),
        ("张建国", "章建国"),  # zhang and zhang sound alike; characters differ — keys agree
        ("Li Na", "Li Ming"),
        ("Robert Smith", "Roberta Smith"),
    ],
)
def test_different_people_differ_unless_they_sound_alike(a: str, b: str) -> None:
    same_sound = a == "张建国" and b == "章建国"
    assert (normalise_name(a).key == normalise_name(b).key) is same_sound


def test_empty_names_are_empty() -> None:
    for empty in (None, "", "   ", "Mr."):
        assert normalise_name(empty).key == ""


def test_script_helpers() -> None:
    assert to_simplified("張建國 東方明珠") == "张建国 东方明珠"
    assert to_simplified("Zhang") == "Zhang"
    assert strip_tones("Lǚ Xiǎojūn") == "Lv Xiaojun"
    assert split_pinyin("jianguo") == ["jian", "guo"]
    assert split_pinyin("xian") == ["xian"]
    assert split_pinyin("michael") is None


@pytest.mark.parametrize(
    "variant",
    [
        "13900001234",
        "139 0000 1234",
        "139-0000-1234",
        "+86 139 0000 1234",
        "+8613900001234",
        "0086 139 0000 1234",
        "(+86) 139-0000-1234",
        "８６１３９００００１２３４"[2:],  # full-width digits
    ],
)
def test_a_mainland_mobile_in_every_form_is_one_e164(variant: str) -> None:
    assert normalise_phone(variant) == "+8613900001234"


def test_phones_use_the_region_given() -> None:
    assert normalise_phone("(010) 6552 1234") == "+861065521234"
    assert normalise_phone("020 7946 0958", "GB") == "+442079460958"
    assert normalise_phone("+44 20 7946 0958", "CN") == "+442079460958"
    assert normalise_phone("2345 6789", "HK") == "+85223456789"
    assert normalise_phone("not a phone") is None
    assert normalise_phone("12") is None
    assert normalise_phone(None) is None


@pytest.mark.parametrize(
    ("raw", "mailbox"),
    [
        ("JINGHE@mail.example", "jinghe@mail.example"),
        (" JingHe@Mail.Example ", "jinghe@mail.example"),
        ("mailto:jinghe@mail.example", "jinghe@mail.example"),
        ("Jing.He+crm@GMAIL.com", "jinghe@gmail.com"),
        ("jinghe@googlemail.com", "jinghe@gmail.com"),
        ("jing.he+news@outlook.com", "jing.he@outlook.com"),
        ("jing.he+news@icloud.com", "jing.he@icloud.com"),
        # Providers that do not document these rules keep dots and tags.
        ("jing.he+x@qq.com", "jing.he+x@qq.com"),
        ("jing.he@163.com", "jing.he@163.com"),
    ],
)
def test_email_addresses_reduce_to_their_mailbox(raw: str, mailbox: str) -> None:
    assert normalise_email(raw) == mailbox


def test_not_an_email_address() -> None:
    for raw in (None, "", "jinghe", "jinghe@", "@mail.example", "jinghe@localhost", "+x@gmail.com"):
        assert normalise_email(raw) is None


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("北京字节跳动科技有限公司", "北京字节跳动科技"),
        ("北京字节跳动科技有限责任公司", "北京字节跳动科技"),
        ("华为技术股份有限公司", "华为技术"),
        ("華為技術有限公司", "华为技术"),
        ("中国平安保险(集团)股份有限公司", "中国平安保险"),
        ("中国平安保险（集团）股份有限公司", "中国平安保险"),
        ("Acme Co., Ltd.", "acme"),
        ("ACME Co Ltd", "acme"),
        ("Acme Inc.", "acme"),
        ("Acme Corporation", "acme"),
        ("Acme GmbH", "acme"),
        ("Acme Limited", "acme"),
        ("Siemens AG", "siemens"),
        ("Tencent Holdings Ltd.", "tencent"),
    ],
)
def test_company_names_lose_their_legal_form(raw: str, name: str) -> None:
    assert normalise_company(raw) == name


def test_a_legal_form_alone_is_kept() -> None:
    assert normalise_company("有限公司") == "有限公司"
    assert normalise_company("Inc") == "inc"
    assert normalise_company(None) == ""
