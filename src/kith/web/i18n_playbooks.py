"""Words of the playbooks page (practices and value anchors): key -> (zh-CN, en)."""

from __future__ import annotations

PLAYBOOKS: dict[str, tuple[str, str]] = {
    "nav.playbooks": ("实践与锚点", "Playbooks"),
    "playbooks.title": ("实践与价值锚点", "Practices and value anchors"),
    "playbooks.practices": ("微实践", "Micro-practices"),
    "playbooks.anchors": ("价值锚点", "Value anchors"),
    "playbooks.none": ("暂无可见的实践", "No practices you can see yet"),
    "playbooks.no_anchors": ("尚未设定价值锚点", "No value anchors yet"),
    "playbooks.state.private": ("私有", "Private"),
    "playbooks.state.in_review": ("评审中", "In review"),
    "playbooks.state.published": ("已发布", "Published"),
    "playbooks.state.retired": ("已停用", "Retired"),
    "playbooks.actions": ("行动", "Actions"),
    "playbooks.points": ("验证点", "Verification points"),
    "playbooks.breaker": ("熔断条件", "Circuit breaker"),
    "playbooks.effect": ("效果", "Effect"),
    "playbooks.adoption": ("{reps} 位销售 · {deals} 个商机", "{reps} reps · {deals} deals"),
    "playbooks.lift": (
        "赢单率 {lift}(95% 置信区间 {lo} ~ {hi},n = {n})",
        "Win rate {lift} (95% CI {lo} to {hi}, n = {n})",
    ),
    "playbooks.no_lift": (
        "样本不足,暂不声称提升(n = {n})",
        "Too few deals to claim a lift (n = {n})",
    ),
    "playbooks.show_effect": ("查看效果", "Show effect"),
    "playbooks.value": ("当前 {value} · 目标 {target}", "Now {value} · target {target}"),
    "playbooks.on_track": ("按计划", "On track"),
    "playbooks.off_track": ("落后于计划", "Off track"),
    "playbooks.not_computed": ("尚未计算", "Not computed"),
    "playbooks.deadline": ("截止 {date}", "Due {date}"),
    "playbooks.drivers": ("主要原因", "Main drivers"),
}
