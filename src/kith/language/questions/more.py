"""Question types tried before the general ones of ``parse.PARSERS``: deal metrics (win
rate, weighted pipeline, average, the top customer), orders, meetings, counts of
interactions, and lists of accounts, contacts and leads by what they are."""

from __future__ import annotations

import re

from kith.language.questions.parse import (
    MAX_ROWS,
    Asked,
    Query,
    _between,
    _counting,
    _deals,
    _stage_ids,
)
from kith.language.questions.vocab import (
    CHANNELS,
    INBOUND,
    INDUSTRIES,
    LISTING,
    OUTBOUND,
    first_value,
    source_filters,
)

_WIN_RATE = re.compile(r"赢单率|赢率|胜率|成交率|转化率|win[- ]?rate|win ratio|close rate", re.I)
_WEIGHTED = re.compile(r"加权|weighted|(?:amount|金额)\s*[x×*]\s*(?:probability|概率)", re.I)
_TOP_ACCOUNT = re.compile(
    r"(?:最高|最多|最大|第一)的?(?:是)?(?:哪家|哪个)?(?:客户|公司)"
    r"|(?:哪家|哪个|哪位)(?:客户|公司)[^？?]{0,10}(?:最高|最多|最大)"
    r"|(?:top|biggest|largest|best)\s+(?:\d+\s+)?(?:customers?|accounts?|clients?)"
    r"|(?:customers?|accounts?|clients?)\b.{0,30}\b(?:the )?(?:most|highest|largest)",
    re.I,
)


def _query(kind: str, object_type: str, filters: list[str], **more: object) -> Query:
    out: Query = {
        "kind": kind,
        "object_type": object_type,
        "filters": filters,
        "aggregate": None,
        "group_by": None,
        "sort": None,
        "limit": MAX_ROWS,
    }
    out.update(more)
    return out


def _deal_metrics(a: Asked) -> Query | None:
    text = a.text
    if _WIN_RATE.search(text):
        filters = ["status:in:won,lost", *a.owner_filters("owner_id")]
        if a.period is not None:
            filters += _between("closed_at", a.period, a.planner.now)
        return _query("win_rate", "deal", filters)
    base = (
        _deals(a) if re.search(r"商机|单|deal|pipeline|管道|漏斗|成交|赢|won", text, re.I) else None
    )
    if _WEIGHTED.search(text):
        filters = (base or {}).get("filters") or []
        if not any(f.startswith("status:") for f in filters):
            filters = ["status:eq:open", *filters]
        return _query("weighted_pipeline", "deal", filters)
    if base is None:
        return None
    if re.search(r"平均|均值|average|\bavg\b|\bmean\b", text, re.I):
        return _query(
            "average", "deal", base["filters"], aggregate={"op": "avg", "field": "amount"}
        )
    if _TOP_ACCOUNT.search(text):
        top = re.search(r"(?:前|top\s*)(\d+)", text, re.I)
        filters = base["filters"]
        if not any(f.startswith("status:") for f in filters):
            filters = ["status:eq:won", *filters]
        return _query("top_accounts", "deal", filters, limit=int(top.group(1)) if top else 1)
    return None


def _orders(a: Asked) -> Query | None:
    if not re.search(r"订单|\borders?\b|purchases?", a.text, re.I):
        return None
    filters: list[str] = []
    if a.entity is not None and a.entity.object_type in ("account", "contact"):
        filters.append(f"{a.entity.object_type}_id:eq:{a.entity.record_id}")
    filters += a.owner_filters("owner_id")
    if a.period is not None:
        filters += _between("ordered_at", a.period)
    summing = re.search(r"金额|多少钱|总额|total|amount|value|worth|how much", a.text, re.I)
    if summing or _counting(a.text):
        agg = {"op": "sum", "field": "total"} if summing else {"op": "count", "field": "id"}
        return _query("orders", "order", filters, aggregate=agg)
    return _query("orders", "order", filters, sort="-ordered_at", limit=50)


def _meetings(a: Asked) -> Query | None:
    if not re.search(r"会议|会面|见面|拜访|meetings?|visits?\b", a.text, re.I):
        return None
    if not (_counting(a.text) or LISTING.search(a.text)):
        return None
    filters = ["kind:eq:meeting", *a.owner_filters("owner_id")]
    if a.entity is not None and a.entity.object_type in ("account", "contact", "deal"):
        filters.append(f"{a.entity.object_type}_id:eq:{a.entity.record_id}")
    if a.period is not None:
        filters += _between("starts_at", a.period)
    if _counting(a.text):
        return _query("meetings", "activity", filters, aggregate={"op": "count", "field": "id"})
    return _query("meetings", "activity", filters, sort="starts_at", limit=100)


def _interaction_counts(a: Asked) -> Query | None:
    """ "张建国最近一周给我们发了几条消息", "How many inbound emails did we get this month?" """
    if not _counting(a.text):
        return None
    channel = first_value(a.text, CHANNELS)
    if not (channel or re.search(r"消息|互动|沟通|messages?|interactions?", a.text, re.I)):
        return None
    if re.search(r"工单|ticket|商机|deal|线索|lead|订单|order|任务|task", a.text, re.I):
        return None
    filters: list[str] = []
    if channel is not None and not re.search(r"消息|messages?", a.text, re.I):
        filters.append(f"channel:eq:{channel}")
    if OUTBOUND.search(a.text):
        filters.append("direction:eq:outbound")
    elif INBOUND.search(a.text):
        filters.append("direction:eq:inbound")
    if a.entity is not None and a.entity.object_type in ("account", "contact", "deal"):
        filters.append(f"{a.entity.object_type}_id:eq:{a.entity.record_id}")
    if a.period is not None:
        filters += _between("occurred_at", a.period)
    return _query("interactions", "interaction", filters, aggregate={"op": "count", "field": "id"})


def _accounts(a: Asked) -> Query | None:
    """ "物流行业的客户都有哪些", "which hospitals are our customers?" """
    industry = first_value(a.text, INDUSTRIES)
    if industry is None or not LISTING.search(a.text) or _counting(a.text):
        return None
    if a.entity is not None or re.search(r"商机|deal|工单|ticket|线索|lead", a.text, re.I):
        return None
    filters = [f"industry:eq:{industry}", *a.owner_filters("owner_id")]
    return _query("accounts", "account", filters, sort="name", limit=100)


def _contacts(a: Asked) -> Query | None:
    """ "上海的车主都有谁", "car owners in Harbin": contacts by role and city."""
    if not re.search(r"车主|car owners?|联系人|contacts?", a.text, re.I):
        return None
    if a.entity is not None:
        return None
    filters: list[str] = []
    if re.search(r"车主|car owners?", a.text, re.I):
        filters.append("title:eq:车主")
    city = _city(a)
    if city:
        filters.append(f"city:eq:{city}")
    if not filters:
        return None
    if _counting(a.text):
        return _query("contacts", "contact", filters, aggregate={"op": "count", "field": "id"})
    return _query("contacts", "contact", filters, sort="name", limit=100)


def _city(a: Asked) -> str | None:
    from sqlalchemy import distinct, select

    from kith.crm import models as crm

    cities = a.planner.session.scalars(
        select(distinct(crm.Contact.city)).where(
            crm.Contact.tenant_id == a.planner.principal.tenant_id, crm.Contact.city.is_not(None)
        )
    )
    return next((c for c in cities if c and c in a.text), None)


def _leads(a: Asked) -> Query | None:
    if not re.search(r"线索|\bleads?\b", a.text, re.I):
        return None
    filters = source_filters(a.text) + a.owner_filters("owner_id")
    for pattern, status in (
        (r"已确认|合格|qualified", "qualified"),
        (r"新线索|新的线索|\bnew leads?\b", "new"),
    ):
        if re.search(pattern, a.text, re.I):
            filters.append(f"status:eq:{status}")
    if industry := first_value(a.text, INDUSTRIES):
        filters.append(f"industry:eq:{industry}")
    if a.period is not None:
        filters += _between("created_at", a.period)
    if _counting(a.text):
        return _query("leads", "lead", filters, aggregate={"op": "count", "field": "id"})
    return _query("leads", "lead", filters, sort="-created_at", limit=100)


def _stage_deals(a: Asked) -> Query | None:
    """ "试驾评估阶段的是哪个单子": the open deals now in a stage."""
    if not (LISTING.search(a.text) and re.search(r"阶段|stage", a.text, re.I)):
        return None
    if re.search(r"停留|超过|more than|over \d|longer|days|天", a.text, re.I):
        return None  # how long a deal has sat in a stage: parse._stuck_deals
    if _counting(a.text):
        return None
    stage_ids = _stage_ids(a.planner, a.text, a.lang)
    if not stage_ids:
        return None
    filters = ["status:eq:open", f"stage_id:in:{','.join(stage_ids)}"]
    return _query("deals", "deal", filters + a.owner_filters("owner_id"), sort="-amount", limit=100)


FIRST = (
    _deal_metrics,
    _orders,
    _meetings,
    _interaction_counts,
    _accounts,
    _contacts,
    _leads,
    _stage_deals,
)
