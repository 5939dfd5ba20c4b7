"""Inbound events over HTTP and the CLI: accepted as interactions of the right customer,
accepted once per idempotency key, refused with field paths and kept, permissions;
the event schemas; reading the outbox; a registered consumer sees the event."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, sessionmaker

from kith.access.models import RolePermission
from kith.access.repository import AccessRepository
from kith.app import create_app
from kith.container import Container
from kith.db.engine import make_session_factory
from kith.db.uow import UnitOfWork
from kith.events import consumers as registry
from kith.events.envelope import Envelope
from kith.events.models import InboundRejection, OutboxEvent
from tests.conftest import Api, Workspace, sign_in

VISIT = {
    "type": "web.visit",
    "data": {
        "visitor": {"email": "director@hospital.cn"},
        "page": "远程质控模块",
        "url": "https://example.cn/products/remote-qc",
        "duration_s": 95,
    },
}


def grant_events(
    session_factory: sessionmaker[Session], tenant_id: str, role: str = "admin"
) -> None:
    """Give a role the `event` rights (the built-in roles do not carry them yet)."""
    with UnitOfWork(session_factory) as uow:
        role_row = AccessRepository(uow.session).role_by_name(tenant_id, role)
        assert role_row is not None
        for action in ("create", "read"):
            if uow.session.get(RolePermission, (role_row.id, "event", action)) is None:
                uow.session.add(
                    RolePermission(
                        tenant_id=tenant_id,
                        role_id=role_row.id,
                        object_type="event",
                        action=action,
                        scope="all",
                    )
                )
        uow.commit()


@pytest.fixture
def admin(app_client: TestClient, workspace: Workspace, container: Container) -> Api:
    grant_events(container.session_factory, workspace.tenant_id)
    return sign_in(app_client, workspace.users["admin"].email)


def api_key(client: TestClient, owner: Api, *scopes: str) -> Api:
    created = owner.post("/api-keys", {"name": "integration", "scopes": list(scopes)})
    return Api(client, created["secret"])


def rejections(container: Container) -> list[dict[str, Any]]:
    with container.uow() as uow:
        rows = uow.session.scalars(select(InboundRejection).order_by(InboundRejection.received_at))
        return [
            {"raw_body": r.raw_body, "principal_kind": r.principal_kind, "errors": r.errors}
            for r in rows
        ]


def test_an_inbound_event_becomes_an_interaction_of_the_matching_contact(
    app_client: TestClient, admin: Api, container: Container
) -> None:
    account = admin.post("/accounts", {"name": "协和医院"})
    contact = admin.post(
        "/contacts",
        {"name": "王主任", "email": "director@hospital.cn", "account_id": account["id"]},
    )
    integration = api_key(app_client, admin, "events:write")

    accepted = integration.post("/events", VISIT)

    assert accepted["status"] == "accepted"
    assert (accepted["contact_id"], accepted["account_id"]) == (contact["id"], account["id"])
    interaction = admin.get(f"/interactions/{accepted['interaction_id']}")
    assert (interaction["channel"], interaction["direction"]) == ("web", "inbound")
    assert interaction["subject"] == "Visited 远程质控模块"
    assert interaction["owner_id"] == contact["owner_id"]
    assert interaction["meta"]["event_type"] == "web.visit"
    assert interaction["meta"]["data"]["duration_s"] == 95
    with container.uow() as uow:
        event = uow.session.scalars(
            select(OutboxEvent).where(OutboxEvent.subject_id == accepted["interaction_id"])
        ).one()
        assert event.type == "interaction.received"
        assert event.actor_kind == "api_key"
        assert event.payload["record"]["meta"]["data"]["page"] == "远程质控模块"


def test_other_event_types_find_the_customer_by_their_own_identifiers(admin: Api) -> None:
    by_app = admin.post("/contacts", {"name": "李女士", "app_user_id": "app-778"})
    by_external = admin.post("/contacts", {"name": "车主", "external_id": "crm-42"})

    app_event = admin.post(
        "/events",
        {
            "type": "app.event",
            "data": {"app_user_id": "app-778", "name": "feedback", "text": "冬季续航缩水严重"},
        },
    )
    reading = admin.post(
        "/events",
        {
            "type": "telemetry.reading",
            "data": {
                "device_id": "BMS-1",
                "model": "EV-7",
                "region": "哈尔滨",
                "owner": {"external_id": "crm-42"},
                "metrics": {"battery_temp_c": -21.5, "soh_pct": 88},
            },
        },
    )
    nobody = admin.post(
        "/events",
        {
            "type": "business.event",
            "data": {"system": "MES", "name": "unit_off_line", "data": {"serial": "X1"}},
        },
    )

    assert app_event["contact_id"] == by_app["id"]
    assert admin.get(f"/interactions/{app_event['interaction_id']}")["text"] == "冬季续航缩水严重"
    assert reading["contact_id"] == by_external["id"]
    assert admin.get(f"/interactions/{reading['interaction_id']}")["channel"] == "iot"
    assert nobody["contact_id"] is None
    assert admin.get(f"/interactions/{nobody['interaction_id']}")["subject"] == "MES: unit_off_line"


def test_the_same_idempotency_key_is_accepted_once(admin: Api) -> None:
    event = {**VISIT, "idempotency_key": "visit-2026-11-21-0001"}

    first = admin.call("POST", "/events", 201, json=event)
    again = admin.call("POST", "/events", 200, json=event)

    assert again == {**first, "status": "duplicate"}
    listed = admin.get("/interactions")["items"]
    assert [i["id"] for i in listed] == [first["interaction_id"]]


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        (b'{"type": "web.visit", "data": ', ["body"]),
        (json.dumps({"type": "web.vist", "data": {}}).encode(), ["body", "type"]),
        (
            json.dumps({**VISIT, "data": {**VISIT["data"], "url": "not a url"}}).encode(),  # type: ignore[dict-item]
            ["body", "data", "url"],
        ),
        (
            json.dumps(
                {**VISIT, "data": {**VISIT["data"], "visitor": {"contact_id": "f" * 32}}}  # type: ignore[dict-item]
            ).encode(),
            ["body", "data", "visitor", "contact_id"],
        ),
    ],
    ids=["malformed-json", "unknown-type", "invalid-field", "unknown-contact"],
)
def test_a_refused_event_gets_field_paths_and_is_kept_with_its_body(
    admin: Api, container: Container, raw: bytes, loc: list[str]
) -> None:
    response = admin.client.post(
        "/api/v1/events",
        content=raw,
        headers={**admin.headers, "Content-Type": "application/json"},
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert loc in [e["loc"] for e in response.json()["errors"]]
    [kept] = rejections(container)
    assert kept["raw_body"] == raw.decode()
    assert kept["principal_kind"] == "user"
    assert loc in [e["loc"] for e in kept["errors"]]
    assert admin.get("/interactions")["items"] == [], "a refused event wrote a record"


def test_sending_events_needs_the_scope_and_the_grant(
    app_client: TestClient,
    admin: Api,
    workspace: Workspace,
    container: Container,
) -> None:
    wrong_scope = api_key(app_client, admin, "contacts:write")
    assert wrong_scope.post("/events", VISIT, 403)["title"] == "Forbidden"
    sales = sign_in(app_client, workspace.users["sales"].email)
    sales.post("/events", VISIT, 403)
    app_client.cookies.clear()  # signing in left a session cookie on the client
    assert app_client.post("/api/v1/events", json=VISIT).status_code == 401
    assert rejections(container) == [], "permission failures are answered, not logged as events"


def test_event_schemas_are_listed_with_json_schema(app_client: TestClient, admin: Api) -> None:
    schemas = {s["type"]: s for s in admin.get("/event-schemas")}
    assert {"interaction.inbound", "web.visit", "app.event", "telemetry.reading"} <= set(schemas)
    assert "metrics" in schemas["telemetry.reading"]["json_schema"]["properties"]
    app_client.cookies.clear()
    assert app_client.get("/api/v1/event-schemas").status_code == 401


def test_admins_page_through_their_own_workspaces_outbox(
    app_client: TestClient,
    admin: Api,
    workspace: Workspace,
    other_workspace: Workspace,
    container: Container,
) -> None:
    for n in range(3):
        admin.post("/accounts", {"name": f"Account {n}"})
    grant_events(container.session_factory, other_workspace.tenant_id)
    stranger = sign_in(app_client, other_workspace.users["admin"].email)
    stranger.post("/accounts", {"name": "Globex account"})

    first = admin.get("/events", params={"limit": 2, "type": "account.created"})
    rest = admin.get("/events", params={"after_seq": first["next_after_seq"], "limit": 2})

    names = [e["payload"]["record"]["name"] for e in first["items"] + rest["items"]]
    assert names == ["Account 0", "Account 1", "Account 2"]
    assert rest["next_after_seq"] is None
    assert sign_in(app_client, workspace.users["sales"].email).get("/events", 403)


def test_a_registered_consumer_receives_the_inbound_event(
    container: Container, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Envelope] = []

    class Collector:
        name = "collector"
        event_types = frozenset({"interaction.received"})

        def handle(self, envelope: Envelope, uow: UnitOfWork) -> None:
            seen.append(envelope)

    monkeypatch.setattr(registry, "_factories", [lambda _c: Collector()])
    grant_events(container.session_factory, workspace.tenant_id)
    with TestClient(create_app(container)) as client:
        admin = sign_in(client, workspace.users["admin"].email)
        accepted = admin.post("/events", VISIT)
        deadline = time.monotonic() + 15
        while not seen and time.monotonic() < deadline:
            time.sleep(0.02)
    assert [e.subject_id for e in seen] == [accepted["interaction_id"]]
    assert seen[0].payload["record"]["meta"]["event_type"] == "web.visit"


# --- the CLI -----------------------------------------------------------------------------


def kith(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KITH_")}
    environment.update({"KITH_HOME": str(home), "KITH_MODE": "test"})
    return subprocess.run(
        [sys.executable, "-m", "kith", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cli_home(tmp_path: Path) -> Path:
    init = kith(tmp_path, "init", "--admin-email", "root@corp.cn", "--admin-password", "pw-1234567")
    assert init.returncode == 0, init.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'kith.db'}")
    session_factory = make_session_factory(engine)
    with UnitOfWork(session_factory) as uow:
        tenant = AccessRepository(uow.session).tenant_by_slug("default")
        assert tenant is not None
        tenant_id = tenant.id
    grant_events(session_factory, tenant_id)
    engine.dispose()
    return tmp_path


def test_the_cli_sends_events_and_shows_outbox_and_dead_letters(
    cli_home: Path, tmp_path: Path
) -> None:
    data = tmp_path / "visit.json"
    data.write_text(json.dumps(VISIT["data"], ensure_ascii=False), encoding="utf-8")

    sent = kith(cli_home, "events", "send", "web.visit", "--data", f"@{data}", "--json")
    refused = kith(cli_home, "events", "send", "web.visit", "--data", '{"page": "x"}')
    tail = kith(cli_home, "events", "tail", "--type", "interaction.received", "--json")
    letters = kith(cli_home, "events", "dead-letters", "--json")
    replay = kith(cli_home, "events", "replay", "--since", "2026-01-01", "--json")

    assert sent.returncode == 0, sent.stderr
    accepted: dict[str, Any] = json.loads(sent.stdout)
    assert accepted["status"] == "accepted"
    assert refused.returncode == 2
    assert "body.data.visitor" in refused.stderr
    assert [e["subject"] for e in json.loads(tail.stdout)] == [
        f"interaction/{accepted['interaction_id']}"
    ]
    assert json.loads(letters.stdout) == []
    assert replay.returncode == 0, replay.stderr
    assert "scheduled" in json.loads(replay.stdout)


def test_an_inbound_email_finds_its_contact_whatever_the_case(admin: Api) -> None:
    """Issue 24: `JINGHE@mail.example` matched no one because the lookup compared case."""
    lower = admin.post("/contacts", {"name": "景和", "email": "jinghe@mail.example"})
    mixed = admin.post("/contacts", {"name": "Mixed Case", "email": "Mei.Lin@Mail.Example"})

    def visit(email: str) -> Any:
        event = {**VISIT, "data": {**VISIT["data"], "visitor": {"email": email}}}  # type: ignore[dict-item]
        return admin.post("/events", event)

    assert visit("JINGHE@mail.example")["contact_id"] == lower["id"]
    assert visit("jinghe@MAIL.EXAMPLE")["contact_id"] == lower["id"]
    assert visit("mei.lin@mail.example")["contact_id"] == mixed["id"]
    assert visit("someone.else@mail.example")["contact_id"] is None


def test_a_batch_of_telemetry_stores_the_good_lines_and_refuses_the_bad_with_paths(
    app_client: TestClient, admin: Api, container: Container
) -> None:
    owner = admin.post("/contacts", {"name": "车主甲", "external_id": "fleet-7"})
    integration = api_key(app_client, admin, "events:write")

    def reading(n: int, soc: float) -> str:
        return json.dumps(
            {
                "type": "telemetry.reading",
                "data": {
                    "device_id": f"VIN-{n}",
                    "owner": {"external_id": "fleet-7"},
                    "metrics": {"soc_pct": soc},
                },
                "idempotency_key": f"VIN-{n}-r1",
            }
        )

    lines = [reading(n, 40 + n) for n in range(5)]
    lines.insert(2, reading(99, 250))  # out of range
    lines.insert(4, "{not json")
    body = "\n".join(lines) + "\n"
    headers = {**integration.headers, "Content-Type": "application/x-ndjson"}

    first = app_client.post("/api/v1/events/batch", content=body, headers=headers)
    assert first.status_code == 200, first.text
    out = first.json()
    assert (out["accepted"], out["duplicates"], out["refused"]) == (5, 0, 2)
    refused = [r for r in out["results"] if r["status"] == "refused"]
    assert [r["line"] for r in refused] == [3, 5]
    assert any("soc_pct" in json.dumps(e["loc"]) for e in refused[0]["errors"])
    stored = [r["interaction_id"] for r in out["results"] if r["status"] == "accepted"]
    assert admin.get(f"/interactions/{stored[0]}")["contact_id"] == owner["id"]
    assert len(rejections(container)) == 2

    # the same batch again (a client retrying after a timeout) stores nothing twice
    again = app_client.post("/api/v1/events/batch", content=body, headers=headers).json()
    assert (again["accepted"], again["duplicates"]) == (0, 5)

    empty = app_client.post("/api/v1/events/batch", content="\n", headers=headers)
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["loc"] == ["body"]
