"""Travel times from a routing service: an OSRM-compatible table API (a small fake one
started here on a free port) drives the ranking when ``KITH_ROUTING_URL`` is set; when
it is slow, down or answers nonsense the ranking falls back to haversine and says so."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from kith.bootstrap import wire_services
from kith.container import Container
from kith.demo.fieldservice import seed_field_resources
from kith.fieldservice.ranking import Candidate, Job, rank
from kith.fieldservice.routing import OsrmTable, TravelTime
from kith.gateway.gateway import gateway_of
from kith.gateway.models import DecisionRecord
from tests.conftest import Workspace
from tests.integration.test_fieldservice_demo import ANCHOR

SITE = (31.2050, 121.5900)


class FakeOsrm(ThreadingHTTPServer):
    """``/table/v1/driving/<lon,lat;…>``: the first coordinate is the destination; each
    source's duration is ``minutes[source's longitude]`` (else 10 min per 0.01° of
    longitude), in seconds. ``mode``: ok | slow | error | bad | null_first."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.mode = "ok"
        self.minutes: dict[str, float] = {}
        self.requests: list[dict[str, Any]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeOsrm

    def log_message(self, *args: Any) -> None:
        return None

    def do_GET(self) -> None:
        parsed = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        coords = parsed.path.removeprefix("/table/v1/driving/").split(";")
        self.server.requests.append({"path": parsed.path, **query, "coords": coords})
        mode = self.server.mode
        if mode == "slow":
            time.sleep(1.0)
        if mode == "error":
            self._send(500, {"code": "InternalError"})
            return
        if mode == "bad":
            self._send(200, {"code": "NoTable"})
            return
        sources = [int(i) for i in query["sources"].split(";")]
        durations, distances = [], []
        for n, i in enumerate(sources):
            lon = coords[i].split(",")[0]
            minutes = self.server.minutes.get(lon, abs(float(lon) - SITE[1]) * 1000)
            missing = mode == "null_first" and n == 0
            durations.append([None if missing else minutes * 60.0])
            distances.append([None if missing else minutes * 500.0])
        self._send(200, {"code": "Ok", "durations": durations, "distances": distances})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout)


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    server = FakeOsrm()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _engineer(id: str, lat: float, lon: float) -> Candidate:
    return Candidate(
        id=id,
        name=id,
        lat=lat,
        lon=lon,
        skills=frozenset({"installation"}),
        certifications={},
        regions=frozenset(),
        work=(-90.0, 480.0),
    )


JOB = Job(
    lat=SITE[0],
    lon=SITE[1],
    day=date(2026, 12, 9),
    window_min=420.0,
    duration_min=120.0,
    required_skills=("installation",),
    not_before_min=-1440.0,
)
# "across" is nearer as the crow flies, but the river is in the way
ACROSS = _engineer("across", 31.2300, 121.5000)
ROUND = _engineer("round", 31.1000, 121.4000)


def test_the_routing_service_decides_the_travel_factor(osrm: FakeOsrm) -> None:
    offline = rank([ACROSS, ROUND], JOB)
    assert [r["engineer_id"] for r in offline.ranked] == ["across", "round"]
    assert offline.as_dict()["travel_source"] == "haversine"

    osrm.minutes = {"121.500000": 150.0, "121.400000": 25.0}
    routed = rank([ACROSS, ROUND], JOB, travel_time=OsrmTable(osrm.url, 2.0))
    explained = routed.as_dict()
    assert [r["engineer_id"] for r in routed.ranked] == ["round", "across"]
    assert [r["travel_min"] for r in routed.ranked] == [25.0, 150.0]
    assert explained["travel_source"] == "osrm" and explained["travel_note"] is None
    assert osrm.url in explained["method"]["travel"]
    sent = osrm.requests[-1]
    assert sent["destinations"] == "0" and sent["sources"] == "1;2"
    assert sent["coords"][0] == f"{SITE[1]:.6f},{SITE[0]:.6f}"  # lon,lat: the site


@pytest.mark.parametrize("mode", ["slow", "error", "bad"])
def test_a_failing_routing_service_falls_back_to_haversine_and_says_so(
    osrm: FakeOsrm, mode: str
) -> None:
    osrm.mode = mode
    routed = rank([ACROSS, ROUND], JOB, travel_time=OsrmTable(osrm.url, 0.2)).as_dict()
    offline = rank([ACROSS, ROUND], JOB).as_dict()
    assert routed["travel_source"] == "haversine_fallback"
    assert "unavailable" in routed["travel_note"]
    assert "failed" in routed["method"]["travel"]
    assert [r["travel_min"] for r in routed["ranked"]] == [
        r["travel_min"] for r in offline["ranked"]
    ]


def test_an_unroutable_engineer_alone_falls_back(osrm: FakeOsrm) -> None:
    osrm.mode = "null_first"
    osrm.minutes = {"121.400000": 25.0}
    routed = rank([ACROSS, ROUND], JOB, travel_time=OsrmTable(osrm.url, 2.0)).as_dict()
    offline = {r["engineer_id"]: r["travel_min"] for r in rank([ACROSS], JOB).ranked}
    by_id = {r["engineer_id"]: r["travel_min"] for r in routed["ranked"]}
    assert by_id == {"across": offline["across"], "round": 25.0}
    assert routed["travel_source"] == "osrm" and "1 engineer" in routed["travel_note"]


def test_many_engineers_are_asked_in_chunks_the_service_accepts(osrm: FakeOsrm) -> None:
    crowd = [_engineer(f"e{i}", 31.2 + i * 0.0001, 121.45) for i in range(150)]
    rank(crowd, JOB, travel_time=OsrmTable(osrm.url, 2.0), limit=3)
    assert [len(r["sources"].split(";")) for r in osrm.requests] == [99, 51]


def test_the_gateway_recommendation_uses_the_configured_service(
    osrm: FakeOsrm, container: Container, workspace: Workspace
) -> None:
    """With KITH_ROUTING_URL set, ``dispatch.recommend`` (and its decision record) says
    travel came from the routing service; when it goes down, from haversine."""
    from kith.demo.fieldservice import dispatcher
    from kith.fieldservice.schemas import WorkOrderIn

    container.clock = lambda: ANCHOR
    container.settings = container.settings.model_copy(
        update={"routing_url": osrm.url, "routing_timeout_seconds": 0.5}
    )
    wire_services(container)
    seed_field_resources(container, workspace.tenant_id, ANCHOR)
    principal = dispatcher(container, workspace.tenant_id)
    order_in = WorkOrderIn(
        kind="installation",
        title="Install",
        asset_serial="SN-ROUTED",
        asset_kind="serial",
        address="上海市浦东新区张江路 188 号",
        lat=SITE[0],
        lon=SITE[1],
        window_start=datetime(2026, 11, 21, 1, 0, tzinfo=UTC),
        window_end=datetime(2026, 11, 21, 9, 0, tzinfo=UTC),
        duration_min=60,
    )
    gateway = gateway_of(container)
    with container.uow() as uow:
        made = gateway.execute(
            uow, principal, "workorders.propose", order_in.model_dump(mode="json"), purpose="api"
        )
        uow.commit()
        made.raise_for_outcome()
        order_id = made.output["work_order"]["id"]  # type: ignore[index]

    def recommend() -> tuple[dict[str, Any], str]:
        with container.uow() as uow:
            result = gateway.execute(
                uow, principal, "dispatch.recommend", {"work_order_id": order_id}, purpose="api"
            )
            uow.commit()
            result.raise_for_outcome()
            return dict(result.output or {}), str(result.decision_id)

    out, decision_id = recommend()
    assert out["travel_source"] == "osrm" and osrm.requests
    with container.uow() as uow:
        record = uow.session.get(DecisionRecord, decision_id)
        assert record is not None and record.output["travel_source"] == "osrm"

    osrm.mode = "error"
    down, _ = recommend()
    assert down["travel_source"] == "haversine_fallback"
    assert down["ranked"], "the ranking still answers"


def test_no_url_means_offline() -> None:
    from kith.fieldservice.routing import from_settings

    assert type(from_settings(None, 2.0)) is TravelTime
    assert isinstance(from_settings("http://127.0.0.1:9", 1.0), OsrmTable)
