"""The named customers the scenarios are told with; docs/demo.md describes each one.

Every persona has a fixed key, so its records carry a fixed external id
(``demo:`` + key, e.g. ``demo:contact:zhang-jianguo``) whatever the seed.
Times are relative to the anchor ("3 days ago, 10:20"), so the stories stay
current whenever the demo is loaded.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from kith.demo import people
from kith.demo.customers import plan_ev_owner, unique_email
from kith.demo.plan import AccountFact, ContactFact, PlanBuilder, Ref
from kith.demo.records import (
    add_account,
    add_activity,
    add_contact,
    add_finance_details,
    add_interaction,
    add_meeting,
    add_order,
    order_number,
)
from kith.demo.sales import new_deal, plan_deal
from kith.demo.vocab import (
    CAMPAIGN_DAYS_AGO,
    HARBIN_COHORT_BATCH,
    MARKETING_MESSAGES,
    REMOTE_QC_PAGE,
    REMOTE_QC_URL,
)

# S2 — 张总 and his logistics-delay complaint
SHUNDA = "acct:shunda"
ZHANG_ZONG = "contact:zhang-jianguo"
S2_MESSAGE = "ix:s2-logistics-delay"
S2_EARLIER_CALL = "ix:s2-earlier-call"
# S10 — the deal stuck in 方案演示
GANGCHENG = "acct:gangcheng"
STALLED_DEAL = "deal:gangcheng-v9"
STALLED_DAYS = 58
# S3 — the equipment-department director reading the remote-QC page
RENHE = "acct:renhe-hospital"
EQUIPMENT_DIRECTOR = "contact:renhe-zhou-weidong"
S3_VISITS = ("ix:s3-remote-qc-1", "ix:s3-remote-qc-2", "ix:s3-remote-qc-3")
# S1 and S11 — Harbin EV owners, one of whom complains about winter range
HARBIN_SERVICE = "acct:harbin-service"
WINTER_OWNER = "contact:ev-chen-xiaofeng"
S1_MESSAGE = "ix:s1-winter-range"
# S6 — the owner who will switch marketing off
CONSENT_OWNER = "contact:ev-lin-xiaowen"
S6_PENDING_TASK = "act:s6-winter-offer"
# S7 — one person, two records
DUPLICATE_PAIRS = (
    ("contact:ev-wang-xiaoming", "contact:wecom-wang-xiaoming"),
    ("contact:ev-he-jing", "contact:mail-he-jing"),
    ("contact:ev-guo-peng", "contact:wecom-guo-peng"),
)

PERSONA_NAMES = frozenset(
    {"张建国", "李海燕", "孙立新", "陈志刚", "黄晓东", "周卫东", "吴海涛", "马丽娟", "刘德胜",
     "陈晓峰", "林晓雯", "王晓明", "王小明", "何静", "郭鹏"}
)  # fmt: skip


def plan_personas(b: PlanBuilder) -> None:
    b.used_names.update(PERSONA_NAMES)
    plan_shunda(b)
    plan_gangcheng(b)
    plan_renhe(b)
    plan_harbin(b)
    plan_consent_owner(b)
    plan_duplicates(b)


def persona_account(
    b: PlanBuilder, account: AccountFact, phone: str, address: str, employees: int
) -> None:
    b.used_domains.add(account.domain)
    add_account(
        b,
        account,
        website=f"www.{account.domain}",
        email=f"info@{account.domain}",
        phone=phone,
        address=address,
        employees=employees,
    )


def persona_contact(
    b: PlanBuilder,
    key: str,
    name: str,
    title: str,
    department: str,
    account: AccountFact,
    created_days_ago: int,
    email_local: str,
    wechat_id: str | None = None,
) -> ContactFact:
    contact = ContactFact(
        key=key,
        name=name,
        title=title,
        account=account,
        owner=account.owner,
        english=False,
        city=account.city,
        created=b.days_ago(created_days_ago, 14),
        persona=True,
    )
    mobile = people.mobile(b.rng)
    channels: list[dict[str, str]] = [{"type": "mobile", "value": mobile}]
    details: dict[str, Any] = {"mobile": mobile, "channels": channels}
    if wechat_id:
        details["wechat_id"] = wechat_id
        channels.append({"type": "wechat", "value": wechat_id})
    add_contact(
        b,
        contact,
        family_name=name[0],
        given_name=name[1:],
        department=department,
        email=unique_email(b, email_local, account.domain),
        **details,
    )
    return contact


# --- S2: 张总 --------------------------------------------------------------------------


def plan_shunda(b: PlanBuilder) -> None:
    """A key logistics customer whose second batch of vans is late; 张总 has had enough."""
    shunda = AccountFact(
        key=SHUNDA, name="上海顺达物流有限公司", short_name="顺达物流", industry="logistics",
        pipeline="fleet", city="上海", country="CN", currency="CNY", owner="user:wangqiang",
        english=False, tier="key", created=b.days_ago(520, 10, 30),
        domain="shunda-wuliu.example", persona=True,
    )  # fmt: skip
    persona_account(b, shunda, "021-5888 6612", "上海市闵行区申长路 1588 号", 860)
    add_finance_details(b, shunda, people.credit_code(b.rng, "310112"), people.bank_account(b.rng))
    zhang = persona_contact(
        b, ZHANG_ZONG, "张建国", "总经理", "总经理办公室", shunda, 519, "zhang.jianguo",
        wechat_id="zhangjg_shunda",
    )  # fmt: skip
    persona_contact(
        b, "contact:shunda-li-haiyan", "李海燕", "采购经理", "采购部", shunda, 500, "li.haiyan"
    )
    fleet = persona_contact(
        b, "contact:shunda-sun-lixin", "孙立新", "车队经理", "车队管理部", shunda, 480, "sun.lixin"
    )
    first = new_deal(b, shunda, zhang, b.days_ago(200, 10), key="deal:shunda-phase1",
                     offer_index=0, quantity=20)  # fmt: skip
    first.path = [
        (0, b.days_ago(200, 10)), (1, b.days_ago(190, 15)), (2, b.days_ago(178, 14)),
        (3, b.days_ago(165, 11)), (4, b.days_ago(150, 16)), (5, b.days_ago(130, 17)),
    ]  # fmt: skip
    first.persona = True
    plan_deal(b, first, order=False)
    # Delivered in two batches: the first arrived (two days late), the second never shipped.
    unit = Decimal(first.amount) / 20
    for quantity, status, days in ((12, "delivered", 124), (8, "paid", 124)):
        at = b.days_ago(days, 11)
        lines = [("v9", quantity, unit.quantize(Decimal("0.01")))]
        add_order(b, at, order_number(b, at), zhang, lines, status)
    second = new_deal(b, shunda, fleet, b.days_ago(30, 10), key="deal:shunda-phase2",
                      offer_index=0, quantity=30)  # fmt: skip
    second.name = "顺达物流 · 二期30台V9冷链版"
    second.path = [(0, b.days_ago(30, 10)), (1, b.days_ago(21, 15)), (2, b.days_ago(9, 11))]
    second.persona = True
    plan_deal(b, second)
    add_interaction(
        b, b.days_ago(45, 15, 20), zhang, "phone", "inbound", "来电：首批车辆交付物流延迟",
        "张总来电：首批 12 台 V9 到货比约定晚了两天，物流延迟打乱了他们的司机排班。"
        "已致歉，承诺第二批 8 台发车前提前通知。",
        actor="user:wangqiang", meta={"duration_s": 540}, key=S2_EARLIER_CALL,
    )  # fmt: skip
    add_interaction(
        b, b.days_ago(3, 10, 20), zhang, "wechat", "inbound", "第二批V9交付物流延迟",
        "王经理，第二批 8 台 V9 原定上个月中旬交付，到现在还没发车。物流延迟已经严重影响"
        "我们旺季的运力安排，请尽快给一个确定的到货时间，不然二期项目我们只能先放一放。",
        meta={"wecom_msg_id": "wm-shunda-zhangjg-0001"}, key=S2_MESSAGE,
    )  # fmt: skip


# --- S10: the stalled deal -------------------------------------------------------------


def plan_gangcheng(b: PlanBuilder) -> None:
    """Demo went well, the customer asked for a warranty comparison, nobody sent it."""
    gangcheng = AccountFact(
        key=GANGCHENG, name="宁波港城快运有限公司", short_name="港城快运", industry="logistics",
        pipeline="fleet", city="宁波", country="CN", currency="CNY", owner="user:lina",
        english=False, tier="key", created=b.days_ago(300, 10), domain="gangcheng-kuaiyun.example",
        persona=True,
    )  # fmt: skip
    persona_account(b, gangcheng, "0574-8612 3380", "宁波市北仑区新碶明州路 208 号", 420)
    boss = persona_contact(
        b, "contact:gangcheng-chen-zhigang", "陈志刚", "总经理", "总经理办公室", gangcheng, 299,
        "chen.zhigang",
    )  # fmt: skip
    fleet = persona_contact(
        b, "contact:gangcheng-huang-xiaodong", "黄晓东", "车队经理", "车队管理部", gangcheng, 120,
        "huang.xiaodong", wechat_id="hxd_gangcheng",
    )  # fmt: skip
    deal = new_deal(b, gangcheng, fleet, b.days_ago(75, 10), key=STALLED_DEAL,
                    offer_index=0, quantity=40)  # fmt: skip
    deal.path = [
        (0, b.days_ago(75, 10)),
        (1, b.days_ago(66, 15)),
        (2, b.days_ago(STALLED_DAYS, 16)),
    ]
    deal.persona = True
    plan_deal(b, deal, story=False)
    links: dict[str, Any] = {"deal_id": Ref(STALLED_DEAL), "account_id": Ref(GANGCHENG)}
    add_activity(
        b, b.days_ago(57, 10), "user:lina", "task", "准备港城快运方案演示材料",
        assignee_id=Ref("user:lina"), due_at=b.days_ago(56, 18), status="done", **links,
    )  # fmt: skip
    add_meeting(
        b, b.days_ago(55, 14), "user:lina", "港城快运方案演示会",
        [("user", "user:lina"), ("user", "user:chenjing"), ("contact", fleet.key),
         ("contact", boss.key)],
        hours=2, location="宁波港城快运总部三楼会议室", contact_id=Ref(fleet.key), **links,
    )  # fmt: skip
    add_activity(
        b, b.days_ago(55, 17), "user:lina", "note", "方案演示反馈",
        body="客户认可 V9 的载重和车队平台，但担心宁波冬季湿冷环境下的续航衰减，"
        "要求提供与竞品的电池质保对比方案后再进入试驾评估。",
        **links,
    )  # fmt: skip
    add_interaction(
        b, b.days_ago(52, 9, 40), fleet, "email", "inbound", "关于方案演示的后续",
        "李经理您好，上周的方案演示效果不错。我们更关心低温下的续航和电池质保条款，"
        "请发一份和竞品的电池质保对比，我们好向陈总汇报，推进下一步。",
        deal=deal,
    )  # fmt: skip
    add_activity(
        b, b.days_ago(52, 11), "user:lina", "task", "发送电池质保对比方案给黄晓东",
        assignee_id=Ref("user:lina"), due_at=b.days_ago(45, 18), contact_id=Ref(fleet.key),
        key="act:s10-overdue-warranty-comparison", **links,
    )  # fmt: skip
    add_interaction(
        b, b.days_ago(30, 16), fleet, "wechat", "outbound", "质保对比进度",
        "黄经理您好，质保对比材料还在和总部确认，这周内发您，抱歉久等。",
        actor="user:lina", deal=deal,
    )  # fmt: skip


# --- S3: three visits to the remote-QC page -------------------------------------------


def plan_renhe(b: PlanBuilder) -> None:
    """An installed-base hospital whose equipment director is reading up on remote QC."""
    renhe = AccountFact(
        key=RENHE, name="杭州仁和医院", short_name="仁和医院", industry="healthcare",
        pipeline="medical", city="杭州", country="CN", currency="CNY", owner="user:liuyang",
        english=False, tier="key", created=b.days_ago(480, 10), domain="renhe-hospital.example",
        persona=True,
    )  # fmt: skip
    persona_account(b, renhe, "0571-8688 1200", "杭州市西湖区古墩路 1088 号", 1800)
    director = persona_contact(
        b, EQUIPMENT_DIRECTOR, "周卫东", "设备科主任", "设备科", renhe, 479, "zhou.weidong"
    )
    persona_contact(b, "contact:renhe-wu-haitao", "吴海涛", "信息科主任", "信息科", renhe, 470,
                    "wu.haitao")  # fmt: skip
    persona_contact(b, "contact:renhe-ma-lijuan", "马丽娟", "采购办主任", "采购办", renhe, 460,
                    "ma.lijuan")  # fmt: skip
    monitors = new_deal(b, renhe, director, b.days_ago(330, 10), key="deal:renhe-monitors",
                        offer_index=2, quantity=24)  # fmt: skip
    monitors.path = [
        (0, b.days_ago(330, 10)), (1, b.days_ago(305, 15)), (2, b.days_ago(280, 14)),
        (3, b.days_ago(250, 11)), (4, b.days_ago(228, 16)), (5, b.days_ago(215, 17)),
    ]  # fmt: skip
    monitors.persona = True
    plan_deal(b, monitors)
    add_interaction(
        b, b.days_ago(8, 9, 30), director, "email", "outbound", "【华辰医疗】远程质控模块白皮书",
        "周主任您好：随信附上《医疗设备远程质控白皮书》，介绍如何用远程质控模块实现设备"
        "预防性维护和等级评审达标。",
        actor="bot:marketing", meta={"purpose": "marketing", "campaign": "remote-qc-whitepaper"},
    )  # fmt: skip
    visits = ((6, 10, 12, 312, "email"), (3, 15, 40, 486, "direct"), (1, 9, 5, 655, "direct"))
    for key, (days, hour, minute, seconds, referrer) in zip(S3_VISITS, visits, strict=True):
        meta = {"page": REMOTE_QC_PAGE, "url": REMOTE_QC_URL, "duration_s": seconds,
                "referrer": referrer, "visitor_id": "v-renhe-zhou-weidong"}  # fmt: skip
        add_interaction(
            b, b.days_ago(days, hour, minute), director, "web", "inbound",
            f"浏览页面：{REMOTE_QC_PAGE}", None, meta=meta, key=key,
        )  # fmt: skip


# --- S1 and S11: Harbin ----------------------------------------------------------------


def plan_harbin(b: PlanBuilder) -> None:
    """A local service partner and a cohort of owners whose batteries age too fast."""
    service = AccountFact(
        key=HARBIN_SERVICE, name="哈尔滨冰城新能源汽车服务有限公司", short_name="冰城新能源",
        industry="automotive", pipeline="fleet", city="哈尔滨", country="CN", currency="CNY",
        owner="user:lina", english=False, tier="standard", created=b.days_ago(500, 10),
        domain="bingcheng-auto.example", persona=True,
    )  # fmt: skip
    persona_account(b, service, "0451-8765 2210", "哈尔滨市香坊区三大动力路 66 号", 65)
    persona_contact(b, "contact:harbin-service-liu-desheng", "刘德胜", "服务站站长", "售后服务部",
                    service, 499, "liu.desheng")  # fmt: skip
    cohort = max(5, round(24 * b.scale))
    chen = plan_ev_owner(
        b, key=WINTER_OWNER, name=people.PersonName("陈晓峰", "陈", "晓峰", "xiaofeng.chen"),
        city="哈尔滨", model="e7", purchased=b.days_ago(440, 11), batch=HARBIN_COHORT_BATCH,
        soh_loss_per_month=1.15, persona=True,
    )  # fmt: skip
    for i in range(cohort - 1):
        name = people.chinese_name(b.rng, lambda f, g: f + g in b.used_names)
        b.used_names.add(name.name)
        plan_ev_owner(
            b, key=f"contact:harbin-owner-{i + 1:02d}", name=name, city="哈尔滨",
            model="e7" if i % 2 == 0 else "e5", purchased=b.days_ago(470 - i * 2, 11),
            batch=HARBIN_COHORT_BATCH, soh_loss_per_month=b.rng.uniform(0.9, 1.3), persona=True,
        )  # fmt: skip
    add_interaction(
        b, b.days_ago(1, 20, 16), chen, "app", "inbound", "冬季续航缩水严重",
        "最近哈尔滨早上零下二十度左右，满电表显续航 520 公里，实际跑不到 300 公里就得充电，"
        "冬季续航缩水严重，是不是电池有问题？",
        meta={"vin": chen.vin, "model": "E7", "app_version": "5.2.1", "screen": "意见反馈"},
        key=S1_MESSAGE,
    )  # fmt: skip


# --- S6: the owner who will revoke marketing consent -------------------------------------


def plan_consent_owner(b: PlanBuilder) -> None:
    """Opted in to marketing, receives every campaign, has one more queued, is fed up."""
    lin = plan_ev_owner(
        b, key=CONSENT_OWNER, name=people.PersonName("林晓雯", "林", "晓雯", "xiaowen.lin"),
        city="上海", model="e5", purchased=b.days_ago(320, 14), batch="CB-2501A",
        soh_loss_per_month=0.2, persona=True, email="lin.xiaowen@mail.example",
        wechat_id="linxw_sh",
    )  # fmt: skip
    add_interaction(
        b, b.days_ago(318, 20, 5), lin, "app", "inbound", "营销授权：同意接收营销信息",
        "在 App「隐私与授权」中开启：接收营销信息（短信、微信、App 推送、邮件）。",
        meta={"event": "consent.granted", "purpose": "marketing",
              "channels": ["sms", "wechat", "app", "email"], "source": "app.privacy_settings"},
    )  # fmt: skip
    channels = ("sms", "wechat", "app", "email", "sms")
    for (campaign, subject, text), channel in zip(MARKETING_MESSAGES, channels, strict=True):
        sent = b.days_ago(CAMPAIGN_DAYS_AGO[campaign], 10, 5)
        add_interaction(
            b, sent, lin, channel, "outbound", subject, text, actor="bot:marketing",
            meta={"purpose": "marketing", "campaign": campaign},
        )  # fmt: skip
    add_interaction(
        b, b.days_ago(2, 21, 30), lin, "wechat", "inbound", "推送太频繁",
        "最近营销短信和推送有点多，我在考虑把营销通知全部关掉。",
    )  # fmt: skip
    add_activity(
        b, b.days_ago(1, 10), "user:wuting", "task", "向林晓雯推送冬季保养套餐（营销）",
        assignee_id=Ref("user:wuting"), due_at=b.days_ago(-2, 10), contact_id=Ref(lin.key),
        body="冬季关怀第二波：保养套餐 8 折 + 免费电池健康检测，渠道：短信 + 微信。",
        key=S6_PENDING_TASK,
    )  # fmt: skip


# --- S7: duplicated people -------------------------------------------------------------


def plan_duplicates(b: PlanBuilder) -> None:
    """Three owners who also reached us on another channel and got a second record."""
    people_data = (
        ("王晓明", "王", "晓明", "xiaoming.wang", "深圳", "王小明", "wecom", "wxm_1990"),
        ("何静", "何", "静", "jing.he", "杭州", "He Jing", "mail", None),
        ("郭鹏", "郭", "鹏", "peng.guo", "成都", "郭鹏", "wecom", "guopeng_cd"),
    )
    for (first_key, second_key), data in zip(DUPLICATE_PAIRS, people_data, strict=True):
        name, family, given, local, city, alias, source, wechat = data
        mobile = people.mobile(b.rng)
        email = f"{local.replace('.', '')}@mail.example"
        primary = plan_ev_owner(
            b, key=first_key, name=people.PersonName(name, family, given, local), city=city,
            model="e5", purchased=b.days_ago(b.rng.randint(150, 380), 15), batch="CB-2503C",
            soh_loss_per_month=0.2, persona=True, email=email, mobile=mobile,
        )  # fmt: skip
        plan_second_record(b, primary, second_key, alias, source, wechat, mobile, email)


def plan_second_record(
    b: PlanBuilder,
    primary: ContactFact,
    key: str,
    alias: str,
    source: str,
    wechat: str | None,
    mobile: str,
    email: str,
) -> None:
    created = primary.created + timedelta(days=b.rng.randint(20, 90))
    twin = ContactFact(
        key=key, name=alias, title="车主", account=None, owner="user:lina",
        english=source == "mail", city=primary.city, created=created, primary=False,
        persona=True,
    )  # fmt: skip
    details: dict[str, object] = {}
    if source == "wecom" and wechat:
        # Same number, written the way WeCom exports it.
        spaced = f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        details = {"wechat_id": wechat, "mobile": spaced,
                   "channels": [{"type": "wechat", "value": wechat}]}  # fmt: skip
        channel, subject, text = "wechat", "咨询", "你好，我的车保养到期了，想约个时间。"
    else:
        # The same mailbox (jinghe@), capitalised the way her mail client signs.
        details = {"email": email.replace("jinghe", "JingHe"), "family_name": "He",
                   "given_name": "Jing"}  # fmt: skip
        channel, subject, text = "email", "Service booking", "Hi, can I book a service visit?"
    add_contact(b, twin, actor=f"bot:{source}", **details)
    add_interaction(b, created + timedelta(hours=1), twin, channel, "inbound", subject, text)
