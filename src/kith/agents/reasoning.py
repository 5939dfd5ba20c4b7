"""Reasoning engines: who drafts an agent's text and who may choose its tool calls.

The built-in ``RulesEngine`` needs no network: agents decide with their own
rules and scores, and text comes from the zh/en templates below. An
OpenAI-compatible engine (``kith.agents.llm``) may draft text and choose tool
calls instead; the runtime validates whatever it chooses against the tool
schemas and falls back to the rules when it fails.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Language = Literal["zh", "en"]


@dataclass(frozen=True)
class DraftRequest:
    """Text to write from a template; ``private`` values are masked before any model sees them."""

    template: str
    language: Language
    variables: Mapping[str, Any]
    private: Mapping[str, str] = field(default_factory=dict)
    # the contact's (their account's) country: phone numbers in the text are parsed with
    # it before the configured regions when masking
    regions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Draft:
    subject: str
    text: str
    engine: str


@dataclass(frozen=True)
class ToolSchema:
    name: str
    description: str
    parameters: Mapping[str, Any]  # JSON schema of the arguments


@dataclass(frozen=True)
class ToolCall:
    tool: str
    arguments: Any  # whatever the model sent: validated by the runtime, never trusted


@dataclass(frozen=True)
class ToolChoiceRequest:
    """The situation in words, the tools the agent may use, and what the rules would do."""

    agent: str
    situation: str
    tools: Sequence[ToolSchema]
    rules_plan: Sequence[str]  # summaries of the rules' proposals, as a hint
    private: Mapping[str, str] = field(default_factory=dict)
    regions: tuple[str, ...] = ()  # as DraftRequest.regions


@dataclass(frozen=True)
class ToolChoice:
    """``calls`` with private values restored; ``raw`` is the masked reply, for the record."""

    calls: tuple[ToolCall, ...]
    raw: str
    engine: str
    error: str | None = None


class ReasoningEngine(Protocol):
    name: str
    version: str
    chooses_tools: bool  # False: the agents' own rules decide, ``choose`` is not asked

    def draft(self, request: DraftRequest) -> Draft: ...

    def choose(self, request: ToolChoiceRequest) -> ToolChoice | None:
        """``None``: keep the rules' plan (the rules engine always does)."""
        ...

    def close(self) -> None: ...


class RulesEngine:
    """Deterministic: templates for text, the agent's own rules for decisions."""

    name = "rules"
    version = "kith-rules/1"
    chooses_tools = False

    def draft(self, request: DraftRequest) -> Draft:
        return render(request.template, request.language, request.variables)

    def choose(self, request: ToolChoiceRequest) -> ToolChoice | None:
        return None

    def close(self) -> None:
        """Nothing to release."""


def render(template: str, language: Language, variables: Mapping[str, Any]) -> Draft:
    subject, text = TEMPLATES[template][language]
    values = _Defaulting(variables)
    return Draft(subject.format_map(values), text.format_map(values), RulesEngine.name)


class _Defaulting(dict[str, Any]):
    """Missing variables render as empty text instead of failing a whole step."""

    def __missing__(self, key: str) -> str:
        return ""


# Each template: language -> (subject, text). Placeholders are str.format names.
TEMPLATES: dict[str, dict[Language, tuple[str, str]]] = {
    "diagnosis_ticket": {
        "zh": (
            "诊断：{short}",
            "客户通过{channel}反馈：{text}\n车型：{model}\n"
            "自动分类：{category}（置信度 {confidence}）；情绪：{sentiment}。"
            "已请产品洞察分析同车型近 30 天电池温度数据。",
        ),
        "en": (
            "Diagnosis: {short}",
            "The customer wrote via {channel}: {text}\nModel: {model}\nClassified as {category} "
            "(confidence {confidence}); sentiment: {sentiment}. Product Insight has been asked "
            "for the last 30 days of battery-temperature data of this model.",
        ),
    },
    "support_ticket": {
        "zh": (
            "{short}",
            "客户通过{channel}反馈：{text}\n自动分类：{category}；情绪：{sentiment}。",
        ),
        "en": (
            "{short}",
            "The customer wrote via {channel}: {text}\nCategory: {category}; "
            "sentiment: {sentiment}.",
        ),
    },
    "analysis_note": {
        "zh": ("产品洞察：{model} 近 {days} 天电池温度分析", "{summary}"),
        "en": ("Product insight: {model}, battery temperature, last {days} days", "{summary}"),
    },
    "cold_range_offer": {
        "zh": (
            "冬季用车关怀：低温驾驶技巧 + 免费电池健康检测",
            "{name}您好，关于您反馈的冬季续航问题，我们分析了近 30 天的电池温度数据：{finding}\n"
            "低温驾驶技巧：1）出发前 30 分钟在 App 中预热电池；"
            "2）尽量停放在室内或地库，电量保持在 20%–80%；"
            "3）优先使用座椅加热，减少高功率空调制热；4）平稳加速，善用能量回收。\n"
            "我们还为您准备了一次免费电池健康检测：回复“预约”或在 App「服务预约」中选择时间即可。",
        ),
        "en": (
            "Winter care: cold-weather driving tips + a free battery health check",
            "Hi {name}, about the winter range you reported: we analysed the last 30 days of "
            "battery-temperature data: {finding}\nCold-weather tips: "
            "1) precondition the battery in the app 30 minutes before you leave; 2) park "
            "indoors and keep the charge between 20% and 80%; 3) prefer seat heating to full "
            "cabin heating; 4) accelerate smoothly and use regenerative braking.\nWe have also "
            "set aside a free battery health check for you: reply 'book' or pick a time under "
            "Service booking in the app.",
        ),
    },
    "history_answer": {
        "zh": ("回复：{question}", "您好，关于「{question}」：{answer}"),
        "en": ("Re: {question}", 'Hello, about "{question}": {answer}'),
    },
    "demo_proposal": {
        "zh": (
            "定制演示方案：{company} ·「{page}」",
            "{contact}（{title}，{company}）近 {days} 天内 {visits} 次浏览「{page}」页面。\n"
            "建议：一周内安排「{page}」定制演示，结合该院已采购设备讲解预防性维护与等级评审达标；"
            "演示材料发出前需通过合规预审（工单 {review}）。",
        ),
        "en": (
            "Tailored demo proposal: {company} · '{page}'",
            "{contact} ({title}, {company}) viewed the '{page}' page {visits} times in {days} "
            "days.\nSuggested: a tailored '{page}' demo within a week, built around the "
            "equipment they already run; the material needs the compliance pre-review "
            "(ticket {review}) before it is sent.",
        ),
    },
    "demo_notice": {
        "zh": (
            "高意向信号：{company}",
            "{contact}（{title}）{visits} 次浏览「{page}」，已为您生成定制演示方案任务。",
        ),
        "en": (
            "Buying signal: {company}",
            "{contact} ({title}) viewed '{page}' {visits} times; a tailored demo task is waiting.",
        ),
    },
    "compliance_review": {
        "zh": (
            "合规预审：{company}「{page}」演示方案",
            "依据公司医疗器械营销合规政策，向医疗机构发送演示方案前须经法务预审：不得承诺诊疗效果，"
            "不得提供或暗示任何利益输送，报价须经审批，演示数据须脱敏。\n触发：{contact}（{title}）"
            "{visits} 次浏览「{page}」。",
        ),
        "en": (
            "Compliance pre-review: '{page}' demo proposal for {company}",
            "Under the medical-device marketing compliance policy, legal reviews any demo "
            "proposal to a healthcare institution before it is sent: no promised clinical "
            "outcomes, no inducements, approved pricing only, anonymised demo data.\n"
            "Trigger: {contact} ({title}) viewed '{page}' {visits} times.",
        ),
    },
    "rnd_flag": {
        "zh": (
            "研发关注：电芯批次 {batch} 在{region}衰减过快",
            "{region} {vehicles} 辆使用电芯批次 {batch} 的车辆，电池健康度（SOH）平均每月下降 "
            "{rate}%（阈值 {threshold}%/月，样本 {readings} 条读数）。请研发评估该电芯批次。\n"
            "已同步：向车主发放免费电池检测券，通知当地服务商预留工位。",
        ),
        "en": (
            "R&D flag: cell batch {batch} degrading fast in {region}",
            "{vehicles} vehicles in {region} with cell batch {batch} lose {rate}% state of "
            "health per month on average (threshold {threshold}%/month, {readings} readings). "
            "Please assess the cell batch.\nAlso done: owners get a free battery-check voucher, "
            "local service providers are asked to reserve bays.",
        ),
    },
    "soh_voucher": {
        "zh": ("免费电池健康检测券", "您的车辆电池健康度下降较快，赠送一次免费电池健康检测。"),
        "en": (
            "Free battery health check",
            "Your battery is ageing faster than it should: a free battery health check is on us.",
        ),
    },
    "bay_reservation": {
        "zh": (
            "工位预留：{region}电池检测",
            "{provider}您好：{region}约 {vehicles} 位车主的电池健康度下降较快，"
            "我们已发放免费电池检测券，"
            "预计未来两周到店检测约 {vehicles} 台次，请预留电池检测工位。",
        ),
        "en": (
            "Bay reservation: battery checks in {region}",
            "Hello {provider}: about {vehicles} owners in {region} have batteries ageing fast "
            "and received free battery-check vouchers; expect about {vehicles} checks in the "
            "next two weeks and please reserve battery bays.",
        ),
    },
    "lead_followup": {
        "zh": (
            "跟进新线索：{name}（{company}）",
            "线索评分 {score}（阈值 {threshold}）：{reasons}。建议 24 小时内首次联系。",
        ),
        "en": (
            "Follow up new lead: {name} ({company})",
            "Lead score {score} (threshold {threshold}): {reasons}. Make first contact within "
            "24 hours.",
        ),
    },
    "stalled_deal": {
        "zh": (
            "商机停滞：{deal} 在「{stage}」已 {days} 天",
            "该商机在「{stage}」阶段停留 {days} 天，超过常规的 {usual} 天。"
            "建议：确认决策人与下一步时间，"
            "必要时请经理协助推进。",
        ),
        "en": (
            "Stalled deal: {deal} in '{stage}' for {days} days",
            "This deal has been in '{stage}' for {days} days, longer than the usual {usual}. "
            "Confirm the decision maker and a dated next step; ask your manager to help if needed.",
        ),
    },
    "retention_offer": {
        "zh": (
            "专属关怀",
            "{name}您好，感谢一路相伴，我们为您准备了专属保养优惠，欢迎在 App 中查看。",
        ),
        "en": (
            "A thank-you from us",
            "Hi {name}, thank you for staying with us: a service "
            "discount is waiting for you in the app.",
        ),
    },
}
