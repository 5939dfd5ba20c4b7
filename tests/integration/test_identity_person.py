"""One person across linked contacts (SQLite and PostgreSQL): consent after a link —
the most restrictive state of the linked records wins, at the gateway's consent
check; DSAR export and erasure span every linked record; a contact's timeline and
its read and scores show the whole person; survivorship of contact fields on merge (most
recent, most trusted, manual pick) and their exact restore on unmerge."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from kith.access.models import User
from kith.access.principal import Principal
from kith.access.service import principal_for_user, system_principal
from kith.container import Container
from kith.crm import schemas as s
from kith.crm.models import Contact
from kith.crm.service import RecordService
from kith.crm.specs import PATCH_SCHEMAS, SPECS
from kith.db.uow import UnitOfWork
from kith.gateway.gateway import Gateway, gateway_of
from kith.identity.ingest import IdentityIngest
from kith.identity.models import IdentityLink, IdentityNode
from kith.intelligence.models import Score
from kith.privacy import dsar
from kith.privacy.dsar import ERASED
from kith.privacy.models import ErasureTombstone
from kith.privacy.schemas import ConsentIn
from kith.privacy.service import ConsentService
from kith.transfer.exporter import export_file
from kith.transfer.importer import ImportOptions, import_file
from tests.conftest import Api, Workspace

As = Callable[[str, Callable[[UnitOfWork, Principal], Any]], Any]
T0 = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
PHONE = "13912345678"


@pytest.fixture
def as_user(container: Container, workspace: Workspace) -> As:
    def _as(role: str, fn: Callable[[UnitOfWork, Principal], Any]) -> Any:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users[role].id)
            assert user is not None
            out = fn(uow, principal_for_user(uow.session, user))
            uow.commit()
            return out

    return _as


def _contact(container: Container, principal: Principal, at: datetime, **fields: Any) -> str:
    with container.uow() as uow:
        created: str = RecordService(uow, principal, clock=lambda: at).create(
            "contact", s.ContactIn(**fields)
        )["id"]
        uow.commit()
        return created


def _graph(container: Container, tenant: str, contact_id: str, **fields: Any) -> dict[str, Any]:
    with container.uow() as uow:
        out: dict[str, Any] = IdentityIngest(
            uow, system_principal(tenant), clock=lambda: T0
        ).ingest("contact", contact_id, fields)
        uow.commit()
        return out


def _admin(container: Container, workspace: Workspace) -> Principal:
    with container.uow() as uow:
        user = uow.session.get(User, workspace.users["admin"].id)
        assert user is not None
        return principal_for_user(uow.session, user)


def _one_person(container: Container, workspace: Workspace) -> tuple[str, str]:
    """Two contacts of 王丽 (the app's and the branch's) attached to one person."""
    admin = _admin(container, workspace)
    app = _contact(container, admin, T0, name="王丽", mobile=PHONE, email="wangli@mail.example")
    branch = _contact(container, admin, T0 + timedelta(hours=1), name="王麗", mobile=f"+86 {PHONE}")
    tenant = workspace.tenant_id
    _graph(container, tenant, app, name="王丽", phone=PHONE, city="杭州")
    attached = _graph(container, tenant, branch, name="王麗", phone=f"+86 {PHONE}", city="杭州")
    assert attached["decision"] == "attach", attached
    return app, branch


def _send(contact_id: str, channel: str = "sms") -> Callable[[UnitOfWork, Principal], Any]:
    def run(uow: UnitOfWork, p: Principal) -> Any:
        args = {
            "contact_id": contact_id,
            "channel": channel,
            "subject": "优惠",
            "body": "冬季 8 折",
        }
        return Gateway().execute(uow, p, "messages.send", args, purpose="marketing")

    return run


def test_an_opt_out_on_one_identity_refuses_marketing_to_the_linked_one(
    container: Container, workspace: Workspace, as_user: As
) -> None:
    app, branch = _one_person(container, workspace)
    consents = {
        app: ConsentIn(purpose="marketing", channel="*", state="revoked"),
        branch: ConsentIn(purpose="marketing", channel="sms", state="granted"),
    }
    for contact_id, consent in consents.items():
        as_user(
            "admin", lambda uow, p, c=contact_id, e=consent: ConsentService(uow, p).record(c, e)
        )

    refused = as_user("marketing", _send(branch))
    assert refused.status == "refused"
    assert app in (refused.reason or "") and "same person" in (refused.reason or "")

    # A stranger with the branch's grant only: the same message goes on.
    admin = _admin(container, workspace)
    other = _contact(container, admin, T0, name="赵敏", mobile="13700000001")
    as_user("admin", lambda uow, p: ConsentService(uow, p).record(other, consents[branch]))
    assert as_user("marketing", _send(other)).status != "refused"


def test_export_and_erasure_span_every_linked_record(
    container: Container, workspace: Workspace, as_user: As
) -> None:
    app, branch = _one_person(container, workspace)

    def talk(uow: UnitOfWork, p: Principal) -> None:
        RecordService(uow, p).create(
            "interaction",
            s.InteractionIn(channel="app", direction="inbound", contact_id=app, text="续航问题"),
        )

    as_user("admin", talk)
    body: bytes = as_user("admin", lambda uow, p: dsar.export_zip(uow, p, branch))
    data = json.loads(zipfile.ZipFile(io.BytesIO(body)).read("data.json"))
    assert [c["id"] for c in data["linked_contacts"]] == [app]
    assert data["person"]["linked_contacts"] == [app]
    assert [i["text"] for i in data["tables"]["interactions"]] == ["续航问题"]

    def erase(uow: UnitOfWork, p: Principal) -> dict[str, int]:
        return dict(dsar.erase(uow, p, container.settings, branch, "客户要求删除").summary)

    summary = as_user("admin", erase)
    assert summary["linked_contacts.erased"] == 1 and summary["identity_nodes.deleted"] == 2
    with container.uow() as uow:
        for contact_id in (app, branch):
            row = uow.session.get(Contact, contact_id)
            assert row is not None and row.deleted_at is not None and row.name == ERASED
            assert row.mobile is None and row.email is None
        assert len(uow.session.scalars(select(ErasureTombstone)).all()) == 2
        tenant = workspace.tenant_id
        assert (
            uow.session.scalars(select(IdentityNode).where(IdentityNode.tenant_id == tenant)).all()
            == []
        )


def test_a_contacts_timeline_and_read_show_the_whole_person(
    container: Container, workspace: Workspace, as_user: As, request: pytest.FixtureRequest
) -> None:
    app, branch = _one_person(container, workspace)  # before the server's consumers start
    as_user(
        "admin",
        lambda uow, p: RecordService(uow, p).create(
            "interaction",
            s.InteractionIn(channel="app", direction="inbound", contact_id=app, text="续航问题"),
        ),
    )
    with container.uow() as uow:
        uow.session.add(
            Score(
                tenant_id=workspace.tenant_id, object_type="contact", record_id=app,
                kind="churn", score=0.7, band="high", model_version="churn@1", factors=[],
            )
        )  # fmt: skip
        uow.commit()
    api: Api = request.getfixturevalue("as_role")("admin")
    scores = api.get(f"/contacts/{branch}/scores")
    assert [(x["kind"], x["linked_record_id"]) for x in scores if x["score"] is not None] == [
        ("churn", app)
    ]
    read = api.get(f"/contacts/{branch}")
    assert read["person"]["linked_contacts"] == [app]
    assert {i["ref"] for i in read["person"]["identities"]} == {app, branch}
    timeline = api.get(f"/contacts/{branch}/timeline")["items"]
    assert any(e["subject_type"] == "interaction" for e in timeline)
    assert {e.get("subject_id") for e in timeline} >= {app, branch}
    # A contact of no one else: no linked contacts (no person while outside the graph).
    alone = _contact(container, _admin(container, workspace), T0, name="孙悟空")
    person = api.get(f"/contacts/{alone}")["person"]
    assert person is None or person["linked_contacts"] == []


FIELDS = ("name", "email", "mobile", "city", "title")


def _fields(container: Container, contact_id: str) -> dict[str, Any]:
    with container.uow() as uow:
        row = uow.session.get(Contact, contact_id)
        assert row is not None
        return {f: getattr(row, f) for f in FIELDS}


def test_survivorship_on_merge_and_exact_restore_on_unmerge(
    container: Container, workspace: Workspace
) -> None:
    tenant = workspace.tenant_id
    admin = _admin(container, workspace)
    # The branch contact typed by a person; a later one written by the system (an import).
    kept = _contact(
        container, admin, T0, name="张建国", email="zjg@old.example", mobile=PHONE, city="上海"
    )
    later = _contact(
        container,
        system_principal(tenant),
        T0 + timedelta(days=3),
        name="Zhang Jianguo",
        email="zjg@new.example",
        mobile="13811112222",
        city="杭州",
        title="经理",
    )
    a = _graph(container, tenant, kept, name="张建国", phone=PHONE, city="上海")
    b = _graph(container, tenant, later, name="张建国", phone="13811112222", city="上海")
    assert b["decision"] == "propose" and a["person_id"] != b["person_id"]
    before = _fields(container, kept)
    with container.uow() as uow:
        link_id = uow.session.scalars(
            select(IdentityLink.id).where(IdentityLink.state == "proposed")
        ).one()
    gateway = gateway_of(container)

    def call(tool: str, args: dict[str, Any]) -> Any:
        with container.uow() as uow:
            user = uow.session.get(User, workspace.users["admin"].id)
            assert user is not None
            result = gateway.execute(
                uow, principal_for_user(uow.session, user), tool, args, purpose="service"
            )
            uow.commit()
            return result

    merged = call(
        "identity.merge",
        {"link_id": link_id, "picks": {"city": later}, "rules": {"mobile": "most_trusted"}},
    )
    assert merged.status == "executed", merged.reason
    after = _fields(container, kept)
    assert after == {
        "name": "张建国",  # most trusted: a person's entry beats the import's
        "email": "zjg@new.example",  # most recent
        "mobile": PHONE,  # rule overridden to most trusted
        "city": "杭州",  # manual pick
        "title": "经理",  # the only value (title is most trusted; one side is empty)
    }
    fields = merged.output["merge"]["evidence"]  # the evidence is unchanged by survivorship
    assert fields["links"][0]["link_id"] == link_id

    undone = call("identity.unmerge", {"merge_id": merged.output["merge"]["id"]})
    assert undone.status == "executed", undone.reason
    assert _fields(container, kept) == before

    # Merged again (the title comes from the later contact), then the title is edited:
    # the unmerge would overwrite the edit, so it is refused.
    with container.uow() as uow:
        link_id = uow.session.scalars(
            select(IdentityLink.id).where(IdentityLink.state == "proposed")
        ).one()
    again = call("identity.merge", {"link_id": link_id})
    assert again.status == "executed", again.reason
    with container.uow() as uow:
        row = uow.session.get(Contact, kept)
        assert row is not None
        RecordService(uow, system_principal(tenant)).update(
            "contact", kept, PATCH_SCHEMAS["contact"](version=row.version, title="总监")
        )
        uow.commit()
    refused = call("identity.unmerge", {"merge_id": again.output["merge"]["id"]})
    assert refused.status != "executed" and "edited since the merge" in (refused.reason or "")


def test_an_export_of_contacts_carries_each_records_person(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    app, branch = _one_person(container, workspace)
    target = tmp_path / "contacts.csv"
    with container.uow() as uow:
        user = uow.session.get(User, workspace.users["admin"].id)
        assert user is not None
        principal = principal_for_user(uow.session, user)
        export_file(uow, principal, SPECS["contact"], target, "csv")
    with target.open(encoding="utf-8-sig") as stream:
        rows = {r["id"]: r for r in csv.DictReader(stream)}
    assert rows[app]["person_id"] and rows[app]["person_id"] == rows[branch]["person_id"]


def _import(
    container: Container, workspace: Workspace, path: Path, mode: str, batch: int = 1000
) -> Any:
    with container.uow() as uow:
        user = uow.session.get(User, workspace.users["admin"].id)
        assert user is not None
        options = ImportOptions(fmt="csv", on_duplicate=mode, batch_size=batch)  # type: ignore[arg-type]
        return import_file(
            uow, principal_for_user(uow.session, user), SPECS["contact"], path, options
        )


def test_an_import_flags_or_skips_likely_duplicates_of_known_people_and_earlier_rows(
    container: Container, workspace: Workspace, tmp_path: Path
) -> None:
    app, _ = _one_person(container, workspace)  # 王丽, known to the graph
    rows = [
        ["name", "mobile", "city"],
        ["王丽", PHONE, "杭州"],  # a known person
        ["张三丰", "13700000002", "武汉"],  # new
        ["張三豐", "+86 137 0000 0002", "武汉"],  # the row before, in traditional characters
        ["李四", "13600000003", "成都"],  # new
    ]
    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(rows)
    flagged = _import(container, workspace, path, "flag")
    assert flagged.created == 4
    assert {(f["line"], tuple(f["flags"])) for f in flagged.flagged} == {
        (2, ("possible_duplicate",)),
        (4, ("possible_duplicate",)),
    }

    again = tmp_path / "again.csv"
    with again.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows([rows[0], ["王丽", f"+86 {PHONE}", "杭州"], rows[4]])
    skipped = _import(container, workspace, again, "skip")
    assert (skipped.created, skipped.rejected) == (0, 2)  # both people are known now
    reasons = (tmp_path / "again.rejected.csv").read_text(encoding="utf-8-sig")
    assert "likely duplicate of person" in reasons and "--on-duplicate skip" in reasons
    # A row that updates its own record (matched by e-mail) is not a twin: not skipped.
    update = tmp_path / "update.csv"
    with update.open("w", encoding="utf-8", newline="") as stream:
        csv.writer(stream).writerows(
            [["name", "email", "city"], ["王丽", "WangLi@mail.example", "苏州"]]
        )
    updated = _import(container, workspace, update, "skip")
    assert (updated.updated, updated.rejected) == (1, 0)
    with container.uow() as uow:
        names = [c.name for c in uow.session.scalars(select(Contact).where(Contact.id != app))]
    assert sorted(names) == sorted(["王麗", "王丽", "张三丰", "張三豐", "李四"])  # none skipped
