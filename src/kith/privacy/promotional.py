"""Is a message promotional? The answer the consent ledger trusts more than a caller's
purpose: a promotional message needs the marketing basis whatever purpose was named.

Three signals, strongest first:

- the **template category** when the message uses a template: a marketing/promotion
  template is promotional, whatever its text says (a service category cannot make a
  promotional text a service message — like a purpose, a category is the caller's word);
- **attachments**: a coupon, voucher or offer attached to a message is an incentive to buy;
- the **content**: a weighted lexicon of cues in Chinese and English (``LEXICON``).
  Promotional cues (discounts such as "8 折" or "20% off", limited-time wording, coupon
  codes, prices with offers, calls to buy, opt-out footers such as "回T退订") add their
  weight; service cues (an order that shipped, a receipt, a verification code, a repair
  done, a warranty or recall notice, an unsubscribe confirmation) subtract theirs. A
  promotional cue preceded in its clause by a negation ("不再向您发送…优惠",
  "you will no longer receive offers") does not count. Each label counts once (its
  heaviest hit), so repeating "优惠" does not make a message more promotional.
  The message is promotional when the total reaches ``THRESHOLD``.

So "您的保修将于下月到期" and "your order ships today" are service messages, "保养到期提醒"
is a service reminder, and "保养套餐 8 折" or "保养到期提醒：本月保养套餐 8 折" are promotional.
Measured on ``tests/data/promotional_holdout.jsonl`` (held out, never tuned against) by
``tests/unit/test_consent_promotional.py``; cues are tuned on the separate dev set.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Lang = Literal["zh", "en"]

THRESHOLD = 2.0
# Template categories that make a message promotional (SMS carriers call it 推广,
# e-mail providers "marketing"); other categories leave the decision to the content.
PROMOTIONAL_TEMPLATE_CATEGORIES = frozenset(
    {"marketing", "promotion", "promotional", "advertising", "newsletter"}
)
# Attachment kinds that are an incentive to buy.
PROMOTIONAL_ATTACHMENT_KINDS = frozenset({"coupon", "voucher", "offer"})

# A promotional cue does not count when one of these precedes it in the same clause.
_NEGATION = {
    "zh": re.compile(r"不再|不会再|停止|无需|不含|没有|取消"),
    "en": re.compile(
        r"\b(?:no longer|not|never|no more|stop(?:ped)?|won't|without|unsubscribed)\b", re.I
    ),
}
_NEGATION_WINDOW = {"zh": 14, "en": 48}  # characters before the cue
_CLAUSE_END = re.compile(r"[。！？!?;；\n]|\.(?:\s|$)")


@dataclass(frozen=True)
class Cue:
    """One entry of the lexicon: ``weight`` > 0 promotional, < 0 service context."""

    label: str
    lang: Lang
    pattern: str
    weight: float
    negatable: bool = True


@dataclass(frozen=True)
class Hit:
    label: str
    text: str
    weight: float

    def describe(self) -> str:
        return f"'{self.text}' ({self.label})"


@dataclass(frozen=True)
class Classification:
    promotional: bool
    score: float
    source: str  # template | attachment | content | none
    cues: tuple[Hit, ...] = ()  # the promotional cues that counted
    service: tuple[Hit, ...] = ()  # the service context that weighed against them

    def explain(self, limit: int = 5) -> str:
        """Why, in a sentence: "classified promotional (cues: '8 折' (discount), …)"."""
        verdict = "promotional" if self.promotional else "not promotional"
        parts = [h.describe() for h in self.cues[:limit]]
        if self.service:
            parts.append("service context " + ", ".join(h.describe() for h in self.service[:3]))
        detail = f"{'; '.join(parts)}; score {self.score:g}" if parts else "no cues"
        return f"classified {verdict} by {self.source} ({detail})"


P, N = 1.0, -1.0  # readability: weights below are P * x (promotional) or N * x (service)

LEXICON: tuple[Cue, ...] = (
    # --- Chinese: promotional -------------------------------------------------------------
    Cue("discount", "zh", r"(?:\d+(?:\.\d+)?|[一二三四五六七八九])\s*折(?![叠旧返])", P * 2.5),
    Cue("discount", "zh", r"半价|折扣|打折", P * 2.0),
    Cue("buy-x-get-y", "zh", r"(?:买|充|满)\s*[\d一二两三四五六七八九十百]+\s*\S{0,3}?送", P * 2.5),
    Cue("spend-and-save", "zh", r"满\s*\d+\s*元?\s*(?:再)?减\s*\d+", P * 2.5),
    Cue(
        "price cut",
        "zh",
        r"立减|直降|立省|狂降|钜惠|特惠|特价|优惠价|促销|大促|秒杀|特卖|清仓|让利|降价",
        P * 2.0,
    ),
    Cue("offer", "zh", r"优惠(?!券)|福利|回馈|礼遇", P * 1.0),
    Cue("gift", "zh", r"好礼|礼包|礼盒|豪礼|礼品|有礼|即送|就送|赠送|赠|送您", P * 1.5),
    Cue("lottery", "zh", r"抽奖|抽取|中奖", P * 2.0),
    Cue("coupon", "zh", r"券|红包|购车金|抵用金", P * 1.5),
    Cue("coupon code", "zh", r"(?:优惠|兑换|专属|邀请)码\s*[A-Za-z0-9]{4,}", P * 2.5),
    Cue(
        "limited time",
        "zh",
        r"限时|限量|仅限|今日只要|最后\s*[\d一两二三四五]+\s*天|仅剩\s*\d+\s*天|错过再等|"
        r"售完即止|欲购从速|先到先得|名额有限|库存有限|从速|不要错过|别错过|即将清零",
        P * 2.0,
    ),
    Cue("deadline", "zh", r"截止|截至", P * 0.5),
    Cue(
        "call to action",
        "zh",
        r"立即(?:购买|抢购|预订|开通|领取|参与|选购)|马上抢|抢购|点击(?:领取|购买|链接)|戳链接|"
        r"快来|快去|选购|详询|领取",
        P * 1.5,
    ),
    Cue("call to action", "zh", r"立即预约", P * 1.0),
    Cue(
        "price offer",
        "zh",
        r"原价|现价|现仅需|仅需|只要\s*\d|低至|\d+\s*元起|起售|首发价|首年|\d+(?:\.\d+)?\s*元/[月年]",
        P * 1.5,
    ),
    Cue(
        "opt-out footer",
        "zh",
        r"回(?:复)?\s*(?:T|TD|N|R|0)\s*(?:退订|拒收)|退订\s*回\s*(?:T|TD)|拒收请回复",
        P * 3.0,
        negatable=False,
    ),
    Cue("new product", "zh", r"新品|上市|焕新|新款|品鉴|首批", P * 1.0),
    Cue(
        "loyalty",
        "zh",
        r"会员日|专享|尊享|新人|积分翻倍|双倍积分|兑换好礼|老客户|老车主",
        P * 1.0,
    ),
    Cue("referral", "zh", r"推荐好友|邀请好友", P * 2.0),
    Cue(
        "sales event",
        "zh",
        r"双十一|双11|618|黑五|店庆|购车节|购物节|狂欢|年终|新春|周年庆|清仓",
        P * 1.5,
    ),
    Cue("financing offer", "zh", r"零首付|0\s*首付|0\s*利率|免息|置换补贴|补贴", P * 2.0),
    Cue("bundle", "zh", r"套餐|套装|换购", P * 0.5),
    Cue("free", "zh", r"免费", P * 0.5),
    Cue("marketing", "zh", r"营销|推广", P * 1.0),
    # --- Chinese: service context ----------------------------------------------------------
    Cue("verification code", "zh", r"验证码|校验码|动态码", N * 3.0),
    Cue(
        "unsubscribe confirmed",
        "zh",
        r"已(?:成功)?退订|不再向您发送|已为您关闭|已关闭.{0,6}(?:推送|通知)",
        N * 3.0,
    ),
    Cue("expired", "zh", r"已(?:于\S{0,6})?(?:过期|失效)", N * 2.0),
    Cue(
        "payment",
        "zh",
        r"实付|已支付|支付的|扣款|账单|发票|已退回|退款|到账|应还|还款|余额|费用已",
        N * 2.0,
    ),
    Cue("order", "zh", r"您的订单|已发货|单号|已签收|送达|物流", N * 1.5),
    Cue(
        "appointment",
        "zh",
        r"预约成功|已确认|已预约|已受理|已安排|已取消|上门服务",
        N * 1.5,
    ),
    Cue(
        "service done",
        "zh",
        r"保养完毕|维修完|已完成|已处理|处理完毕|工单|检测报告|取车|已到店",
        N * 1.5,
    ),
    Cue("warranty", "zh", r"保修|质保|召回|年检|保险将于|到期提醒|到期", N * 1.0),
    Cue("apology", "zh", r"抱歉|不便|投诉|反馈|敬请谅解", N * 1.0),
    Cue("notice", "zh", r"系统升级|暂停服务|暂停使用|维护|更新已推送|绑定|救援|已更新", N * 1.5),
    Cue("operations", "zh", r"请预留|工位|已发放", N * 1.5),
    Cue("contract", "zh", r"根据您的合同|合同|协议|无需支付", N * 1.0),
    # --- English: promotional -----------------------------------------------------------------
    Cue(
        "discount",
        "en",
        r"\d+\s*%\s*off|up to \d+\s*%|save (?:an extra )?\d+\s*%|\d+\s*% (?:discount|savings)|"
        r"extra \d+\s*%|half price|half-price",
        P * 2.5,
    ),
    Cue("buy-x-get-y", "en", r"buy one,? get one|\bbogo\b|\b2 for 1\b|two for one", P * 2.5),
    Cue("save money", "en", r"save \$\s*\d+|\$\s*\d+ off", P * 2.0),
    Cue("save money", "en", r"save big|savings|\bsave\b", P * 1.5),
    Cue(
        "limited time",
        "en",
        r"limited[- ]time|today only|this week(?:end)? only|ends (?:midnight|today|tonight|soon)|"
        r"offer ends|last chance|while (?:stocks|supplies) last|don't miss|do not miss|hurry|"
        r"only \d+ days left|before it's gone|for the next \d+ hours|act now|ends \w+day|"
        r"\b(?:book|order|buy|sign up|join)\b[^.!?]{0,30}\bbefore\b",
        P * 2.0,
    ),
    Cue(
        "free gift",
        "en",
        r"free gift|free shipping|complimentary|"
        r"\b(?:get|receive|with) (?:a |one |\d+ months? )?free\b|\d+ months? free|for free\b",
        P * 1.5,
    ),
    Cue("free", "en", r"\bfree\b", P * 0.5),
    Cue(
        "coupon",
        "en",
        r"promo code|coupon code|discount code|use code|\bcode [A-Z]{3,}\d*|gift card|"
        r"\bvoucher\b|\bcoupon\b",
        P * 2.0,
    ),
    Cue("reward", "en", r"reward points|double points|bonus points|\bredeem\b|\bbonus\b", P * 1.5),
    Cue(
        "call to action",
        "en",
        r"shop now|buy now|book now|order now|apply today|reserve (?:your|yours)|click to shop|"
        r"claim (?:your|it)|sign up today|upgrade now|redeem (?:it )?now|get yours",
        P * 1.5,
    ),
    Cue(
        "price offer",
        "en",
        r"only \$\s*\d|just \$\s*\d|from \$\s*\d|now only|regular \$|was \$\s*\d|"
        r"introductory price|starting at \$|\$\s*\d+(?:\.\d+)?\s*/\s*month",
        P * 1.5,
    ),
    Cue("sale", "en", r"\bsale\b|\bdeals?\b|special offer|exclusive offer|\boffers?\b", P * 1.0),
    Cue(
        "sales event",
        "en",
        r"black friday|cyber monday|holiday sale|anniversary sale|giveaway|\bwin an? \b|"
        r"sweepstakes|launch event|\bvip\b",
        P * 2.0,
    ),
    Cue(
        "loyalty",
        "en",
        r"as a valued customer|you qualify|members? save|loyalty|exclusive|member deal",
        P * 1.0,
    ),
    Cue("financing offer", "en", r"0\s*% apr|pay nothing for|financing", P * 1.5),
    Cue(
        "opt-out footer",
        "en",
        r"\bunsubscribe\b|opt[- ]out|reply stop|manage (?:your )?preferences",
        P * 2.5,
    ),
    Cue("new product", "en", r"introducing|all-new|new arrivals|just launched", P * 1.0),
    Cue("referral", "en", r"refer a friend", P * 2.0),
    Cue("upgrade", "en", r"upgrade (?:to|your)|treat yourself|trade in", P * 1.0),
    Cue("marketing", "en", r"\bmarketing\b|\bpromotion\b|\bcampaign\b", P * 1.0),
    # --- English: service context ---------------------------------------------------------------
    Cue(
        "verification code",
        "en",
        r"verification code|one-time (?:code|password)|\bpassword\b",
        N * 3.0,
    ),
    Cue(
        "unsubscribe confirmed",
        "en",
        r"(?:have|has|been) unsubscribed|no longer receive|will not receive|won't receive",
        N * 3.0,
    ),
    Cue("expired", "en", r"\bexpired\b|has expired", N * 2.0),
    Cue(
        "payment",
        "en",
        r"\bpayment\b|receipt|invoice|\brefund\b|statement|amount due|charged to|"
        r"has been processed|card ending",
        N * 2.0,
    ),
    Cue("order", "en", r"your order|\bships\b|shipped|tracking|delivery|delivered", N * 1.5),
    Cue(
        "appointment",
        "en",
        r"appointment|is confirmed|booked for|your booking|has been scheduled|has been cancelled",
        N * 1.5,
    ),
    Cue(
        "service done",
        "en",
        r"\brepair\b|ready for pickup|is ready|technician|ticket #?\d+|service cent(?:re|er)|"
        r"\bpaired\b|roadside assistance",
        N * 1.5,
    ),
    Cue("warranty", "en", r"warranty|recall|free of charge|covered (?:by|for|under)", N * 1.0),
    Cue("apology", "en", r"\bsorry\b|apologi[sz]e|inconvenience|complaint", N * 1.0),
    Cue(
        "notice",
        "en",
        r"scheduled maintenance|unavailable|outage|terms of service|"
        r"was (?:changed|updated|blocked)|no action is needed|failed",
        N * 1.5,
    ),
    Cue(
        "contract",
        "en",
        r"as discussed|following our call|contract|quote you requested|as requested|"
        r"your service plan includes|includes",
        N * 1.5,
    ),
)


@dataclass(frozen=True)
class _Compiled:
    cue: Cue
    regex: re.Pattern[str]


_COMPILED: tuple[_Compiled, ...] = tuple(
    _Compiled(c, re.compile(c.pattern, re.IGNORECASE if c.lang == "en" else 0)) for c in LEXICON
)


def classify(
    text: str,
    *,
    template_category: str | None = None,
    attachments: Iterable[str] = (),
) -> Classification:
    """Classify one message: ``text`` is its subject and body, ``attachments`` the kinds of
    what is attached (``coupon``, ``offer``, ``file`` …)."""
    if template_category and template_category.lower() in PROMOTIONAL_TEMPLATE_CATEGORIES:
        hit = Hit("template category", template_category, THRESHOLD)
        return Classification(True, THRESHOLD, "template", (hit,))
    kinds = sorted({k.lower() for k in attachments} & PROMOTIONAL_ATTACHMENT_KINDS)
    if kinds:
        hits = tuple(Hit("attachment", k, THRESHOLD) for k in kinds)
        return Classification(True, THRESHOLD, "attachment", hits)
    return classify_text(text)


def classify_text(text: str) -> Classification:
    promo: dict[str, Hit] = {}
    service: dict[str, Hit] = {}
    for compiled in _COMPILED:
        cue = compiled.cue
        for match in compiled.regex.finditer(text):
            if cue.weight > 0 and cue.negatable and _negated(text, match.start(), cue.lang):
                continue
            hit = Hit(cue.label, match.group(0).strip(), cue.weight)
            table = promo if cue.weight > 0 else service
            known = table.get(cue.label)
            if known is None or abs(hit.weight) > abs(known.weight):
                table[cue.label] = hit
            break  # the first counted match of a cue is enough
    cues = _ordered(promo.values())
    context = _ordered(service.values())
    score = round(sum(h.weight for h in cues) + sum(h.weight for h in context), 2)
    promotional = bool(cues) and score >= THRESHOLD
    source = "content" if cues or context else "none"
    return Classification(promotional, score, source, cues, context)


def _ordered(hits: Iterable[Hit]) -> tuple[Hit, ...]:
    return tuple(sorted(hits, key=lambda h: (-abs(h.weight), h.label)))


def _negated(text: str, start: int, lang: Lang) -> bool:
    before = text[max(0, start - _NEGATION_WINDOW[lang]) : start]
    clause = _CLAUSE_END.split(before)[-1]
    return _NEGATION[lang].search(clause) is not None


def message_text(subject: str | None, body: str | None) -> str:
    return "\n".join(part for part in (subject, body) if part)


# --- tasks: is a queued activity marketing? -------------------------------------------------

# A task that says it is marketing ("（营销）", "marketing push") is, whatever its wording.
_TASK_MARKERS = re.compile(
    r"[（(]\s*(?:营销|推广|marketing|promotion)\s*[)）]|"
    r"营销(?:推送|活动|短信|任务|触达)|推送\S{0,12}(?:套餐|优惠|活动)|"
    r"\bmarketing (?:push|campaign|message|email|offer|task)\b|\bpromotional\b",
    re.IGNORECASE,
)


def classify_task(subject: str | None, body: str | None) -> Classification:
    """A queued task or activity is marketing when it says so or its text is promotional."""
    text = message_text(subject, body)
    marker = _TASK_MARKERS.search(text)
    if marker is not None:
        hit = Hit("marketing task", marker.group(0).strip(), THRESHOLD)
        return Classification(True, THRESHOLD, "task marker", (hit,))
    return classify_text(text)


@dataclass(frozen=True)
class Scores:
    """Precision and recall of the promotional class on a labelled set."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def evaluate(examples: Sequence[tuple[str, bool]]) -> Scores:
    tp = fp = fn = tn = 0
    for text, label in examples:
        got = classify_text(text).promotional
        tp += got and label
        fp += got and not label
        fn += label and not got
        tn += not got and not label
    return Scores(tp, fp, fn, tn)
