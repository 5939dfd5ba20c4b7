"""Questions → structured queries → answers (sentence, table, chart spec, the query).

A question becomes a ``StructuredQuery``: one object type, ``field:op:value`` filters
(the same syntax as ``GET /api/v1/<objects>?filter=``), an optional aggregate and
grouping. It never becomes SQL text: it runs through ``RecordService.list_page``, so
row scoping, hidden fields and audit apply exactly as for the user's own list views,
and the query is returned with the answer so the user can check it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from kith.access.models import Team, TeamMember
from kith.core.clock import as_utc
from kith.core.errors import KithError
from kith.crm.query import build_list_query
from kith.crm.service import RecordService
from kith.crm.specs import SPECS
from kith.language.lexicon import STAGE_ALIASES_EN, STAGE_ALIASES_ZH
from kith.language.lookups import Lookups
from kith.language.plan import Plan

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


def _dt(value: Any) -> datetime:
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def _iso(dt: datetime) -> str:
    return as_utc(dt).isoformat().replace("+00:00", "Z")


def build_query(planner: Lookups, plan: Plan) -> dict[str, Any]:
    text, lang = plan.text, plan.lang
    low = text.lower()
    me = planner.principal.user_id or ""
    mine = bool(re.search(r"我的|我负责|\bmy\b|\bmine\b", text, re.I))
    period = next(
        (t for t in plan.times if t.kind in ("month", "quarter", "year", "week", "range", "day")),
        None,
    )
    entity = next((e for e in plan.entities if e.record_id), None)
    filters: list[str]

    if re.search(r"流失|churn|at risk|最可能走|不续约", text, re.I):
        filters = [f"owner_id:eq:{me}"] if mine else []
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

    m = re.search(
        r"(?:超过|多于|大于|more than|over|longer than)\s*"
        r"(\d+|[一二三四五六七八九十]+)\s*(?:天|days?)",
        text,
        re.I,
    )
    if re.search(r"卡在|停留|stuck|stalled|停滞|沉睡", text, re.I):
        from kith.language.timeparse import cn_number

        days = (cn_number(m.group(1)) if m else None) or 14
        stage_ids = _stage_ids(planner, text, lang)
        filters = [
            "status:eq:open",
            f"stage_entered_at:lt:{_iso(planner.now - timedelta(days=days))}",
        ]
        if stage_ids:
            filters.append(f"stage_id:in:{','.join(stage_ids)}")
        if mine:
            filters.append(f"owner_id:eq:{me}")
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

    if re.search(r"工单|ticket", low):
        filters = []
        if re.search(r"未解决|没解决|打开|处理中|open|unresolved|pending", text, re.I):
            filters.append(f"status:in:{OPEN_TICKET}")
        if re.search(r"升级|escalated", text, re.I):
            filters.append("escalated:eq:true")
        if re.search(r"紧急|urgent", text, re.I):
            filters.append("priority:eq:urgent")
        if mine:
            filters.append(f"assignee_id:eq:{me}")
        if entity is not None and entity.object_type in ("account", "contact"):
            filters.append(f"{entity.object_type}_id:eq:{entity.record_id}")
        if period is not None:
            filters += [f"created_at:gte:{_iso(period.start)}", f"created_at:lt:{_iso(period.end)}"]
        count = bool(re.search(r"多少|几个|how many|count|number of", text, re.I))
        return {
            "kind": "tickets",
            "object_type": "ticket",
            "filters": filters,
            "aggregate": {"op": "count", "field": "id"} if count else None,
            "group_by": "priority" if count else None,
            "sort": "-created_at",
            "limit": 50,
        }

    if re.search(r"待办|任务|tasks?\b|to-?dos?", text, re.I):
        filters = ["kind:eq:task", "status:eq:open"]
        filters.append(f"assignee_id:eq:{me}")  # tasks asked about are the asker's
        if re.search(r"逾期|过期|超期|overdue|late", text, re.I):
            filters.append(f"due_at:lt:{_iso(planner.now)}")
        return {
            "kind": "tasks",
            "object_type": "activity",
            "filters": filters,
            "aggregate": None,
            "group_by": None,
            "sort": "due_at",
            "limit": 50,
        }

    if (
        entity is not None
        and entity.object_type == "account"
        and re.search(r"联系人|\bcontacts?\b|\bpeople\b|\bwho works\b", text, re.I)
    ):
        return {
            "kind": "contacts",
            "object_type": "contact",
            "filters": [f"account_id:eq:{entity.record_id}"],
            "aggregate": None,
            "group_by": None,
            "sort": "name",
            "limit": 100,
        }

    if (
        entity is not None
        and entity.object_type == "contact"
        and re.search(
            r"说了什么|聊了什么|最近.*(?:互动|沟通|消息)|said|talk|interactions?|messages?"
            r"|last contact",
            text,
            re.I,
        )
    ):
        return {
            "kind": "interactions",
            "object_type": "interaction",
            "filters": [f"contact_id:eq:{entity.record_id}"],
            "aggregate": None,
            "group_by": None,
            "sort": "-occurred_at",
            "limit": 10,
        }

    if re.search(
        r"商机|赢单|赢了|输单|输了|丢了|丢单|成交|销售额|业绩|金额|管道|漏斗|deals?|\bwon\b|\bwin\b|\blost\b|\blose\b"
        r"|revenue|pipeline|sales|opportunit",
        text,
        re.I,
    ):
        filters = []
        won = re.search(r"赢单|赢了|成交|销售额|业绩|中标|\bwon\b|\bwin|revenue|closed", text, re.I)
        lost = re.search(r"输单|输了|丢单|丢了|未中标|\blost\b|\blose\b", text, re.I)
        time_field = "created_at"
        if won and not lost:
            filters.append("status:eq:won")
            time_field = "closed_at"
        elif lost:
            filters.append("status:eq:lost")
            time_field = "closed_at"
        elif re.search(r"进行中|在跟|open|pipeline|管道|漏斗|active", text, re.I):
            filters.append("status:eq:open")
        if period is not None:
            filters += [
                f"{time_field}:gte:{_iso(period.start)}",
                f"{time_field}:lt:{_iso(min(period.end, planner.now + timedelta(days=3650)))}",
            ]
        owners = _region_owners(planner, text)
        if owners is not None:
            filters.append(f"owner_id:in:{','.join(owners) or 'none'}")
        if mine:
            filters.append(f"owner_id:eq:{me}")
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
        counting = re.search(
            r"多少(?:个|笔|单)|几(?:个|笔|单)|how many|number of|count", text, re.I
        )
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

    if entity is not None:
        return {
            "kind": "record",
            "object_type": entity.object_type,
            "filters": [f"id:eq:{entity.record_id}"],
            "aggregate": None,
            "group_by": None,
            "sort": None,
            "limit": 1,
        }
    words = re.sub(
        r"[?？。,，]|哪些|哪个|什么|是谁|谁|查一下|查询|列出|显示|看看|which|what|who|show|list|find|me|the|are|is",
        " ",
        text,
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


# --- answering -----------------------------------------------------------------------------


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
                    f"occurred_at:gte:{_iso(now - timedelta(days=180))}",
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
                    f"closed_at:gte:{_iso(now - timedelta(days=180))}",
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
