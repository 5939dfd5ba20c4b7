"""The payment check of scenario S4 as data: the demo loader seeds it, the benchmark
and the tests use it. Three checks — the lists (IP, device, card), the card's and the
device's last hour, and the customer's history — in CEL."""

from __future__ import annotations

from typing import Any

PAYMENT_CHECK = "payment_check"

PAYMENT_RULES: dict[str, Any] = {
    "input": "payment",
    "rules": [
        {
            "name": "allowlisted_card",
            "when": "lists.card_allowed && !lists.device_blocked",
            "outcome": "pass",
            "reason_en": "This card is on the allowlist.",
            "reason_zh": "该银行卡在白名单中。",
        },
        {
            "name": "blocked_device_or_ip",
            "when": "lists.device_blocked || lists.ip_blocked || lists.card_blocked",
            "score": 100,
            "outcome": "block",
            "reason_en": "This payment comes from a device or network we cannot accept.",
            "reason_zh": "此笔支付来自我们无法受理的设备或网络。",
        },
        {
            "name": "card_shared_by_accounts",
            "when": "card.accounts_1h >= 5",
            "score": 60,
            "reason_en": "This card was used by several accounts within the last hour.",
            "reason_zh": "该银行卡在过去一小时内被多个账户使用。",
        },
        {
            "name": "card_velocity",
            "when": "card.txns_1h >= 10 || card.amount_1h > 50000.0",
            "score": 30,
            "reason_en": "Unusually many payments with this card within the last hour.",
            "reason_zh": "该银行卡在过去一小时内支付次数异常多。",
        },
        {
            "name": "device_shared_by_accounts",
            "when": "device.accounts_1h >= 4",
            "score": 30,
            "reason_en": "This device was used by several accounts within the last hour.",
            "reason_zh": "该设备在过去一小时内被多个账户使用。",
        },
        {
            "name": "new_customer_large_amount",
            "when": "!history.known && input.amount > 5000.0",
            "score": 30,
            "reason_en": "A large first order.",
            "reason_zh": "首次下单金额较大。",
        },
        {
            "name": "past_disputes",
            "when": "history.disputes > 0",
            "score": 40,
            "reason_en": "An earlier payment on this account was disputed.",
            "reason_zh": "该账户此前有支付争议。",
        },
        {
            "name": "loyal_customer",
            "when": "history.delivered >= 3 && history.disputes == 0 && history.refunds <= 1",
            "score": -20,
            "reason_en": "A loyal customer with completed deliveries.",
            "reason_zh": "多次顺利收货的老客户。",
        },
    ],
    "thresholds": [
        {"min_score": 80, "outcome": "review"},
        {"min_score": 50, "outcome": "step_up"},
    ],
    "actions": {
        "step_up": ["step_up_sms", "hold_shipment", "notify_analyst"],
        "review": ["hold_shipment", "notify_analyst", "open_review_ticket"],
        "block": ["notify_analyst", "open_review_ticket"],
    },
    "fallback_outcome": "step_up",
    "budget_ms": 50,
    "test_cases": [
        {
            "name": "blocked device",
            "given": {"lists": {"device_blocked": True}},
            "expect": "block",
        },
        {
            "name": "card shared by five accounts",
            "given": {"card": {"accounts_1h": 5}, "history": {"known": True, "orders": 1}},
            "expect": "step_up",
        },
        {
            "name": "loyal customer",
            "given": {
                "input": {"amount": 899.0},
                "history": {"known": True, "orders": 12, "delivered": 11},
            },
            "expect": "pass",
        },
    ],
}
