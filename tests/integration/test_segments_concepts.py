"""Segments filter on customer health (a concept's band and value) through the hook
intelligence declares and bootstrap fills with concepts' provider, on SQLite and
PostgreSQL: preview and saved membership agree, the snapshot says why, and an unknown
concept or band is refused with its path."""

from __future__ import annotations

from typing import Any

import pytest

from kith.concepts.models import ConceptValue
from kith.container import Container
from kith.core.errors import ValidationFailed
from kith.crm import schemas as s
from kith.intelligence.segments.schemas import PreviewIn, SegmentIn
from kith.intelligence.segments.service import SegmentService
from tests.conftest import Workspace
from tests.integration.test_concepts_health import NOW, _admin, _publish_default


def _contacts(container: Container, workspace: Workspace, values: list[Any]) -> list[str]:
    """One contact per (value, band), its health written as a computation would."""
    from kith.crm.service import RecordService

    admin = _admin(container, workspace)
    ids = []
    with container.uow() as uow:
        records = RecordService(uow, admin, lambda: NOW)
        for n, (value, band) in enumerate(values):
            contact = records.create("contact", s.ContactIn(name=f"客户 {n}"))["id"]
            ids.append(contact)
            uow.session.add(
                ConceptValue(
                    tenant_id=workspace.tenant_id,
                    concept_key="customer_health",
                    version=1,
                    subject_type="contact",
                    subject_id=contact,
                    value=value,
                    band=band,
                    coverage=1.0 if value is not None else 0.2,
                    computed_at=NOW,
                )
            )
        uow.commit()
    return ids


def _preview(container: Container, workspace: Workspace, definition: dict[str, Any]) -> Any:
    with container.uow() as uow:
        service = SegmentService(uow, _admin(container, workspace), lambda: NOW)
        return service.preview(PreviewIn.model_validate({"definition": definition}))


def test_a_segment_keeps_the_customers_whose_health_matches(
    container: Container, workspace: Workspace
) -> None:
    _publish_default(container, workspace)
    risky, watch, _healthy, unknown = _contacts(
        container,
        workspace,
        [(22.0, "at_risk"), (55.0, "watch"), (88.0, "healthy"), (None, "unknown")],
    )
    by_band = _preview(
        container,
        workspace,
        {"concepts": [{"concept": "customer_health", "bands": ["at_risk", "watch"]}]},
    )
    assert {m["record_id"] for m in by_band["sample"]} == {risky, watch}
    below = _preview(
        container,
        workspace,
        {"concepts": [{"concept": "customer_health", "op": "lt", "value": 60}]},
    )
    assert {m["record_id"] for m in below["sample"]} == {risky, watch}  # unknown never matches
    both = _preview(
        container,
        workspace,
        {
            "concepts": [
                {"concept": "customer_health", "bands": ["watch"], "op": "gte", "value": 50}
            ]
        },
    )
    assert [m["record_id"] for m in both["sample"]] == [watch]
    unknowns = _preview(
        container, workspace, {"concepts": [{"concept": "customer_health", "bands": ["unknown"]}]}
    )
    assert [m["record_id"] for m in unknowns["sample"]] == [unknown]

    with container.uow() as uow:
        service = SegmentService(uow, _admin(container, workspace), lambda: NOW)
        service.create(
            SegmentIn.model_validate(
                {
                    "name": "health_at_risk",
                    "label_zh": "健康度有风险",
                    "label_en": "Health at risk",
                    "definition": {
                        "concepts": [{"concept": "customer_health", "bands": ["at_risk"]}]
                    },
                }
            )
        )
        result = service.refresh("health_at_risk")
        members = service.members("health_at_risk")
        uow.commit()
    assert result.added == 1
    (member,) = members[1]
    assert member["record_id"] == risky
    assert member["snapshot"]["concepts"]["customer_health"] == {"value": 22.0, "band": "at_risk"}


@pytest.mark.parametrize(
    ("condition", "loc"),
    [
        ({"concept": "happiness", "bands": ["x"]}, ["definition", "concepts", 0, "concept"]),
        (
            {"concept": "customer_health", "bands": ["glowing"]},
            ["definition", "concepts", 0, "bands", 0],
        ),
        ({"concept": "customer_health", "op": "lt"}, ["definition", "concepts", 0, "value"]),
        ({"concept": "customer_health"}, ["definition", "concepts", 0]),
    ],
)
def test_a_wrong_concept_condition_is_refused_with_its_path(
    container: Container, workspace: Workspace, condition: dict[str, Any], loc: list[Any]
) -> None:
    _publish_default(container, workspace)
    with pytest.raises(ValidationFailed) as raised:
        _preview(container, workspace, {"concepts": [condition]})
    assert raised.value.errors[0].path == loc


def test_the_health_dashboard_by_segment(container: Container, workspace: Workspace) -> None:
    """Per saved segment: the members' bands, and who moved ≥ 5 points up or down in
    the last 7 and 30 days (from the kept history), with the biggest mover named."""
    from datetime import timedelta

    from kith.concepts import dashboard
    from kith.concepts.models import ConceptValueHistory

    _publish_default(container, workspace)
    risky, watch, healthy = _contacts(
        container, workspace, [(22.0, "at_risk"), (55.0, "watch"), (88.0, "healthy")]
    )
    history = [  # (who, value computed, days ago): the value as it stood then
        (risky, 70.0, 40),  # 70 both 7 and 30 days ago: fell 48
        (watch, 40.0, 10),  # 40 a week ago, nothing known 30 days ago: rose 15 in 7 days
        (healthy, 86.0, 40),  # 2 points: not a move
    ]
    with container.uow() as uow:
        for who, value, days in history:
            uow.session.add(
                ConceptValueHistory(
                    tenant_id=workspace.tenant_id,
                    concept_key="customer_health",
                    version=1,
                    subject_type="contact",
                    subject_id=who,
                    value=value,
                    band="watch",
                    computed_at=NOW - timedelta(days=days, seconds=1),
                )
            )
        service = SegmentService(uow, _admin(container, workspace), lambda: NOW)
        service.create(
            SegmentIn.model_validate(
                {
                    "name": "not_healthy",
                    "label_zh": "不健康",
                    "label_en": "Not healthy",
                    "definition": {
                        "concepts": [{"concept": "customer_health", "op": "lt", "value": 70}]
                    },
                }
            )
        )
        service.refresh("not_healthy")
        uow.commit()
    with container.uow() as uow:
        board = dashboard.by_segment(
            uow, _admin(container, workspace), "customer_health", "contact", NOW
        )
    everyone, segment = board["segments"]
    assert everyone["bands"] == {"at_risk": 1, "watch": 1, "healthy": 1, "unknown": 0}
    assert everyone["moved"] == {"7": {"up": 1, "down": 1}, "30": {"up": 0, "down": 1}}
    assert segment["name"] == "not_healthy" and segment["members"] == 2
    assert segment["bands"] == {"at_risk": 1, "watch": 1, "healthy": 0, "unknown": 0}
    assert segment["biggest_mover"]["subject_id"] == risky
    assert segment["biggest_mover"]["delta"] == -48.0
    assert segment["biggest_mover"]["name"] == "客户 0"
