"""Slot fillers for the generated intent corpus: names, companies, times, topics, stages,
fields and the politeness a person wraps a request in — wide on purpose, so that the
classifier learns the verbs and frames of an intent rather than a few names.

None of these are the demo's records on purpose beyond a handful: the model must not
learn that a name means an intent.
"""

from __future__ import annotations

import random

SURNAMES = (
    "张王李赵刘陈杨黄吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = [
    "建国",
    "海燕",
    "磊",
    "晓峰",
    "晨",
    "洋",
    "婷",
    "昊",
    "丽",
    "强",
    "超",
    "蕾",
    "峰",
    "静",
    "远",
    "敏",
    "娜",
    "浩",
    "明",
    "芳",
    "伟",
    "军",
    "勇",
    "杰",
    "涛",
    "斌",
    "霞",
    "秀英",
    "桂英",
    "志强",
    "志明",
    "国华",
    "建华",
    "红梅",
    "晓东",
    "雪梅",
    "海涛",
    "俊杰",
    "子涵",
    "思远",
    "雨欣",
    "嘉怡",
    "宇航",
    "一鸣",
]
HONORIFICS = ("总", "总", "工", "经理", "老师", "主任", "院长", "处长", "总监", "老板", "姐", "哥")
EN_GIVEN = [
    "Jianguo",
    "Haiyan",
    "Lei",
    "Xiaofeng",
    "Chen",
    "Yang",
    "Ting",
    "Hao",
    "Li",
    "Qiang",
    "Min",
    "Na",
    "Wei",
    "Jun",
    "Fang",
    "Jie",
    "Tao",
    "Anna",
    "Peter",
    "Maria",
    "John",
    "Linda",
    "David",
    "Sarah",
    "Tom",
    "Emma",
    "Lucas",
    "Olivia",
    "Mark",
    "Laura",
]
EN_FAMILY = [
    "Zhang",
    "Wang",
    "Li",
    "Zhao",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Feng",
    "Xie",
    "Gao",
    "Lin",
    "Kessler",
    "Miller",
    "Schmidt",
    "Johnson",
    "Brown",
    "Garcia",
    "Rossi",
    "Dubois",
    "Tanaka",
    "Kim",
    "Novak",
]
EN_TITLES = ("Mr.", "Ms.", "Mrs.", "Dr.", "Director", "Manager")
COMPANIES_ZH = [
    "顺达物流",
    "华辰汽车",
    "远航科技",
    "仁和医院",
    "星河电子",
    "金桥贸易",
    "东方制造",
    "瑞丰集团",
    "海川能源",
    "锦程物流",
    "天工机械",
    "博远医疗",
    "新域科技",
    "长城电气",
    "恒通供应链",
    "市人民医院",
    "市财政局",
]
COMPANIES_EN = [
    "Kessler Precision",
    "Northwind Logistics",
    "Acme Motors",
    "Blue River Health",
    "Helios Energy",
    "Summit Retail",
    "Orion Devices",
    "Harbor Freight Co",
    "Atlas Manufacturing",
    "City Hospital",
]
TITLES_ZH = [
    "供应链总监",
    "销售经理",
    "销售总监",
    "法务",
    "技术支持",
    "财务",
    "客服主管",
    "区域经理",
    "我的经理",
    "服务经理",
    "市场部",
    "交付经理",
    "产品经理",
    "风控分析师",
    "团队经理",
]
TITLES_EN = [
    "the supply chain director",
    "my manager",
    "the sales director",
    "legal",
    "tech support",
    "finance",
    "the service lead",
    "the regional manager",
    "the delivery manager",
    "the product manager",
    "the risk analyst",
    "the team lead",
]
TIMES_ZH = [
    "明天",
    "明天上午",
    "明天上午十点",
    "明天下午3点",
    "后天",
    "后天下午",
    "下周一",
    "下周三上午",
    "下周二上午11点",
    "周五前",
    "这周五下午两点",
    "月底前",
    "下个月初",
    "3天后",
    "今晚8点",
    "元旦前",
    "12月15号",
    "本周内",
    "下周",
    "周四",
    "明早",
    "明天一早",
    "下午四点半",
    "今天下班前",
    "两小时后",
    "春节前",
    "下个月",
    "月中",
    "下周五之前",
    "明天中午",
]
TIMES_EN = [
    "tomorrow",
    "tomorrow morning",
    "tomorrow at 10am",
    "tomorrow at 3pm",
    "the day after tomorrow",
    "next Monday",
    "next Wednesday morning",
    "on Tuesday next week at 11am",
    "by Friday",
    "this Friday at 2pm",
    "before the end of the month",
    "early next month",
    "in 3 days",
    "tonight at 8",
    "before New Year",
    "on December 15",
    "this week",
    "next week",
    "on Thursday",
    "first thing tomorrow",
    "at 4:30pm",
    "before I leave today",
    "in two hours",
    "next Monday at 9",
    "by the 20th",
    "at noon tomorrow",
]
TOPICS_ZH = [
    "报价单",
    "合同",
    "二期方案",
    "物流延迟问题",
    "续约",
    "试驾",
    "电池检测",
    "发票",
    "安装进度",
    "售后问题",
    "价格调整",
    "交付时间",
    "付款进度",
    "技术方案",
    "招标文件",
    "样品",
    "培训安排",
    "质保条款",
    "充电桩安装",
    "软件升级",
    "账期",
]
TOPICS_EN = [
    "the quote",
    "the contract",
    "the phase two proposal",
    "the logistics delay",
    "the renewal",
    "the test drive",
    "the battery check",
    "the invoice",
    "the installation",
    "the after-sales issue",
    "the price change",
    "the delivery date",
    "the payment",
    "the technical proposal",
    "the tender documents",
    "the samples",
    "the training plan",
    "the warranty terms",
    "the charger installation",
    "the software update",
]
MESSAGES_ZH = [
    "试驾车周四到",
    "合同已经寄出",
    "报价明天发过去",
    "货已经发了",
    "安装师傅下午到",
    "发票已开好",
    "我们下周去拜访",
    "方案有更新",
    "价格可以再谈",
    "检测报告出来了",
    "会议改到周五",
]
MESSAGES_EN = [
    "the test car arrives Thursday",
    "the contract is in the mail",
    "the quote goes out tomorrow",
    "the goods have shipped",
    "the engineer arrives this afternoon",
    "the invoice is ready",
    "we will visit next week",
    "the proposal was updated",
    "the price is negotiable",
    "the inspection report is out",
    "the meeting moved to Friday",
]
PROBLEMS_ZH = [
    "冬季续航缩水严重",
    "充电桩无法启动",
    "车机蓝牙连不上",
    "货物破损",
    "发货延迟一周",
    "系统报错",
    "设备异响",
    "屏幕黑屏",
    "账单金额不对",
    "安装后漏水",
    "OTA升级失败",
]
PROBLEMS_EN = [
    "winter range drops badly",
    "the charger will not start",
    "bluetooth keeps disconnecting",
    "the goods arrived damaged",
    "the shipment is a week late",
    "the system throws errors",
    "the unit makes a strange noise",
    "the screen is black",
    "the bill is wrong",
    "the OTA update failed",
]
STAGES_ZH = [
    "方案演示",
    "商务谈判",
    "需求分析",
    "招标准备",
    "试驾评估",
    "线索确认",
    "合同谈判",
    "需求调研",
]
STAGES_EN = [
    "demo",
    "negotiation",
    "needs analysis",
    "tender",
    "test drive",
    "qualification",
    "proposal",
]
FIELDS_ZH = (
    ("手机号", "13900001111"),
    ("邮箱", "li@example.com"),
    ("职位", "采购总监"),
    ("城市", "杭州"),
    ("金额", "50万"),
    ("行业", "医疗"),
    ("地址", "浦东新区张江路88号"),
    ("来源", "展会"),
    ("预计成交日期", "下月底"),
    ("电话", "021-55556666"),
)
FIELDS_EN = (
    ("phone", "13900001111"),
    ("email", "li@example.com"),
    ("title", "procurement director"),
    ("city", "Hangzhou"),
    ("amount", "500k"),
    ("industry", "healthcare"),
    ("address", "88 Zhangjiang Road"),
    ("source", "trade show"),
    ("expected close date", "end of next month"),
)
AMOUNTS_ZH = ["200元", "500块", "1000元", "50万", "30%", "八折", "2000", "100块钱", "1万"]
AMOUNTS_EN = ["200 yuan", "500 RMB", "1,000 yuan", "10%", "$50", "300 CNY", "2k"]
CAMPAIGNS_ZH = [
    "春季焕新",
    "冬季关爱",
    "老客户回馈",
    "双十一",
    "电池健康月",
    "新品发布会",
    "会员日",
]
CAMPAIGNS_EN = [
    "Spring Launch",
    "Winter Care",
    "Loyalty Rewards",
    "Singles Day",
    "Battery Health Month",
]
CHANNELS_ZH = ("微信", "短信", "邮件", "企业微信", "消息")
CHANNELS_EN = ("WeChat", "SMS", "a text", "an email", "a message")
DEAL_WORDS_ZH = ("商机", "单子", "项目", "机会", "订单机会")
TICKET_IDS = ("T-000123", "T-000045", "T-001207", "T-000318", "T000088", "工单88")

PREFIX_ZH = (
    "",
    "",
    "",
    "帮我",
    "麻烦",
    "请",
    "你帮我",
    "能不能",
    "记得",
    "顺便",
    "赶紧",
    "那个，",
    "麻烦你",
)
SUFFIX_ZH = ("", "", "", "吧", "一下", "哈", "，谢谢", "。", "！", "，尽快", "，辛苦")
PREFIX_EN = ("", "", "", "please ", "can you ", "could you ", "I need you to ", "pls ", "hey, ")
SUFFIX_EN = ("", "", "", " please", ", thanks", ".", " asap", "!", " for me")
MIXED = {"会议": "meeting", "工单": "ticket", "商机": "deal", "邮件": "email", "微信": "WeChat"}


def person_zh(rng: random.Random) -> str:
    surname = rng.choice(SURNAMES)
    form = rng.random()
    if form < 0.45:
        return surname + rng.choice(GIVEN)
    if form < 0.85:
        return surname + rng.choice(HONORIFICS)
    return rng.choice(("小", "老")) + surname


def person_en(rng: random.Random) -> str:
    form = rng.random()
    family = rng.choice(EN_FAMILY)
    if form < 0.5:
        return f"{rng.choice(EN_GIVEN)} {family}"
    if form < 0.85:
        return f"{rng.choice(EN_TITLES)} {family}"
    return rng.choice(EN_GIVEN)


def ticket(rng: random.Random, lang: str) -> str:
    if lang == "zh":
        return rng.choice((*TICKET_IDS, f"{person_zh(rng)}的工单", "这个投诉工单", "那张工单"))
    return rng.choice((*TICKET_IDS[:5], f"{person_en(rng)}'s ticket", "this ticket"))


def deal(rng: random.Random, lang: str) -> str:
    if lang == "zh":
        return rng.choice(
            (
                f"{rng.choice(COMPANIES_ZH)}的{rng.choice(DEAL_WORDS_ZH)}",
                f"{rng.choice(COMPANIES_ZH)}这{rng.choice(('单', '个项目'))}",
                f"那个{rng.choice(AMOUNTS_ZH)}的单子",
                f"{person_zh(rng)}的{rng.choice(DEAL_WORDS_ZH)}",
            )
        )
    return rng.choice(
        (
            f"the {rng.choice(COMPANIES_EN)} deal",
            f"{person_en(rng)}'s opportunity",
            f"the {rng.choice(COMPANIES_EN)} opportunity",
            "that 500k deal",
        )
    )
