"""The demo company — 华辰科技 (Huachen Technologies) — its people, teams, integrations,
pipelines and catalogue.

Huachen sells electric vehicles to fleets and drivers, and medical equipment
to hospitals, which gives the demo both pipelines the scenarios need.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from kith.demo.plan import IntegrationDef, PipelineDef, PlanBuilder, TeamDef, UserDef
from kith.demo.vocab import PIPELINE_NAMES, PRODUCTS, STAGES_BY_PIPELINE

ADMIN = "user:zhouming"

USERS: tuple[UserDef, ...] = (
    UserDef(ADMIN, "zhou.ming@kith.demo", "周明", "系统管理员", ("admin",)),
    UserDef("user:chenjing", "chen.jing@kith.demo", "陈静", "销售经理", ("manager",)),
    UserDef("user:wangqiang", "wang.qiang@kith.demo", "王强", "大客户经理", ("sales",)),
    UserDef("user:lina", "li.na@kith.demo", "李娜", "销售代表", ("sales",)),
    UserDef("user:liuyang", "liu.yang@kith.demo", "刘洋", "医疗行业销售代表", ("sales",)),
    UserDef("user:zhaomin", "zhao.min@kith.demo", "赵敏", "供应链总监", ("service",)),
    UserDef("user:sunli", "sun.li@kith.demo", "孙丽", "客服主管", ("service",)),
    UserDef(
        "user:emily",
        "emily.carter@kith.demo",
        "Emily Carter",
        "客户成功专员 Customer Success",
        ("service",),
        "en-US",
    ),
    UserDef("user:wuting", "wu.ting@kith.demo", "吴婷", "市场经理", ("marketing",)),
    UserDef("user:zhenghao", "zheng.hao@kith.demo", "郑浩", "数据分析师", ("analyst",)),
)

TEAMS: tuple[TeamDef, ...] = (
    TeamDef(
        "team:east", "华东销售组 East China Sales", "user:chenjing", ("user:wangqiang", "user:lina")
    ),
    TeamDef("team:medical", "医疗行业组 Medical", "user:chenjing", ("user:liuyang",)),
    TeamDef("team:service", "客户服务组 Customer Service", "user:sunli", ("user:emily",)),
    TeamDef("team:supply", "供应链 Supply Chain", "user:zhaomin", ()),
)

# Integrations write through API keys of the admin, each narrowed to what it needs,
# so the timeline shows "API key 车联网平台" rather than a person or "system".
INTEGRATIONS: tuple[IntegrationDef, ...] = (
    IntegrationDef("bot:app", "华辰 App 接入 Owner app", ("contacts:write", "interactions:write")),
    IntegrationDef("bot:wecom", "企业微信接入 WeCom", ("contacts:write", "interactions:write")),
    IntegrationDef("bot:mail", "邮件网关 Mail gateway", ("contacts:write", "interactions:write")),
    IntegrationDef("bot:chat", "在线客服 Web chat", ("interactions:write",)),
    IntegrationDef("bot:web", "官网行为追踪 Web tracker", ("interactions:write",)),
    IntegrationDef("bot:iot", "车联网平台 IoT platform", ("interactions:write",)),
    IntegrationDef("bot:marketing", "营销自动化 Marketing automation", ("interactions:write",)),
    IntegrationDef("bot:erp", "ERP 订单同步 ERP sync", ("orders:write",)),
)


def pipelines(b: PlanBuilder) -> tuple[PipelineDef, ...]:
    created = b.start - timedelta(days=90)
    return tuple(
        PipelineDef(f"pipeline:{key}", PIPELINE_NAMES[key], key == "fleet", stages, created)
        for key, stages in STAGES_BY_PIPELINE.items()
    )


def plan_products(b: PlanBuilder) -> None:
    at = b.start - timedelta(days=60)
    for product in PRODUCTS:
        b.create(
            "product",
            f"product:{product.key}",
            at,
            ADMIN,
            sku=product.sku,
            name=product.name,
            category=product.category,
            price=product.price,
            currency="CNY",
            description=product.description,
        )


PRICES: dict[str, Decimal] = {p.key: p.price for p in PRODUCTS}
