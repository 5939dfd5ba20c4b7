"""How people are named in a sentence: honorifics after a surname (张总, 王经理, Mr. Li),
role words, pronouns, and the shape of a full Chinese name (for names found nowhere)."""

from __future__ import annotations

import re

MAX_OPTIONS = 12
UNKNOWN_PERSON = "unknown_person"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)
# characters that make "surname + two" an ordinary phrase (方案一, 高层领导, 周一下午)
_NOT_IN_GIVEN_NAMES = (
    "的了们我你他她它是在有个这那和与及或把被给向下上周天年月日点号时分元万千百亿案式面法便层端级"
    "额融末边务何序于性质量时候些样么里外前后内中"
)
UNKNOWN_PERSON_ZH = re.compile(
    rf"(?:约|给|跟|和|找|联系|通知|告诉|拜访|邀请|约见)(?:一下)?"
    rf"(?P<name>[{SURNAMES}][^{_NOT_IN_GIVEN_NAMES}\W\da-zA-Z_]{{2}})"
)
"""A full Chinese name (surname + two characters) right after a verb that reaches a person,
found nowhere in the CRM: it is reported, never silently dropped ("约一下刘德华…")."""
SAME_COMPANY_BONUS = 0.3
"""A person at a company the sentence names outranks a namesake elsewhere ("永盛精密的雷总")."""

# Honorifics after a Chinese surname and the title words they imply.
HONORIFICS_ZH: dict[str, tuple[str, ...]] = {
    "总": ("总",),
    "经理": ("经理",),
    "总监": ("总监",),
    "主任": ("主任",),
    "院长": ("院长",),
    "科长": ("科长",),
    "处长": ("处长",),
    "站长": ("站长",),
    "董": ("董事",),
    "工": ("工程师",),
    "老师": (),
    "先生": (),
    "女士": (),
    "小姐": (),
    "老板": ("总", "老板"),
    "局": ("局长",),
}
# A one-character honorific that starts a common word is that word, not a title:
# "赢单总额" has no 单总, "处理工单" no 理工, "董事会" no 事董.
NOT_HONORIFIC_BEFORE = {
    "总": "额数计共量部结体是之和价值账分公成金",
    "工": "单作程资厂期具艺时位人种序业商",
    "董": "事",
    "局": "面势部限",
}
HONORIFICS_EN: dict[str, tuple[str, ...]] = {
    "mr": (),
    "mrs": (),
    "ms": (),
    "miss": (),
    "dr": ("主任", "doctor", "dr"),
    "director": ("总监", "主任", "director"),
    "manager": ("经理", "manager"),
    "president": ("总经理", "总裁", "president", "ceo"),
    "dean": ("院长", "dean"),
    "professor": ("教授", "professor"),
    "chief": ("主任", "总监", "chief"),
    "engineer": ("工程师", "engineer"),
}
# English role phrases → the (Chinese) title words users and contacts carry.
ROLE_WORDS_EN: dict[str, tuple[str, ...]] = {
    "supply chain director": ("供应链总监",),
    "supply-chain director": ("供应链总监",),
    "head of supply chain": ("供应链总监",),
    "supply chain lead": ("供应链总监",),
    "support lead": ("客服主管",),
    "support manager": ("客服主管",),
    "head of support": ("客服主管",),
    "customer service lead": ("客服主管",),
    "sales manager": ("销售经理",),
    "key account manager": ("大客户经理",),
    "key-account manager": ("大客户经理",),
    "marketing manager": ("市场经理",),
    "marketer": ("市场经理",),
    "data analyst": ("数据分析师",),
    "analyst": ("数据分析师",),
    "admin": ("系统管理员",),
    "administrator": ("系统管理员",),
    "medical sales rep": ("医疗行业销售代表",),
    "customer success": ("客户成功专员",),
    "general manager": ("总经理",),
    "gm": ("总经理",),
    "purchasing manager": ("采购经理",),
    "procurement manager": ("采购经理",),
    "fleet manager": ("车队经理",),
    "ceo": ("总经理", "CEO"),
    "cfo": ("财务总监", "CFO"),
    "it director": ("IT总监", "IT Director"),
}
ROLE_WORDS_ZH: dict[str, tuple[str, ...]] = {
    "客服负责人": ("客服主管",),
    "供应链负责人": ("供应链总监",),
    "销售主管": ("销售经理",),
    "市场部": ("市场经理",),
}
PRONOUNS_ZH = ("他", "她", "对方")


def starts_a_word(text: str, honorific: str, end: int) -> bool:
    """Whether a one-character honorific is really the first character of a word."""
    following = NOT_HONORIFIC_BEFORE.get(honorific, "")
    return end < len(text) and text[end] in following
