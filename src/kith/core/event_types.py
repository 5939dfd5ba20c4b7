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
    # --- open platform (kith.platform) ----------------------------------------------
    WEBHOOK_CREATED = "webhook.created"
    WEBHOOK_UPDATED = "webhook.updated"
    WEBHOOK_DELETED = "webhook.deleted"
    WEBHOOK_DISABLED = "webhook.disabled"
    WEBHOOK_REDELIVERY_REQUESTED = "webhook.redelivery_requested"


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
        "A proposed or existing identity link was rejected or marked never-link.",
        "身份关联建议被拒绝或标记为永不关联。",
    ),
    EventTypeInfo(
        EventType.IDENTITY_MERGED,
        "identity",
        "Two persons of the identity graph became one; the absorbed person id redirects.",
        "身份图中的两个人已合并;被合并的人员 ID 重定向到保留者。",
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
