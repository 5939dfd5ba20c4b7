"""The decision passport page: a plain, printable HTML view of one decision (zh / en).

The factors are drawn as an inline SVG bar chart — contributions to the right of
the axis push towards the decision, to the left against it — so the page needs
no script and prints as it looks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from kith.core.serialize import dumps
from kith.gateway.factor_labels import factor_label

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "决策护照",
        "at": "时间",
        "actor": "执行者",
        "on_behalf_of": "代表",
        "trigger": "触发事件",
        "tool": "工具",
        "purpose": "目的",
        "subject": "对象",
        "status": "结果",
        "reason": "说明",
        "args": "参数快照（已脱敏）",
        "rationale": "决策依据",
        "engine": "引擎",
        "summary": "摘要",
        "factors": "因素及贡献",
        "confidence": "置信度",
        "threshold": "阈值",
        "consent": "授权同意",
        "basis": "依据",
        "risk": "风险等级",
        "rule": "规则",
        "approval": "审批",
        "approver": "审批人",
        "output": "输出摘要",
        "overrides": "人工干预",
        "errors": "错误",
        "none": "—",
        "allowed": "允许",
        "denied": "拒绝",
        "status.executed": "已执行",
        "status.pending_approval": "待审批",
        "status.refused": "已拒绝",
        "status.duplicate": "重复请求",
        "status.failed": "执行失败",
        "status.rejected": "审批驳回",
        "status.no_action": "未采取行动",
    },
    "en": {
        "title": "Decision passport",
        "at": "When",
        "actor": "Acted",
        "on_behalf_of": "On behalf of",
        "trigger": "Triggering event",
        "tool": "Tool",
        "purpose": "Purpose",
        "subject": "About",
        "status": "Outcome",
        "reason": "Reason",
        "args": "Arguments (masked)",
        "rationale": "Rationale",
        "engine": "Engine",
        "summary": "Summary",
        "factors": "Factors and contributions",
        "confidence": "Confidence",
        "threshold": "Threshold",
        "consent": "Consent",
        "basis": "Basis",
        "risk": "Risk level",
        "rule": "Rule",
        "approval": "Approval",
        "approver": "Approver",
        "output": "Output summary",
        "overrides": "Human overrides",
        "errors": "Errors",
        "none": "—",
        "allowed": "allowed",
        "denied": "denied",
        "status.executed": "executed",
        "status.pending_approval": "waiting for approval",
        "status.refused": "refused",
        "status.duplicate": "duplicate request",
        "status.failed": "failed",
        "status.rejected": "rejected by approver",
        "status.no_action": "no action taken",
    },
}

CHART_WIDTH = 560
LABEL_WIDTH = 180
VALUE_WIDTH = 60
ROW_HEIGHT = 24


@dataclass(frozen=True)
class Bar:
    y: int
    x: float
    width: float
    positive: bool
    label: str
    value: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    axis_x: float
    bars: list[Bar]


def factor_chart(factors: list[dict[str, Any]], lang: str = "zh") -> Chart | None:
    """Bars around a centre axis, scaled to the largest absolute contribution."""
    if not factors:
        return None
    half = (CHART_WIDTH - LABEL_WIDTH - VALUE_WIDTH) / 2
    axis = LABEL_WIDTH + half
    largest = max(abs(float(f.get("contribution") or 0)) for f in factors) or 1.0
    bars = []
    for i, factor in enumerate(factors):
        contribution = float(factor.get("contribution") or 0)
        name = factor_label(str(factor.get("name")), lang)
        width = round(half * abs(contribution) / largest, 1)
        bars.append(
            Bar(
                y=i * ROW_HEIGHT,
                x=axis if contribution >= 0 else round(axis - width, 1),
                width=width,
                positive=contribution >= 0,
                label=f"{name} = {_short(factor.get('value'))}",
                value=f"{contribution:+.3g}",
            )
        )
    return Chart(CHART_WIDTH, len(bars) * ROW_HEIGHT, axis, bars)


def _short(value: Any, limit: int = 24) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pretty(value: Any) -> str:
    return json.dumps(json.loads(dumps(value)), ensure_ascii=False, indent=2)


def render_passport(view: dict[str, Any], lang: str) -> str:
    labels = LABELS["en" if lang == "en" else "zh"]
    rationale = view.get("rationale") or {}
    return _templates.get_template("decision.html").render(
        d=view,
        t=labels,
        lang="en" if lang == "en" else "zh-CN",
        status_label=labels.get(f"status.{view['status']}", view["status"]),
        chart=factor_chart(list(rationale.get("factors") or []), "en" if lang == "en" else "zh"),
        pretty=_pretty,
    )
