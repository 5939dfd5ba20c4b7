"""The in-domain training corpus of the sentiment model: business messages, zh and en.

Generated, not collected: templates × slot fillers × paraphrase rules (greetings and
sign-offs on every class, typos, punctuation, zh/en code-switching), each message
labelled by the intent that produced it (three classes, plus the anger and urgency
flags). Requests (invoice, address, contract, meeting, order changes) are neutral;
complaints with and without emotion words, double charges, delays, sarcasm and
"good but" messages are negative; churn threats and refund demands are negative and
urgent; praise and thanks are positive.

Deterministic (one seeded ``random.Random`` per language), so the shipped model can
be rebuilt bit for bit by ``bench/train_sentiment.py``. The hand-written held-out set
(``tests/data/sentiment_holdout.jsonl``) was written before this file and is never
read by it; a unit test fails if any held-out message appears here or in the corpus.
"""

# ruff: noqa: E501  (slot-filler tables read better one option list per line)

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

PER_LANGUAGE = 1400
COMPOSED_SHARE = 0.5  # the rest comes from the intent templates
SEED = 20261207


@dataclass(frozen=True)
class Message:
    text: str
    language: str  # zh | en
    label: str  # negative | neutral | positive
    anger: bool
    urgency: bool
    intent: str


Pick = Callable[[Sequence[str]], str]


# --------------------------------------------------------------------------- zh

_ZH_GREET = (
    "",
    "",
    "",
    "您好，",
    "你好，",
    "王经理您好，",
    "刘总，",
    "小陈，",
    "各位好，",
    "Hi，",
    "李工：",
)
_ZH_SIGN = (
    "",
    "",
    "",
    "谢谢。",
    "谢谢！",
    "辛苦了。",
    "麻烦了。",
    "多谢",
    "有问题随时联系。",
    "Thanks",
)
_ZH_WHEN = (
    "周一",
    "周二",
    "周三",
    "周四",
    "周五",
    "下周一",
    "下周三",
    "明天",
    "后天",
    "月底",
    "十五号",
)
_ZH_TIME = ("上午九点", "上午十点半", "下午两点", "下午三点", "下午四点", "晚上七点", "中午")
_ZH_DOC = (
    "合同",
    "补充协议",
    "报价单",
    "对账单",
    "采购订单",
    "验收单",
    "授权书",
    "框架协议",
    "保密协议",
)
_ZH_PRODUCT = (
    "服务器", "打印机", "门禁系统", "CRM 系统", "充电桩", "空压机", "传感器", "软件授权",
    "办公桌椅", "网关设备", "云服务", "监控摄像头", "叉车", "包装材料", "工控机",
)  # fmt: skip
_ZH_CITY = (
    "北京市朝阳区",
    "上海市浦东新区",
    "广州市天河区",
    "成都市高新区",
    "杭州市西湖区",
    "武汉市洪山区",
)
_ZH_ROAD = ("建国路", "世纪大道", "天府三街", "文三路", "珞瑜路", "中山大道")
_ZH_MONTH = ("一月", "三月", "上个月", "本月", "十月", "去年十二月", "这个季度")
_ZH_FEE = ("服务费", "年费", "订阅费", "维保费", "运费", "会员费", "授权费")
_ZH_PERSON = (
    "张工",
    "小王",
    "李经理",
    "客服小刘",
    "赵总",
    "实施团队",
    "售后的陈师傅",
    "你们的顾问",
)


def _zh_neutral(rng: random.Random, p: Pick) -> tuple[str, str, bool]:
    kind = rng.randrange(14)
    if kind == 0:
        field = p(("抬头", "税号", "开户行", "开票地址", "收票邮箱"))
        return (
            "invoice",
            f"我们的开票{field}有变更，请按附件里的新信息开{p(('发票', '专票', '普票'))}。",
            False,
        )
    if kind == 1:
        road, num = p(_ZH_ROAD), rng.randint(1, 300)
        tail = p(("联系人不变。", "电话不变。", "其他信息照旧。", "请后续发货按新地址。"))
        return "address", f"收货地址变更为{p(_ZH_CITY)}{road}{num}号，{tail}", False
    if kind == 2:
        lead = p(("附件是", "随邮件附上", "这是", "发您"))
        state = p(("盖章后的", "修订后的", "最新版的", "双方签字的", ""))
        return (
            "contract",
            f"{lead}{state}{p(_ZH_DOC)}{p(('扫描件', '电子版', 'PDF', ''))}，请查收。",
            False,
        )
    if kind == 3:
        what = p(("会议", "拜访", "电话会", "演示", "培训", "评审会"))
        return (
            "meeting",
            f"原定{p(_ZH_WHEN)}{p(_ZH_TIME)}的{what}能否改到{p(_ZH_WHEN)}{p(_ZH_TIME)}？",
            False,
        )
    if kind == 4:
        n = rng.choice((10, 20, 50, 100, 200, 500, 1000))
        return (
            "quote",
            f"麻烦提供一下{p(_ZH_PRODUCT)}的报价，数量大概{n}{p(('台', '套', '件', '个'))}。",
            False,
        )
    if kind == 5:
        q = p((
            "发票一般多久能开出来", "贵司支持月结吗", "这个型号有现货吗", "退款流程是怎样的",
            "系统支持单点登录吗", "交货周期大概多久", "价格是否含运费", "样品可以免费寄吗",
            "最小起订量是多少", "你们在武汉有仓库吗", "接口调用有次数限制吗", "质检报告能提供吗",
        ))  # fmt: skip
        return "question", f"请问{q}？", False
    if kind == 6:
        n = rng.randint(2, 90) * 10
        return "order_change", f"订单 PO{rng.randint(1000, 9999)} 的数量改为{n}，交期不变。", False
    if kind == 7:
        return (
            "payment",
            f"{p(_ZH_MONTH)}的{p(_ZH_FEE)}已安排支付，预计{p(('三个', '两个', '五个'))}工作日到账。",
            False,
        )
    if kind == 8:
        act = p(("开通", "关闭", "重置密码", "新增", "调整权限"))
        return "account", f"请帮忙{act}{rng.randint(1, 9)}个{p(('账号', '席位', '用户'))}。", False
    if kind == 9:
        return (
            "delivery_slot",
            f"{p(_ZH_WHEN)}{p(_ZH_TIME)}仓库有人，可以安排{p(('送货', '提货', '上门安装', '巡检'))}。",
            False,
        )
    if kind == 10:
        who = p(("采购负责人", "对接人", "财务联系人", "项目经理"))
        return (
            "contact_change",
            f"我们的{who}换成{p(('孙丽', '周强', '吴敏', '郑浩'))}了，后续请联系她/他。",
            False,
        )
    if kind == 11:
        return (
            "urgent_request",
            f"麻烦{p(('今天下班前', '明天中午前', '尽快', '今天之内'))}把{p(_ZH_DOC)}发给我们，内部审批要用。",
            True,
        )
    if kind == 12:
        return (
            "notice",
            f"{p(('收到', '好的', '了解', '明白'))}，我们内部{p(('评估', '走流程', '研究'))}后{p(_ZH_WHEN)}回复您。",
            False,
        )
    mix = p((
        "这个 PO 的 invoice 请按新的抬头开。", "麻烦把 meeting 改到下周二。",
        "合同 draft 已经 review 过了，请安排盖章。", "请把 quotation 更新一下再发我。",
        "下周的 demo 需要准备 mobile 端。", "delivery 时间请和仓库确认。",
    ))  # fmt: skip
    return "mixed_language", mix, False


_ZH_FAIL = (
    "一直报错", "无法开机", "频繁掉线", "数据丢了一部分", "速度特别慢", "和描述不符",
    "少发了两件", "外壳有明显划痕", "用了三天就坏了", "登录不上去", "打印全是乱码",
    "噪音很大", "充不进电", "报表数字对不上", "接口老是超时",
)  # fmt: skip
_ZH_IMPACT = (
    "影响了我们的正常使用", "现场的同事没法开展工作", "客户那边已经有意见了", "我们的项目进度被拖慢",
    "耽误了整整一天", "月底结账受到影响", "", "",
)  # fmt: skip
_ZH_ANGER = (
    "太气人了！", "简直离谱！", "你们到底怎么回事？！", "我真的受够了！", "忍无可忍！", "气死我了！",
    "这是什么垃圾服务！", "太不像话了！", "你们是在糊弄人吗？", "一点责任心都没有！",
)  # fmt: skip
_ZH_DEADLINE = (
    "请今天给答复。",
    "请马上处理。",
    "今天必须解决。",
    "最晚明天上午给结果。",
    "请立即派人过来。",
)


def _zh_negative(rng: random.Random, p: Pick) -> tuple[str, str, bool, bool]:
    kind = rng.randrange(10)
    product = p(_ZH_PRODUCT)
    stage = p(("到货后", "安装后", "升级以后", "这周", "最近", "换了新版本后"))
    if kind == 0:
        impact = p(_ZH_IMPACT)
        return (
            "complaint",
            f"{product}{stage}{p(_ZH_FAIL)}{'，' + impact if impact else ''}。",
            False,
            False,
        )
    if kind == 1:
        return (
            "complaint_angry",
            f"{product}{stage}{p(_ZH_FAIL)}，{p(_ZH_ANGER)}",
            True,
            rng.random() < 0.4,
        )
    if kind == 2:
        times = p(("两次", "两遍", "三次", "重复"))
        tail = p((*_ZH_DEADLINE, "多收的部分请退还。", "请尽快核实并退款。"))
        return "double_charge", f"{p(_ZH_MONTH)}的{p(_ZH_FEE)}被扣了{times}，{tail}", False, True
    if kind == 3:
        late = p(("已经晚了一周", "到现在还没消息", "拖了十天了", "一拖再拖", "又延期了"))
        what = p(("到货", "上线", "交付", "发货", "上门安装", "出方案"))
        urgent = rng.random() < 0.5
        tail = p(_ZH_DEADLINE) if urgent else p(("", "也没人通知我们。", "这样下去不行。"))
        return "delay", f"说好{p(_ZH_WHEN)}{what}，{late}。{tail}", False, urgent
    if kind == 4:
        cond = p((
            "要是月底前还是这样", "再出一次问题的话", "要是下周一前还不能交付", "问题再不处理",
            "价格如果不调整", "这种情况再发生",
        ))  # fmt: skip
        act = p((
            "我们就只能换供应商了", "不行就换供应商", "我们会考虑别家的方案", "明年就不续约了",
            "我们将终止合作", "我们会去找其他厂家", "只能走法务流程了",
        ))  # fmt: skip
        angry = rng.random() < 0.25
        return "churn_threat", f"{cond}，{act}。{p(_ZH_ANGER) if angry else ''}", angry, True
    if kind == 5:
        why = p((
            "货不对板", "服务一直没开通", "质量问题反复出现", "你们违约在先", "设备根本用不了",
            "多扣了钱", "课程临时取消",
        ))  # fmt: skip
        when = p(("今天", "马上", "立即", "尽快", "三天内"))
        angry = rng.random() < 0.3
        tail = p(_ZH_ANGER) if angry else ""
        return (
            "refund_demand",
            f"{why}，请{when}{p(('全额退款', '把钱退回来', '退款', '办理退货退款'))}。{tail}",
            angry,
            True,
        )
    if kind == 6:
        s = p((
            f"真是太“高效”了，一张发票开了{rng.randint(2, 5)}周。",
            f"谢谢你们让我等了{rng.randint(3, 20)}天，服务真好啊。",
            "又坏了，真棒，这个月第三次了。",
            "好厉害，客服电话永远打不通。",
            "厉害了，升级一次丢一次数据。",
            "呵呵，说好的二十四小时响应呢？",
        ))  # fmt: skip
        return "sarcasm", s, False, False
    if kind == 7:
        good = p(("产品本身还可以", "你们的人态度挺好", "功能是不错", "价格是便宜", "界面挺好看"))
        bad = p(
            (
                "售后实在太慢了",
                "但是交付一拖再拖",
                "可是问题一直解决不了",
                "但这次质量明显下降",
                "但账单老是出错",
            )
        )
        return (
            "mixed_negative",
            f"{good}，{bad}，{p(('我们很难接受', '希望尽快改进', '很失望', '这样下去不行'))}。",
            False,
            False,
        )
    if kind == 8:
        n = rng.randint(2, 15)
        s = p(
            (
                f"{n}天前提交的工单到现在没人回复。",
                f"打了{n}次电话都没人接。",
                f"邮件发了{n}封都石沉大海。",
            )
        )
        return "ignored", s, False, False
    s = p((
        "叉车电池的寿命只有承诺的一半。", "系统通知全进了垃圾邮件，我们错过了两次审批。",
        "仓库收到的托盘标签全贴错了。", "巡检报告和现场实际情况对不上。", "答应的赠品一直没寄过来。",
        "产品手册缺了好几页。", "APP 每次更新都要重新登录一遍。", "月度报告又晚了三天才发过来。",
    ))  # fmt: skip
    return "complaint_plain", s, False, False


def _zh_positive(rng: random.Random, p: Pick) -> tuple[str, str]:
    kind = rng.randrange(7)
    if kind == 0:
        trait = p(("很专业", "特别耐心", "响应很快", "非常负责", "讲得很清楚", "很给力"))
        return (
            "praise",
            f"{p(_ZH_PERSON)}{trait}，{p(('点赞！', '辛苦了！', '谢谢！', '我们都很满意。', '值得表扬。'))}",
        )
    if kind == 1:
        what = p(("及时处理", "耐心解答", "加班支持", "快速补发", "帮忙协调", "远程排查"))
        result = p(
            ("问题已经解决了", "我们按时完成了验收", "没耽误工期", "客户很满意", "省了不少事")
        )
        return "thanks", f"感谢{p(_ZH_PERSON)}的{what}，{result}。"
    if kind == 2:
        thing = p(("系统", "设备", "新版本", "产线", "平台"))
        good = p((
            "上线以来很稳定", "运行得非常平稳", f"效率提升了{rng.randint(10, 40)}%", "比之前快多了",
            "大家都说好用", "一次都没出过问题",
        ))  # fmt: skip
        return "outcome", f"{thing}{good}，{p(('很满意', '很放心', '超出预期', '效果很好'))}。"
    if kind == 3:
        return "renewal", p((
            "合作很愉快，明年继续续约。", "二期项目我们还是优先考虑你们。", "服务一直很靠谱，我们决定续签三年。",
            "价格合理服务好，已经推荐给朋友公司了。",
        ))  # fmt: skip
    if kind == 4:
        minor = p(("中间有点小插曲", "虽然晚了半天", "刚开始有点不熟悉", "虽然有个小问题"))
        return (
            "mixed_positive",
            f"{minor}，但{p(('处理得很快', '整体非常满意', '结果很好', '你们补救得很到位'))}。",
        )
    if kind == 5:
        return (
            "delivery",
            f"{p(('货', '设备', '配件'))}{p(('提前到了', '很快就到了', '包装很仔细'))}，{p(('好评', '赞', '谢谢'))}！",
        )
    return "praise_plain", p((
        "这批传感器的一致性很好，调试很省心。", "复盘会开得很有价值，收获满满。",
        "新的包装方案给我们省了不少仓储成本。", "你们推荐的配置非常合适。", "每次找你们办事都很放心。",
    ))  # fmt: skip


_ZH_SWAP = {
    "发票": "invoice",
    "合同": "contract",
    "退款": "refund",
    "会议": "meeting",
    "报价": "quote",
    "订单": "order",
}
_ZH_TYPO = {"的": "得", "在": "再", "已经": "以经", "账号": "帐号", "需要": "须要"}


def _zh_variant(text: str, rng: random.Random, p: Pick) -> str:
    if rng.random() < 0.15:
        word = p(sorted(_ZH_SWAP))
        text = text.replace(word, f" {_ZH_SWAP[word]} ")
    if rng.random() < 0.1:
        word = p(sorted(_ZH_TYPO))
        text = text.replace(word, _ZH_TYPO[word], 1)
    if rng.random() < 0.1:
        text = text.replace("。", "", 1).replace("，", " ", 1)
    return f"{p(_ZH_GREET)}{text}{p(_ZH_SIGN)}".strip()


# --------------------------------------------------------------------------- en

_EN_GREET = (
    "",
    "",
    "",
    "Hi, ",
    "Hello team, ",
    "Hi Anna, ",
    "Dear Mr. Wang, ",
    "Good morning, ",
    "Hey, ",
)
_EN_SIGN = (
    "",
    "",
    "",
    " Thanks.",
    " Thank you!",
    " Regards, Tom",
    " Best, Priya",
    " Cheers",
    " Thx",
)
_EN_WHEN = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "next Monday",
    "tomorrow",
    "the 15th",
    "month end",
)
_EN_TIME = ("9am", "10:30", "2pm", "3 pm", "4pm", "noon", "first thing")
_EN_DOC = (
    "contract",
    "addendum",
    "quote",
    "statement",
    "purchase order",
    "acceptance form",
    "NDA",
    "SOW",
    "price sheet",
)
_EN_PRODUCT = (
    "server", "printer", "access control system", "CRM", "charging station", "compressor",
    "sensor kit", "license", "office chairs", "gateway", "cloud plan", "camera system", "forklift",
    "packaging", "tablet fleet",
)  # fmt: skip
_EN_MONTH = ("January", "March", "last month's", "this month's", "October", "Q3", "the annual")
_EN_FEE = (
    "subscription",
    "service fee",
    "maintenance fee",
    "shipping fee",
    "license fee",
    "membership",
    "support plan",
)
_EN_PERSON = (
    "Sam",
    "your support rep",
    "the onboarding team",
    "Maria",
    "your engineer",
    "the account manager",
    "Li",
)


def _en_neutral(rng: random.Random, p: Pick) -> tuple[str, str, bool]:
    kind = rng.randrange(14)
    if kind == 0:
        field = p(
            ("company name", "VAT number", "billing address", "bank details", "invoice email")
        )
        return (
            "invoice",
            f"Our {field} has changed, please use the details attached for future invoices.",
            False,
        )
    if kind == 1:
        street = p(
            ("Harbour Road", "Main St", "Elm Avenue", "Park Lane", "King's Way", "Station Rd")
        )
        tail = p(
            (
                "contact stays the same.",
                "same phone number.",
                "everything else unchanged.",
                "effective next week.",
            )
        )
        return (
            "address",
            f"Please ship to {rng.randint(1, 400)} {street} from now on; {tail}",
            False,
        )
    if kind == 2:
        lead = p(("Attached is", "Please find attached", "Here is", "Sending over"))
        state = p(("the signed", "the revised", "the latest", "the countersigned", "our"))
        return (
            "contract",
            f"{lead} {state} {p(_EN_DOC)}{p(('', ' (PDF)', ' scan', ' for your records'))}.",
            False,
        )
    if kind == 3:
        what = p(("meeting", "visit", "call", "demo", "training", "review"))
        return (
            "meeting",
            f"Can we move the {what} from {p(_EN_WHEN)} {p(_EN_TIME)} to {p(_EN_WHEN)} {p(_EN_TIME)}?",
            False,
        )
    if kind == 4:
        n = rng.choice((10, 20, 50, 100, 200, 500, 1000))
        return "quote", f"Could you send pricing for {n} units of the {p(_EN_PRODUCT)}?", False
    if kind == 5:
        q = p((
            "how long does invoicing usually take", "do you offer net-30 terms", "is this model in stock",
            "what is the refund process", "do you support SSO", "what's the lead time",
            "does the price include shipping", "can samples be sent free", "what is the minimum order",
            "do you have a warehouse in Ohio", "is there an API rate limit", "can you share the QC report",
        ))  # fmt: skip
        return "question", f"Quick question: {q}?", False
    if kind == 6:
        return (
            "order_change",
            f"Please change PO {rng.randint(1000, 9999)} to {rng.randint(2, 90) * 10} units, same delivery date.",
            False,
        )
    if kind == 7:
        return (
            "payment",
            f"Payment for {p(_EN_MONTH)} {p(_EN_FEE)} has been scheduled and should clear in {rng.randint(2, 5)} business days.",
            False,
        )
    if kind == 8:
        act = p(("create", "deactivate", "reset", "add", "change the role of"))
        return (
            "account",
            f"Please {act} {rng.randint(1, 9)} {p(('user accounts', 'seats', 'logins'))} for us.",
            False,
        )
    if kind == 9:
        return (
            "delivery_slot",
            f"Our warehouse is staffed {p(_EN_WHEN)} {p(_EN_TIME)}, so {p(('delivery', 'pickup', 'installation', 'the inspection'))} can happen then.",
            False,
        )
    if kind == 10:
        who = p(("procurement lead", "main contact", "finance contact", "project manager"))
        return (
            "contact_change",
            f"Our {who} is now {p(('Sarah Lee', 'Tom Baker', 'Wei Chen', 'Omar Haddad'))}, please copy them going forward.",
            False,
        )
    if kind == 11:
        return (
            "urgent_request",
            f"Could you send the {p(_EN_DOC)} {p(('by end of day', 'before noon tomorrow', 'asap', 'today'))}? Our approval meeting needs it.",
            True,
        )
    if kind == 12:
        return (
            "notice",
            f"{p(('Got it', 'Noted', 'Thanks for this', 'Understood'))}, we'll {p(('check with finance', 'review', 'run it past legal'))} and come back to you by {p(_EN_WHEN)}.",
            False,
        )
    mix = p((
        "Please send the 发票 to our new finance address.", "The 合同 draft is reviewed, please arrange the chop.",
        "Can we do the demo at our 上海 office?", "Please update the quote with the 含税 price.",
        "Delivery to the 北京 warehouse, please call ahead.", "Our 采购 team will issue the PO next week.",
    ))  # fmt: skip
    return "mixed_language", mix, False


_EN_FAIL = (
    "keeps throwing errors", "won't power on", "drops offline every hour", "lost part of our data",
    "is painfully slow", "doesn't match the description", "arrived two items short",
    "came with deep scratches", "broke after three days", "won't let us log in", "prints garbage",
    "is extremely noisy", "won't charge", "shows totals that don't add up", "times out constantly",
)  # fmt: skip
_EN_IMPACT = (
    "and our team can't work", "and our client has noticed", "which is delaying the project",
    "and we lost a full day", "and month-end close is affected", "", "",
)  # fmt: skip
_EN_ANGER = (
    "This is outrageous!", "Absolutely ridiculous!", "What is going on over there?!", "I'm fed up!",
    "I've had enough!", "This is infuriating.", "Terrible, terrible service!", "Totally unacceptable!",
    "Are you kidding me?", "Nobody there seems to care!",
)  # fmt: skip
_EN_DEADLINE = (
    "I need an answer today.", "Please deal with it immediately.", "This has to be fixed today.",
    "Give us a resolution by tomorrow morning.", "Send someone right away.",
)  # fmt: skip


def _en_negative(rng: random.Random, p: Pick) -> tuple[str, str, bool, bool]:
    kind = rng.randrange(10)
    product = p(_EN_PRODUCT)
    stage = p(
        (
            "since delivery",
            "after the install",
            "since the update",
            "this week",
            "lately",
            "after the upgrade",
        )
    )
    if kind == 0:
        impact = p(_EN_IMPACT)
        return (
            "complaint",
            f"The {product} {p(_EN_FAIL)} {stage}{' ' + impact if impact else ''}.",
            False,
            False,
        )
    if kind == 1:
        return (
            "complaint_angry",
            f"The {product} {p(_EN_FAIL)} {stage}. {p(_EN_ANGER)}",
            True,
            rng.random() < 0.4,
        )
    if kind == 2:
        times = p(("twice", "two times", "three times", "double"))
        tail = p(
            (
                *_EN_DEADLINE,
                "Please refund the extra charge asap.",
                "Please check and reverse it quickly.",
            )
        )
        return (
            "double_charge",
            f"We were charged {times} for {p(_EN_MONTH)} {p(_EN_FEE)}. {tail}",
            False,
            True,
        )
    if kind == 3:
        late = p(
            (
                "it's a week late",
                "we've heard nothing",
                "it's been ten days",
                "it keeps slipping",
                "it slipped again",
            )
        )
        what = p(("delivery", "go-live", "handover", "shipment", "installation", "proposal"))
        urgent = rng.random() < 0.5
        tail = p(_EN_DEADLINE) if urgent else p(("", "Nobody told us.", "This can't go on."))
        return (
            "delay",
            f"The {what} was promised for {p(_EN_WHEN)} and {late}. {tail}",
            False,
            urgent,
        )
    if kind == 4:
        cond = p((
            "If this isn't fixed by Friday", "After one more incident", "If you can't deliver by Monday",
            "If nobody fixes this", "Unless the price comes down", "If this happens again",
        ))  # fmt: skip
        act = p((
            "we will look at other vendors", "we're switching suppliers", "we'll go with a competitor",
            "we won't renew", "we will terminate the contract", "we'll take our business elsewhere",
            "our lawyers will get involved",
        ))  # fmt: skip
        angry = rng.random() < 0.25
        return "churn_threat", f"{cond}, {act}. {p(_EN_ANGER) if angry else ''}", angry, True
    if kind == 5:
        why = p((
            "The goods are not what we ordered", "The service was never activated", "The defects keep coming back",
            "You broke the contract", "The unit doesn't work at all", "You overcharged us", "The course was cancelled",
        ))  # fmt: skip
        when = p(("today", "right now", "immediately", "asap", "within three days"))
        angry = rng.random() < 0.3
        tail = p(_EN_ANGER) if angry else ""
        return (
            "refund_demand",
            f"{why}, so I want a {p(('full refund', 'refund', 'chargeback', 'credit note'))} {when}. {tail}",
            angry,
            True,
        )
    if kind == 6:
        s = p((
            f"Wow, so \"fast\" - one invoice took {rng.randint(2, 5)} weeks.",
            f"Thanks for making me wait {rng.randint(3, 20)} days, great service.",
            "Broken again, brilliant. Third time this month.",
            "Love how your hotline never picks up.",
            "Great, every upgrade wipes some of our data.",
            "Sure, 24-hour response. Right.",
        ))  # fmt: skip
        return "sarcasm", s, False, False
    if kind == 7:
        good = p(
            (
                "The product itself is fine",
                "Your people are friendly",
                "The features are good",
                "The price is low",
                "The UI looks nice",
            )
        )
        bad = p(
            (
                "support is far too slow",
                "delivery keeps slipping",
                "the bug never gets fixed",
                "quality dropped this time",
                "the bills are always wrong",
            )
        )
        return (
            "mixed_negative",
            f"{good}, but {bad}; {p(('we cannot accept that', 'please improve it', 'very disappointing', 'this has to change'))}.",
            False,
            False,
        )
    if kind == 8:
        n = rng.randint(2, 15)
        s = p(
            (
                f"The ticket I opened {n} days ago still has no reply.",
                f"I've called {n} times and nobody answers.",
                f"{n} emails and not a single response.",
            )
        )
        return "ignored", s, False, False
    s = p((
        "The forklift batteries last half as long as you claimed.", "Your notification emails all land in spam.",
        "Every pallet label in the warehouse was wrong.", "The inspection report doesn't reflect what's on site.",
        "The free accessories you promised never showed up.", "Several pages are missing from the manual.",
        "The app logs us out after every update.", "The monthly report came three days late, again.",
    ))  # fmt: skip
    return "complaint_plain", s, False, False


def _en_positive(rng: random.Random, p: Pick) -> tuple[str, str]:
    kind = rng.randrange(7)
    if kind == 0:
        trait = p(
            (
                "was very professional",
                "was really patient",
                "responded so fast",
                "went above and beyond",
                "explained everything clearly",
                "was great",
            )
        )
        return (
            "praise",
            f"{p(_EN_PERSON)} {trait}, {p(('thank you!', 'much appreciated.', 'kudos!', 'we are very happy.', 'well done.'))}",
        )
    if kind == 1:
        what = p(
            (
                "quick fix",
                "patient answers",
                "weekend support",
                "fast replacement",
                "help coordinating",
                "remote troubleshooting",
            )
        )
        result = p(
            (
                "the problem is solved",
                "we passed acceptance on time",
                "our schedule held",
                "our client is happy",
                "it saved us a lot of work",
            )
        )
        return "thanks", f"Thanks to {p(_EN_PERSON)} for the {what}, {result}."
    if kind == 2:
        thing = p(("The system", "The machine", "The new release", "The line", "The platform"))
        good = p((
            "has been rock solid since go-live", "runs very smoothly", f"improved efficiency by {rng.randint(10, 40)}%",
            "is much faster than before", "is loved by the whole team", "hasn't failed once",
        ))  # fmt: skip
        return (
            "outcome",
            f"{thing} {good}, {p(('very pleased', 'great result', 'beyond expectations', 'excellent'))}.",
        )
    if kind == 3:
        return "renewal", p((
            "Great working with you, we'll renew next year.", "Phase two is yours if you want it.",
            "Reliable service as always, we're signing for three more years.", "Good value and good service, we've referred a partner to you.",
        ))  # fmt: skip
    if kind == 4:
        minor = p(
            (
                "There was a small hiccup",
                "It was half a day late",
                "It took a moment to learn",
                "There was a minor issue",
            )
        )
        return (
            "mixed_positive",
            f"{minor}, but {p(('you fixed it fast', 'overall we are very satisfied', 'the result is great', 'you handled it really well'))}.",
        )
    if kind == 5:
        return (
            "delivery",
            f"The {p(('goods', 'equipment', 'parts'))} {p(('arrived early', 'came quickly', 'were carefully packed'))}, {p(('great job', 'nice', 'thanks'))}!",
        )
    return "praise_plain", p((
        "The sensors in this batch are beautifully consistent, calibration was painless.",
        "The quarterly review was genuinely valuable.", "Your new packaging saves us real storage space.",
        "The configuration you recommended fits perfectly.", "Dealing with you is always easy.",
    ))  # fmt: skip


def _en_typo(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    i = rng.randrange(len(words))
    w = words[i]
    if len(w) > 3:
        j = rng.randrange(len(w) - 1)
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    return " ".join(words)


def _en_variant(text: str, rng: random.Random, p: Pick) -> str:
    if rng.random() < 0.12:
        text = _en_typo(text, rng)
    if rng.random() < 0.08:
        text = text.lower()
    if rng.random() < 0.05:
        text = text.upper() if len(text) < 80 else text
    greet = p(_EN_GREET)
    if greet and text[1:2].islower():
        text = text[:1].lower() + text[1:]
    return f"{greet}{text}{p(_EN_SIGN)}".strip()


# --------------------------------------------------------------------------- both


def generate(language: str, count: int = PER_LANGUAGE, seed: int = SEED) -> list[Message]:
    """``count`` distinct messages (duplicates are drawn again), in generation order."""
    rng = random.Random(f"{seed}:{language}")

    def p(options: Sequence[str]) -> str:
        return options[rng.randrange(len(options))]

    neutral, negative, positive = (
        (_zh_neutral, _zh_negative, _zh_positive)
        if language == "zh"
        else (_en_neutral, _en_negative, _en_positive)
    )
    variant = _zh_variant if language == "zh" else _en_variant
    compose = _zh_compose if language == "zh" else _en_compose
    seen: set[str] = set()
    out: list[Message] = []
    attempts = 0
    while len(out) < count and attempts < count * 20:
        attempts += 1
        roll = rng.random()
        label = "neutral" if roll < 0.36 else "negative" if roll < 0.76 else "positive"
        if rng.random() < COMPOSED_SHARE:
            text, anger, urgent = compose(rng, p, label)
            intent = f"composed_{label}"
        elif label == "neutral":
            intent, text, urgent = neutral(rng, p)
            anger = False
        elif label == "negative":
            intent, text, anger, urgent = negative(rng, p)
        else:
            intent, text = positive(rng, p)
            anger, urgent = False, False
        text = " ".join(variant(text, rng, p).split())
        if text in seen:
            continue
        seen.add(text)
        out.append(Message(text, language, label, anger, urgent, intent))
    return out


def corpus() -> list[Message]:
    return [*generate("zh"), *generate("en")]


def split(messages: list[Message], dev_share: float = 0.2) -> tuple[list[Message], list[Message]]:
    """(train, dev): a message goes to dev by a hash of its text, stable across runs."""
    train: list[Message] = []
    dev: list[Message] = []
    for m in messages:
        bucket = int(hashlib.sha256(m.text.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
        (dev if bucket < dev_share else train).append(m)
    return train, dev


def fingerprint(messages: list[Message]) -> str:
    digest = hashlib.sha256()
    for m in messages:
        digest.update(f"{m.language}\t{m.label}\t{m.anger}\t{m.urgency}\t{m.text}\n".encode())
    return digest.hexdigest()[:16]


# ------------------------------------------------------- compositional messages
# Sentences assembled from wider word lists (subjects × predicates × details), so the
# model learns the words of each class rather than the fixed templates above.

_ZH_SUBJECT = (
    "系统", "新版本", "设备", "这批货", "你们的平台", "售后", "客服", "实施团队", "培训", "报表",
    "物流", "安装", "项目", "对接人", "发票", "账单", "合同流程", "工程师", "产品", "服务",
    "APP", "后台", "门店的同事", "仓库", "技术支持", "交付", "配件", "方案", "接口", "数据同步",
    "这次的升级", "你们的顾问", "上门的师傅", "新系统", "驻场工程师", "客户经理", "质检", "包装", "售前团队", "整个流程",
)  # fmt: skip
_ZH_GOOD = (
    "很稳定", "非常顺利", "很专业", "响应及时", "特别贴心", "很靠谱", "效率很高", "很给力", "表现出色",
    "做得很到位", "服务周到", "很好用", "很清晰", "很流畅", "让人放心", "超出预期", "质量过硬",
    "速度很快", "考虑得很周全", "体验很棒", "一次就通过了", "帮了大忙", "省心省力", "没让我们失望",
    "非常满意", "好评如潮", "沟通顺畅", "考虑周到", "很有耐心", "解决得很快", "处理得很漂亮", "比预期还好", "用起来很顺手", "稳稳当当", "值得信赖", "响应速度一流", "很用心", "帮我们省了不少钱", "一点毛病都没有", "按时交付了", "细节做得很好", "配合得很默契",
)  # fmt: skip
_ZH_GOOD_TAIL = (
    "", "", "谢谢你们！", "点个赞。", "大家都很满意。", "辛苦各位了。", "非常感谢。", "合作很愉快。",
    "会继续推荐给同行。", "领导也很认可。", "值得表扬。", "期待继续合作。", "好评！",
)  # fmt: skip
_ZH_BAD = (
    "又出问题了", "一直没有修好", "还是老样子", "越来越差了", "完全用不了", "错误百出", "拖了很久",
    "没有人跟进", "反复出故障", "根本不靠谱", "比之前差多了", "又延误了", "少了东西", "质量太差",
    "让我们很失望", "一点都不专业", "总是出错", "迟迟没有结果", "敷衍了事", "处理得一塌糊涂",
    "没有兑现承诺", "卡得要命", "数据对不上", "沟通非常困难",
    "一直没人回", "打不开", "丢了数据", "报价有误", "到现在还没到", "拖了一个多月", "坏了三次", "和承诺的不一样", "让人很头疼", "态度很差", "推来推去", "越修越糟", "每次都出错", "又被扣了钱", "一直在转接", "完全不靠谱", "没有任何进展", "害我们被客户投诉",
)  # fmt: skip
_ZH_BAD_TAIL = (
    "", "", "", "请给个说法。", "希望重视一下。", "这已经不是第一次了。", "我们很不满意。",
    "严重影响了业务。", "客户都在抱怨。", "请尽快改进。",
)  # fmt: skip
_ZH_ANGRY_TAIL = (
    "简直是浪费时间！", "我真的很生气！", "到底有没有人管？！", "太过分了！！", "你们还想不想合作了？！",
    "别再敷衍我了！", "真是够了！", "我已经忍无可忍！", "这什么态度？！", "太离谱了吧！",
    "你们是不是觉得我们好欺负？！", "真的服了！", "气得我说不出话！", "这是在耍我们吗？！", "太不负责任了！！",
)  # fmt: skip
_ZH_URGENT_TAIL = (
    "今天之内必须解决。", "请立刻处理，生产线在等。", "明天一早前给我答复。", "这是紧急情况，马上派人。",
    "周五之前不解决我们就终止合同。", "再不处理我们就换一家。", "请尽快退款，否则走法律程序。",
    "本周内没有结果我们就不续约了。", "急需处理，业务已经停了。", "今天下班前给结论。",
    "请马上回电。", "今天必须退款。", "下周一前不处理我们就找别的厂家。", "等不了了，请立刻安排。", "这周解决不了就解约。",
)  # fmt: skip
_ZH_VERB = ("请", "麻烦", "能否", "烦请", "劳驾", "想请您", "辛苦")
_ZH_ACTION = (
    "更新一下联系人信息", "确认一下交货时间", "把报价发到我邮箱", "安排一次线上会议", "核对本月的对账单",
    "补一份盖章的授权书", "把付款条款改成季度结算", "开通两个测试账号", "发一份产品目录", "把会议改到下午",
    "确认收货地址", "提供一下开票资料", "把合同的电子版再发一次", "登记一下我们的新税号", "安排工程师上门巡检",
    "更新一下交付计划", "把结算币种改为美元", "寄两份样品", "提供产品的检测报告", "预约下周的培训",
    "把采购数量调整为八十件", "告知一下春节的发货安排", "把我们加入通知邮件列表", "说明一下新版本的改动",
    "把我们的收件人改成行政部", "确认发票是否已经寄出", "同步一下最新的项目进度", "把对账单改成按月发送", "提供贵司的银行账户信息", "帮我们预留三个培训名额", "告知一下付款的审批状态", "把订单拆成两批发货", "确认一下保修条款", "更新我们的开票抬头", "安排一次季度回顾会", "把测试环境延期一个月", "帮忙核实一下库存",
)  # fmt: skip
_ZH_REASON = (
    "", "", "", "我们内部要归档。", "财务那边要用。", "方便我们安排人手。", "下周要给领导汇报。",
    "我们这边流程有调整。", "新同事要熟悉一下。", "以便提前做预算。",
    "谢谢。", "多谢配合。", "有问题再沟通。", "这边等您回复。",
)  # fmt: skip


_ZH_TOPIC = (
    "企业采购的价格", "门店的营业时间", "试驾的名额", "周末能不能送货", "下个月的排期", "批量采购的折扣",
    "发票的开具时间", "保养的预约方式", "新品的上市时间", "合同的续签流程", "账号的权限设置", "培训的报名方式",
    "样品的寄送地址", "付款的方式", "接口的对接方式", "仓库的收货时间", "售后的联系方式", "配件的库存",
)  # fmt: skip
_ZH_INTENS = ("", "", "非常", "特别", "太", "真的", "实在是", "很", "有点", "相当", "越来越")
_ZH_POS_ADJ = (
    "满意", "好", "棒", "快", "方便", "靠谱", "稳定", "贴心", "专业", "好用", "省心", "清楚", "划算",
    "惊喜", "开心", "放心", "顺利", "高效", "给力", "及时", "周到", "出色", "耐心", "顺畅", "实用",
    "不错", "挺好", "没毛病", "好评",
)  # fmt: skip
_ZH_NEG_ADJ = (
    "失望", "差", "糟糕", "烂", "慢", "贵", "麻烦", "不靠谱", "不满意", "难用", "不稳定", "敷衍",
    "离谱", "过分", "头疼", "无语", "坑", "缩水", "卡顿", "容易闪退", "不负责", "混乱", "粗糙", "拖沓",
)  # fmt: skip
_ZH_DEMO_SUBJECT = (
    "续航",
    "电池",
    "充电桩",
    "车机",
    "刹车",
    "空调",
    "导航",
    "App",
    "保养",
    "试驾",
    "4S 店",
    "交车",
)


def _zh_lexical(rng: random.Random, p: Pick, label: str) -> str:
    subject = p(_ZH_SUBJECT + _ZH_DEMO_SUBJECT)
    adjective = p(_ZH_POS_ADJ if label == "positive" else _ZH_NEG_ADJ)
    return f"{subject}{p(_ZH_INTENS)}{adjective}"


def _zh_compose(rng: random.Random, p: Pick, label: str) -> tuple[str, bool, bool]:
    if label != "neutral" and rng.random() < 0.4:
        text = _zh_lexical(rng, p, label)
        if label == "positive":
            return f"{text}，{p(_ZH_GOOD_TAIL)}".rstrip("，"), False, False
        return f"{text}，{p(_ZH_BAD_TAIL)}".rstrip("，"), False, False
    if label == "neutral" and rng.random() < 0.35:
        ask = p(("请问", "想了解一下", "我想问下", "想咨询一下", "请教一下", ""))
        topic = p(_ZH_TOPIC)
        end = (
            p(("吗？", "？", "呢？", "。"))
            if ask
            else p(("怎么安排？", "是怎样的？", "有什么要求？"))
        )
        return f"{ask}{topic}{end}", False, False
    if label == "neutral":
        return f"{p(_ZH_VERB)}{p(_ZH_ACTION)}，{p(_ZH_REASON)}".rstrip("，"), False, False
    if label == "positive":
        return f"{p(_ZH_SUBJECT)}{p(_ZH_GOOD)}，{p(_ZH_GOOD_TAIL)}".rstrip("，"), False, False
    angry, urgent = rng.random() < 0.3, rng.random() < 0.35
    tail = p(_ZH_ANGRY_TAIL) if angry else p(_ZH_URGENT_TAIL) if urgent else p(_ZH_BAD_TAIL)
    if angry and urgent:
        tail += p(_ZH_URGENT_TAIL)
    return f"{p(_ZH_SUBJECT)}{p(_ZH_BAD)}，{tail}".rstrip("，"), angry, urgent


_EN_SUBJECT = (
    "The system", "The new release", "The equipment", "This shipment", "Your platform", "Support",
    "Your service desk", "The implementation team", "The training", "The reporting", "Logistics",
    "The installation", "The project", "Our contact person", "The invoice", "Billing", "Your engineer",
    "The product", "The mobile app", "The admin console", "The onboarding", "The spare parts",
    "The proposal", "The integration", "The data sync", "Your field team",
    "This upgrade", "Your consultant", "The technician", "The new system", "The on-site engineer", "Our account manager", "Quality control", "The packaging", "The presales team", "The whole process",
)  # fmt: skip
_EN_GOOD = (
    "has been rock solid", "went really smoothly", "was very professional", "responded quickly",
    "was thoughtful", "is reliable", "is very efficient", "delivered", "did an outstanding job",
    "got everything right", "was attentive", "is a pleasure to use", "is clear and simple",
    "runs beautifully", "gives us peace of mind", "exceeded our expectations", "is top quality",
    "is impressively fast", "thought of everything", "is excellent", "passed first time",
    "was a huge help", "saved us so much effort", "never lets us down",
    "made us very happy", "was a delight", "communicated clearly", "was really considerate", "was patient with us", "sorted it out fast", "handled it beautifully", "was even better than expected", "feels great to use", "just works", "is trustworthy", "responds lightning fast", "clearly cared", "saved us money", "has been flawless", "arrived right on time", "nailed the details", "worked hand in hand with us",
)  # fmt: skip
_EN_GOOD_TAIL = (
    "", "", "Thank you!", "Great work.", "Everyone is happy.", "Much appreciated.", "Many thanks.",
    "Lovely working with you.", "We'll recommend you.", "Our boss noticed too.", "Well done!",
    "Looking forward to more.", "Brilliant.",
)  # fmt: skip
_EN_BAD = (
    "broke again", "still isn't fixed", "is the same mess as before", "keeps getting worse",
    "doesn't work at all", "is full of errors", "took forever", "has no one following up",
    "keeps failing", "is unreliable", "is worse than before", "is late again", "arrived incomplete",
    "is poor quality", "is a real disappointment", "is unprofessional", "keeps making mistakes",
    "still has no answer", "was handled carelessly", "is a shambles", "didn't deliver what was promised",
    "is unbearably slow", "has numbers that don't match", "is impossible to reach",
    "never replies", "won't open", "lost our data", "had the wrong price", "still hasn't arrived", "dragged on for a month", "failed three times", "isn't what was promised", "is a constant headache", "was rude", "keeps passing the buck", "gets worse with every fix", "gets it wrong every time", "charged us again", "keeps transferring me", "can't be relied on", "has made zero progress", "got us complaints from our own customers",
)  # fmt: skip
_EN_BAD_TAIL = (
    "", "", "", "Please explain.", "Please take this seriously.", "Not the first time either.",
    "We are not happy.", "It's hurting our business.", "Our customers are complaining.",
    "Please improve this.",
)  # fmt: skip
_EN_ANGRY_TAIL = (
    "What a waste of my time!", "I'm really angry about this!", "Is anyone even in charge?!",
    "This is beyond a joke!!", "Do you want to keep our business or not?!", "Stop fobbing me off!",
    "Enough is enough!", "I've lost all patience!", "What kind of attitude is that?!", "Unreal!",
    "Do you think we're pushovers?!", "Seriously?!", "I'm speechless!", "Are you messing with us?!", "Completely irresponsible!!",
)  # fmt: skip
_EN_URGENT_TAIL = (
    "It must be solved today.", "Please act immediately, production is waiting.",
    "I need an answer first thing tomorrow.", "This is an emergency, send someone now.",
    "Fix it by Friday or we terminate the contract.", "If not, we're moving to another supplier.",
    "Refund us asap or we escalate to legal.", "No resolution this week means no renewal.",
    "Urgent: our operations have stopped.", "We need a decision before close of business.",
    "Call me back right away.", "Refund us today.", "Sort it by Monday or we'll find another vendor.", "We can't wait any longer, act now.", "Fix it this week or we cancel.",
)  # fmt: skip
_EN_VERB = (
    "Please",
    "Could you",
    "Can you",
    "Kindly",
    "Would you mind if we",
    "We'd like you to",
    "When you can,",
)
_EN_ACTION = (
    "update our contact details", "confirm the delivery window", "email me the quotation",
    "set up an online meeting", "check this month's statement", "send a stamped authorisation letter",
    "switch payment terms to quarterly", "open two test accounts", "share your product catalogue",
    "move the meeting to the afternoon", "confirm the shipping address", "send your invoicing details",
    "resend the contract file", "record our new tax ID", "book an engineer for a site inspection",
    "update the delivery plan", "change the billing currency to USD", "post two samples",
    "share the test report", "book next week's training", "change the quantity to 80 pieces",
    "tell us the holiday shipping schedule", "add us to the notification list", "summarise what changed in the release",
    "change the recipient to our admin team", "confirm whether the invoice was posted", "share the latest project status", "send statements monthly instead", "provide your bank account details", "hold three training places for us", "let us know where the payment approval stands", "split the order into two shipments", "confirm the warranty terms", "update our billing name", "schedule a quarterly review", "extend the test environment by a month", "double-check the stock level",
)  # fmt: skip
_EN_REASON = (
    "", "", "", "We need it for our records.", "Finance has asked for it.", "It helps us plan staffing.",
    "I'm reporting to management next week.", "Our process has changed.", "A new colleague is onboarding.",
    "So we can budget ahead.",
    "Thanks.", "Appreciate it.", "Happy to discuss.", "Looking forward to your reply.",
)  # fmt: skip


_EN_TOPIC = (
    "your business pricing tiers", "the store opening hours", "test drive slots", "weekend delivery options",
    "next month's schedule", "volume discounts", "invoice timelines", "service booking options",
    "the launch date of the new model", "the contract renewal steps", "account permission settings",
    "training sign-ups", "sample shipping details", "payment methods", "API integration options",
    "warehouse receiving hours", "after-sales contacts", "spare part stock levels",
)  # fmt: skip
_EN_INTENS = (
    "",
    "",
    "very",
    "really",
    "so",
    "extremely",
    "pretty",
    "quite",
    "truly",
    "increasingly",
)
_EN_POS_ADJ = (
    "good", "great", "fast", "convenient", "reliable", "stable", "thoughtful", "professional", "useful",
    "easy", "clear", "worth it", "pleasant", "reassuring", "smooth", "efficient", "helpful", "prompt",
    "attentive", "outstanding", "patient", "impressive", "solid", "practical", "enjoyable",
)  # fmt: skip
_EN_NEG_ADJ = (
    "disappointing", "bad", "awful", "poor", "slow", "expensive", "frustrating", "unreliable",
    "unsatisfactory", "hard to use", "unstable", "sloppy", "absurd", "excessive", "annoying",
    "confusing", "buggy", "crash-prone", "irresponsible", "chaotic", "shoddy", "sluggish", "useless",
    "careless",
)  # fmt: skip
_EN_DEMO_SUBJECT = (
    "The range", "The battery", "The charger", "The infotainment", "The brakes", "The AC",
    "Navigation", "The app", "The service visit", "The test drive", "The dealership", "The handover",
)  # fmt: skip


def _en_lexical(rng: random.Random, p: Pick, label: str) -> str:
    subject = p(_EN_SUBJECT + _EN_DEMO_SUBJECT)
    adjective = p(_EN_POS_ADJ if label == "positive" else _EN_NEG_ADJ)
    verb = p(("is", "has been", "was", "feels", "seems"))
    return f"{subject} {verb} {p(_EN_INTENS)} {adjective}".replace("  ", " ")


def _en_compose(rng: random.Random, p: Pick, label: str) -> tuple[str, bool, bool]:
    if label != "neutral" and rng.random() < 0.4:
        text = _en_lexical(rng, p, label)
        tail = p(_EN_GOOD_TAIL if label == "positive" else _EN_BAD_TAIL)
        return f"{text}. {tail}".strip(), False, False
    if label == "neutral" and rng.random() < 0.35:
        ask = p(
            (
                "What are",
                "When are",
                "Where can I find",
                "How do we get",
                "Do you publish",
                "Is there info on",
            )
        )
        return f"{ask} {p(_EN_TOPIC)}?", False, False
    if label == "neutral":
        verb, action = p(_EN_VERB), p(_EN_ACTION)
        end = "?" if verb in ("Could you", "Can you", "Would you mind if we") else "."
        return f"{verb} {action}{end} {p(_EN_REASON)}".strip(), False, False
    if label == "positive":
        return f"{p(_EN_SUBJECT)} {p(_EN_GOOD)}. {p(_EN_GOOD_TAIL)}".strip(), False, False
    angry, urgent = rng.random() < 0.3, rng.random() < 0.35
    tail = p(_EN_ANGRY_TAIL) if angry else p(_EN_URGENT_TAIL) if urgent else p(_EN_BAD_TAIL)
    if angry and urgent:
        tail += " " + p(_EN_URGENT_TAIL)
    return f"{p(_EN_SUBJECT)} {p(_EN_BAD)}. {tail}".strip(), angry, urgent
