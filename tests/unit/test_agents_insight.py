"""Product Insight's arithmetic: SOH loss per month, fleet temperature findings, and
telemetry metadata in both shapes (recorded directly, or from an inbound event)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kith.agents.builtin.insight import fleet_answer, loss_per_month, vehicle_profile
from kith.agents.repository import Reading, flat_meta

START = datetime(2026, 5, 1, tzinfo=UTC)


def _readings(soh: list[float], days_apart: int = 30, **meta: object) -> list[Reading]:
    return [
        Reading("c1", START + timedelta(days=i * days_apart), {"soh_pct": s, **meta})
        for i, s in enumerate(soh)
    ]


def test_soh_loss_per_month_needs_two_months_of_history() -> None:
    assert loss_per_month(_readings([99.0, 97.8, 96.5, 95.3])) == (99.0 - 95.3) / (90 / 30.4)
    assert loss_per_month(_readings([99.0, 98.0])) is None  # 30 days: too short to tell
    assert loss_per_month(_readings([99.0])) is None


def test_without_range_data_a_cold_region_explains_the_range_loss() -> None:
    cold = _readings([96.0] * 4, days_apart=5, battery_temp_c=-8.0, region="哈尔滨")
    warm = _readings([96.0] * 4, days_apart=5, battery_temp_c=25.0, region="广州")
    zh = fleet_answer("E7", 30, cold + warm, "zh", "哈尔滨")
    assert zh.conclusion == "cold_weather_range_loss"
    assert (zh.findings["region"], zh.findings["share_below_0c"]) == ("哈尔滨", 1.0)
    assert "哈尔滨平均气温 -8.0°C" in zh.summary and "续航下降主要由低温导致" in zh.summary
    en = fleet_answer("E7", 30, cold + warm, "en", "广州")
    assert en.conclusion == "no_temperature_effect"
    assert "temperature does not explain" in en.summary
    assert fleet_answer("E7", 30, [], "zh", None).conclusion == "no_data"


def test_the_outside_temperature_counts_when_the_vehicle_reports_it() -> None:
    winter = _readings([96.0] * 4, days_apart=5, battery_temp_c=12.0, ambient_temp_c=-6.0)
    answer = fleet_answer("E7", 30, winter, "zh", None)
    assert answer.conclusion == "cold_weather_range_loss"
    assert (answer.findings["mean_temp_c"], answer.findings["mean_battery_temp_c"]) == (-6.0, 12.0)


def test_range_per_charge_in_the_cold_versus_mild_weather_decides_when_known() -> None:
    def reading(temp: float, range_km: float, soc: float) -> Reading:
        meta = {"battery_temp_c": temp, "range_km_est": range_km, "soc_pct": soc}
        return Reading("c1", START, meta)

    cold = [reading(-10, 300, 100), reading(-5, 150, 50), reading(-12, 290, 100)]
    mild = [reading(18, 500, 100), reading(20, 250, 50), reading(15, 480, 100)]
    answer = fleet_answer("E7", 30, cold + mild, "en", None)
    assert answer.findings["cold_range_drop"] == 0.4
    assert answer.conclusion == "cold_weather_range_loss" and "40% lower" in answer.summary
    steady = fleet_answer("E7", 30, cold + cold, "zh", None)
    assert steady.findings["cold_range_drop"] is None  # no mild readings to compare with


def test_metadata_from_inbound_events_is_flattened() -> None:
    inbound = {
        "event_type": "telemetry.reading",
        "data": {
            "device_id": "tbox-1",
            "model": "E7",
            "region": "哈尔滨",
            "owner": {"contact_id": "c1"},
            "metrics": {"soh_pct": 92.4},
        },
    }
    flat = flat_meta(inbound)
    assert (flat["model"], flat["region"], flat["soh_pct"]) == ("E7", "哈尔滨", 92.4)
    assert "owner" not in flat
    assert flat_meta({"model": "E5", "soh_pct": 97.0}) == {"model": "E5", "soh_pct": 97.0}


def test_a_vehicles_profile_is_its_latest_known_attributes() -> None:
    history = _readings([99.0], cell_batch="CB-1", region="长春") + _readings(
        [98.0], region="哈尔滨"
    )
    assert vehicle_profile(history) == {"cell_batch": "CB-1", "region": "哈尔滨"}
