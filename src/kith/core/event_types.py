"""The one registry of domain event types.

Every ``DomainEvent`` a producer emits names one of these constants; subscribers
(agents, consumers, the timeline, the event catalogue) refer to the same constants.
The stored strings are the values (``<object>.<verb>``) and never change: outbox rows,
timelines and integrations depend on them. ``kith events types`` and docs/events.md are
generated from ``CATALOG``; a unit test fails when either drifts or when a producer
spells a type that is not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel

from kith.core import event_payloads as p


class EventType(StrEnum):
    # --- records (kith.crm.service, kith.crm.bulk) --------------------------------
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_UPDATED = "account.updated"
    ACCOUNT_DELETED = "account.deleted"
    CONTACT_CREATED = "contact.created"
    CONTACT_UPDATED = "contact.updated"
    CONTACT_DELETED = "contact.deleted"
    LEAD_CREATED = "lead.created"
    LEAD_UPDATED = "lead.updated"
    LEAD_DELETED = "lead.deleted"
    PIPELINE_CREATED = "pipeline.created"
    PIPELINE_UPDATED = "pipeline.updated"
    PIPELINE_DELETED = "pipeline.deleted"
    DEAL_CREATED = "deal.created"
    DEAL_UPDATED = "deal.updated"
    DEAL_DELETED = "deal.deleted"
    TICKET_CREATED = "ticket.created"
    TICKET_UPDATED = "ticket.updated"
    TICKET_DELETED = "ticket.deleted"
    ACTIVITY_CREATED = "activity.created"
    ACTIVITY_UPDATED = "activity.updated"
    ACTIVITY_DELETED = "activity.deleted"
    INTERACTION_RECEIVED = "interaction.received"
    INTERACTION_SENT = "interaction.sent"
    INTERACTION_UPDATED = "interaction.updated"
    INTERACTION_DELETED = "interaction.deleted"
    PRODUCT_CREATED = "product.created"
    PRODUCT_UPDATED = "product.updated"
    PRODUCT_DELETED = "product.deleted"
    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"
    ORDER_DELETED = "order.deleted"
    # --- record rules and use cases (kith.crm) ------------------------------------
    DEAL_STAGE_CHANGED = "deal.stage_changed"
    DEAL_WON = "deal.won"
    DEAL_LOST = "deal.lost"
    TICKET_STATUS_CHANGED = "ticket.status_changed"
    TICKET_ESCALATED = "ticket.escalated"
    LEAD_CONVERTED = "lead.converted"
    # --- the governed door (kith.gateway) -----------------------------------------
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_APPROVED = "approval.approved"
    APPROVAL_REJECTED = "approval.rejected"
    APPROVAL_CANCELLED = "approval.cancelled"
    DECISION_OVERRIDDEN = "decision.overridden"
    CAMPAIGN_ENROLLED = "campaign.enrolled"
    COUPON_ISSUED = "coupon.issued"
    REFUND_REQUESTED = "refund.requested"
    # --- privacy (kith.privacy) ---------------------------------------------------
    CONSENT_GRANTED = "consent.granted"
    CONSENT_REVOKED = "consent.revoked"
    CAMPAIGN_UNENROLLED = "campaign.unenrolled"
    PRIVACY_RESTRICTION_APPLIED = "privacy.restriction_applied"
    PRIVACY_RESTRICTION_LIFTED = "privacy.restriction_lifted"
    PRIVACY_RECTIFIED = "privacy.rectified"
    PRIVACY_REIMPORT_FLAGGED = "privacy.reimport_flagged"
    CONTACT_ERASED = "contact.erased"
    # --- identity graph (kith.identity) -------------------------------------------
    IDENTITY_LINKED = "identity.linked"
    IDENTITY_UNLINKED = "identity.unlinked"
    IDENTITY_MERGED = "identity.merged"
    IDENTITY_THRESHOLDS_CHANGED = "identity.thresholds_changed"
    IDENTITY_RECEIVED = "identity.received"
    # --- agents (kith.agents) -----------------------------------------------------
    AGENT_PAUSED = "agent.paused"
    AGENT_RESUMED = "agent.resumed"
    AGENT_ANALYSIS_COMPLETED = "agent.analysis_completed"
    # --- intelligence (kith.intelligence) -----------------------------------------
    MODEL_TRAINED = "model.trained"
    MODEL_PROMOTED = "model.promoted"
    MODEL_ROLLED_BACK = "model.rolled_back"
    MODEL_DRIFT_DETECTED = "model.drift_detected"
    MODEL_PERFORMANCE_DEGRADED = "model.performance_degraded"
    SCORE_CHANGED = "score.changed"
    SEGMENT_CREATED = "segment.created"
    SEGMENT_UPDATED = "segment.updated"
    SEGMENT_DELETED = "segment.deleted"
    SEGMENT_REFRESHED = "segment.refreshed"
    SEGMENT_MEMBER_ADDED = "segment.member_added"
    SEGMENT_MEMBER_REMOVED = "segment.member_removed"
    # --- real-time decisions (kith.realtime) --------------------------------------
    RISK_DECISION_FLAGGED = "risk_decision.flagged"
    RISK_DECISION_LABELLED = "risk_decision.labelled"
    RISK_RULES_PUBLISHED = "risk_rules.published"
    RISK_RULES_ROLLED_BACK = "risk_rules.rolled_back"
    RISK_RULES_EXPERIMENT_CHANGED = "risk_rules.experiment_changed"
    # --- language (kith.language) -------------------------------------------------
    LANGUAGE_COMMAND_PLANNED = "language_command.planned"
    LANGUAGE_COMMAND_EXECUTED = "language_command.executed"
    LANGUAGE_COMMAND_UNDONE = "language_command.undone"
    # --- knowledge (kith.knowledge) -----------------------------------------------
    KNOWLEDGE_SPACE_CREATED = "knowledge_space.created"
    KNOWLEDGE_DOCUMENT_PUBLISHED = "knowledge_document.published"
    KNOWLEDGE_DOCUMENT_RETIRED = "knowledge_document.retired"
    KNOWLEDGE_QUESTION_HANDED_OVER = "knowledge_question.handed_over"
    KNOWLEDGE_QUESTION_ANSWERED = "knowledge_question.answered"
    KNOWLEDGE_ANSWER_RATED = "knowledge_answer.rated"
    # --- playbooks and value anchors (kith.playbooks) ---------------------------
    PRACTICE_CREATED = "practice.created"
    PRACTICE_UPDATED = "practice.updated"
    PRACTICE_SUBMITTED = "practice.submitted"
    PRACTICE_WITHDRAWN = "practice.withdrawn"
    PRACTICE_REVIEWED = "practice.reviewed"
    PRACTICE_VALUE_CONFIRMED = "practice.value_confirmed"
    PRACTICE_PUBLISHED = "practice.published"
    PRACTICE_RETIRED = "practice.retired"
    PRACTICE_APPLIED = "practice.applied"
    PRACTICE_POINT_MET = "practice.point_met"
    PRACTICE_STOPPED = "practice.stopped"
    PRACTICE_GATE_CHANGED = "practice_gate.changed"
    ANCHOR_CREATED = "anchor.created"
    ANCHOR_COMPUTED = "anchor.computed"
    # --- flows (kith.flows) -------------------------------------------------------
    FLOW_SAVED = "flow.saved"
    FLOW_PUBLISHED = "flow.published"
    FLOW_RETIRED = "flow.retired"
    FLOW_RUN_STARTED = "flow.run_started"
    FLOW_STEP_COMPLETED = "flow.step_completed"
    FLOW_RUN_WAITING = "flow.run_waiting"
    FLOW_RUN_RETRIED = "flow.run_retried"
    FLOW_RUN_CANCELLED = "flow.run_cancelled"
    FLOW_RUN_FAILED = "flow.run_failed"
    FLOW_RUN_COMPLETED = "flow.run_completed"
    # --- field service (kith.fieldservice) ----------------------------------------
    FIELD_ENGINEER_CREATED = "field_engineer.created"
    FIELD_ENGINEER_UPDATED = "field_engineer.updated"
    FIELD_ENGINEER_LOCATED = "field_engineer.located"
    SERVICE_PROVIDER_CREATED = "service_provider.created"
    SERVICE_BAY_RESERVED = "service_bay.reserved"
    WORK_ORDER_PROPOSED = "work_order.proposed"
    WORK_ORDER_ASSIGNED = "work_order.assigned"
    WORK_ORDER_STATUS_CHANGED = "work_order.status_changed"
    # --- concepts (kith.concepts) -------------------------------------------------
    CONCEPT_DRAFTED = "concept.drafted"
    CONCEPT_PUBLISHED = "concept.published"
    CONCEPT_RETIRED = "concept.retired"
    CUSTOMER_HEALTH_CHANGED = "customer_health.changed"
    # --- open platform (kith.platform) ----------------------------------------------
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_UPDATED = "webhook.updated"
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_DISABLED = "webhook.disabled"
    WEBHOOK_REDELIVERY_REQUESTED = "webhook.redelivery_requested"
    # --- omnichannel inbox (kith.inbox) ---------------------------------------------
    MAILBOX_CREATED = "mailbox.created"
    MAILBOX_UPDATED = "mailbox.updated"
    MAILBOX_SYNC_FAILED = "mailbox.sync_failed"
    CONVERSATION_OPENED = "conversation.opened"
    CONVERSATION_UPDATED = "conversation.updated"
    CONVERSATION_NOTE_ADDED = "conversation.note_added"
    CONVERSATION_REPLIED = "conversation.replied"
    CONVERSATION_DELIVERY_FAILED = "conversation.delivery_failed"


PayloadSchema = type[BaseModel]


@dataclass(frozen=True)
class EventTypeInfo:
    """What the catalogue says about one event type."""

    type: EventType
    producer: str  # the context that emits it
    en: str
    zh: str
    payload: PayloadSchema | None = None  # where the payload is stable

    @property
    def subject(self) -> str:
        return self.type.value.split(".", 1)[0]


# Record object types and the words the catalogue uses for them.
_RECORDS: dict[str, tuple[str, str]] = {
    "account": ("an account", "客户公司"),
    "contact": ("a contact", "联系人"),
    "lead": ("a lead", "线索"),
    "pipeline": ("a pipeline", "销售管道"),
    "deal": ("a deal", "商机"),
    "ticket": ("a ticket", "工单"),
    "activity": ("an activity", "活动"),
    "interaction": ("an interaction", "互动"),
    "product": ("a product", "产品"),
    "order": ("an order", "订单"),
}
_RECORD_VERBS: dict[str, tuple[str, str]] = {
    "created": ("was created", "已创建"),
    "updated": ("was changed (payload.changes: field → [before, after])", "已修改"),
    "deleted": ("was deleted (soft delete)", "已删除"),
    "received": ("was received (an inbound interaction was recorded)", "已接收(记录入站互动)"),
    "sent": ("was sent (an outbound interaction was recorded)", "已发送(记录出站互动)"),
}


def _record_info(t: EventType) -> EventTypeInfo:
    subject, verb = t.value.split(".", 1)
    noun_en, noun_zh = _RECORDS[subject]
    verb_en, verb_zh = _RECORD_VERBS[verb]
    en = f"{noun_en[0].upper()}{noun_en[1:]} {verb_en}."
    return EventTypeInfo(t, "crm", en, f"{noun_zh}{verb_zh}。", p.RecordChange)


_OTHERS: tuple[EventTypeInfo, ...] = (
    EventTypeInfo(
        EventType.DEAL_STAGE_CHANGED,
        "crm",
        "A deal moved to another stage (from, to, seconds in the previous stage).",
        "商机进入另一阶段(原阶段、新阶段、在原阶段停留的秒数)。",
        p.DealStageChanged,
    ),
    EventTypeInfo(
        EventType.DEAL_WON, "crm", "A deal reached a won stage.", "商机赢单。", p.DealClosed
    ),
    EventTypeInfo(
        EventType.DEAL_LOST, "crm", "A deal reached a lost stage.", "商机输单。", p.DealClosed
    ),
    EventTypeInfo(
        EventType.TICKET_STATUS_CHANGED,
        "crm",
        "A ticket's status changed (from, to).",
        "工单状态变化(原状态、新状态)。",
        p.TicketStatusChanged,
    ),
    EventTypeInfo(
        EventType.TICKET_ESCALATED,
        "crm",
        "A ticket was escalated.",
        "工单已升级。",
        p.TicketEscalated,
    ),
    EventTypeInfo(
        EventType.LEAD_CONVERTED,
        "crm",
        "A lead was converted into an account, a contact and optionally a deal.",
        "线索已转化为客户公司、联系人(及可选的商机)。",
    ),
    EventTypeInfo(
        EventType.APPROVAL_REQUESTED,
        "gateway",
        "A tool call waits for approval (approver role, expiry).",
        "工具调用等待审批(审批角色、过期时间)。",
    ),
    EventTypeInfo(
        EventType.APPROVAL_APPROVED,
        "gateway",
        "An approval request was approved and the call executed.",
        "审批请求已批准,调用已执行。",
    ),
    EventTypeInfo(
        EventType.APPROVAL_REJECTED,
        "gateway",
        "An approval request was rejected.",
        "审批请求已驳回。",
    ),
    EventTypeInfo(
        EventType.APPROVAL_CANCELLED,
        "privacy",
        "A waiting approval was cancelled (a consent revocation forbids it).",
        "等待中的审批已取消(撤回同意后不再允许)。",
    ),
    EventTypeInfo(
        EventType.DECISION_OVERRIDDEN,
        "gateway",
        "A person overrode a decision (outcome, reason); agents learn from it.",
        "有人推翻了一项决策(结果、理由),代理据此学习。",
        p.DecisionOverridden,
    ),
    EventTypeInfo(
        EventType.CAMPAIGN_ENROLLED,
        "gateway",
        "A contact was enrolled in a campaign.",
        "联系人已加入营销活动。",
    ),
    EventTypeInfo(
        EventType.COUPON_ISSUED,
        "gateway",
        "A coupon was issued to a contact.",
        "已向联系人发放优惠券。",
    ),
    EventTypeInfo(
        EventType.REFUND_REQUESTED,
        "gateway",
        "A refund was requested for an order.",
        "订单已申请退款。",
    ),
    EventTypeInfo(
        EventType.CONSENT_GRANTED,
        "privacy",
        "A person granted consent for a purpose and channel.",
        "当事人就某用途和渠道给予同意。",
    ),
    EventTypeInfo(
        EventType.CONSENT_REVOKED,
        "privacy",
        "A person revoked consent for a purpose and channel.",
        "当事人就某用途和渠道撤回同意。",
    ),
    EventTypeInfo(
        EventType.CAMPAIGN_UNENROLLED,
        "privacy",
        "A campaign enrolment was cancelled by a consent revocation.",
        "因撤回同意,营销活动报名已取消。",
    ),
    EventTypeInfo(
        EventType.PRIVACY_RESTRICTION_APPLIED,
        "privacy",
        "Processing of a person was restricted (excluded from automated decisions).",
        "已限制处理当事人的数据(不参与自动化决策)。",
    ),
    EventTypeInfo(
        EventType.PRIVACY_RESTRICTION_LIFTED,
        "privacy",
        "A restriction of processing was lifted.",
        "已解除处理限制。",
    ),
    EventTypeInfo(
        EventType.PRIVACY_RECTIFIED,
        "privacy",
        "A person's data was rectified at their request.",
        "已应当事人请求更正其数据。",
    ),
    EventTypeInfo(
        EventType.IDENTITY_LINKED,
        "identity",
        "An identity was linked to a person (auto-linked above the segment's threshold, or "
        "confirmed in review).",
        "身份已关联到某人(高于分群阈值自动关联,或经审核确认)。",
    ),
    EventTypeInfo(
        EventType.IDENTITY_UNLINKED,
        "identity",
        "A proposed or existing identity link was rejected or marked never-link, or a "
        "merge of persons was undone (every identity back where it was).",
        "身份关联建议被拒绝或标记为永不关联,或人员合并已撤销(每个身份恢复原状)。",
    ),
    EventTypeInfo(
        EventType.IDENTITY_MERGED,
        "identity",
        "Two persons of the identity graph became one; the absorbed person id redirects.",
        "身份图中的两个人已合并;被合并的人员 ID 重定向到保留者。",
    ),
    EventTypeInfo(
        EventType.IDENTITY_RECEIVED,
        "identity",
        "An arriving identity joined the graph as a person of its own: proposed for review "
        "against a similar person, or left alone (nothing similar enough).",
        "新到达的身份以独立人员进入身份图:与相似人员一起提交审核,或无足够相似者而单独保留。",
    ),
    EventTypeInfo(
        EventType.IDENTITY_THRESHOLDS_CHANGED,
        "identity",
        "The identity graph's auto-link thresholds per segment or its review floor changed.",
        "身份图的分群自动关联阈值或审核下限已更改。",
    ),
    EventTypeInfo(
        EventType.PRIVACY_REIMPORT_FLAGGED,
        "privacy",
        "A new contact matches an erasure tombstone and was flagged.",
        "新联系人与已删除记录的墓碑匹配,已标记。",
    ),
    EventTypeInfo(
        EventType.CONTACT_ERASED,
        "privacy",
        "A contact's personal data was erased (right to erasure).",
        "联系人的个人数据已删除(删除权)。",
    ),
    EventTypeInfo(EventType.AGENT_PAUSED, "agents", "An agent was paused.", "代理已暂停。"),
    EventTypeInfo(EventType.AGENT_RESUMED, "agents", "An agent was resumed.", "代理已恢复。"),
    EventTypeInfo(
        EventType.AGENT_ANALYSIS_COMPLETED,
        "agents",
        "An agent answered another agent's analysis request.",
        "代理已回复另一代理的分析请求。",
    ),
    EventTypeInfo(
        EventType.MODEL_TRAINED,
        "intelligence",
        "A model version was trained (metrics, baseline).",
        "已训练模型版本(指标、基线)。",
    ),
    EventTypeInfo(
        EventType.MODEL_PROMOTED,
        "intelligence",
        "A model version was promoted to production.",
        "模型版本已上线。",
    ),
    EventTypeInfo(
        EventType.MODEL_ROLLED_BACK,
        "intelligence",
        "Production was rolled back to a previous model version.",
        "已回滚到之前的模型版本。",
    ),
    EventTypeInfo(
        EventType.MODEL_DRIFT_DETECTED,
        "intelligence",
        "A model's inputs drifted past the alert threshold (PSI).",
        "模型输入漂移超过告警阈值(PSI)。",
    ),
    EventTypeInfo(
        EventType.MODEL_PERFORMANCE_DEGRADED,
        "intelligence",
        "A model's live performance fell below its baseline.",
        "模型线上表现低于基线。",
    ),
    EventTypeInfo(
        EventType.SCORE_CHANGED,
        "intelligence",
        "A record's score crossed into another band.",
        "记录的评分进入另一区间。",
    ),
    EventTypeInfo(
        EventType.SEGMENT_CREATED, "intelligence", "A saved segment was created.", "已创建客群。"
    ),
    EventTypeInfo(
        EventType.SEGMENT_UPDATED, "intelligence", "A saved segment was changed.", "已修改客群。"
    ),
    EventTypeInfo(
        EventType.SEGMENT_DELETED, "intelligence", "A saved segment was deleted.", "已删除客群。"
    ),
    EventTypeInfo(
        EventType.SEGMENT_REFRESHED,
        "intelligence",
        "A segment was refreshed and its members changed (counts added/removed).",
        "客群已刷新且成员有变化(新增、移出人数)。",
    ),
    EventTypeInfo(
        EventType.SEGMENT_MEMBER_ADDED,
        "intelligence",
        "A record joined a segment (capped per refresh).",
        "记录加入客群(每次刷新有上限)。",
        p.SegmentMemberChanged,
    ),
    EventTypeInfo(
        EventType.SEGMENT_MEMBER_REMOVED,
        "intelligence",
        "A record left a segment (capped per refresh).",
        "记录移出客群(每次刷新有上限)。",
        p.SegmentMemberChanged,
    ),
    EventTypeInfo(
        EventType.RISK_DECISION_FLAGGED,
        "realtime",
        "A real-time decision did not pass (outcome, score, version, variant, actions to run).",
        "实时决策未通过(结果、分数、版本、实验分组、待执行动作)。",
    ),
    EventTypeInfo(
        EventType.RISK_DECISION_LABELLED,
        "realtime",
        "An order's real-time decisions got their outcome (fraud or legitimate), for "
        "precision/recall and the customer's dispute count.",
        "订单的实时决策得到了结果标注(欺诈或正常),用于精确率/召回率和客户的争议次数。",
    ),
    EventTypeInfo(
        EventType.RISK_RULES_PUBLISHED,
        "realtime",
        "A rule-set version became the champion of its decision key.",
        "规则集版本已发布为该决策的主版本。",
    ),
    EventTypeInfo(
        EventType.RISK_RULES_ROLLED_BACK,
        "realtime",
        "A decision key went back to its previous rule-set version.",
        "决策已回滚到上一个规则集版本。",
    ),
    EventTypeInfo(
        EventType.RISK_RULES_EXPERIMENT_CHANGED,
        "realtime",
        "A decision key's experiment changed (A/B, canary percentage, shadow, stopped).",
        "决策的实验设置已变更(A/B、灰度比例、影子模式、停止)。",
    ),
    EventTypeInfo(
        EventType.LANGUAGE_COMMAND_PLANNED,
        "language",
        "A natural-language command was turned into a plan.",
        "自然语言指令已生成计划。",
    ),
    EventTypeInfo(
        EventType.LANGUAGE_COMMAND_EXECUTED,
        "language",
        "A planned command was executed.",
        "计划中的指令已执行。",
    ),
    EventTypeInfo(
        EventType.LANGUAGE_COMMAND_UNDONE,
        "language",
        "An executed command was undone.",
        "已执行的指令已撤销。",
    ),
    EventTypeInfo(
        EventType.KNOWLEDGE_SPACE_CREATED,
        "knowledge",
        "A knowledge space was created (name, visibility).",
        "已创建知识空间(名称、可见范围)。",
    ),
    EventTypeInfo(
        EventType.KNOWLEDGE_DOCUMENT_PUBLISHED,
        "knowledge",
        "A new version of a knowledge document was published; earlier versions are retired.",
        "知识文档发布了新版本;旧版本已停用。",
    ),
    EventTypeInfo(
        EventType.KNOWLEDGE_DOCUMENT_RETIRED,
        "knowledge",
        "A knowledge document version was retired: kept for the audit, no longer used.",
        "知识文档版本已停用:保留备查,不再用于回答。",
    ),
    EventTypeInfo(
        EventType.KNOWLEDGE_QUESTION_HANDED_OVER,
        "knowledge",
        "A question the knowledge agent could not answer was handed to a person (ticket).",
        "知识助手无法回答的问题已转交人工(工单)。",
    ),
    EventTypeInfo(
        EventType.KNOWLEDGE_QUESTION_ANSWERED,
        "knowledge",
        "A question was answered from the knowledge base, or abstained on (status, passages).",
        "已根据知识库回答问题,或放弃回答(状态、引用段落)。",
    ),
    EventTypeInfo(
        EventType.KNOWLEDGE_ANSWER_RATED,
        "knowledge",
        "A person rated a knowledge answer (thumbs up/down, optionally the right answer).",
        "有人评价了知识库回答(赞/踩,可附正确答案)。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_CREATED,
        "playbooks",
        "A micro-practice was captured (private to its creator).",
        "记录了一条微实践(仅创建者可见)。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_UPDATED,
        "playbooks",
        "A micro-practice's elements were edited.",
        "微实践的要素被修改。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_SUBMITTED,
        "playbooks",
        "A micro-practice was submitted to the quality gate.",
        "微实践提交质量评审。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_WITHDRAWN,
        "playbooks",
        "A micro-practice was taken back from review to private.",
        "微实践撤回评审,恢复为私有。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_REVIEWED,
        "playbooks",
        "A reviewer marked a micro-practice effective or not.",
        "评审人标记微实践有效或无效。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_VALUE_CONFIRMED,
        "playbooks",
        "The customer's value of a micro-practice was confirmed.",
        "微实践的客户价值已确认。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_PUBLISHED,
        "playbooks",
        "A micro-practice passed the quality gate and was published.",
        "微实践通过质量门槛并发布。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_RETIRED,
        "playbooks",
        "A published micro-practice was retired.",
        "已发布的微实践被停用。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_APPLIED,
        "playbooks",
        "A micro-practice was applied to a deal (its tasks created).",
        "微实践应用到商机(已创建任务)。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_POINT_MET,
        "playbooks",
        "A verification point of an applied micro-practice was met.",
        "已应用微实践的验证点达成。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_STOPPED,
        "playbooks",
        "An applied micro-practice was stopped by its circuit breaker.",
        "已应用的微实践被熔断条件停止。",
    ),
    EventTypeInfo(
        EventType.PRACTICE_GATE_CHANGED,
        "playbooks",
        "The workspace's quality gate for micro-practices changed.",
        "工作区的微实践质量门槛已修改。",
    ),
    EventTypeInfo(
        EventType.ANCHOR_CREATED,
        "playbooks",
        "A value anchor (a quantified target) was set.",
        "设定了价值锚点(量化目标)。",
    ),
    EventTypeInfo(
        EventType.ANCHOR_COMPUTED,
        "playbooks",
        "A value anchor's metric was computed for a day.",
        "价值锚点的指标完成当日计算。",
    ),
    EventTypeInfo(
        EventType.FLOW_SAVED,
        "flows",
        "A flow's draft version was saved (key, version).",
        "流程的草稿版本已保存(标识、版本)。",
    ),
    EventTypeInfo(
        EventType.FLOW_PUBLISHED,
        "flows",
        "A flow version was published; new runs start on it, the previous one is retired.",
        "流程版本已发布;新运行使用该版本,上一版本已停用。",
    ),
    EventTypeInfo(
        EventType.FLOW_RETIRED,
        "flows",
        "A flow version was retired: no new runs start on it; running ones finish.",
        "流程版本已停用:不再启动新运行,进行中的运行继续完成。",
    ),
    EventTypeInfo(
        EventType.FLOW_RUN_STARTED,
        "flows",
        "A flow run started (flow, version it is pinned to, triggering event).",
        "流程运行已开始(流程、固定的版本、触发事件)。",
    ),
    EventTypeInfo(
        EventType.FLOW_STEP_COMPLETED,
        "flows",
        "A node of a flow run finished (node, kind, status, next node, decision record).",
        "流程运行的一个节点已完成(节点、类型、状态、下一节点、决策记录)。",
    ),
    EventTypeInfo(
        EventType.FLOW_RUN_WAITING,
        "flows",
        "A flow run waits (for a duration, an event or an approval) until a due time.",
        "流程运行正在等待(时长、事件或审批),直到截止时间。",
    ),
    EventTypeInfo(
        EventType.FLOW_RUN_RETRIED,
        "flows",
        "A failed flow run was retried from its failed step.",
        "失败的流程运行已从失败步骤重试。",
    ),
    EventTypeInfo(
        EventType.FLOW_RUN_CANCELLED,
        "flows",
        "A flow run was cancelled; it will run no further step.",
        "流程运行已取消,不再执行任何步骤。",
    ),
    EventTypeInfo(
        EventType.FLOW_RUN_FAILED,
        "flows",
        "A flow run failed at a step (reason); its owner was told.",
        "流程运行在某一步骤失败(原因),已通知负责人。",
    ),
    EventTypeInfo(
        EventType.FLOW_RUN_COMPLETED,
        "flows",
        "A flow run reached an end node (outcome).",
        "流程运行已到达结束节点(结果)。",
    ),
    EventTypeInfo(
        EventType.FIELD_ENGINEER_CREATED,
        "fieldservice",
        "A field engineer was added (a user or partner staff).",
        "已添加现场工程师(用户或合作方人员)。",
    ),
    EventTypeInfo(
        EventType.FIELD_ENGINEER_UPDATED,
        "fieldservice",
        "A field engineer's skills, certifications, hours, calendar or regions changed.",
        "现场工程师的技能、证书、工作时间、日程或服务区域已修改。",
    ),
    EventTypeInfo(
        EventType.FIELD_ENGINEER_LOCATED,
        "fieldservice",
        "A field engineer's live location was updated (lat, lon, when measured).",
        "现场工程师的实时位置已更新(纬度、经度、测量时间)。",
    ),
    EventTypeInfo(
        EventType.SERVICE_PROVIDER_CREATED,
        "fieldservice",
        "A service provider (partner company with bays) was added.",
        "已添加服务商(有工位的合作公司)。",
    ),
    EventTypeInfo(
        EventType.SERVICE_BAY_RESERVED,
        "fieldservice",
        "A bay at a service provider was reserved for time slots of a day, or all day "
        "(and a work order).",
        "已为某天的时段(或全天)及某工单预留服务商的工位。",
    ),
    EventTypeInfo(
        EventType.WORK_ORDER_PROPOSED,
        "fieldservice",
        "A work order was proposed (installation, repair or inspection of an asset).",
        "已提出派工单(资产的安装、维修或检查)。",
    ),
    EventTypeInfo(
        EventType.WORK_ORDER_ASSIGNED,
        "fieldservice",
        "A work order was assigned to an engineer (recommended first choice, or an "
        "override with its reason).",
        "派工单已分配给工程师(推荐的首选,或附理由的人工改派)。",
    ),
    EventTypeInfo(
        EventType.WORK_ORDER_STATUS_CHANGED,
        "fieldservice",
        "A work order's status changed (from, to, reason).",
        "派工单状态变化(原状态、新状态、理由)。",
    ),
    EventTypeInfo(
        EventType.CONCEPT_DRAFTED,
        "concepts",
        "A new draft version of a business concept was saved (indicators, weights, bands).",
        "已保存业务概念的新草稿版本(指标、权重、分档)。",
    ),
    EventTypeInfo(
        EventType.CONCEPT_PUBLISHED,
        "concepts",
        "A concept version was published (the previous one retired); values were recomputed.",
        "业务概念版本已发布(旧版本停用),客户的值已重新计算。",
    ),
    EventTypeInfo(
        EventType.CONCEPT_RETIRED,
        "concepts",
        "A concept version was retired; its values are kept in the history.",
        "业务概念版本已停用;其计算结果保留在历史中。",
    ),
    EventTypeInfo(
        EventType.CUSTOMER_HEALTH_CHANGED,
        "concepts",
        "A customer's concept value crossed a band (from, to, value, version, concept).",
        "客户的概念值跨越了分档(原分档、新分档、值、版本、概念)。",
    ),
    EventTypeInfo(
        EventType.WEBHOOK_CREATED,
        "platform",
        "A webhook subscription was created (name, URL, event types, filter).",
        "已创建 Webhook 订阅(名称、地址、事件类型、过滤条件)。",
    ),
    EventTypeInfo(
        EventType.WEBHOOK_UPDATED,
        "platform",
        "A webhook subscription was changed, re-enabled or given a new secret.",
        "Webhook 订阅已修改、重新启用或更换了密钥。",
    ),
    EventTypeInfo(
        EventType.WEBHOOK_DELETED,
        "platform",
        "A webhook subscription was deleted; its open deliveries are not sent.",
        "Webhook 订阅已删除;未完成的投递不再发送。",
    ),
    EventTypeInfo(
        EventType.WEBHOOK_DISABLED,
        "platform",
        "A webhook subscription was disabled after repeated failed deliveries.",
        "Webhook 订阅因连续投递失败已自动停用。",
    ),
    EventTypeInfo(
        EventType.WEBHOOK_REDELIVERY_REQUESTED,
        "platform",
        "A person asked for a webhook delivery to be sent again.",
        "已请求重新投递一条 Webhook 消息。",
    ),
    EventTypeInfo(
        EventType.MAILBOX_CREATED,
        "inbox",
        "A mailbox was connected to the inbox (address, owner or shared; never its password).",
        "已接入邮箱(地址、所属人员或共享;不含密码)。",
    ),
    EventTypeInfo(
        EventType.MAILBOX_UPDATED,
        "inbox",
        "A mailbox's settings were changed (which fields; passwords are never included).",
        "邮箱设置已修改(修改了哪些字段;不含密码)。",
    ),
    EventTypeInfo(
        EventType.MAILBOX_SYNC_FAILED,
        "inbox",
        "A mailbox could not be synced (auth_failed or unreachable); the next try backs off.",
        "邮箱同步失败(认证失败或无法连接);下次重试会延后。",
    ),
    EventTypeInfo(
        EventType.CONVERSATION_OPENED,
        "inbox",
        "A new conversation started in the inbox (channel, mailbox).",
        "收件箱中开始了新的会话(渠道、邮箱)。",
    ),
    EventTypeInfo(
        EventType.CONVERSATION_UPDATED,
        "inbox",
        "A conversation was assigned, or its status or due time changed (changes).",
        "会话已分配,或其状态、应答时限已变更。",
    ),
    EventTypeInfo(
        EventType.CONVERSATION_NOTE_ADDED,
        "inbox",
        "An internal note was added to a conversation (never sent to the customer).",
        "会话中添加了内部备注(不会发送给客户)。",
    ),
    EventTypeInfo(
        EventType.CONVERSATION_REPLIED,
        "inbox",
        "A reply was sent from the inbox (message, delivery status).",
        "已从收件箱发送回复(消息、投递状态)。",
    ),
    EventTypeInfo(
        EventType.CONVERSATION_DELIVERY_FAILED,
        "inbox",
        "A reply could not be delivered after every retry.",
        "回复在多次重试后仍未能投递。",
    ),
)

CATALOG: dict[EventType, EventTypeInfo] = {
    **{
        t: _record_info(t)
        for t in EventType
        if t.value.split(".", 1)[0] in _RECORDS and t.value.split(".", 1)[1] in _RECORD_VERBS
    },
    **{info.type: info for info in _OTHERS},
}
CATALOG = {t: CATALOG[t] for t in EventType}  # declaration order; KeyError if one is missing


def record_event(object_type: str, verb: str) -> EventType:
    """The event of a generic record change (``deal`` + ``updated``); ValueError if the
    registry does not list it."""
    return event_type(f"{object_type}.{verb}")


def event_type(value: str) -> EventType:
    """The registered constant for ``value``; ValueError names an unknown type."""
    try:
        return EventType(value)
    except ValueError:
        raise ValueError(f"unknown event type {value!r}: add it to kith.core.event_types") from None
