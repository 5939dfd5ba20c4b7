"""Answers computed from several aggregates or from the rows: win rate, the weighted
pipeline, an average per currency, the customers with the most won. Each states the
number a person asked for and the conditions, like every other answer."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from kith.crm.query import build_list_query
from kith.crm.service import RecordService
from kith.crm.specs import SPECS


def _groups(
    records: RecordService, query: dict[str, Any], measure: str | None, keys: tuple[str, ...]
) -> list[Any]:
    spec = SPECS[query["object_type"]]
    custom = {n: d.type for n, d in records.repo.custom_fields(spec.name).items()}
    parsed = build_list_query(
        spec,
        filters=list(query["filters"]),
        sort=None,
        cursor=None,
        limit=1,
        q=None,
        custom_fields=custom,
    )
    return list(records.aggregate(spec.name, parsed, measure=measure, group_by=keys))


def _money(value: Decimal, currency: str) -> str:
    sign = {"CNY": "¥", "EUR": "€", "USD": "US$"}.get(currency, currency + " ")
    return f"{sign}{value:,.2f}"


def win_rate(
    records: RecordService, query: dict[str, Any], zh: bool, conditions: str
) -> dict[str, Any]:
    counts = {str(g.key.get("status")): g.count for g in _groups(records, query, None, ("status",))}
    won, lost = counts.get("won", 0), counts.get("lost", 0)
    rate = round(100.0 * won / (won + lost), 1) if won + lost else None
    if rate is None:
        sentence = "没有已关闭的商机。" if zh else "No closed deals."
    elif zh:
        sentence = f"赢单率 {rate}%（赢单 {won} 个，输单 {lost} 个）。"
    else:
        sentence = f"Win rate {rate}% ({won} won, {lost} lost)."
    cols = ["赢单", "输单", "赢单率 %"] if zh else ["won", "lost", "win_rate_pct"]
    return {
        "sentence": sentence + conditions,
        "columns": cols,
        "rows": [[won, lost, rate]],
        "chart": None,
    }


def weighted(
    records: RecordService, query: dict[str, Any], zh: bool, conditions: str
) -> dict[str, Any]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for row in _all_rows(records, query):
        amount = Decimal(str(row.get("amount") or 0))
        probability = Decimal(str(row.get("probability") or 0))
        totals[str(row.get("currency") or "CNY")] += amount * probability / 100
        count += 1
    parts = (
        "；".join(_money(v, c) for c, v in totals.items())
        if zh
        else "; ".join(_money(v, c) for c, v in totals.items())
    )
    sentence = (
        f"{count} 个商机的加权金额（金额 × 赢单概率）合计 {parts or '0'}。"
        if zh
        else f"Weighted value (amount × probability) of {count} deals: {parts or '0'}."
    )
    rows = [[c, float(round(v, 2))] for c, v in totals.items()]
    cols = ["币种", "加权金额"] if zh else ["currency", "weighted_amount"]
    return {"sentence": sentence + conditions, "columns": cols, "rows": rows, "chart": None}


def average(
    records: RecordService, query: dict[str, Any], zh: bool, conditions: str
) -> dict[str, Any]:
    rows = []
    for g in _groups(records, query, "amount", ("currency",)):
        if g.count and g.total is not None:
            rows.append([str(g.key.get("currency")), float(round(g.total / g.count, 2)), g.count])
    said = (
        "；".join(f"{_money(Decimal(str(avg)), c)}（{n} 个）" for c, avg, n in rows)
        if zh
        else "; ".join(f"{_money(Decimal(str(avg)), c)} ({n} deals)" for c, avg, n in rows)
    )
    sentence = f"平均金额 {said or '无'}。" if zh else f"Average amount {said or 'n/a'}."
    cols = ["币种", "平均金额", "数量"] if zh else ["currency", "average_amount", "count"]
    return {"sentence": sentence + conditions, "columns": cols, "rows": rows, "chart": None}


def top_accounts(
    records: RecordService, query: dict[str, Any], zh: bool, conditions: str, names: dict[str, str]
) -> dict[str, Any]:
    groups = [
        g
        for g in _groups(records, query, "amount", ("account_id", "currency"))
        if g.key.get("account_id") and g.total is not None
    ]
    # compared within the currency most of the money is in
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for g in groups:
        by_currency[str(g.key.get("currency"))] += g.total
    main = max(by_currency, key=lambda c: by_currency[c]) if by_currency else "CNY"
    ranked = sorted(
        (g for g in groups if str(g.key.get("currency")) == main), key=lambda g: -g.total
    )[: int(query.get("limit") or 1)]
    rows = [
        [names.get(str(g.key["account_id"]), str(g.key["account_id"])), float(g.total), g.count]
        for g in ranked
    ]
    if rows:
        first = rows[0]
        sentence = (
            f"{first[0]} 最高：{_money(Decimal(str(first[1])), main)}（{first[2]} 个商机）。"
            if zh
            else f"{first[0]} is first: {_money(Decimal(str(first[1])), main)} ({first[2]} deals)."
        )
    else:
        sentence = "没有符合条件的商机。" if zh else "No matching deals."
    cols = ["客户", "金额", "数量"] if zh else ["account", "amount", "count"]
    return {"sentence": sentence + conditions, "columns": cols, "rows": rows, "chart": None}


def _all_rows(records: RecordService, query: dict[str, Any]) -> list[dict[str, Any]]:
    from kith.language.questions.answer import _rows

    return _rows(records, {**query, "limit": 2000, "sort": None})
