"""Parsing inbound events: schemas per type, and field paths in every refusal (no database)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kith.core.errors import ValidationFailed
from kith.crm.inbound import parse_inbound
from kith.crm.inbound_schemas import InboundData, TelemetryReading, WebVisit
from kith.crm.inbound_types import INBOUND_TYPES, describe_inbound_types, register_inbound_type


def body(**fields: Any) -> bytes:
    return json.dumps(fields, ensure_ascii=False).encode()


def refusal(raw: bytes) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_inbound(raw)
    return [(tuple(e.path), e.type) for e in caught.value.errors]


def test_a_web_visit_parses_into_its_typed_data() -> None:
    request, data = parse_inbound(
        body(
            type="web.visit",
            idempotency_key="visit-1",
            data={
                "visitor": {"email": "director@hospital.cn"},
                "page": "远程质控模块",
                "url": "https://example.cn/products/remote-qc",
                "duration_s": 95,
            },
        )
    )
    assert request.idempotency_key == "visit-1"
    assert isinstance(data, WebVisit)
    assert data.about() is not None and data.about().email == "director@hospital.cn"  # type: ignore[union-attr]
    assert data.interaction_channel() == "web"
    assert data.interaction_subject() == "Visited 远程质控模块"


def test_malformed_json_is_refused_at_the_body() -> None:
    assert refusal(b'{"type": "web.visit", ') == [(("body",), "json_invalid")]


def test_an_unknown_type_is_refused_at_body_type() -> None:
    assert refusal(body(type="web.vist", data={})) == [(("body", "type"), "unknown_type")]


def test_invalid_data_is_refused_with_the_path_of_each_field() -> None:
    errors = refusal(
        body(
            type="web.visit",
            data={"visitor": {"email": "not-an-email"}, "page": "", "url": "ftp://x"},
        )
    )
    paths = {path for path, _type in errors}
    assert ("body", "data", "visitor", "email") in paths
    assert ("body", "data", "page") in paths
    assert ("body", "data", "url") in paths


def test_a_customer_reference_needs_an_identifier() -> None:
    errors = refusal(
        body(type="interaction.inbound", data={"customer": {}, "channel": "chat", "text": "hi"})
    )
    assert errors[0][0] == ("body", "data", "customer")


def test_telemetry_metrics_are_numbers_and_at_least_one_is_given() -> None:
    _, data = parse_inbound(
        body(
            type="telemetry.reading",
            data={
                "device_id": "BMS-778",
                "vehicle_id": "LSV123",
                "model": "EV-7",
                "region": "Harbin",
                "metrics": {"battery_temp_c": -18.5, "soh_pct": 91, "cell_delta_mv": 42},
            },
        )
    )
    assert isinstance(data, TelemetryReading)
    assert data.metrics.model_dump()["cell_delta_mv"] == 42.0
    assert data.interaction_subject() == "Telemetry EV-7 LSV123"
    assert data.about() is None

    bad = refusal(body(type="telemetry.reading", data={"device_id": "d", "metrics": {"x": "hot"}}))
    assert bad[0][0] == ("body", "data", "metrics", "x")
    empty = refusal(body(type="telemetry.reading", data={"device_id": "d", "metrics": {}}))
    assert empty[0][0] == ("body", "data")


def test_unknown_fields_are_refused_rather_than_dropped() -> None:
    errors = refusal(
        body(type="app.event", data={"app_user_id": "u1", "name": "open", "colour": "red"})
    )
    assert errors == [(("body", "data", "colour"), "extra_forbidden")]
    assert refusal(body(type="app.event", data={}, extra=1))[0][0] == ("body", "extra")


def test_every_registered_type_is_described_with_its_json_schema() -> None:
    described = {d["type"]: d for d in describe_inbound_types()}
    assert set(described) >= {
        "interaction.inbound",
        "web.visit",
        "app.event",
        "telemetry.reading",
        "business.event",
    }
    assert described["web.visit"]["channel"] == "web"
    assert "visitor" in described["web.visit"]["json_schema"]["properties"]
    assert described["telemetry.reading"]["description"].startswith("A reading")


def test_a_type_cannot_be_registered_twice_with_different_schemas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("kith.crm.inbound_types.INBOUND_TYPES", dict(INBOUND_TYPES))

    class CheckoutStarted(InboundData):
        """A checkout began (payment risk checks)."""

        order_number: str

        def interaction_subject(self) -> str:
            return f"Checkout {self.order_number}"

    register_inbound_type("checkout.started", CheckoutStarted)
    register_inbound_type("checkout.started", CheckoutStarted)
    with pytest.raises(ValueError, match="already registered"):
        register_inbound_type("checkout.started", WebVisit)
