"""Intents: trigger patterns per language, the tool each maps to, and clause splitting.

Rules first, each readable and testable; under them the trained classifier
(``kith.language.understanding``) reads each clause as a whole. It decides where the
rules disagree with it confidently — several rules matched and it is sure of one of
them, or no rule matched a clause it is sure about — so a frame no rule was written
for still plans. Times, permissions, bulk refusal and injection stay rules: exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kith.language.understanding.classifier import Guess, shipped


@dataclass(frozen=True)
class IntentRule:
    name: str
    tool: str
    zh: re.Pattern[str]
    en: re.Pattern[str]


def _zh(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _en(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# Order matters: the first rule that matches a span wins it.
RULES: tuple[IntentRule, ...] = (
    IntentRule("refund", "refunds.request", _zh(r"退款|退钱|退费"), _en(r"\brefund")),
    IntentRule(
        "coupon",
        "coupons.issue",
        _zh(r"优惠券|代金券|折扣券|赠品|券"),
        _en(r"\b(?:coupon|voucher|free gift|discount code)"),
    ),
    IntentRule(
        "campaign",
        "campaigns.enroll",
        _zh(r"(?:加入|拉进|报名|加到).{0,12}(?:活动|营销|计划)"),
        _en(r"\benrol+\b|\badd\b.{1,40}\bto\b.{0,30}\bcampaign"),
    ),
    IntentRule(
        "escalate",
        "tickets.escalate",
        _zh(r"升级"),
        _en(r"\bescalat"),
    ),
    IntentRule(
        "ticket_assign",
        "tickets.assign",
        _zh(r"(?:工单|T-?\d).{0,20}(?:分配给|指派给|分给|转给|交给)"),
        _en(
            r"\b(?:assign|reassign|hand)\b.{0,30}\bticket|\bticket\b.{0,30}\b(?:assign|to)\b"
            r"|\b(?:assign|reassign)\s+T-?\d"
        ),
    ),
    IntentRule(
        "reassign",
        "records.update",
        _zh(
            r"(?:商机|单子|项目|客户|线索|机会).{0,12}(?:转给|交给|移交给|转交给|分给|划给|改派给|转到)"
            r"|(?:把|将).{1,30}(?:转给|交给|移交给|转交给|改派给).{1,8}(?:跟进|负责|接手|来跟)"
            r"|(?:负责人|归属|owner).{0,6}(?:改成|改为|换成|设为)"
        ),
        _en(
            r"\b(?:hand|reassign|transfer|give|pass)\b.{0,40}\b(?:deal|account|lead|opportunity|"
            r"customer)\b.{0,40}\b(?:to|over to)\b"
            r"|\b(?:hand|pass)\s+(?:over\s+)?(?:the\s+)?.{1,40}\s+(?:deal|account|lead)\s+to\b"
            r"|\bmake\b.{1,30}\bthe owner\b|\b(?:owner|ownership)\b.{0,30}\bto\b"
        ),
    ),
    IntentRule(
        "ticket_create",
        "tickets.create",
        _zh(
            r"(?:开|建|创建|新建|提交|提(?!醒))(?:(?:一?个|一张)[^，,。\s的]{0,8}?"
            r"|(?:紧急|加急|新的?)?(?:服务|售后|投诉)?)工单"
        ),
        _en(
            r"\b(?:open|create|file|raise|log)\s+(?:a\s+|an\s+)?"
            r"(?:new\s+|urgent\s+|high[- ]priority\s+)?"
            r"(?:support\s+|service\s+)?ticket"
        ),
    ),
    IntentRule(
        "stage",
        "deals.update_stage",
        _zh(
            r"(?:推进到|推到|移到|挪到|改到|进入|转到|阶段改为|阶段改成|标记为|标成)|赢单了|丢单了|输单了"
        ),
        _en(
            r"\b(?:move|advance|push|set|mark)\b.{0,60}\b(?:to|as|into)\b.{0,30}"
            r"(?:stage|won|lost|negotiation|demo|test drive|bidding|qualification|analysis|tender)"
            r"|\bmark\b.{0,60}\b(?:won|lost)\b"
        ),
    ),
    IntentRule(
        "delete",
        "records.delete",
        _zh(r"删除|删掉|删了|清除|移除"),
        _en(r"\b(?:delete|remove|erase|wipe)\b"),
    ),
    IntentRule(
        "update",
        "records.update",
        _zh(r"(?:改成|改为|更新为|更新成|修改为|换成|设为|设置为)"),
        _en(r"\b(?:change|update|set)\b(?!\s+up\b).{1,60}\bto\b"),
    ),
    IntentRule(
        "create_record",
        "records.create",
        _zh(r"(?:新建|新增|添加|创建|录入)(?:一?个|一位|一条)?(?:新)?(?:联系人|客户|线索|公司)"),
        _en(r"\b(?:add|create|new)\s+(?:a\s+|an\s+)?(?:new\s+)?(?:contact|lead|account|company)\b"),
    ),
    IntentRule(
        "log",
        "interactions.log",
        _zh(
            r"刚(?:才)?(?:和|跟|与).{1,12}(?:通了?电话|打了?电话|聊了|沟通了|见了面|见面)|记录(?:一下|一次)?(?:通话|沟通)"
            r"|(?<![给向])(?:来了?电话|来电(?!话)|打来电话|打电话来|打来)"
            r"|^[^给向，,。]{1,12}?发了?(?:一?[条封个])?(?:微信|邮件|短信|消息)[^。]*?(?:登记|记录|记下|记一下)"
            r"|(?:今天|昨天|上午|下午|刚刚)(?:和|跟|与)[^，,。？?]{1,12}?"
            r"(?:通了?电话|打了?电话|电话沟通了|沟通了|聊了|见了面|面谈了)"
            r"|(?:发来|来了)(?:一?[条封个])?(?:微信|邮件|短信|消息)"
            r"|(?:电话|通话|微信|邮件|短信|拜访|沟通)记录|记录.{0,3}(?:电话|通话|来电|微信|拜访)"
        ),
        _en(
            r"\b(?:log|record)\s+(?:a\s+|an\s+|the\s+|my\s+)?"
            r"(?:(?:inbound|outbound|incoming|outgoing|short|quick|phone|video)\s+)*"
            r"(?:call|conversation|visit|wechat|e-?mail|sms|text|message|chat)"
            r"|\bI just (?:called|spoke|talked|met)"
        ),
    ),
    IntentRule(
        "draft_email",
        "email.draft",
        _zh(r"(?:起草|草拟|拟|写)(?:一?封|个)?(?:给.{1,20}?的)?(?:邮件|email)|邮件草稿"),
        _en(r"\bdraft\b|\bwrite\s+(?:an?\s+)?(?:e-?mail|reply)"),
    ),
    IntentRule(
        "send",
        "messages.send",
        _zh(
            r"发(?:一?(?:封|条|个))?(?:邮件|短信|微信|消息|推送)|(?:邮件|短信|微信)(?:发|通知)给"
            r"|推送(?!活动)|(?:小程序|APP|App|app)(?:上|里)?(?:通知|提醒)"
        ),
        _en(
            r"\b(?:send|text|message|wechat)\b(?!.{0,20}\bcampaign)|^\s*(?:e-?mail|sms)\b"
            r"|\bpush\b.{0,30}\b(?:notification|message|alert)|\bpush\s+(?:a|an|the)\b"
        ),
    ),
    IntentRule(
        "share",
        "users.notify",
        _zh(
            r"同步给|同步到|转告|告知|知会|抄送|转给|通知|告诉|分享给|反馈给|汇报给"
            r"|(?:跟|和|给)[^，,。]{1,8}?(?:说一下|说一声|讲一下|讲一声|打个招呼|带个话|带句话|吱一声)"
        ),
        _en(
            r"\b(?:share|notify|inform|loop in|let .{1,40} know|tell|forward|pass)\b"
            r"|\bping\b(?!\s+me\b)|\bgive\b.{1,30}\ba heads[- ]up\b"
        ),
    ),
    IntentRule(
        "meeting",
        "meetings.schedule",
        _zh(
            r"预约|约(?:一?个|个)?(?:会|时间|见)|约.{1,20}(?:见面|见个面|开会|会谈|聊聊)|帮我约|约一下|"
            r"安排.{0,10}(?:会议|会面|见面|拜访|演示|回顾)|开(?:个)?会|会议|会谈|拜访|约见|季度回顾|复盘会"
        ),
        _en(
            r"\b(?:meeting|meet|book|set up a call|call with|demo session|visit|review)\b"
            r"|\bschedule\s+(?:a|an|the|meeting|call|demo|time|some)\b|^\s*schedule\b"
        ),
    ),
    IntentRule(
        "note",
        "notes.add",
        _zh(r"备注|记一下|记下|加(?:个|一条)?笔记|添加笔记"),
        _en(r"\b(?:note|jot down|add a comment)\b"),
    ),
    IntentRule(
        "task",
        "tasks.create",
        _zh(r"提醒我|提醒|跟进|待办|任务|回访|打电话|回电话|回个电话|给.{1,10}打个?电话"),
        _en(r"\b(?:remind|follow[- ]up|follow up|task|to-?do|call)\b"),
    ),
)

RULE_BY_NAME = {r.name: r for r in RULES}

QUESTION_ZH = re.compile(
    r"[?？]|多少|哪些|哪个|哪家|哪位|谁|什么|几个|几笔|几单|几次|几家|几条|几位|是否|有没有|吗$|列出|统计|查一下|查查|查询|看看|显示|排名|前\d+|最"
    r"|总额|总数|合计|总计|一共|(?:金额|数量|业绩|销售额|分布)[?？。]?$"
)
QUESTION_EN = re.compile(
    r"\?|^\s*(?:which|what|how many|how much|who|list|show|find|top|are there|is there|give me"
    r"|total|number of|count of|sum of)\b",
    re.IGNORECASE,
)
CONJUNCTION_ZH = re.compile(r"[，,；;。]?\s*(?:并且|并|然后|之后再|再|同时|顺便|以及)|[；;。]")
CONJUNCTION_EN = re.compile(
    r"[,;.]?\s+(?:and then|then|and also|and|also)\s+|(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)[;.]\s+",
    re.I,
)

INJECTION = re.compile(
    r"ignore\s+(?:all\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+(?:instructions|prompts?|rules)"
    r"|disregard\s+(?:all\s+|your\s+)?(?:previous\s+|prior\s+)?(?:instructions|rules)"
    r"|you\s+are\s+now\b|system\s+prompt|jailbreak|developer\s+mode"
    r"|forget\s+(?:all\s+)?(?:your|the|previous|prior)\s+(?:rules|instructions)"
    r"|忽略(?:之前|以上|前面|上面|先前)?的?(?:所有|全部)?的?(?:指令|指示|规则|提示|要求)"
    r"|无视(?:之前|以上)?的?(?:指令|规则)|你现在是|系统提示词|越狱",
    re.IGNORECASE,
)
BULK = re.compile(
    r"(?:所有|全部|每个|每位|每一个|一切|批量)的?(?:客户|联系人|商机|工单|记录|订单|线索|单子|人)"
    r"|\b(?:all|every|each)\s+(?:of\s+(?:the|my|our)\s+)?(?:contacts?|customers?|accounts?|deals?"
    r"|tickets?|records?|leads?|orders?|opportunities)\b|\bbulk\b|\beverything\b|\beveryone\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Clause:
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class IntentHit:
    rule: IntentRule
    start: int
    end: int
    clause: Clause
    by_model: bool = False  # the classifier's reading of a clause no rule matched


_CORRECTS = re.compile(r"不对[，,、]?\s*(?:改成|改到|换成|改为)|\bactually,? make it\b", re.I)
_REMIND = re.compile(r"remind|提醒", re.IGNORECASE)


# "…a WeChat and let him know X": what to tell the person just addressed is the content of
# that message, not a second action.
_CONTENT_CONTINUES = re.compile(
    r"(?:let|tell|inform|remind)\s+(?:him|her|them)\b(?!\s+(?:to|about\s+the\s+(?:meeting|call)))",
    re.I,
)


def split_clauses(text: str, lang: str) -> list[Clause]:
    pattern = CONJUNCTION_ZH if lang == "zh" else CONJUNCTION_EN
    out: list[Clause] = []
    pos = 0
    for m in pattern.finditer(text):
        if lang == "en" and _CONTENT_CONTINUES.match(text, m.end()):
            continue
        if m.start() > pos:
            out.append(Clause(text[pos : m.start()], pos, m.start()))
        pos = m.end()
    if pos < len(text):
        out.append(Clause(text[pos:], pos, len(text)))
    return [c for c in out if c.text.strip()] or [Clause(text, 0, len(text))]


def find_intents(text: str, lang: str) -> list[IntentHit]:
    """One intent per clause (its first matching rule), clauses in order; a clause with a
    second, different intent further on is split there."""
    hits: list[IntentHit] = []
    clauses = split_clauses(text, lang)
    for clause in clauses:
        found: list[IntentHit] = []
        for rule in RULES:
            m = (rule.zh if lang == "zh" else rule.en).search(clause.text)
            if m is not None:
                found.append(
                    IntentHit(rule, clause.start + m.start(), clause.start + m.end(), clause)
                )
        # "……不对，改成周四": a correction of the time just said, not a field update
        found = [
            h for h in found if not (h.rule.name == "update" and _CORRECTS.search(clause.text))
        ]
        guess = _confident_guess(clause.text)
        if not found:
            if guess is not None and guess.probability >= ADD_WHEN_SILENT:
                rule = RULE_BY_NAME[guess.label]
                hits.append(IntentHit(rule, clause.start, clause.end, clause, by_model=True))
            continue
        # the earliest-ranked rule wins, except that "remind me to send…" is a reminder
        first = found[0]
        creating = next((h for h in found if h.rule.name == "ticket_create"), None)
        if first.rule.name == "ticket_assign" and creating and creating.start < first.start:
            found.remove(creating)  # "开个工单，指派给我": a new ticket with its assignee
            found.insert(0, creating)
            first = creating
        reminder = next(
            (h for h in found if h.rule.name == "task" and _REMIND.match(text[h.start : h.end])),
            None,
        )
        if reminder is not None and reminder.start < first.start:
            found.remove(reminder)
            found.insert(0, reminder)
            first = reminder
        elif guess is not None and guess.label != first.rule.name:
            first = _overruled(found, first, guess, clause)
        hits.append(first)
        content = _content_start(text, first)
        for other in found[1:]:
            overlaps = other.start < first.end and other.end > first.start
            if content is not None and other.start >= content:
                continue  # "备注：…拜访…", "Add a note…: I'll visit…": what is written down
            if (
                not overlaps
                and _independent(first.rule.name, other.rule.name)
                and not any(h.rule.name == other.rule.name for h in hits if h.clause == clause)
            ):
                hits.append(other)
    hits.sort(key=lambda h: h.start)
    return hits


_CARRIES_CONTENT = frozenset({"note", "log", "send", "draft_email", "ticket_create", "share"})


def _content_start(text: str, hit: IntentHit) -> int | None:
    """Where the content of a note, log or message starts: after the colon that follows
    its trigger in the clause."""
    if hit.rule.name not in _CARRIES_CONTENT:
        return None
    marks = "：:，," if hit.rule.name == "send" else "：:"
    for pos in range(hit.end, hit.clause.end):
        if text[pos] in marks:
            return pos
    return None


# How sure the classifier must be to add an intent to a clause no rule matched, and to
# put another intent first among (or instead of) the rules' candidates.
ADD_WHEN_SILENT = 0.6
OVERRULE_AMONG_MATCHES = 0.5
OVERRULE_ALONE = 0.9


def _confident_guess(text: str) -> Guess | None:
    """The classifier's reading of a clause when it names an action intent."""
    model = shipped()
    if model is None:
        return None
    guess = model.guess(text)
    return guess if guess.label in RULE_BY_NAME else None


def _overruled(found: list[IntentHit], first: IntentHit, guess: Guess, clause: Clause) -> IntentHit:
    """The clause's leading intent when the classifier reads it otherwise: one of the
    other matches when it is fairly sure, an intent no rule matched only when very sure."""
    match = next((h for h in found if h.rule.name == guess.label), None)
    if match is not None and guess.probability >= OVERRULE_AMONG_MATCHES:
        found.remove(match)
        found.insert(0, match)
        return match
    if match is None and guess.probability >= OVERRULE_ALONE:
        hit = IntentHit(RULE_BY_NAME[guess.label], clause.start, clause.end, clause)
        found.insert(0, hit)
        return hit
    return first


# Pairs that describe one action, not two ("send an email draft", "schedule a call task").
_SAME_ACTION = {
    frozenset({"draft_email", "send"}),
    frozenset({"meeting", "task"}),
    frozenset({"share", "send"}),
    frozenset({"share", "draft_email"}),
    frozenset({"ticket_assign", "share"}),
    frozenset({"escalate", "share"}),
    frozenset({"stage", "update"}),
    frozenset({"task", "note"}),
    frozenset({"meeting", "share"}),
    frozenset({"log", "task"}),
    frozenset({"log", "note"}),
    frozenset({"ticket_create", "task"}),
    frozenset({"ticket_assign", "task"}),
    frozenset({"coupon", "send"}),
    frozenset({"campaign", "send"}),
    frozenset({"refund", "task"}),
    frozenset({"delete", "update"}),
    frozenset({"coupon", "share"}),
    frozenset({"refund", "share"}),
    frozenset({"ticket_create", "share"}),
    frozenset({"stage", "share"}),
    frozenset({"update", "share"}),
    frozenset({"create_record", "share"}),
    frozenset({"escalate", "ticket_assign"}),
    frozenset({"ticket_create", "ticket_assign"}),
    frozenset({"escalate", "task"}),
    frozenset({"stage", "task"}),
    frozenset({"task", "send"}),
    frozenset({"task", "draft_email"}),
    frozenset({"log", "meeting"}),
    frozenset({"note", "share"}),
    frozenset({"share", "task"}),  # "通知王强跟进合同": one notification
    frozenset({"log", "send"}),  # "log a wechat from …": the record of a message
}


def _independent(a: str, b: str) -> bool:
    return frozenset({a, b}) not in _SAME_ACTION and a != b
