"""Any numeric field as a concept's source, on SQLite and PostgreSQL: a ticket's custom
number field (mean over the customer's tickets in the window) and an account's built-in
field reach the mapping editor's list, its samples with the normalised value, and the
preview; a field that is not there degrades with a visible reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from kith.concepts.fields import numeric_fields
from kith.concepts.schemas import ConceptDefinition
from kith.container import Container
from kith.crm import schemas as s
from kith.crm.models import FieldDefinition
from tests.conftest import Workspace
from tests.integration.test_concepts_health import NOW, _concepts, records  # noqa: F401

SOURCE = "field:ticket.custom.repair_cost"


def _indicator(source: str, weight: float = 1.0) -> dict[str, Any]:
    return {
        "key": source.rsplit(".", 1)[-1],
        "label_en": source,
        "label_zh": source,
        "source": source,
        "weight": weight,
        "window_days": 90,
        "normalisation": {
            "method": "minmax",
            "min": 0,
            "max": 1000,
            "direction": "lower_better",
        },
    }


@pytest.fixture
def customers(container: Container, workspace: Workspace, records: Any) -> list[str]:  # noqa: F811
    with container.uow() as uow:
        uow.session.add(
            FieldDefinition(
                tenant_id=workspace.tenant_id,
                object_type="ticket",
                name="repair_cost",
                type="number",
                label_en="Repair cost",
                label_zh="维修费用",
            )
        )
        uow.commit()
    ids = []
    with records(NOW - timedelta(days=10)) as svc:
        for n, costs in enumerate([(200, 400), (900,), ()]):
            contact = svc.create("contact", s.ContactIn(name=f"车主 {n}"))["id"]
            ids.append(contact)
            for cost in costs:
                svc.create(
                    "ticket",
                    s.TicketIn(subject="维修", contact_id=contact, custom={"repair_cost": cost}),
                )
    with records(NOW - timedelta(days=200)) as svc:  # outside the 90-day window
        svc.create(
            "ticket",
            s.TicketIn(subject="旧维修", contact_id=ids[0], custom={"repair_cost": 5000}),
        )
    return ids


def test_a_custom_number_field_is_a_source_with_samples_and_a_preview(
    container: Container, workspace: Workspace, customers: list[str]
) -> None:
    with container.uow() as uow:
        listed = {f.source: f for f in numeric_fields(uow.session, workspace.tenant_id)}
    assert listed[SOURCE].label_zh.endswith("维修费用")
    assert listed["field:order.total"].label_zh == "订单:订单金额"  # a built-in column
    assert not any(name.endswith("_id") for name in listed)

    with _concepts(container, workspace) as svc:
        sample = svc.sample(SOURCE, "contact", _indicator(SOURCE)["normalisation"], 90)
    rows = {r["subject_id"]: r for r in sample.rows}
    assert set(rows) == set(customers[:2])  # no ticket, no value
    assert rows[customers[0]]["raw"] == 300.0 and rows[customers[0]]["samples"] == 2
    assert rows[customers[0]]["normalised"] == pytest.approx(0.7)  # lower cost is better
    assert rows[customers[1]]["normalised"] == pytest.approx(0.1)

    definition = ConceptDefinition.model_validate(
        {"indicators": [_indicator(SOURCE)], "min_coverage": 0.5}
    )
    with _concepts(container, workspace) as svc:
        preview = svc.preview("repair_health", definition, "contact")
    by_id = {r.subject_id: r for r in preview.rows}
    assert by_id[customers[0]].value == pytest.approx(70.0)


def test_a_field_that_is_not_there_degrades_with_its_reason(
    container: Container, workspace: Workspace, customers: list[str]
) -> None:
    definition = ConceptDefinition.model_validate(
        {
            "indicators": [
                _indicator(SOURCE, 0.6),
                _indicator("field:ticket.custom.no_such_field", 0.4),
            ],
            "min_coverage": 0.5,
        }
    )
    with _concepts(container, workspace) as svc:
        preview = svc.preview("repair_health", definition, "contact")
    row = next(r for r in preview.rows if r.subject_id == customers[0])
    missing = next(c for c in row.contributions if c.key == "no_such_field")
    assert missing.status == "missing" and missing.reason
    assert row.value == pytest.approx(70.0)  # the weight moved to what exists
