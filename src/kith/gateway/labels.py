"""What a person reads for each gateway tool, (zh-CN, en): the web app's labels and the
planner's sentences both take them from here, so a refusal never shows a tool's name."""

from __future__ import annotations

TOOL_LABELS: dict[str, tuple[str, str]] = {
    "agents.request_analysis": ("请求智能体分析", "Request an agent analysis"),
    "campaigns.enroll": ("加入营销活动", "Enrol in a campaign"),
    "campaigns.enroll_segment": ("分群加入营销活动", "Enrol a segment in a campaign"),
    "concepts.health": ("查看客户健康度", "Read a customer's health"),
    "coupons.issue": ("发放优惠券", "Issue a coupon"),
    "deals.update_stage": ("更新商机阶段", "Move a deal to a stage"),
    "dispatch.recommend": ("推荐上门工程师", "Recommend field engineers"),
    "email.discard_draft": ("删除邮件草稿", "Discard an e-mail draft"),
    "email.draft": ("起草邮件", "Draft an e-mail"),
    "flows.approval": ("流程审批", "Approve a flow step"),
    "identity.merge": ("合并客户身份", "Merge two persons"),
    "identity.merge_high_risk": ("合并重要客户身份", "Merge high-value persons"),
    "identity.unmerge": ("撤销客户合并", "Undo a merge of persons"),
    "inbox.reply": ("在收件箱中回复", "Reply from the inbox"),
    "interactions.log": ("记录互动", "Log an interaction"),
    "knowledge.answer": ("从知识库回答", "Answer from the knowledge base"),
    "meetings.schedule": ("安排会议", "Schedule a meeting"),
    "messages.send": ("发送消息", "Send a message"),
    "notes.add": ("添加备注", "Add a note"),
    "orders.hold_shipment": ("暂缓发货", "Hold a shipment"),
    "practices.recommend": ("推荐最佳实践", "Recommend practices"),
    "providers.reserve_bay": ("预留服务工位", "Reserve a service bay"),
    "records.create": ("新建记录", "Create a record"),
    "records.delete": ("删除记录", "Delete a record"),
    "records.get": ("查看记录", "Read a record"),
    "records.search": ("搜索记录", "Search records"),
    "records.update": ("修改记录", "Update a record"),
    "refunds.request": ("申请退款", "Request a refund"),
    "scores.get": ("查看评分", "Read a score"),
    "tasks.create": ("创建任务", "Create a task"),
    "text.read": ("解读文本", "Read a text"),
    "tickets.assign": ("分派工单", "Assign a ticket"),
    "tickets.create": ("创建工单", "Open a ticket"),
    "tickets.escalate": ("升级工单", "Escalate a ticket"),
    "tickets.least_loaded": ("查找负荷最低的处理人", "Find the least loaded assignee"),
    "users.notify": ("通知同事", "Notify a colleague"),
    "workorders.assign": ("指派工单给工程师", "Assign a work order"),
    "workorders.propose": ("创建上门工单", "Propose a work order"),
    "workorders.transition": ("更新上门工单状态", "Move a work order"),
}


def tool_label(name: str, lang: str) -> str:
    """The tool's label in ``lang`` ("zh" or "en"); a tool nobody labelled yet reads as
    a neutral phrase in Chinese rather than its code name."""
    pair = TOOL_LABELS.get(name)
    if pair is None:
        return "这一操作" if lang == "zh" else name
    return pair[0] if lang == "zh" else pair[1]
