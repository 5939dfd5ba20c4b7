"""UI text added for the day-one walk-through (issue 21): counts, SLA wording, the mobile
menu, notifications, labels for internal names. Both languages side by side:
key -> (zh-CN, en). Merged into ``kith.web.i18n.ZH_CN`` / ``EN``.
"""

from __future__ import annotations

DAYONE: dict[str, tuple[str, str]] = {
    # --- phone navigation ----------------------------------------------------------------
    "nav.menu": ("菜单", "Menu"),
    "nav.close_menu": ("关闭菜单", "Close menu"),
    # --- lists and the queue -------------------------------------------------------------
    "list.total": ("共 {total} 条 · 第 {page} 页", "{total} records · page {page}"),
    "sla.breached_by": ("已超时 {duration}", "Breached by {duration}"),
    "sla.due_in": ("剩余 {duration}", "{duration} left"),
    "duration.hours_short": ("{n} 小时", "{n} h"),
    # --- money in several currencies ---------------------------------------------------
    "dash.converted": (
        "（折合约 {amount}，按 {date} 汇率换算）",
        "(≈ {amount} converted at {date} rates)",
    ),
    # --- the passport after an approval -----------------------------------------------
    "passport.decided_at": ("决定时间", "Decided at"),
    "passport.follow_up": ("审批后的执行", "After the approval"),
    "passport.follow_up_link": ("查看执行决策", "Open the resulting decision"),
    # --- notifications and drafts -------------------------------------------------------
    "notifications.title": ("通知", "Notifications"),
    "notifications.bell_unread": ("通知（{n} 条未读）", "Notifications ({n} unread)"),
    "notifications.unread": ("未读", "Unread"),
    "notifications.mark_read": ("标为已读", "Mark read"),
    "notifications.mark_all": ("全部标为已读", "Mark all read"),
    "notifications.none": ("没有通知。", "No notifications."),
    "notifications.open": ("打开", "Open"),
    "notifications.drafts": ("邮件草稿", "Drafted e-mails"),
    "notifications.no_drafts": ("没有草稿。", "No drafts."),
    "notifications.to": ("收件人", "To"),
    "notifications.kind.approval_requested": ("待你审批", "Waiting for your approval"),
    "notifications.kind.approval_decided": ("审批结果", "Approval decided"),
    "notifications.kind.message": ("同事的消息", "From a colleague"),
    "notifications.kind.cohort_owners": ("车主群体提醒", "Owner cohort alert"),
    "notifications.kind.fleet_telemetry": ("车队遥测提醒", "Fleet telemetry alert"),
    # --- records that are gone or not visible --------------------------------------------
    "common.unavailable_record": (
        "{object}（已删除或无权查看）",
        "{object} (deleted or not visible)",
    ),
    "common.stage_not_loaded": ("（另一阶段）", "(another stage)"),
    "common.deleted_record": ("（已删除或无权查看）", "(deleted or not visible)"),
}
