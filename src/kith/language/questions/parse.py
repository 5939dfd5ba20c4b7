"""Question → structured query, one parser per question type.

A question becomes a ``StructuredQuery``: one object type, ``field:op:value`` filters
(the same syntax as ``GET /api/v1/<objects>?filter=``), an optional aggregate and
grouping. It never becomes SQL text. ``PARSERS`` lists the parsers in the order they
are tried; the first that recognises the question gives the query, and the last
(a search) recognises every question.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from kith.access.models import Team, TeamMember
from kith.core.clock import as_utc
from kith.language.lexicon import STAGE_ALIASES_EN, STAGE_ALIASES_ZH
from kith.language.lookups import Lookups
from kith.language.plan import Plan
from kith.language.questions.vocab import (
    CNY_ONLY,
    INDUSTRIES,
    LISTING,
    first_value,
    source_filters,
    ticket_filters,
)
from kith.language.resolve import Entity
from kith.language.timeparse import TimeMention

MAX_ROWS = 2000
REGIONS_ZH = {
    "华东": "华东",
    "华南": "华南",
    "华北": "华北",
    "医疗": "医疗",
    "east china": "华东",
    "medical": "医疗",
}
OPEN_TICKET = "new,open,pending"


def iso(dt: datetime) -> str:
    return as_utc(dt).isoformat().replace("+00:00", "Z")


MINE = re.compile(
    r"我的|我负责|我手上|我手里|我这边|我名下|我跟的|我跟进的"
    r"|我(?:今年|本月|这个月|上个月|本季度|这个季度|上季度|去年)?(?:一共|总共)?(?:赢|输|丢|成交|签|拿下|有)"
    r"|\bmy\b|\bmine\b|\b(?:do|did|have|had|will)\s+I\b|\bI(?:'ve|\s+have)?\s+(?:won|lost|closed|got)\b",
    re.I,
)
_MONEY_UNITS = {"万": 10_000, "w": 10_000, "亿": 100_000_000, "千": 1_000, "k": 1_000}
_MONEY_UNITS |= {"m": 1_000_000, "million": 1_000_000, "thousand": 1_000, "wan": 10_000}
_AMOUNT = re.compile(
    r"(?P<before>超过|大于|高于|多于|不少于|不低于|至少|over|above|more\s+than|greater\s+than"
    r"|at\s+least|bigger\s+than|larger\s+than|>=?|低于|少于|小于|不到|不超过|under|below|less\s+than"
    r"|smaller\s+than|<=?)?\s*(?:金额)?\s*(?P<cur>[$¥￥]|rmb\s*|cny\s*|usd\s*)?"
    r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万|亿|千|million|thousand|wan|[kmw](?![a-z]))?"
    r"\s*(?P<yuan>元|块|rmb|cny|yuan|dollars?)?\s*(?P<after>以上|以下|以内|及以上|\+)?",
    re.I,
)
_MORE = frozenset(
    [
        "超过",
        "大于",
        "高于",
        "多于",
        "不少于",
        "不低于",
        "至少",
        "over",
        "above",
        "more",
        "greater",
        "at",
        "bigger",
        "larger",
        ">",
        ">=",
        "以上",
        "及以上",
        "+",
    ]
)
_INCLUSIVE = ("不少于", "不低于", "至少", "at", ">=", "及以上", "+", "不超过", "以内", "<=")


@dataclass(frozen=True)
class Asked:
    """A question and what every parser looks at first: the asker, whether the question is
    about the asker's own records, a named colleague, a period, a named record, amounts."""

    planner: Lookups
    text: str
    lang: str
    low: str
    me: str
    mine: bool
    period: TimeMention | None
    entity: Entity | None
    person: str | None = None  # a colleague named in the question ("王强今年赢了多少单")

    def owner_filters(self, field: str) -> list[str]:
        """The records of the person asked about: the named colleague, else the asker when
        the question says "my"/"我的", else everyone the asker may read."""
        if self.person:
            return [f"{field}:eq:{self.person}"]
        return [f"{field}:eq:{self.me}"] if self.mine else []


Query = dict[str, Any]
Parser = Callable[[Asked], Query | None]
"""The structured query of a question of its type, or None when it is not one."""


def build_query(planner: Lookups, plan: Plan) -> Query:
    text, lang = plan.text, plan.lang
    me = planner.principal.user_id or ""
    colleague = next(
        (e.record_id for e in plan.entities if e.object_type == "user" and e.record_id),
        None,
    )
    asked = Asked(
        planner=planner,
        text=text,
        lang=lang,
        low=text.lower(),
        me=me,
        mine=bool(MINE.search(text)) or colleague == me,
        period=next(
            (
                t
                for t in plan.times
                if t.kind in ("month", "quarter", "year", "week", "range", "day", "deadline")
            ),
            None,
        ),
        entity=next((e for e in plan.entities if e.record_id and e.object_type != "user"), None),
        person=colleague if colleague != me else None,
    )
    from kith.language.questions.more import FIRST

    for parser in (*FIRST, *PARSERS):
        query = parser(asked)
        if query is not None:
            return query
    raise AssertionError("the search parser answers every question")  # pragma: no cover


def _churn_risk(a: Asked) -> Query | None:
    if not re.search(r"流失|churn|at risk|最可能走|不续约", a.text, re.I):
        return None
    filters = a.owner_filters("owner_id")
    return {
        "kind": "churn_risk",
        "object_type": "account",
        "filters": filters,
        "aggregate": None,
        "group_by": None,
        "sort": None,
        "limit": 10,
        "factors": [
            "days_since_last_inbound",
            "open_tickets",
            "escalated_tickets",
            "lost_deals_180d",
            "negative_words_90d",
        ],
    }


def _stuck_deals(a: Asked) -> Query | None:
    if not re.search(
        r"卡在|停留|stuck|stalled|停滞|沉睡|sitting in|same stage|haven't moved|not moved",
        a.text,
        re.I,
    ):
        return None
    from kith.language.timeparse import cn_number

    m = re.search(
        r"(?:超过|多于|大于|more than|over|longer than)\s*"
        r"(\d+|[一二三四五六七八九十]+)\s*(?:天|days?)",
        a.text,
        re.I,
    )
    days = (cn_number(m.group(1)) if m else None) or 14
    stage_ids = _stage_ids(a.planner, a.text, a.lang)
    if m is None and stage_ids:
        days = 0  # "卡在方案演示阶段的商机": every open deal now in that stage
    filters = [
        "status:eq:open",
        f"stage_entered_at:lt:{iso(a.planner.now - timedelta(days=days))}",
    ]
    if stage_ids:
        filters.append(f"stage_id:in:{','.join(stage_ids)}")
    filters += a.owner_filters("owner_id")
    return {
        "kind": "stuck_deals",
        "object_type": "deal",
        "filters": filters,
        "aggregate": None,
        "group_by": None,
        "sort": "stage_entered_at",
        "limit": 50,
        "min_days": days,
    }


def _tickets(a: Asked) -> Query | None:
    if not re.search(r"工单|ticket", a.low):
        return None
    text, entity, period = a.text, a.entity, a.period
    filters: list[str] = []
    overdue = re.search(r"逾期|超期|过期|超时|overdue|past due|late\b", text, re.I)
    resolved = re.search(r"(?<!未)(?<!没)解决了|已解决|关闭了|\bresolved\b|\bclosed\b", text, re.I)
    if overdue or re.search(r"未解决|没解决|打开|处理中|open|unresolved|pending", text, re.I):
        filters.append(f"status:in:{OPEN_TICKET}")
    if overdue:
        filters.append(f"resolution_due_at:lt:{iso(a.planner.now)}")
    plain = text.replace(entity.mention, " ") if entity is not None else text
    filters += ticket_filters(plain)
    if re.search(r"升级|escalated", text, re.I):
        filters.append("escalated:eq:true")
    if re.search(r"紧急|urgent", text, re.I):
        filters.append("priority:eq:urgent")
    filters += a.owner_filters("assignee_id")
    if entity is not None and entity.object_type in ("account", "contact"):
        filters.append(f"{entity.object_type}_id:eq:{entity.record_id}")
    if period is not None:
        filters += _between("resolved_at" if resolved else "created_at", period)
    counting = _counting(text)
    return {
        "kind": "tickets",
        "object_type": "ticket",
        "filters": filters,
        "aggregate": {"op": "count", "field": "id"} if counting else None,
        "group_by": "priority" if counting else None,
        "sort": "-created_at",
        "limit": 50,
    }


def _tasks(a: Asked) -> Query | None:
    if not re.search(r"待办|任务|tasks?\b|to-?dos?", a.text, re.I):
        return None
    filters = ["kind:eq:task", "status:eq:open"]
    # tasks asked about are the asker's unless a colleague is named, or everyone's the
    # asker may read when the question says so ("in total", "我们", "team")
    everyone = re.search(
        r"一共|总共|所有|全部|我们|团队|大家|in total|\ball\b|\bour\b|\bwe\b|team|everyone"
        r"|are there|\bwhich\b",
        a.text,
        re.I,
    )
    if a.person or a.mine or not everyone:
        filters.append(f"assignee_id:eq:{a.person or a.me}")
    if re.search(r"逾期|过期|超期|overdue|late", a.text, re.I):
        filters.append(f"due_at:lt:{iso(a.planner.now)}")
    elif a.period is not None:
        filters += _between("due_at", a.period)
    return {
        "kind": "tasks",
        "object_type": "activity",
        "filters": filters,
        "aggregate": {"op": "count", "field": "id"} if _counting(a.text) else None,
        "group_by": None,
        "sort": "due_at",
        "limit": 50,
    }


def _contacts(a: Asked) -> Query | None:
    entity = a.entity
    if not (
        entity is not None
        and entity.object_type == "account"
        and re.search(r"联系人|\bcontacts?\b|\bpeople\b|\bwho works\b", a.text, re.I)
    ):
        return None
    return {
        "kind": "contacts",
        "object_type": "contact",
        "filters": [f"account_id:eq:{entity.record_id}"],
        "aggregate": None,
        "group_by": None,
        "sort": "name",
        "limit": 100,
    }


def _interactions(a: Asked) -> Query | None:
    entity = a.entity
    if not (
        entity is not None
        and entity.object_type == "contact"
        and re.search(
            r"说了什么|聊了什么|最近.*(?:互动|沟通|消息)|said|talk|interactions?|messages?"
            r"|last contact",
            a.text,
            re.I,
        )
    ):
        return None
    return {
        "kind": "interactions",
        "object_type": "interaction",
        "filters": [f"contact_id:eq:{entity.record_id}"],
        "aggregate": None,
        "group_by": None,
        "sort": "-occurred_at",
        "limit": 10,
    }


def _deals(a: Asked) -> Query | None:
    text, entity, period, planner = a.text, a.entity, a.period, a.planner
    if not re.search(
        r"商机|赢单|赢了|输单|输了|丢了|丢单|成交|销售额|业绩|金额|管道|漏斗|单子|几单|签了|签单"
        r"|deals?|\bwon\b|\bwin\b|\blost\b|\blose\b"
        r"|revenue|pipeline|sales|opportunit",
        text,
        re.I,
    ):
        return None
    filters: list[str] = []
    closing = re.search(
        r"预计.{0,3}(?:成交|签|关|结)|将要成交|即将成交|要成交|expected\s+to\s+close|closing"
        r"|close\s+(?:this|next|in|by|before)|due\s+to\s+close|set\s+to\s+close",
        text,
        re.I,
    )
    won = not closing and re.search(
        r"赢单|赢了|赢下|拿下|成交|签下|签了|签单|销售额|业绩|中标|\bwon\b|\bwin|revenue"
        r"|closed(?!\s+lost)",
        text,
        re.I,
    )
    lost = re.search(r"输单|输了|丢单|丢了|未中标|\blost\b|\blose\b", text, re.I)
    time_field = "created_at"
    if won and not lost:
        filters.append("status:eq:won")
        time_field = "closed_at"
    elif lost:
        filters.append("status:eq:lost")
        time_field = "closed_at"
    elif closing:
        filters.append("status:eq:open")
        time_field = "expected_close"
    elif re.search(r"进行中|在跟|未关闭|open|pipeline|管道|漏斗|active", text, re.I):
        filters.append("status:eq:open")
    if period is not None:
        filters += _between(time_field, period, planner.now)
    filters += amount_filters(text) + source_filters(text)
    if CNY_ONLY.search(text):
        filters.append("currency:eq:CNY")
    owners = _region_owners(planner, text)
    if owners is not None:
        filters.append(f"owner_id:in:{','.join(owners) or 'none'}")
    filters += a.owner_filters("owner_id")
    if entity is not None and entity.object_type == "account":
        filters.append(f"account_id:eq:{entity.record_id}")
    top = re.search(r"(?:前|top\s*)(\d+)", text, re.I)
    if top or re.search(r"最大|biggest|largest", text, re.I):
        return {
            "kind": "deals",
            "object_type": "deal",
            "filters": filters,
            "aggregate": None,
            "group_by": None,
            "sort": "-amount",
            "limit": int(top.group(1)) if top else 5,
        }
    by_stage = re.search(
        r"各阶段|每个阶段|按阶段|by stage|per stage|管道|漏斗|pipeline", text, re.I
    )
    summing = re.search(
        r"金额|总额|多少钱|销售额|业绩|revenue|amount|value|worth|how much", text, re.I
    )
    counting = _counting(text) and not summing
    if LISTING.search(text) and not counting and not summing and not by_stage:
        return {  # "which deals did we lose this year?": the deals, not a total
            "kind": "deals",
            "object_type": "deal",
            "filters": filters,
            "aggregate": None,
            "group_by": None,
            "sort": "-amount",
            "limit": 100,
        }
    agg = {"op": "count", "field": "id"} if counting else {"op": "sum", "field": "amount"}
    return {
        "kind": "deals",
        "object_type": "deal",
        "filters": filters,
        "aggregate": agg,
        "group_by": "stage_id" if by_stage else "owner_id",
        "sort": None,
        "limit": MAX_ROWS,
        "region": _region(text),
    }


_COUNTABLE = (
    ("lead", r"线索|\bleads?\b"),
    ("contact", r"联系人|\bcontacts?\b"),
    ("account", r"客户|公司|\baccounts?\b|\bcustomers?\b|\bcompanies\b"),
)


def _record_counts(a: Asked) -> Query | None:
    """ "一共有多少个线索", "How many contacts do I own?": a true count, by owner."""
    if not _counting(a.text):
        return None
    object_type = next((o for o, words in _COUNTABLE if re.search(words, a.text, re.I)), None)
    if object_type is None:
        return None
    filters = a.owner_filters("owner_id") + source_filters(a.text)
    if object_type == "account" and (industry := first_value(a.text, INDUSTRIES)):
        filters.append(f"industry:eq:{industry}")
    if a.period is not None:
        filters += _between("created_at", a.period)
    return {
        "kind": "count",
        "object_type": object_type,
        "filters": filters,
        "aggregate": {"op": "count", "field": "id"},
        "group_by": "owner_id",
        "sort": None,
        "limit": MAX_ROWS,
    }


def _record(a: Asked) -> Query | None:
    entity = a.entity
    if entity is None:
        return None
    return {
        "kind": "record",
        "object_type": entity.object_type,
        "filters": [f"id:eq:{entity.record_id}"],
        "aggregate": None,
        "group_by": None,
        "sort": None,
        "limit": 1,
    }


def _search(a: Asked) -> Query | None:
    words = re.sub(
        r"[?？。,，]|哪些|哪个|什么|是谁|谁|查一下|查询|列出|显示|看看|which|what|who|show|list|find|me|the|are|is",
        " ",
        a.text,
        flags=re.I,
    )
    return {
        "kind": "search",
        "object_type": "contact",
        "filters": [],
        "aggregate": None,
        "group_by": None,
        "sort": None,
        "limit": 20,
        "q": " ".join(words.split())[:100] or None,
    }


PARSERS: tuple[Parser, ...] = (
    _churn_risk,
    _stuck_deals,
    _tickets,
    _tasks,
    _contacts,
    _interactions,
    _deals,
    _record_counts,
    _record,
    _search,
)


def _region(text: str) -> str | None:
    for word, region in REGIONS_ZH.items():
        if word in text.lower():
            return region
    return None


def _region_owners(planner: Lookups, text: str) -> list[str] | None:
    """华东区 → the members and manager of the team whose name starts with 华东."""
    region = _region(text)
    if region is None:
        return None
    teams = planner.session.scalars(
        select(Team).where(
            Team.tenant_id == planner.principal.tenant_id, Team.name.startswith(region)
        )
    ).all()
    owners: set[str] = set()
    for team in teams:
        owners.update(
            planner.session.scalars(select(TeamMember.user_id).where(TeamMember.team_id == team.id))
        )
    return sorted(owners)


def _stage_ids(planner: Lookups, text: str, lang: str) -> list[str]:
    from kith.crm import models as crm

    wanted: set[str] = set()
    for alias, names in {**STAGE_ALIASES_EN, **STAGE_ALIASES_ZH}.items():
        if re.search(rf"(?<![A-Za-z]){re.escape(alias)}(?![A-Za-z])", text, re.I):
            wanted.update(names)
    stages = planner.session.scalars(
        select(crm.PipelineStage).where(crm.PipelineStage.tenant_id == planner.principal.tenant_id)
    ).all()
    for s in stages:
        if s.name in text:
            wanted.add(s.name)
    return sorted(s.id for s in stages if s.name in wanted)


def _counting(text: str) -> bool:
    return bool(
        re.search(
            r"多少(?:个|笔|单|条|位|家|次)?|几(?:个|笔|单|条|位|家|次|封|台)"
            r"|how many|number of|\bcount\b",
            text,
            re.I,
        )
    )


def _between(field: str, period: TimeMention, now: datetime | None = None) -> list[str]:
    """The period on the field the question is about; a date field compares local dates."""
    end = period.end if now is None else min(period.end, now + timedelta(days=3650))
    if field == "expected_close":
        return [
            f"{field}:gte:{period.start.date().isoformat()}",
            f"{field}:lt:{end.date().isoformat()}",
        ]
    return [f"{field}:gte:{iso(period.start)}", f"{field}:lt:{iso(end)}"]


def amount_filters(text: str) -> list[str]:
    """ "超过50万", "over 500k", "100万以上", "under $20,000": amount bounds. A bare number
    counts only with a money unit or when it is at least 1,000 (not "超过14天")."""
    out: list[str] = []
    for m in _AMOUNT.finditer(text):
        side = (m.group("before") or m.group("after") or "").lower().split()
        if not side:
            continue
        unit = (m.group("unit") or "").lower()
        money = unit or m.group("cur") or m.group("yuan")
        value = Decimal(m.group("num").replace(",", "")) * _MONEY_UNITS.get(unit, 1)
        if not money and value < 1000:
            continue
        tail = text[m.end() : m.end() + 2]
        if re.match(r"\s*(?:天|日|小时|个|次|%|days?|hours?)", tail, re.I):
            continue
        op = "gt" if side[0] in _MORE else "lt"
        if side[0] in _INCLUSIVE:
            op += "e"
        out.append(f"amount:{op}:{value.normalize():f}")
    return out
