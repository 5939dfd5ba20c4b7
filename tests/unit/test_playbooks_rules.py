"""Mapping a deal's facts onto the shared situation vocabulary (``kith.playbooks.rules``)."""

from __future__ import annotations

import pytest

from kith.core.errors import ValidationFailed
from kith.playbooks.rules import check_body, customer_type, industry_value, size_band, stage_value
from kith.playbooks.schemas import PracticeBody


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("healthcare", "hospital"),
        ("医院", "hospital"),
        ("市政府采购中心", "government"),
        ("hospitality", "hospitality"),  # a hotel group is not a hospital
        ("Logistics", "logistics"),
        ("spaceships", None),
        (None, None),
    ],
)
def test_industry_value(raw: str | None, value: str | None) -> None:
    assert industry_value(raw) == value


def test_stage_size_and_customer_type() -> None:
    assert stage_value("预算审批") == "budget_approval"
    assert stage_value("招标准备") == "tender"
    assert stage_value("商务谈判") == "negotiation"
    assert stage_value("试驾评估") is None
    assert [size_band(x) for x in (99_999, 100_000, 999_999, 1_000_000, None)] == [
        "small", "medium", "medium", "large", None,
    ]  # fmt: skip
    assert (customer_type("strategic"), customer_type("smb"), customer_type(None)) == (
        "key", "standard", None,
    )  # fmt: skip


def test_a_condition_that_reads_an_undeclared_variable_is_refused_at_save() -> None:
    body = PracticeBody.model_validate(
        {
            "title": "x",
            "verification": [
                {"key": "a", "label": "a", "event_type": "deal.won", "condition": "order.total > 1"}
            ],
        }
    )
    with pytest.raises(ValidationFailed) as caught:
        check_body(body)
    assert [e.path for e in caught.value.errors] == [["body", "verification", 0, "condition"]]
