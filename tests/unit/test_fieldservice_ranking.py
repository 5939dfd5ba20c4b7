"""The dispatch ranker: eligibility (hours, skills, certificates, region, a gap in the
window), the five factors and their weights, the explanation, and the greedy day plan."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kith.core.errors import Conflict
from kith.fieldservice.dispatch import plan_day
from kith.fieldservice.models import FieldEngineer, WorkOrder
from kith.fieldservice.ranking import Candidate, Job, check_weights, haversine_km, rank
from kith.fieldservice.rules import TRANSITIONS, check_transition

DAY = date(2026, 12, 9)
SITE = (31.2050, 121.5900)  # Zhangjiang, Shanghai


def engineer(id: str, lat: float = 31.23, lon: float = 121.47, **kw: object) -> Candidate:
    base: dict[str, object] = {
        "name": id,
        "skills": frozenset({"installation"}),
        "certifications": {},
        "regions": frozenset(),
        "work": (-90.0, 480.0),
    }
    base.update(kw)
    return Candidate(id=id, lat=lat, lon=lon, **base)  # type: ignore[arg-type]


def job(**kw: object) -> Job:
    base: dict[str, object] = {
        "lat": SITE[0],
        "lon": SITE[1],
        "day": DAY,
        "window_min": 420.0,
        "duration_min": 120.0,
        "required_skills": ("installation",),
        "not_before_min": -1440.0,
    }
    base.update(kw)
    return Job(**base)  # type: ignore[arg-type]


def test_haversine_matches_a_known_distance() -> None:
    # Shanghai People's Square to Suzhou centre: about 84 km great-circle
    assert 80 < float(haversine_km(31.2304, 121.4737, 31.2990, 120.5853)) < 88


def test_nearer_engineer_ranks_first_and_the_score_is_its_weighted_factors() -> None:
    near, far = engineer("near"), engineer("far", 31.30, 120.60)
    result = rank([far, near], job())
    assert [r["engineer_id"] for r in result.ranked] == ["near", "far"]
    top = result.ranked[0]
    assert top["score"] == pytest.approx(sum(top["contributions"].values()), abs=1e-3)
    assert top["contributions"]["travel"] == pytest.approx(
        0.35 * top["factors"]["travel"], abs=1e-3
    )
    assert result.as_dict()["weights"] == check_weights(None)


def test_hard_checks_exclude_with_a_reason() -> None:
    candidates = [
        engineer("off", work=None),
        engineer("novice", skills=frozenset({"repair"})),
        engineer(
            "lapsed",
            skills=frozenset({"installation"}),
            certifications={"installation": date(2026, 12, 8)},
        ),
        engineer("elsewhere", regions=frozenset({"杭州"})),
        engineer("booked", busy=((-90.0, 480.0),)),
        engineer("ok", regions=frozenset({"上海"})),
    ]
    result = rank(candidates, job(region="上海"))
    assert [r["engineer_id"] for r in result.ranked] == ["ok"]
    reasons = {e["engineer_id"]: e["reason"] for e in result.excluded}
    assert reasons == {
        "off": "not_working",
        "novice": "missing_skill",
        "lapsed": "certification_expired",
        "elsewhere": "outside_region",
        "booked": "no_slot_in_window",
    }


def test_a_certificate_valid_on_the_day_beats_an_uncertified_skill() -> None:
    certified = engineer("cert", certifications={"installation": DAY})
    uncertified = engineer("plain")
    result = rank([uncertified, certified], job())
    assert [r["engineer_id"] for r in result.ranked] == ["cert", "plain"]
    assert [r["factors"]["skill"] for r in result.ranked] == [1.0, 0.5]


def test_a_busy_morning_pushes_the_arrival_after_the_block() -> None:
    busy = engineer("busy", busy=((-90.0, 180.0),))
    result = rank([busy], job())
    travel = result.ranked[0]["travel_min"]
    assert result.ranked[0]["arrival_offset_min"] == pytest.approx(180.0 + travel, abs=0.2)
    assert result.ranked[0]["factors"]["window"] < 0.6


def test_load_and_preference_break_a_tie_between_equals() -> None:
    loaded = engineer("loaded", booked_min=300.0)
    free = engineer("free")
    assert rank([loaded, free], job()).ranked[0]["engineer_id"] == "free"
    assert rank([free, loaded], job(preferred=frozenset({"loaded"}))).ranked[0]["engineer_id"] == (
        "free"  # preference (0.10) does not outweigh 300 booked minutes (load 0.20 × 0.53)
    )
    veteran = engineer("veteran", worked_on_asset=True)
    assert rank([free, veteran], job()).ranked[0]["engineer_id"] == "veteran"


def test_weights_must_cover_every_factor_and_sum_to_one() -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        check_weights({"travel": 0.5, "skill": 0.5, "load": 0.5, "window": 0, "preference": 0})
    with pytest.raises(ValueError, match="exactly the factors"):
        check_weights({"travel": 1.0})
    only_travel = {"travel": 1.0, "skill": 0.0, "load": 0.0, "window": 0.0, "preference": 0.0}
    loaded_near = engineer("loaded_near", booked_min=400.0)
    free_far = engineer("free_far", 31.10, 121.30)
    assert rank([free_far, loaded_near], job(), only_travel).ranked[0]["engineer_id"] == (
        "loaded_near"
    )


def test_the_status_flow_is_enforced() -> None:
    check_transition("proposed", "scheduled")
    for final in ("done", "cancelled"):
        assert TRANSITIONS[final] == frozenset()
    with pytest.raises(Conflict, match="cannot become done"):
        check_transition("proposed", "done")
    with pytest.raises(Conflict, match="none \\(final\\)"):
        check_transition("done", "on_site")


def test_the_greedy_plan_does_not_double_book_an_engineer() -> None:
    start = datetime(2026, 12, 9, 2, 0, tzinfo=UTC)  # Wed 10:00 Shanghai
    solo = FieldEngineer(
        id="e1",
        name="solo",
        skills=["installation"],
        certifications=[],
        regions=[],
        home_lat=31.21,
        home_lon=121.58,
        timezone="Asia/Shanghai",
        work_start="08:30",
        work_end="18:00",
        work_days=[1, 2, 3, 4, 5, 6, 7],
        calendar=[],
        live_at=None,
    )
    orders = [
        WorkOrder(
            id=f"o{i}",
            lat=SITE[0],
            lon=SITE[1],
            window_start=start,
            window_end=datetime(2026, 12, 9, 5, 0, tzinfo=UTC),
            duration_min=120,
            required_skills=["installation"],
            priority="normal",
            preferred_engineer_ids=[],
            region=None,
        )
        for i in range(3)
    ]
    plan = plan_day(orders, [solo], datetime(2026, 12, 8, 1, 0, tzinfo=UTC))
    assigned = [p for p in plan if p["engineer_id"]]
    # two-hour jobs, arrivals by 13:00: 10:00 and 12:00 fit, the third does not
    starts = [datetime.fromisoformat(p["scheduled_start"]) for p in assigned]
    assert starts[0] == start
    assert len(starts) == 2
    assert (starts[1] - starts[0]).total_seconds() >= 120 * 60 + assigned[1]["travel_min"] * 60 - 60
    assert plan[2]["engineer_id"] is None
    assert plan[2]["unplanned"] == {"no_slot_in_window": 1}
