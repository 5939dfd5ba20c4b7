"""The DSAR package's ``summary.md``: what the export holds, in zh-CN and en."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kith.privacy.dsar import Package


SECTIONS: dict[str, tuple[str, str]] = {
    "interactions": ("沟通记录", "Interactions"),
    "activities": ("任务与活动", "Activities"),
    "tickets": ("工单", "Tickets"),
    "deals": ("商机", "Deals"),
    "orders": ("订单", "Orders"),
    "consent_events": ("授权记录（含历史）", "Consents and their history"),
    "consent_cancellations": ("因撤回授权而取消的操作", "Actions cancelled by a revocation"),
    "decision_records": ("关于您的自动化决策记录", "Decision records about you"),
    "outbound_messages": ("发给您的消息", "Messages sent to you"),
    "coupons": ("优惠券", "Coupons"),
    "campaign_enrollments": ("营销活动", "Campaign enrollments"),
    "agent_actions": ("智能体动作", "Agent actions"),
    "agent_memories": ("智能体记忆", "Agent memories"),
    "timeline_entries": ("时间线", "Timeline"),
    "audit_log": ("对您记录的访问与操作审计", "Audit entries about your record"),
    "processing_restrictions": ("限制处理（含历史）", "Restriction of processing and its history"),
    "privacy_requests": ("您的个人信息权利请求", "Your data subject requests"),
    "reimport_flags": ("删除后重新导入的标记", "Re-import after erasure flags"),
    "linked_contacts": ("同一人的其他记录", "Other records of the same person"),
}


def summary(package: Package) -> str:
    data = package.data
    person = data["contact"]
    lines = [
        f"# 个人数据导出 / Personal data export — {person.get('name')}",
        "",
        f"生成时间 Generated: {data['generated_at']}",
        "",
        "本压缩包包含我们保存的关于您的全部数据：data.json（完整）、csv/（表格）。",
        "This archive holds everything we keep about you: data.json (complete), csv/ (tables).",
        "",
        "## 内容 / Contents",
        "",
        "| 类别 | Section | 条数 Rows |",
        "|---|---|---|",
    ]
    for name, count in sorted(package.counts.items()):
        zh, en = SECTIONS.get(name, (name, name))
        lines.append(f"| {zh} | {en} | {count} |")
    lines += ["", "## 当前授权 / Current consents", ""]
    for c in data["consents_current"] or []:
        lines.append(
            f"- {c['purpose']} / {c['channel']}: **{c['state']}** "
            f"({c['source']}, {c['at']}, {c['legal_basis']}; {c['contact_id']})"
        )
    if not data["consents_current"]:
        lines.append("- 无记录 / none recorded")
    lines += ["", "## 限制处理与更正 / Restriction and rectification", ""]
    steps = data["tables"].get("processing_restrictions", [])
    requests = data["tables"].get("privacy_requests", [])
    for step in sorted(steps, key=lambda r: str(r["at"])):
        until = f", until {step['until']}" if step.get("until") else ""
        lines.append(f"- {step['at']} restriction **{step['action']}**{until}: {step['reason']}")
    for request in sorted(requests, key=lambda r: str(r["at"])):
        lines.append(f"- {request['at']} request `{request['kind']}`: {request['status']}")
    if not steps and not requests:
        lines.append("- 无 / none")
    lines += ["", "## 关于您的决策 / Decisions about you", ""]
    for d in data["tables"].get("decision_records", []):
        why = d.get("consent_reason") or d.get("reason") or ""
        lines.append(f"- {d['at']} `{d.get('tool')}` ({d.get('purpose')}): {d['status']} — {why}")
        rationale = d.get("rationale") or {}
        for factor in rationale.get("factors") or []:
            lines.append(
                f"  - {factor.get('name')} = {factor.get('value')} "
                f"(weight {factor.get('contribution')})"
            )
    lines += ["", "## 关于您的自动评分 / Automated scores about you", ""]
    for score in data["tables"].get("scores", []):
        lines.append(
            f"- {score['scored_at']} {score['kind']} ({score['object_type']}): "
            f"{score['score']} [{score['band']}], model {score['model_version']}"
        )
        for factor in score.get("factors") or []:
            if isinstance(factor, dict):
                named = ", ".join(f"{k} {v}" for k, v in factor.items())
                lines.append(f"  - {named}")
    if not data["tables"].get("scores"):
        lines.append("- 无 / none")
    return "\n".join(lines) + "\n"
