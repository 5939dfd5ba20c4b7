"""Structured query → answer: a sentence, a table, a chart spec and the query itself.

The query runs through ``RecordService.list_page``, so row scoping, hidden fields
and audit apply exactly as for the user's own list views.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from kith.core.clock import as_utc
from kith.core.errors import KithError
from kith.crm.query import build_list_query
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.language.lexicon import STAGE_LABELS_EN
from kith.language.lookups import Lookups
from kith.language.plan import Plan
from kith.language.questions.parse import MAX_ROWS, OPEN_TICKET, iso


def _dt(value: Any) -> datetime:
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def _rows(records: RecordService, query: dict[str, Any]) -> list[dict[str, Any]]:
    spec = SPECS[query["object_type"]]
    custom = {n: d.type for n, d in records.repo.custom_fields(spec.name).items()}
    out: list[dict[str, Any]] = []
    cursor = None
    limit = min(int(query.get("limit") or 50), MAX_ROWS)
    while len(out) < limit:
        lq = build_list_query(
            spec,
            filters=list(query["filters"]),
            sort=query.get("sort"),
            cursor=cursor,
            limit=min(200, limit - len(out)),
            q=query.get("q"),
            custom_fields=custom,
        )
        page = records.list_page(spec.name, lq)
        out += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    return out


def answer(records: RecordService, planner: Lookups, plan: Plan) -> dict[str, Any]:
    query = plan.query or {}
    zh = plan.lang == "zh"
    kind = query.get("kind")
    names = _names(planner)
    try:
        if kind == "churn_risk":
            return _churn(records, planner, query, zh)
        if kind in ("win_rate", "weighted_pipeline", "average", "top_accounts"):
            return {**_metric(records, query, zh, names, planner.tz), "query": query}
        if query.get("aggregate"):
            return _aggregate_answer(records, query, zh, names, planner.tz)
        rows = _rows(records, query)
    except KithError as exc:
        return {"sentence": exc.detail, "columns": [], "rows": [], "chart": None, "query": query}
    if kind == "stuck_deals":
        now = planner.now
        table = []
        for r in rows:
            entered = _dt(r["stage_entered_at"]) if r.get("stage_entered_at") else now
            table.append(
                [
                    r["name"],
                    names.get(r.get("stage_id") or "", ""),
                    (now - entered).days,
                    names.get(r.get("owner_id") or "", ""),
                    r.get("amount"),
                ]
            )
        table.sort(key=lambda x: -int(x[2]))
        sentence = (
            f"有 {len(table)} 个进行中的商机在该阶段停留超过 {query['min_days']} 天。"
            if zh
            else f"{len(table)} open deals have been in that stage for more than "
            f"{query['min_days']} days."
        )
        cols = (
            ["商机", "阶段", "停留天数", "负责人", "金额"]
            if zh
            else ["deal", "stage", "days_in_stage", "owner", "amount"]
        )
        chart = {"type": "bar", "x": cols[0], "y": cols[2]} if table else None
        return {
            "sentence": sentence,
            "columns": cols,
            "rows": table,
            "chart": chart,
            "query": query,
        }
    spec = SPECS[query["object_type"]]
    fields = {
        "deal": ["name", "status", "amount", "owner_id"],
        "ticket": ["number", "subject", "priority", "status", "assignee_id"],
        "activity": ["subject", "due_at", "status"],
        "interaction": ["occurred_at", "channel", "direction", "text"],
        "contact": ["name", "title", "account_id", "city"],
        "account": ["name", "industry", "city", "tier"],
        "lead": ["name", "company", "status", "source"],
        "order": ["number", "total", "currency", "status"],
    }.get(spec.name, ["id", spec.title_field])
    table = [[_cell(r.get(f), names) for f in fields] for r in rows]
    noun = spec.plural
    sentence = f"找到 {len(table)} 条记录。" if zh else f"Found {len(table)} {noun}."
    return {"sentence": sentence, "columns": fields, "rows": table, "chart": None, "query": query}


def _metric(
    records: RecordService, query: dict[str, Any], zh: bool, names: dict[str, str], tz: str
) -> dict[str, Any]:
    from kith.language.questions import metrics

    conditions = _conditions(query["filters"], zh, names, tz)
    kind = query["kind"]
    if kind == "win_rate":
        return metrics.win_rate(records, query, zh, conditions)
    if kind == "weighted_pipeline":
        return metrics.weighted(records, query, zh, conditions)
    if kind == "average":
        return metrics.average(records, query, zh, conditions)
    return metrics.top_accounts(records, query, zh, conditions, names)


def _aggregate_answer(
    records: RecordService, query: dict[str, Any], zh: bool, names: dict[str, str], tz: str
) -> dict[str, Any]:
    """Count or sum over every matching record the asker may read (one aggregate query,
    never a page), per group; sums stay per currency, and the conditions are said."""
    spec = SPECS[query["object_type"]]
    agg = query["aggregate"]
    measure = agg["field"] if agg["op"] == "sum" else None
    group = query.get("group_by")
    by_currency = measure is not None and "currency" in spec.columns
    keys = tuple(k for k in (group, "currency" if by_currency else None) if k)
    custom = {n: d.type for n, d in records.repo.custom_fields(spec.name).items()}
    parsed = build_list_query(
        spec,
        filters=list(query["filters"]),
        sort=None,
        cursor=None,
        limit=1,
        q=query.get("q"),
        custom_fields=custom,
    )
    groups = records.aggregate(spec.name, parsed, measure=measure, group_by=keys)
    count = sum(g.count for g in groups)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for g in groups:
        if g.total is not None:
            totals[str(g.key.get("currency") or "")] += g.total
    label = _labeller(group, names, zh)
    groups.sort(key=lambda g: -(g.total if g.total is not None else g.count))
    what = _measure_label(agg["op"], zh)
    one_currency = next(iter(totals)) if len(totals) == 1 else None
    if one_currency is not None:  # a plain number the chart can draw, the currency in the header
        what += f" ({_CURRENCY_SIGNS.get(one_currency, one_currency)})"
    rows: list[list[Any]] = []
    for g in groups:
        key = label(g.key.get(group)) if group else ("合计" if zh else "total")
        value: Any = g.count
        if g.total is not None:
            value = float(g.total) if one_currency else money(g.total, g.key.get("currency"))
        rows.append([key, value] if not by_currency else [key, value, g.count])
    columns = [_group_label(group, zh), what] + (["数量" if zh else "count"] if by_currency else [])
    conditions = _conditions(query["filters"], zh, names, tz)
    sentence = _aggregate_sentence(spec, count, totals, zh) + conditions
    drawable = len(rows) > 1 and (not by_currency or one_currency is not None)
    chart = {"type": "bar", "x": columns[0], "y": columns[1]} if drawable else None
    return {
        "sentence": sentence,
        "columns": columns,
        "rows": rows,
        "chart": chart,
        "query": query,
        "count": count,
        "totals": {cur or "": str(v) for cur, v in totals.items()},
    }


_CURRENCY_SIGNS = {"CNY": "¥", "USD": "US$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}
_PRIORITY = {
    "urgent": ("紧急", "Urgent"),
    "high": ("高", "High"),
    "normal": ("普通", "Normal"),
    "medium": ("中", "Medium"),
    "low": ("低", "Low"),
}
_GROUPS = {
    "owner_id": ("负责人", "owner"),
    "assignee_id": ("处理人", "assignee"),
    "stage_id": ("阶段", "stage"),
    "priority": ("优先级", "priority"),
}
_FIELDS = {
    "owner_id": ("负责人", "owner"),
    "assignee_id": ("处理人", "assignee"),
    "status": ("状态", "status"),
    "stage_id": ("阶段", "stage"),
    "amount": ("金额", "amount"),
    "closed_at": ("关闭时间", "closed"),
    "created_at": ("创建时间", "created"),
    "expected_close": ("预计成交日期", "expected close"),
    "priority": ("优先级", "priority"),
    "escalated": ("已升级", "escalated"),
    "account_id": ("客户", "account"),
    "contact_id": ("联系人", "contact"),
}
_OPS = {
    "eq": "=",
    "in": "∈",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
}
_VALUES = {
    "won": ("赢单", "won"),
    "lost": ("输单", "lost"),
    "open": ("进行中", "open"),
    "new": ("新建", "new"),
    "pending": ("等待中", "pending"),
    "true": ("是", "yes"),
}


def money(amount: Decimal, currency: str | None) -> str:
    sign = _CURRENCY_SIGNS.get(currency or "CNY", f"{currency} ")
    return f"{sign}{amount:,.2f}"


def _measure_label(op: str, zh: bool) -> str:
    if op == "sum":
        return "金额合计" if zh else "total amount"
    return "数量" if zh else "count"


def _group_label(group: str | None, zh: bool) -> str:
    zh_label, en_label = _GROUPS.get(group or "", ("分组", "group"))
    return zh_label if zh else en_label


def _labeller(group: str | None, names: dict[str, str], zh: bool) -> Any:
    def label(value: Any) -> str:
        if value is None:
            return "（未分配）" if zh else "(unassigned)"
        if group == "priority" and value in _PRIORITY:
            return _PRIORITY[value][0 if zh else 1]
        name = names.get(str(value), str(value))
        return name if zh or group != "stage_id" else STAGE_LABELS_EN.get(name, name)

    return label


def _aggregate_sentence(spec: Any, count: int, totals: dict[str, Decimal], zh: bool) -> str:
    noun = (spec.label_zh or spec.plural) if zh else (spec.name if count == 1 else spec.plural)
    if not totals:
        return f"共 {count} 个{noun}。" if zh else f"{count} {noun}."
    sums = [money(v, cur) for cur, v in sorted(totals.items())]
    if zh:
        joined = "；".join(sums) + ("（不同币种分别合计）" if len(sums) > 1 else "")
        return f"共 {count} 个{noun}，金额合计 {joined}。"
    joined = "; ".join(sums) + (" (each currency summed separately)" if len(sums) > 1 else "")
    return f"{count} {noun}; total amount {joined}."


def _local_day(value: str, tz: str) -> str:
    """A UTC instant of a filter as the asker's calendar day (periods start at local midnight)."""
    try:
        return _dt(value).astimezone(ZoneInfo(tz)).date().isoformat()
    except ValueError:
        return value[:10]


def _conditions(filters: list[str], zh: bool, names: dict[str, str], tz: str) -> str:
    """The filters in words, so that the asker sees what was counted."""
    said: list[str] = []
    for text in filters:
        field, op, value = [*text.split(":", 2), "", ""][:3]
        if field not in _FIELDS:
            continue
        label = _FIELDS[field][0 if zh else 1]
        shown = ", ".join(
            _VALUES.get(v, (names.get(v, v), names.get(v, v)))[0 if zh else 1]
            for v in value.split(",")
        )
        if field in ("closed_at", "created_at"):
            shown = _local_day(value, tz)
        said.append(f"{label} {_OPS.get(op, op)} {shown}")
    if not said:
        return ""
    return ("（条件：" + "；".join(said) + "）") if zh else (" (where " + "; ".join(said) + ")")


def _cell(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, str) and len(value) > 120:
        return value[:117] + "…"
    return value


def _names(planner: Lookups) -> dict[str, str]:
    from kith.crm import models as crm

    out = {e.record_id: e.display for e in planner.gaz.entries}
    for s in planner.session.scalars(
        select(crm.PipelineStage).where(crm.PipelineStage.tenant_id == planner.principal.tenant_id)
    ):
        out[s.id] = s.name
    return out


_NEGATIVE = (
    "投诉",
    "不满",
    "延迟",
    "退款",
    "取消",
    "失望",
    "严重",
    "问题",
    "complain",
    "delay",
    "cancel",
    "refund",
    "disappointed",
)


def _churn(
    records: RecordService, planner: Lookups, query: dict[str, Any], zh: bool
) -> dict[str, Any]:
    """A transparent risk score per account (the factors are the columns), until the
    intelligence context's churn model is available."""
    accounts = _rows(records, {**query, "limit": 500})
    now = planner.now
    table = []
    for acc in accounts:
        aid = acc["id"]
        inter = _rows(
            records,
            {
                "object_type": "interaction",
                "filters": [
                    f"account_id:eq:{aid}",
                    f"occurred_at:gte:{iso(now - timedelta(days=180))}",
                ],
                "sort": "-occurred_at",
                "limit": 200,
            },
        )
        inbound = [
            i
            for i in inter
            if i.get("direction") == "inbound" and i.get("channel") not in ("iot", "web")
        ]
        last = _dt(inbound[0]["occurred_at"]) if inbound else None
        silent = (now - last).days if last else 180
        negative = sum(
            1
            for i in inbound
            if _dt(i["occurred_at"]) > now - timedelta(days=90)
            and any(w in (i.get("text") or "").lower() for w in _NEGATIVE)
        )
        tickets = _rows(
            records,
            {
                "object_type": "ticket",
                "filters": [f"account_id:eq:{aid}", f"status:in:{OPEN_TICKET}"],
                "limit": 100,
            },
        )
        escalated = sum(1 for t in tickets if t.get("escalated"))
        lost = _rows(
            records,
            {
                "object_type": "deal",
                "filters": [
                    f"account_id:eq:{aid}",
                    "status:eq:lost",
                    f"closed_at:gte:{iso(now - timedelta(days=180))}",
                ],
                "limit": 100,
            },
        )
        score = (
            min(silent, 180) / 180 * 35
            + min(len(tickets), 5) * 5
            + escalated * 10
            + min(len(lost), 3) * 8
            + min(negative, 5) * 4
        )
        table.append(
            [
                acc["name"],
                round(min(score, 100.0), 1),
                silent,
                len(tickets),
                escalated,
                len(lost),
                negative,
            ]
        )
    table.sort(key=lambda r: -float(r[1]))
    table = table[: int(query.get("limit") or 10)]
    cols = (
        [
            "客户",
            "流失风险分",
            "距上次客户来信天数",
            "未解决工单",
            "已升级工单",
            "近180天输单",
            "近90天负面消息",
        ]
        if zh
        else [
            "account",
            "risk_score",
            "days_since_last_inbound",
            "open_tickets",
            "escalated_tickets",
            "lost_deals_180d",
            "negative_messages_90d",
        ]
    )
    if table:
        sentence = (
            f"流失风险最高的是 {table[0][0]}（{table[0][1]} 分）。分数由右侧各因素加权得出。"
            if zh
            else f"Most at risk: {table[0][0]} (score {table[0][1]}); "
            "the score weighs the factors shown."
        )
    else:
        sentence = "没有可评估的客户。" if zh else "No accounts to assess."
    return {
        "sentence": sentence,
        "columns": cols,
        "rows": table,
        "chart": {"type": "bar", "x": cols[0], "y": cols[1]} if table else None,
        "query": query,
    }
