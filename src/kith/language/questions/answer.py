"""Structured query → answer: a sentence, a table, a chart spec and the query itself.

The query runs through ``RecordService.list_page``, so row scoping, hidden fields
and audit apply exactly as for the user's own list views.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from kith.core.clock import as_utc
from kith.core.errors import KithError
from kith.crm.query import build_list_query
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
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
    try:
        if kind == "churn_risk":
            return _churn(records, planner, query, zh)
        rows = _rows(records, query)
    except KithError as exc:
        return {"sentence": exc.detail, "columns": [], "rows": [], "chart": None, "query": query}
    names = _names(planner)
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
    agg = query.get("aggregate")
    if kind == "deals" and agg:
        groups: dict[str, Decimal] = defaultdict(Decimal)
        total = Decimal(0)
        for r in rows:
            value = Decimal(1) if agg["op"] == "count" else Decimal(str(r.get("amount") or 0))
            total += value
            groups[names.get(r.get(query["group_by"]) or "", r.get(query["group_by"]) or "—")] += (
                value
            )
        table = [[k, str(v)] for k, v in sorted(groups.items(), key=lambda kv: -kv[1])]
        what = (
            ("金额合计" if agg["op"] == "sum" else "数量")
            if zh
            else ("total amount" if agg["op"] == "sum" else "count")
        )
        sentence = (
            f"共 {len(rows)} 个商机，{what} {total:,.2f}"
            + (" 元。" if agg["op"] == "sum" else "。")
            if zh
            else f"{len(rows)} deals; {what} {total:,.2f}"
            + (" CNY." if agg["op"] == "sum" else ".")
        )
        cols = (
            ["负责人" if query["group_by"] == "owner_id" else "阶段", what]
            if zh
            else ["owner" if query["group_by"] == "owner_id" else "stage", what]
        )
        chart = {"type": "bar", "x": cols[0], "y": cols[1]} if len(table) > 1 else None
        return {
            "sentence": sentence,
            "columns": cols,
            "rows": table,
            "chart": chart,
            "query": query,
        }
    if kind == "tickets" and agg:
        counts: dict[str, int] = defaultdict(int)
        for r in rows:
            counts[r.get("priority") or "—"] += 1
        table = [[k, v] for k, v in sorted(counts.items(), key=lambda kv: -kv[1])]
        sentence = f"共 {len(rows)} 个工单。" if zh else f"{len(rows)} tickets."
        cols = ["优先级", "数量"] if zh else ["priority", "count"]
        return {
            "sentence": sentence,
            "columns": cols,
            "rows": table,
            "chart": {"type": "bar", "x": cols[0], "y": cols[1]} if table else None,
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
    }.get(spec.name, ["id", spec.title_field])
    table = [[_cell(r.get(f), names) for f in fields] for r in rows]
    noun = spec.plural
    sentence = f"找到 {len(table)} 条记录。" if zh else f"Found {len(table)} {noun}."
    return {"sentence": sentence, "columns": fields, "rows": table, "chart": None, "query": query}


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
