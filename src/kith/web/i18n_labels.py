"""Labels for internal names a person would otherwise read raw: gateway tools, purposes,
decision and command statuses, event types, ticket categories and the demo's industry
codes. Key -> (zh-CN, en); merged into ``kith.web.i18n.ZH_CN`` / ``EN``.

Event types take their wording from the event catalogue (``kith.core.event_types``), the
industries from the demo vocabulary, so a new one is labelled where it is declared.
"""

from __future__ import annotations

import re

from kith.core.event_types import CATALOG
from kith.demo.vocab import INDUSTRIES
from kith.gateway.labels import TOOL_LABELS

TOOLS = TOOL_LABELS

PURPOSES: dict[str, tuple[str, str]] = {
    "crm_ui": ("在 CRM 界面中操作", "Work in the CRM"),
    "api": ("通过 API 调用", "API call"),
    "sales": ("销售", "Sales"),
    "sales_outreach": ("销售联系", "Sales outreach"),
    "service": ("客户服务", "Customer service"),
    "marketing": ("营销", "Marketing"),
    "profiling": ("客户画像", "Profiling"),
    "analytics": ("分析", "Analytics"),
    "data_sharing": ("与合作伙伴共享", "Data sharing"),
    "model_training": ("模型训练", "Model training"),
    "automated_decision": ("自动化决策", "Automated decision"),
}

STATUSES: dict[str, tuple[str, str]] = {
    "undone": ("已撤销", "Undone"),
    "not_reversible": ("无法撤销", "Cannot be undone"),
    "nothing_to_undo": ("无需撤销", "Nothing to undo"),
    "discarded": ("已删除草稿", "Draft discarded"),
    "running": ("执行中", "Running"),
    "planned": ("已计划", "Planned"),
    "needs_clarification": ("需要澄清", "Needs clarification"),
    "skipped": ("已跳过", "Skipped"),
    "blocked": ("已阻止", "Blocked"),
}

TICKET_CATEGORIES: dict[str, tuple[str, str]] = {
    "battery_range": ("电池与续航", "Battery and range"),
    "charging": ("充电", "Charging"),
    "software_ota": ("软件与 OTA 升级", "Software and OTA updates"),
    "logistics_delay": ("物流延迟", "Logistics delay"),
    "installation": ("安装调试", "Installation"),
    "device_fault": ("设备故障", "Device fault"),
    "billing": ("账单", "Billing"),
    "complaint": ("投诉", "Complaint"),
}

AGENT_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "sales": (
        "线索分级、购买信号提案、停滞商机提醒",
        "Lead triage, buying-signal proposals, stalled-deal nudges",
    ),
    "service": ("创建、分派和升级工单；依据历史答复", "Opens, routes and escalates tickets"),
    "retention": (
        "针对流失风险信号、尊重授权的挽留优惠",
        "Consent-respecting offers for risk signals",
    ),
    "product_insight": (
        "按产品和车型汇总遥测与反馈；回答分析请求",
        "Aggregates telemetry and feedback by product and model; answers questions",
    ),
    "dispatch": (
        "产线下线的设备：提出派工单并为工程师排序（不直接指派）",
        "Units off the line: proposes the work order and ranks the engineers (never assigns)",
    ),
}


def _short(sentence: str) -> str:
    """The catalogue's sentence without its parenthesised details and final stop."""
    return re.split(r"\s*[(（]", sentence, maxsplit=1)[0].rstrip("。.")


LABELS: dict[str, tuple[str, str]] = {
    **{f"tool.{name}": pair for name, pair in TOOLS.items()},
    **{f"purpose.{name}": pair for name, pair in PURPOSES.items()},
    **{f"decision.status.{name}": pair for name, pair in STATUSES.items()},
    **{f"event_type.{t.value}": (_short(i.zh), _short(i.en)) for t, i in CATALOG.items()},
    **{f"agent.description.{name}": pair for name, pair in AGENT_DESCRIPTIONS.items()},
    **{f"value.ticket.category.{k}": pair for k, pair in TICKET_CATEGORIES.items()},
    **{f"value.account.industry.{i.slug}": (i.label_zh, i.label_en) for i in INDUSTRIES},
    **{f"value.lead.industry.{i.slug}": (i.label_zh, i.label_en) for i in INDUSTRIES},
}
